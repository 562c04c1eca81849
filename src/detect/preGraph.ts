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
 * ONNX model bytes for the card's input. Order matters for speed: transposing to planes first makes the channel
 * swap a plane copy and the scale/offset a broadcast over whole planes ([1, 3, 1, 1]); broadcasting over an
 * innermost axis of 3 (NHWC) is ORT's slow path, taken only for NHWC models.
 */
export function buildPreprocessModel(input: ModelCard['input']): Uint8Array {
  const { width: w, height: h } = input;
  const nchw = input.layout === 'NCHW';
  const a = [0, 1, 2].map((c) => input.scale / (input.std[c] ?? 1));
  const b = [0, 1, 2].map((c) => -(input.mean[c] ?? 0) / (input.std[c] ?? 1));
  const channelAxis = nchw ? 1 : 3;
  const paramDims = nchw ? [1, 3, 1, 1] : [3];
  const nodes: NodeSpec[] = [
    { opType: 'Cast', input: [PRE_INPUT], output: ['f'], int: { to: DataType.FLOAT } },
  ];
  const inits: TensorSpec[] = [floatTensor('a', paramDims, a), floatTensor('b', paramDims, b)];
  let x = 'f';
  if (nchw) {
    nodes.push({ opType: 'Transpose', input: [x], output: ['planes'], ints: { perm: [0, 3, 1, 2] } });
    x = 'planes';
  }
  if (input.colorOrder === 'bgr') {
    nodes.push({ opType: 'Gather', input: [x, 'bgr'], output: ['swapped'], int: { axis: channelAxis } });
    inits.push(int64Tensor('bgr', [3], [2, 1, 0]));
    x = 'swapped';
  }
  nodes.push({ opType: 'Mul', input: [x, 'a'], output: ['scaled'] });
  nodes.push({ opType: 'Add', input: ['scaled', 'b'], output: [PRE_OUTPUT] });
  return encodeModel({
    nodes,
    initializers: inits,
    inputs: [{ name: PRE_INPUT, elemType: DataType.UINT8, shape: ['batch', h, w, 3] }],
    outputs: [
      { name: PRE_OUTPUT, elemType: DataType.FLOAT, shape: nchw ? ['batch', 3, h, w] : ['batch', h, w, 3] },
    ],
  });
}
