// The part of JSON Schema (2020-12, as schemars writes it; draft-07 `definitions`
// too) that the dashboard reads, and `$ref` resolution inside one document.

export interface JsonSchema {
  $schema?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema | boolean>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  oneOf?: (JsonSchema | boolean)[];
  anyOf?: (JsonSchema | boolean)[];
  allOf?: (JsonSchema | boolean)[];
  default?: unknown;
  examples?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  writeOnly?: boolean;
  nullable?: boolean;
  [keyword: string]: unknown;
}

/** `true`/`false` schemas are allowed anywhere a schema is; read them as empty. */
export function asSchema(value: JsonSchema | boolean | undefined): JsonSchema {
  return typeof value === 'object' && value !== null ? value : {};
}

/**
 * Follows `$ref`s (local JSON pointers only) until a schema without one, merging
 * the referring schema's own keywords over the target, as 2020-12 allows siblings
 * next to `$ref` (schemars puts `description` and `default` there).
 */
export function resolveRef(schema: JsonSchema, root: JsonSchema, depth = 0): JsonSchema {
  if (schema.$ref === undefined || depth > 32) {
    return schema;
  }
  const target = lookupPointer(root, schema.$ref);
  const { $ref: _ref, ...siblings } = schema;
  if (target === undefined) {
    return siblings;
  }
  return { ...resolveRef(target, root, depth + 1), ...siblings };
}

function lookupPointer(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (!ref.startsWith('#')) {
    return undefined;
  }
  const pointer = ref.slice(1);
  if (pointer === '') {
    return root;
  }
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(segment in node)) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === 'object' && node !== null ? (node as JsonSchema) : undefined;
}

/** The `type` keyword as a list (empty when absent). */
export function typesOf(schema: JsonSchema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  return [];
}

/** A schema that only admits `null`. */
export function isNullSchema(schema: JsonSchema): boolean {
  const types = typesOf(schema);
  if (types.length === 1 && types[0] === 'null') return true;
  if ('const' in schema && schema.const === null) return true;
  return Array.isArray(schema.enum) && schema.enum.length === 1 && schema.enum[0] === null;
}
