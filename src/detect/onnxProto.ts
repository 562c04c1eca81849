/**
 * The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto3) needed to write small graphs: Viper's
 * preprocessing graph and the tiny models the tests build. Field numbers are the standard's.
 */
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

/** TensorProto.DataType values. */
export const DataType = { FLOAT: 1, UINT8: 2, INT64: 7 } as const;
/** AttributeProto.AttributeType values. */
const ATTR_INT = 2;
const ATTR_INTS = 7;

export type Dim = number | string;

export interface NodeSpec {
  opType: string;
  input: string[];
  output: string[];
  ints?: Record<string, number[]>;
  int?: Record<string, number>;
}

export interface TensorSpec {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

interface GraphSpec {
  nodes: NodeSpec[];
  initializers: TensorSpec[];
  inputs: { name: string; elemType: number; shape: Dim[] }[];
  outputs: { name: string; elemType: number; shape: Dim[] }[];
  opset?: number;
}

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): TensorSpec {
  return { name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) };
}

export function int64Tensor(name: string, dims: number[], values: number[]): TensorSpec {
  const b = new BigInt64Array(values.map((v) => BigInt(v)));
  return { name, dims, dataType: DataType.INT64, rawData: new Uint8Array(b.buffer) };
}

/** Serialise a graph to ONNX model bytes (IR 8, default opset 13). */
export function encodeModel(g: GraphSpec): Uint8Array {
  const valueInfo = (v: { name: string; elemType: number; shape: Dim[] }) => ({
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  const graph = {
    name: 'viper',
    node: g.nodes.map((n) => ({
      opType: n.opType,
      input: n.input,
      output: n.output,
      attribute: [
        ...Object.entries(n.ints ?? {}).map(([name, ints]) => ({ name, ints, type: ATTR_INTS })),
        ...Object.entries(n.int ?? {}).map(([name, i]) => ({ name, i, type: ATTR_INT })),
      ],
    })),
    initializer: g.initializers,
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
  };
  const msg = ModelProto.create({
    irVersion: 8,
    producerName: 'viper',
    graph,
    opsetImport: [{ domain: '', version: g.opset ?? 13 }],
  });
  return ModelProto.encode(msg).finish();
}
