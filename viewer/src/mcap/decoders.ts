/**
 * Message decoders built from the file's own schema records, so any Foxglove file works: protobuf channels from
 * the FileDescriptorSet in the schema (protobufjs), JSON channels with TextDecoder, ROS 2 `cdr` channels from
 * their `ros2msg` definition (@foxglove/rosmsg2-serialization, as src/io reads them). Field names stay as in the
 * schema (Foxglove's snake_case, ROS 2's names).
 */
import { parse as parseRosMsg } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

export type Decoded = Record<string, unknown>;
export type Decoder = (data: Uint8Array) => Decoded;

export interface SchemaLike {
  name: string;
  encoding: string;
  data: Uint8Array;
}

const textDecoder = new TextDecoder();

/** A decoder for a channel, or an Error saying why it cannot be decoded (shown, not thrown). */
export function makeDecoder(messageEncoding: string, schema: SchemaLike | undefined): Decoder | Error {
  if (messageEncoding === 'json') {
    return (data) => JSON.parse(textDecoder.decode(data)) as Decoded;
  }
  if (messageEncoding === 'protobuf') {
    if (schema?.encoding !== 'protobuf') return new Error('protobuf channel without a protobuf schema');
    try {
      const set = descriptor.FileDescriptorSet.decode(schema!.data);
      const root = (protobuf.Root as unknown as { fromDescriptor(d: unknown): protobuf.Root }).fromDescriptor(
        set,
      );
      const type = root.lookupType(schema!.name);
      return (data) => type.toObject(type.decode(data), { longs: Number, defaults: true }) as Decoded;
    } catch (err) {
      return new Error(`schema ${schema!.name}: ${(err as Error).message}`);
    }
  }
  if (messageEncoding === 'cdr') {
    if (schema?.encoding !== 'ros2msg')
      return new Error(`cdr channel with a "${schema?.encoding ?? ''}" schema (only ros2msg is read)`);
    try {
      const defs = parseRosMsg(textDecoder.decode(schema.data), { ros2: true });
      if (defs.length === 0) throw new Error('empty message definition');
      const reader = new MessageReader(defs);
      return (data) => reader.readMessage<Decoded>(data);
    } catch (err) {
      return new Error(`schema ${schema.name}: ${(err as Error).message}`);
    }
  }
  return new Error(`message encoding "${messageEncoding}" is not supported by the viewer`);
}
