/**
 * The rules of Foxglove's JSON Schema parser (foxglove/studio packages/mcap-support parseJsonSchema.ts), written
 * here from its behaviour so that tests can hold every schema Viper writes to them.
 */

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What Foxglove's parser would refuse in a schema, one line each with the field's path (empty: it reads it).
 * Kept beside the rewrite so a test can hold every schema Viper writes to it.
 */
export function foxgloveJsonSchemaProblems(schema: object): string[] {
  const problems: string[] = [];
  const objectFields = (node: Node, path: string): void => {
    if (node.type !== 'object') {
      problems.push(`${path || '(root)'}: type ${JSON.stringify(node.type)}, expected "object"`);
      return;
    }
    if (!isNode(node.properties)) {
      problems.push(`${path || '(root)'}: an object without properties`);
      return;
    }
    for (const [name, field] of Object.entries(node.properties)) {
      const at = path ? `${path}.${name}` : name;
      if (!isNode(field)) {
        problems.push(`${at}: not a schema`);
        continue;
      }
      if (Array.isArray(field.oneOf)) {
        if (!field.oneOf.every((a) => isNode(a) && typeof a.const === 'number'))
          problems.push(`${at}: oneOf alternatives must be number constants`);
        continue;
      }
      switch (field.type) {
        case 'boolean':
        case 'number':
        case 'integer':
          break;
        case 'string':
          if (field.contentEncoding !== undefined && field.contentEncoding !== 'base64')
            problems.push(`${at}: contentEncoding ${JSON.stringify(field.contentEncoding)}`);
          break;
        case 'object':
          objectFields(field, at);
          break;
        case 'array': {
          const items = isNode(field.items) ? field.items : {};
          if (items.type === 'object') objectFields(items, at);
          else if (items.type === 'string' && items.contentEncoding !== undefined)
            problems.push(`${at}: array items with contentEncoding`);
          else if (!['boolean', 'string', 'number', 'integer'].includes(items.type as string))
            problems.push(`${at}: array items of type ${JSON.stringify(items.type)}`);
          break;
        }
        default:
          problems.push(`${at}: type ${JSON.stringify(field.type)}`);
      }
    }
  };
  objectFields(schema as Node, '');
  return problems;
}
