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

interface SchemaLike {
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

/**
 * A decoder of an image message's stamp alone, to match images to frames without copying their pixels: protobuf
 * reads only the `timestamp` field (the others are skipped), ROS 2 CDR only the fields up to `header` (CDR is
 * read in order). Any other channel decodes whole. The stamp is read from the result by imageStampNs.
 */
export function makeStampDecoder(messageEncoding: string, schema: SchemaLike | undefined): Decoder | Error {
  try {
    if (messageEncoding === 'protobuf' && schema?.encoding === 'protobuf') {
      const set = descriptor.FileDescriptorSet.decode(schema.data);
      const root = (protobuf.Root as unknown as { fromDescriptor(d: unknown): protobuf.Root }).fromDescriptor(
        set,
      );
      const type = root.lookupType(schema.name);
      const field = type.fields.timestamp;
      if (field && type.parent) {
        const stampOnly = new protobuf.Type(`${type.name}_ViperStampOnly`).add(
          new protobuf.Field('timestamp', field.id, field.type),
        );
        type.parent.add(stampOnly);
        return (data) =>
          stampOnly.toObject(stampOnly.decode(data), { longs: Number, defaults: true }) as Decoded;
      }
    }
    if (messageEncoding === 'cdr' && schema?.encoding === 'ros2msg') {
      const defs = parseRosMsg(textDecoder.decode(schema.data), { ros2: true });
      const fields = defs[0]?.definitions ?? [];
      const h = fields.findIndex((f) => f.name === 'header' && !f.isConstant);
      if (h >= 0) {
        const reader = new MessageReader([
          { ...defs[0]!, definitions: fields.slice(0, h + 1) },
          ...defs.slice(1),
        ]);
        return (data) => reader.readMessage<Decoded>(data);
      }
    }
  } catch {
    // fall through: the whole message is decoded (and a schema that does not parse says so there)
  }
  return makeDecoder(messageEncoding, schema);
}
