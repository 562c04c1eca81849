/**
 * protobufjs glue shared by the Foxglove codec and the generic decoder: descriptor (de)serialization and the
 * edge conversions Viper wants. google.protobuf.Timestamp/Duration `{seconds, nanos}` ⇄ `{sec, nsec}`; 64-bit
 * integers ⇄ bigint (JS numbers would lose nanoseconds); bytes as plain Uint8Array views; enums as numbers.
 */
import protobuf from 'protobufjs';
import descriptorModule from 'protobufjs/ext/descriptor/index.js';

type AnyObj = Record<string, unknown>;

interface DescriptorApi {
  FileDescriptorSet: {
    encode(msg: unknown): { finish(): Uint8Array };
    decode(bytes: Uint8Array): protobuf.Message;
  };
}
const descriptor = ((descriptorModule as unknown as { default?: DescriptorApi }).default ??
  descriptorModule) as unknown as DescriptorApi;
type RootWithDescriptor = typeof protobuf.Root & { fromDescriptor(d: unknown): protobuf.Root };
type RootInstanceWithDescriptor = protobuf.Root & { toDescriptor(edition: string): unknown };

const TIME_TYPES = new Set(['.google.protobuf.Timestamp', '.google.protobuf.Duration']);
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

interface FieldDescriptor {
  name: string;
  typeName?: string;
}
interface MessageDescriptor {
  name: string;
  field?: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
  enumType?: { name: string }[];
}
interface FileDescriptor {
  name: string;
  package?: string;
  dependency?: string[];
  messageType?: MessageDescriptor[];
  enumType?: { name: string }[];
}

/**
 * The FileDescriptorSet of a root, as protoc writes one: protobufjs's `toDescriptor` leaves type names relative
 * (`Pose`) and lists no file's dependencies, which protobufjs reads back but descriptor pools (Python, C++, the
 * MCAP SDKs) refuse ("google.protobuf.Timestamp … is not imported by foxglove.proto"). Every field's type is made
 * fully qualified (`.foxglove.Pose`) and each file lists the files whose types it uses.
 */
export function rootToDescriptorBytes(root: protobuf.Root): Uint8Array {
  root.resolveAll();
  const set = (root as RootInstanceWithDescriptor).toDescriptor('proto3') as { file: FileDescriptor[] };
  const fileOf = new Map<string, string>(); // '.foxglove.Pose' → 'foxglove.proto'; enums too
  for (const f of set.file) {
    const add = (scope: string, m: MessageDescriptor): void => {
      fileOf.set(`${scope}.${m.name}`, f.name);
      for (const e of m.enumType ?? []) fileOf.set(`${scope}.${m.name}.${e.name}`, f.name);
      for (const n of m.nestedType ?? []) add(`${scope}.${m.name}`, n);
    };
    const pkg = f.package ? `.${f.package}` : '';
    for (const e of f.enumType ?? []) fileOf.set(`${pkg}.${e.name}`, f.name);
    for (const m of f.messageType ?? []) add(pkg, m);
  }
  for (const f of set.file) {
    const deps = new Set<string>();
    const qualify = (scope: string, m: MessageDescriptor): void => {
      const full = `${scope}.${m.name}`;
      const type = root.lookupType(full.slice(1));
      for (const fd of m.field ?? []) {
        if (fd.typeName === undefined) continue;
        const resolved = type.fields[fd.name]?.resolvedType;
        if (!resolved) continue;
        fd.typeName = resolved.fullName;
        const dep = fileOf.get(resolved.fullName);
        if (dep !== undefined && dep !== f.name) deps.add(dep);
      }
      for (const n of m.nestedType ?? []) qualify(full, n);
    };
    const pkg = f.package ? `.${f.package}` : '';
    for (const m of f.messageType ?? []) qualify(pkg, m);
    if (deps.size > 0) f.dependency = [...deps].sort();
  }
  return descriptor.FileDescriptorSet.encode(set).finish();
}

/** Throws a plain Error on malformed descriptor bytes; callers wrap it with context. */
export function rootFromDescriptorBytes(bytes: Uint8Array): protobuf.Root {
  const set = descriptor.FileDescriptorSet.decode(bytes);
  return (protobuf.Root as RootWithDescriptor).fromDescriptor(set);
}

/** Per-field conversion plan of a type: only the fields (transitively) holding times, longs or bytes. */
interface FieldPlan {
  name: string;
  kind: 'time' | 'long' | 'bytes' | 'message';
  type?: protobuf.Type;
  repeated: boolean;
  map: boolean;
}

const plans = new WeakMap<protobuf.Type, FieldPlan[]>();

