/**
 * Test helper: decode a protobuf message with a root rebuilt from FileDescriptorSet bytes alone, as any reader
 * of a file or a live stream would (independent of the encoder that produced them).
 */
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

export function decodeWithSchema(
  schemaName: string,
  schemaData: Uint8Array,
  data: Uint8Array,
): Record<string, unknown> {
  const set = descriptor.FileDescriptorSet.decode(schemaData);
  const root = (protobuf.Root as unknown as { fromDescriptor(d: unknown): protobuf.Root }).fromDescriptor(
    set,
  );
  const type = root.lookupType(schemaName);
  return type.toObject(type.decode(data), { longs: Number, defaults: true }) as Record<string, unknown>;
}
