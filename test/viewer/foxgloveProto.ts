/**
 * Test helper: Foxglove protobuf schemas (FileDescriptorSet bytes) and encoders, built from @foxglove/schemas'
 * .proto generator with protobufjs — the same way a Foxglove file is written, so the viewer and the live test
 * decode real schema records. (src/io will export the production equivalent; this keeps the tests independent.)
 */
import {
  foxgloveEnumSchemas,
  foxgloveMessageSchemas,
  generateProto,
  type FoxgloveMessageSchema,
} from '@foxglove/schemas/internal';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

const cache = new Map<string, { root: protobuf.Root; schemaData: Uint8Array }>();

function addSchema(root: protobuf.Root, name: string, seen: Set<string>): void {
  if (seen.has(name)) return;
  seen.add(name);
  const schema = (foxgloveMessageSchemas as Record<string, FoxgloveMessageSchema>)[name];
  if (!schema) throw new Error(`unknown foxglove schema ${name}`);
  const enums = Object.values(foxgloveEnumSchemas).filter((e) => e.parentSchemaName === name);
  const text = generateProto(schema, enums);
  const parsed = protobuf.parse(text, root, { keepCase: true });
  for (const imp of parsed.imports ?? []) {
    const m = /^foxglove\/(\w+)\.proto$/.exec(imp);
    if (m) addSchema(root, m[1]!, seen);
  }
}

/** Root with `foxglove.<name>` and its dependencies, and the FileDescriptorSet bytes for an MCAP schema record. */
export function foxgloveProto(name: string): { root: protobuf.Root; type: protobuf.Type; schemaData: Uint8Array } {
  let entry = cache.get(name);
  if (!entry) {
    const root = new protobuf.Root();
    const ts = protobuf.common.get('google/protobuf/timestamp.proto');
    const dur = protobuf.common.get('google/protobuf/duration.proto');
    if (ts) root.addJSON(ts.nested!);
    if (dur) root.addJSON(dur.nested!);
    addSchema(root, name, new Set());
    root.resolveAll();
    const set = (root as unknown as { toDescriptor(v: string): protobuf.Message }).toDescriptor('proto3');
    const schemaData = descriptor.FileDescriptorSet.encode(set).finish();
    entry = { root, schemaData };
    cache.set(name, entry);
  }
  return { ...entry, type: entry.root.lookupType(`foxglove.${name}`) };
}

/** Encode a plain object (snake_case Foxglove field names, timestamps as {seconds, nanos}) as foxglove.<name>. */
export function encodeFoxgloveMsg(name: string, obj: Record<string, unknown>): Uint8Array {
  const { type } = foxgloveProto(name);
  const err = type.verify(obj);
  if (err) throw new Error(`foxglove.${name}: ${err}`);
  return type.encode(type.fromObject(obj)).finish();
}

/** Decode with a Root rebuilt from the FileDescriptorSet bytes, as any reader of the file would. */
export function decodeWithSchema(schemaName: string, schemaData: Uint8Array, data: Uint8Array): Record<string, unknown> {
  const set = descriptor.FileDescriptorSet.decode(schemaData);
  const root = (protobuf.Root as unknown as { fromDescriptor(d: unknown): protobuf.Root }).fromDescriptor(set);
  const type = root.lookupType(schemaName);
  return type.toObject(type.decode(data), { longs: Number, defaults: true }) as Record<string, unknown>;
}

export function stamp(tNs: bigint): { seconds: number; nanos: number } {
  return { seconds: Number(tNs / 1_000_000_000n), nanos: Number(tNs % 1_000_000_000n) };
}
