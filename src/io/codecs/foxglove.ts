/**
 * Foxglove schemas as protobuf, generated from @foxglove/schemas (the same generator Foxglove uses for its .proto
 * files), so recordings open in Foxglove as they are. For each schema a FileDescriptorSet holding the schema and
 * everything it depends on (google.protobuf.Timestamp/Duration included) is built once and cached; encoding and
 * decoding go through a root rebuilt from those very bytes, so what we write is what readers will parse.
 */
import { foxgloveEnumSchemas, foxgloveMessageSchemas, generateProto } from '@foxglove/schemas/internal.js';
import type { FoxgloveEnumSchema, FoxgloveMessageSchema } from '@foxglove/schemas/internal.js';
import protobuf from 'protobufjs';
import { RecordingError } from '../../contracts/errors.ts';
import { decodeProto, encodeProto, rootFromDescriptorBytes, rootToDescriptorBytes } from './protobuf.ts';

/** The Foxglove schemas Viper writes (others work too, by name). */
export const VIPER_FOXGLOVE_SCHEMAS = [
  'CompressedImage',
  'RawImage',
  'CameraCalibration',
  'FrameTransform',
  'FrameTransforms',
  'ImageAnnotations',
  'SceneUpdate',
] as const;

const GOOGLE_PROTOS: Record<string, string> = {
  Timestamp:
    'syntax = "proto3";\npackage google.protobuf;\nmessage Timestamp {\n  int64 seconds = 1;\n  int32 nanos = 2;\n}\n',
  Duration:
    'syntax = "proto3";\npackage google.protobuf;\nmessage Duration {\n  int64 seconds = 1;\n  int32 nanos = 2;\n}\n',
};

interface Built {
  /** `foxglove.CompressedImage` */
  fullName: string;
  data: Uint8Array;
  type: protobuf.Type;
}

const cache = new Map<string, Built>();

/** `CompressedImage` or `foxglove.CompressedImage` → `CompressedImage`; throws for unknown names. */
function foxgloveShortName(name: string): string {
  const short = name.startsWith('foxglove.') ? name.slice('foxglove.'.length) : name;
  if (!Object.hasOwn(foxgloveMessageSchemas, short) || isProtoEquivalent(short)) {
    throw new RecordingError({
      what: `unknown Foxglove schema '${name}'`,
      hint: `use one of ${VIPER_FOXGLOVE_SCHEMAS.join(', ')} or another name from @foxglove/schemas`,
    });
  }
  return short;
}

function isProtoEquivalent(short: string): boolean {
  return (
    (foxgloveMessageSchemas as Record<string, FoxgloveMessageSchema>)[short]?.protoEquivalent !== undefined
  );
}

/** `foxglove.CompressedImage` for `CompressedImage`. */
export function foxgloveSchemaName(name: string): string {
  return `foxglove.${foxgloveShortName(name)}`;
}

/** The FileDescriptorSet bytes to write as the MCAP schema (encoding `protobuf`) of a Foxglove schema. */
export function foxgloveSchemaData(name: string): Uint8Array {
  return build(name).data;
}

/** Encodes a Foxglove message given in edge form (timestamps `{sec, nsec}`, bytes Uint8Array, enums numbers). */
export function encodeFoxglove(name: string, obj: object): Uint8Array {
  const built = build(name);
  const out = encodeProto(built.type, obj as Record<string, unknown>);
  if (typeof out === 'string') {
    throw new RecordingError({
      what: `cannot encode ${built.fullName}: ${out}`,
      hint: 'check the message fields',
    });
  }
  return out;
}

export function decodeFoxglove(name: string, bytes: Uint8Array): Record<string, unknown> {
  const built = build(name);
  try {
    return decodeProto(built.type, bytes);
  } catch (err) {
    throw new RecordingError({
      what: `cannot decode ${built.fullName}: ${(err as Error).message}`,
      cause: err,
    });
  }
}

function build(name: string): Built {
  const short = foxgloveShortName(name);
  const hit = cache.get(short);
  if (hit) return hit;
  const root = new protobuf.Root();
  const { messages, google } = closure(short);
  for (const g of [...google].sort()) protobuf.parse(GOOGLE_PROTOS[g] as string, root, { keepCase: true });
  for (const m of [...messages].sort()) {
    const schema = schemaOf(m);
    const enums = Object.values(foxgloveEnumSchemas).filter(
      (e) => (e as FoxgloveEnumSchema).parentSchemaName === m,
    );
    protobuf.parse(generateProto(schema, enums), root, { keepCase: true });
  }
  root.resolveAll();
  const data = rootToDescriptorBytes(root);
  const fullName = `foxglove.${short}`;
  const type = rootFromDescriptorBytes(data).lookupType(fullName);
  const built = { fullName, data, type };
  cache.set(short, built);
  return built;
}

function schemaOf(short: string): FoxgloveMessageSchema {
  return (foxgloveMessageSchemas as Record<string, FoxgloveMessageSchema>)[short] as FoxgloveMessageSchema;
}

/** The Foxglove messages and google.protobuf types a schema needs, transitively. */
function closure(short: string): { messages: Set<string>; google: Set<string> } {
  const messages = new Set<string>();
  const google = new Set<string>();
  const visit = (schema: FoxgloveMessageSchema): void => {
    if (schema.protoEquivalent) {
      google.add(schema.protoEquivalent.slice('google.protobuf.'.length));
      return;
    }
    if (messages.has(schema.name)) return;
    messages.add(schema.name);
    for (const f of schema.fields) if (f.type.type === 'nested') visit(f.type.schema);
  };
  visit(schemaOf(short));
  return { messages, google };
}