function planOf(type: protobuf.Type, visiting = new Set<protobuf.Type>()): FieldPlan[] {
  const cached = plans.get(type);
  if (cached) return cached;
  visiting.add(type);
  const plan: FieldPlan[] = [];
  for (const field of type.fieldsArray) {
    field.resolve();
    const repeated = field.repeated;
    const map = field instanceof protobuf.MapField;
    const rt = field.resolvedType;
    if (rt instanceof protobuf.Type) {
      if (TIME_TYPES.has(rt.fullName)) {
        plan.push({ name: field.name, kind: 'time', repeated, map });
      } else if (visiting.has(rt) || planOf(rt, visiting).length > 0) {
        plan.push({ name: field.name, kind: 'message', type: rt, repeated, map });
      }
    } else if (LONG_TYPES.has(field.type)) {
      plan.push({ name: field.name, kind: 'long', repeated, map });
    } else if (field.type === 'bytes') {
      plan.push({ name: field.name, kind: 'bytes', repeated, map });
    }
  }
  visiting.delete(type);
  plans.set(type, plan);
  return plan;
}

function eachValue(value: unknown, p: FieldPlan, fn: (v: unknown) => unknown): unknown {
  if (value === null || value === undefined) return value;
  if (p.map) {
    const out: AnyObj = {};
    for (const [k, v] of Object.entries(value as AnyObj)) out[k] = fn(v);
    return out;
  }
  if (p.repeated) return (value as unknown[]).map(fn);
  return fn(value);
}

/** protobufjs `toObject` output → Viper edge form (in place where possible). */
function fromProtoObject(type: protobuf.Type, obj: AnyObj): AnyObj {
  for (const p of planOf(type)) {
    const v = obj[p.name];
    switch (p.kind) {
      case 'time':
        obj[p.name] = eachValue(v ?? (p.repeated ? v : null), p, timeFromProto) ?? { sec: 0, nsec: 0 };
        break;
      case 'long':
        obj[p.name] = eachValue(v, p, (x) => BigInt(x as string));
        break;
      case 'bytes':
        obj[p.name] = eachValue(v, p, plainBytes);
        break;
      case 'message':
        obj[p.name] = eachValue(v, p, (x) => fromProtoObject(p.type as protobuf.Type, x as AnyObj));
        break;
    }
  }
  return obj;
}

/** Viper edge form → object protobufjs can encode (a shallow copy; inputs are not mutated). */
function toProtoObject(type: protobuf.Type, obj: AnyObj): AnyObj {
  const plan = planOf(type);
  if (plan.length === 0) return obj;
  const out: AnyObj = { ...obj };
  for (const p of plan) {
    const v = out[p.name];
    switch (p.kind) {
      case 'time':
        out[p.name] = eachValue(v, p, timeToProto);
        break;
      case 'long':
        out[p.name] = eachValue(v, p, longToProto);
        break;
      case 'bytes':
        break;
      case 'message':
        out[p.name] = eachValue(v, p, (x) => toProtoObject(p.type as protobuf.Type, x as AnyObj));
        break;
    }
  }
  return out;
}

function timeFromProto(v: unknown): { sec: number; nsec: number } {
  const t = v as { seconds?: string | number; nanos?: number } | null;
  return { sec: Number(t?.seconds ?? 0), nsec: t?.nanos ?? 0 };
}

function timeToProto(v: unknown): unknown {
  const t = v as { sec?: number | bigint; nsec?: number; seconds?: unknown; nanos?: unknown };
  if (t.seconds !== undefined || t.nanos !== undefined) return t; // already proto form
  return { seconds: longToProto(t.sec ?? 0), nanos: t.nsec ?? 0 };
}

/** bigint → a value protobufjs verifies and encodes as a 64-bit integer without losing precision. */
function longToProto(x: unknown): unknown {
  if (typeof x !== 'bigint') return x;
  if (x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(x);
  const Long = protobuf.util.Long as unknown as
    | { fromString(s: string, unsigned?: boolean): unknown }
    | undefined;
  // Values above int64's max can only be uint64: parse them unsigned.
  return Long ? Long.fromString(x.toString(), x > 9223372036854775807n) : Number(x);
}

function plainBytes(v: unknown): Uint8Array {
  const b = v as Uint8Array;
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  defaults: true,
  arrays: true,
  objects: true,
};

/** Decodes bytes of `type` to the Viper edge form. */
export function decodeProto(type: protobuf.Type, bytes: Uint8Array): AnyObj {
  const msg = type.decode(bytes);
  return fromProtoObject(type, type.toObject(msg, TO_OBJECT_OPTIONS) as AnyObj);
}

/** Encodes a Viper edge-form object; returns an error string instead of bytes when the object does not fit. */
export function encodeProto(type: protobuf.Type, obj: AnyObj): Uint8Array | string {
  const proto = toProtoObject(type, obj);
  const problem = type.verify(proto);
  if (problem) return problem;
  return type.encode(type.fromObject(proto)).finish();
}
