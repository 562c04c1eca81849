/**
 * The preprocessing graph: letterboxed RGB pixels (uint8, [B, H, W, 3], as libvips writes them) → the model's
 * input (float32, channel order, scale/mean/std, NCHW or NHWC). Run by ONNX Runtime beside the model, so the
 * per-pixel work is done by vectorised kernels on the inference thread, not by a JS loop on the main thread.
 *
 *   value[c] = pixel[src(c)] · a[c] + b[c],  a = scale / std,  b = −mean / std
 */
import type { ModelCard } from './card.ts';
import { DataType, encodeModel, floatTensor, int64Tensor, type NodeSpec, type TensorSpec } from './onnxProto.ts';

export const PRE_INPUT = 'pixels';
export const PRE_OUTPUT = 'tensor';

/** ONNX model bytes for the card's input. */
export function buildPreprocessModel(input: ModelCard['input']): Uint8Array {
  const { width: w, height: h } = input;
  const a = [0, 1, 2].map((c) => input.scale / (input.std[c] ?? 1));
  const b = [0, 1, 2].map((c) => -(input.mean[c] ?? 0) / (input.std[c] ?? 1));
  const nodes: NodeSpec[] = [{ opType: 'Cast', input: [PRE_INPUT], output: ['f'], int: { to: DataType.FLOAT } }];
  const inits: TensorSpec[] = [floatTensor('a', [3], a), floatTensor('b', [3], b)];
  let x = 'f';
  if (input.colorOrder === 'bgr') {
    nodes.push({ opType: 'Gather', input: [x, 'bgr'], output: ['swapped'], int: { axis: 3 } });
    inits.push(int64Tensor('bgr', [3], [2, 1, 0]));
    x = 'swapped';
  }
  nodes.push({ opType: 'Mul', input: [x, 'a'], output: ['scaled'] });
  const last = input.layout === 'NCHW' ? 'nhwc' : PRE_OUTPUT;
  nodes.push({ opType: 'Add', input: ['scaled', 'b'], output: [last] });
  if (input.layout === 'NCHW') {
    nodes.push({ opType: 'Transpose', input: ['nhwc'], output: [PRE_OUTPUT], ints: { perm: [0, 3, 1, 2] } });
  }
  const outShape = input.layout === 'NCHW' ? ['batch', 3, h, w] : ['batch', h, w, 3];
  return encodeModel({
    nodes,
    initializers: inits,
    inputs: [{ name: PRE_INPUT, elemType: DataType.UINT8, shape: ['batch', h, w, 3] }],
    outputs: [{ name: PRE_OUTPUT, elemType: DataType.FLOAT, shape: outShape }],
  });
}
