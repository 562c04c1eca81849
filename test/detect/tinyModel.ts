/**
 * Tiny ONNX models built in the test (protobufjs + the subset of onnx.proto they need), whose outputs are known:
 *   output[b] = C + max(images[b]) · M
 * C and M are given per-image output tensors; max over the whole (normalised) input image lets a test route a
 * distinct, known output to each frame of a batch (black frame → C, white frame with scale 1/255 → C + M).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';

const ONNX_PROTO = `
syntax = "proto3";
package onnx;
message AttributeProto { string name = 1; int64 i = 3; repeated int64 ints = 8; int32 type = 20; }
message NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4;
  repeated AttributeProto attribute = 5; }
message TensorProto { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9; }
message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
message TensorShapeProto { repeated Dimension dim = 1; }
message TensorTypeProto { int32 elem_type = 1; TensorShapeProto shape = 2; }
message TypeProto { TensorTypeProto tensor_type = 1; }
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message ModelProto { int64 ir_version = 1; string producer_name = 2; GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8; }
`;
const ModelProto = protobuf.parse(ONNX_PROTO).root.lookupType('onnx.ModelProto');

const FLOAT = 1;
const INT64 = 7;
const ATTR_INTS = 7;
const ATTR_INT = 2;

type Dim = number | string;

function valueInfo(name: string, shape: Dim[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function floatTensor(name: string, dims: number[], values: ArrayLike<number>) {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) };
}

export interface TinyModelSpec {
  /** Input [batch, 3, height, width]; batch a number (fixed) or a name (dynamic). */
  batch: Dim;
  width: number;
  height: number;
  /** Per-image output shape (batch excluded), e.g. [4 + C, N]. */
  outDims: number[];
  /** Output for a black image, row-major over outDims. */
  c: ArrayLike<number>;
  /** Added per unit of the image's max input value. */
  m: ArrayLike<number>;
  inputName?: string;
  outputName?: string;
}

/** Serialise the model to ONNX bytes. */
export function buildTinyModel(spec: TinyModelSpec): Uint8Array {
  const input = spec.inputName ?? 'images';
  const output = spec.outputName ?? 'output';
  const perImage = [1, ...spec.outDims];
  const graph = {
    name: 'tiny',
    node: [
      {
        opType: 'ReduceMax',
        input: [input],
        output: ['m'],
        attribute: [
          { name: 'axes', ints: [1, 2, 3], type: ATTR_INTS },
          { name: 'keepdims', i: 0, type: ATTR_INT },
        ],
      },
      { opType: 'Unsqueeze', input: ['m', 'axes'], output: ['m3'] },
      { opType: 'Mul', input: ['m3', 'M'], output: ['shift'] },
      { opType: 'Add', input: ['shift', 'C'], output: [output] },
    ],
    initializer: [
      floatTensor('C', perImage, spec.c),
      floatTensor('M', perImage, spec.m),
      {
        name: 'axes',
        dims: [spec.outDims.length],
        dataType: INT64,
        rawData: int64Bytes(spec.outDims.map((_, i) => i + 1)),
      },
    ],
    input: [valueInfo(input, [spec.batch, 3, spec.height, spec.width])],
    output: [valueInfo(output, [spec.batch, ...spec.outDims])],
  };
  const msg = ModelProto.create({
    irVersion: 8,
    producerName: 'viper-test',
    graph,
    opsetImport: [{ domain: '', version: 13 }],
  });
  return ModelProto.encode(msg).finish();
}

function int64Bytes(values: number[]): Uint8Array {
  const b = new BigInt64Array(values.map((v) => BigInt(v)));
  return new Uint8Array(b.buffer);
}

/** A fresh temporary directory for model and card files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'viper-detect-'));
}

/** Write `<dir>/<name>.onnx` and its sibling card `<name>.card.json`; returns the .onnx path. */
export function writeModelWithCard(
  dir: string,
  name: string,
  model: Uint8Array,
  card: Record<string, unknown>,
): string {
  const onnx = join(dir, `${name}.onnx`);
  writeFileSync(onnx, model);
  writeFileSync(
    join(dir, `${name}.card.json`),
    JSON.stringify({ name, model: `${name}.onnx`, ...card }, null, 2),
  );
  return onnx;
}
