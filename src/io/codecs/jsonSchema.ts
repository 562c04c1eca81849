/**
 * JSON Schemas as Foxglove reads them. Foxglove (and Lichtblick) turn a `jsonschema` channel's schema into message
 * definitions with a parser that knows less than the standard: every field needs one `type` of boolean, string,
 * number, integer, object or array; an object needs `properties`; an array needs `items` of one of those types
 * but not another array. What zod writes for a tuple (`prefixItems` with `items: false`), a nullable field (a type
 * list, or `anyOf` with null) or a record (no `properties`) makes it refuse the whole channel, so every JSON
 * schema Viper writes goes through `foxgloveJsonSchema` first. A tuple of one type keeps its length as
 * minItems/maxItems; a nullable field keeps only its other type (Foxglove has no null type), so a standard
 * validator would now refuse its nulls (`viper.RigMetrics`' counts are null where a stage did not run), while
 * Foxglove shows them. Shapes Foxglove cannot read at all (a union of objects, a tuple of mixed types, nested
 * arrays, `$ref`) are left as they are: test/io/foxgloveJsonSchema.test.ts holds what Viper writes to the rules.
 */

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNull = (v: unknown): boolean => isNode(v) && v.type === 'null';

/** The schema rewritten into what Foxglove's parser reads (a copy; the argument is not changed). */
export function foxgloveJsonSchema(schema: object): object {
  return rewrite(schema as Node);
}

function rewrite(node: Node): Node {
  let n: Node = { ...node };
  // A nullable field: the non-null alternative (the value may still be null; Foxglove shows it as such).
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = n[key];
    if (Array.isArray(alts) && alts.some(isNull)) {
      const rest = alts.filter((a) => !isNull(a));
      if (rest.length === 1 && isNode(rest[0])) {
        const { [key]: _, ...others } = n;
        n = { ...others, ...rest[0] };
      }
    }
  }
  if (Array.isArray(n.type)) n.type = n.type.find((t) => t !== 'null') ?? 'string';
  if (n.type === 'object') {
    const props = isNode(n.properties) ? n.properties : {};
    n.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, isNode(v) ? rewrite(v) : v]));
  }
  if (n.type === 'array') {
    const prefix = n.prefixItems;
    if (Array.isArray(prefix) && prefix.length > 0) {
      // A tuple of one item type (a 3-vector): an array of that type; its length stays in min/maxItems. With rest
      // items (`items` a schema), only when they are of that type too, and the length has no maximum.
      const first = JSON.stringify(prefix[0]);
      const rest = n.items === undefined || n.items === false ? undefined : JSON.stringify(n.items);
      if (prefix.every((p) => JSON.stringify(p) === first) && (rest === undefined || rest === first)) {
        const { prefixItems: _, maxItems: __, ...others } = n;
        n = {
          ...others,
          items: prefix[0],
          minItems: prefix.length,
          ...(rest === undefined ? { maxItems: prefix.length } : {}),
        };
      }
    }
    if (isNode(n.items)) n.items = rewrite(n.items);
  }
  return n;
}
