/**
 * The preprocessing graph: letterboxed RGB pixels (uint8, [B, H, W, 3], as libvips writes them) → the model's
 * input (float32, channel order, scale/mean/std, NCHW or NHWC). Run by ONNX Runtime beside the model, so the
 * per-pixel work is done by vectorised kernels on the inference thread, not by a JS loop on the main thread.
 *
 *   value[c] = pixel[src(c)] · a[c] + b[c],  a = scale / std,  b = −mean / std
 */
import type { ModelCard } from './card.ts';
import {
  DataType,
  encodeModel,
  floatTensor,
  int64Tensor,
  type NodeSpec,
  type TensorSpec,
} from './onnxProto.ts';

export const PRE_INPUT = 'pixels';
export const PRE_OUTPUT = 'tensor';

/**
 * ONNX model bytes for the card's input. Order matters for speed (measured, YOLOX-Nano's 416×416 input on one
 * thread): the transpose to planes and the channel swap move bytes before the cast, not floats (a quarter of
 * the memory traffic); the scale/offset is a broadcast over whole planes ([1, 3, 1, 1]) and is left out when
 * the card's normalisation is the identity. Broadcasting over an innermost axis of 3 (NHWC) is ORT's slow
 * path, taken only for NHWC models.
 */
export function buildPreprocessModel(input: ModelCard['input']): Uint8Array {
  const { width: w, height: h } = input;
  const nchw = input.layout === 'NCHW';
  const a = [0, 1, 2].map((c) => input.scale / (input.std[c] ?? 1));
  const b = [0, 1, 2].map((c) => -(input.mean[c] ?? 0) / (input.std[c] ?? 1));
  const channelAxis = nchw ? 1 : 3;
  const paramDims = nchw ? [1, 3, 1, 1] : [3];
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [];
  let x = PRE_INPUT;
  const step = (opType: string, inputs: string[], spec: Partial<NodeSpec> = {}) => {
    const out = `t${nodes.length}`;
    nodes.push({ opType, input: [x, ...inputs], output: [out], ...spec });
    x = out;
  };
  if (nchw) step('Transpose', [], { ints: { perm: [0, 3, 1, 2] } });
  if (input.colorOrder === 'bgr') {
    inits.push(int64Tensor('bgr', [3], [2, 1, 0]));
    step('Gather', ['bgr'], { int: { axis: channelAxis } });
  }
  step('Cast', [], { int: { to: DataType.FLOAT } });
  if (a.some((v) => v !== 1)) {
    inits.push(floatTensor('a', paramDims, a));
    step('Mul', ['a']);
  }
  if (b.some((v) => v !== 0)) {
    inits.push(floatTensor('b', paramDims, b));
    step('Add', ['b']);
  }
  // The last node writes the graph's output.
  (nodes.at(-1) as NodeSpec).output = [PRE_OUTPUT];
  return encodeModel({
    nodes,
    initializers: inits,
    inputs: [{ name: PRE_INPUT, elemType: DataType.UINT8, shape: ['batch', h, w, 3] }],
    outputs: [
      { name: PRE_OUTPUT, elemType: DataType.FLOAT, shape: nchw ? ['batch', 3, h, w] : ['batch', h, w, 3] },
    ],
  });
}
