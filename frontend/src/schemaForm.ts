// A config connector's JSON Schema turned into form fields, and the form's
// values turned back into the JSON body of `POST /connectors/{key}/config`.
//
// Free of React: components draw what `describeForm` returns.

import type { Messages } from './i18n';
import { asSchema, isNullSchema, resolveRef, typesOf, type JsonSchema } from './jsonSchema';

export type FieldKind = 'text' | 'secret' | 'integer' | 'number' | 'boolean' | 'select' | 'json';

export interface FieldOption {
  /** The `<option value>`: always a string. */
  value: string;
  label: string;
  /** The value the body carries (an enum may hold numbers). */
  raw: unknown;
}

export interface FieldDescriptor {
  name: string;
  label: string;
  kind: FieldKind;
  /** The user must fill it in. */
  required: boolean;
  /** Left empty, the body carries `null` (listed in `required`, but nullable). */
  nullWhenEmpty: boolean;
  secret: boolean;
  description: string | null;
  options: FieldOption[];
  min: number | null;
  max: number | null;
  /**
   * `type` of the `<input>`. Numbers stay `text` (with a numeric keyboard) so
   * that a typo reaches our message instead of an empty value.
   */
  inputType: 'text' | 'password' | 'email' | 'url';
  defaultValue: string | boolean;
  placeholder: string | null;
}

/** One alternative field set (`oneOf`/`anyOf`), e.g. Twilio's auth token or API key. */
export interface FormVariant {
  id: string;
  /** `null` when neither the schema nor the fields name it: the page numbers it. */
  label: string | null;
  description: string | null;
  fields: FieldDescriptor[];
}

export interface FormDescriptor {
  /** Fields every variant has. */
  fields: FieldDescriptor[];
  /** Alternative field sets; empty when the schema has none. */
  variants: FormVariant[];
}

export type FieldValue = string | boolean;
export type FormValues = Record<string, FieldValue>;
export type FieldErrors = Record<string, string>;

export type BuildResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; errors: FieldErrors };

/** Words that read better upper-cased in a label. */
const ACRONYMS: Record<string, string> = {
  api: 'API',
  sid: 'SID',
  url: 'URL',
  uri: 'URI',
  id: 'ID',
  smtp: 'SMTP',
  tls: 'TLS',
  starttls: 'STARTTLS',
  ssl: 'SSL',
  http: 'HTTP',
  https: 'HTTPS',
  dns: 'DNS',
  ip: 'IP',
  s3: 'S3',
};

/** `api_key_sid` → `API key SID`; `from` → `From`. */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[_\-\s]+/)
    .filter((word) => word !== '')
    .map((word) => ACRONYMS[word.toLowerCase()] ?? word.toLowerCase());
  if (words.length === 0) return name;
  const [first = '', ...rest] = words;
  const head = first === first.toLowerCase() ? first.charAt(0).toUpperCase() + first.slice(1) : first;
  return [head, ...rest].join(' ');
}

interface ObjectShape {
  properties: [string, JsonSchema][];
  required: Set<string>;
}

/**
 * Properties and `required` of an object schema, `allOf` members merged in.
 *
 * Properties keep the schema's order, except when they come sorted alphabetically: a
 * server whose JSON objects are sorted maps (serde_json without `preserve_order`) sends
 * SMTP's as `from, host, password, port…`, while schemars writes `required` in
 * declaration order (`host, port, security, username…`). Sorted properties are then
 * drawn in the order of `required`, the optional ones after them.
 */
function objectShape(schema: JsonSchema, root: JsonSchema): ObjectShape {
  const resolved = resolveRef(schema, root);
  const entries = Object.entries(resolved.properties ?? {});
  const names = entries.map(([name]) => name);
  const sorted = names.length > 2 && names.every((name, index) => index === 0 || names[index - 1]! < name);
  const declared = resolved.required ?? [];
  const rank = (name: string, index: number) => {
    const position = sorted ? declared.indexOf(name) : -1;
    return position >= 0 ? position : declared.length + index;
  };
  const properties: [string, JsonSchema][] = entries
    .map(([name, value], index) => ({ name, value, order: rank(name, index) }))
    .sort((a, b) => a.order - b.order)
    .map(({ name, value }) => [name, asSchema(value)]);
  const required = new Set(resolved.required ?? []);
  for (const member of resolved.allOf ?? []) {
    const inner = objectShape(asSchema(member), root);
    for (const [name, value] of inner.properties) {
      if (!properties.some(([known]) => known === name)) properties.push([name, value]);
    }
    inner.required.forEach((name) => required.add(name));
  }
  return { properties, required };
}

/** The alternative object schemas of `oneOf`/`anyOf`, `null` members dropped. */
function alternatives(schema: JsonSchema, root: JsonSchema): JsonSchema[] {
  const resolved = resolveRef(schema, root);
  const members = [...(resolved.oneOf ?? []), ...(resolved.anyOf ?? [])]
    .map((member) => resolveRef(asSchema(member), root))
    .filter((member) => !isNullSchema(member));
  for (const member of resolved.allOf ?? []) {
    members.push(...alternatives(asSchema(member), root));
  }
  return members;
}

/**
 * Reads a connector's schema: top-level properties (with `allOf` merged), and
 * `oneOf`/`anyOf` alternatives of object schemas as variants whose shared fields
 * are lifted into the common list.
 */
export function describeForm(schema: JsonSchema, secretFields: readonly string[] = []): FormDescriptor {
  const root = schema;
  const secrets = new Set(secretFields);
  const base = objectShape(root, root);
  const baseNames = new Set(base.properties.map(([name]) => name));
  const fields = base.properties.map(([name, prop]) => describeField(name, prop, base.required.has(name), root, secrets));

  const alternativeShapes = alternatives(root, root)
    .map((member) => ({ member, shape: objectShape(member, root) }))
    .filter(({ shape }) => shape.properties.length > 0);

  if (alternativeShapes.length === 1) {
    const [{ shape }] = alternativeShapes as [{ member: JsonSchema; shape: ObjectShape }];
    for (const [name, prop] of shape.properties) {
      if (!baseNames.has(name)) fields.push(describeField(name, prop, shape.required.has(name), root, secrets));
    }
    return { fields, variants: [] };
  }
  if (alternativeShapes.length === 0) {
    return { fields, variants: [] };
  }

  // Fields every alternative declares (Twilio's `account_sid`) are drawn once.
  const [first] = alternativeShapes as [{ member: JsonSchema; shape: ObjectShape }];
  const shared = first.shape.properties
    .map(([name]) => name)
    .filter((name) => !baseNames.has(name))
    .filter((name) => alternativeShapes.every(({ shape }) => shape.properties.some(([other]) => other === name)));
  for (const name of shared) {
    const prop = first.shape.properties.find(([other]) => other === name)?.[1] ?? {};
    const requiredEverywhere = alternativeShapes.every(({ shape }) => shape.required.has(name));
    fields.push(describeField(name, prop, requiredEverywhere, root, secrets));
  }

  const variants = alternativeShapes.map(({ member, shape }, index): FormVariant => {
    const own = shape.properties
      .filter(([name]) => !baseNames.has(name) && !shared.includes(name))
      .map(([name, prop]) => describeField(name, prop, shape.required.has(name), root, secrets));
    return {
      id: `variant-${index}`,
      label: variantLabel(member, own),
      description: member.title !== undefined && member.description !== undefined ? member.description : null,
      fields: own,
    };
  });
  return { fields, variants };
}

function variantLabel(member: JsonSchema, own: FieldDescriptor[]): string | null {
  if (member.title !== undefined && member.title.trim() !== '') return member.title.trim();
  if (member.description !== undefined && member.description.trim() !== '') {
    return firstSentence(member.description);
  }
  if (own.length === 0) return null;
  if (own.length === 1) return own[0]?.label ?? null;
  const prefix = commonWordPrefix(own.map((field) => field.label));
  return prefix !== '' ? prefix : own.map((field) => field.label).join(' & ');
}

function firstSentence(text: string): string {
  const trimmed = text.trim();
  const end = trimmed.search(/[.\n]/);
  return end > 0 ? trimmed.slice(0, end) : trimmed;
}

function commonWordPrefix(labels: string[]): string {
  const split = labels.map((label) => label.split(' '));
  const prefix: string[] = [];
  const shortest = Math.min(...split.map((words) => words.length));
  for (let i = 0; i < shortest - 1; i += 1) {
    const word = split[0]?.[i];
    if (word === undefined || !split.every((words) => words[i]?.toLowerCase() === word.toLowerCase())) break;
    prefix.push(word);
  }
  return prefix.join(' ');
}

function describeField(
  name: string,
  rawSchema: JsonSchema,
  listedRequired: boolean,
  root: JsonSchema,
  secrets: Set<string>,
): FieldDescriptor {
  const unwrapped = unwrapNullable(resolveRef(rawSchema, root), root);
  const schema = unwrapped.schema;
  let nullable = unwrapped.nullable;
  const union = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]
    .map((member) => resolveRef(asSchema(member), root))
    .filter((member) => !isNullSchema(member));

  const types = typesOf(schema);
  if (types.includes('null')) nullable = true;
  const type = types.find((candidate) => candidate !== 'null') ?? inferType(schema);

  const options = enumOptions(schema, union);
  if (options.some((option) => option.raw === null)) nullable = true;
  const selectable = options.filter((option) => option.raw !== null);

  const secret =
    secrets.has(name) || schema.writeOnly === true || rawSchema.writeOnly === true || schema.format === 'password';

  let kind: FieldKind;
  if (selectable.length > 0) kind = 'select';
  else if (type === 'boolean') kind = 'boolean';
  else if (type === 'integer') kind = 'integer';
  else if (type === 'number') kind = 'number';
  else if (type === 'object' || type === 'array') kind = 'json';
  else kind = secret ? 'secret' : 'text';

  let inputType: FieldDescriptor['inputType'] = 'text';
  if (kind === 'secret') inputType = 'password';
  else if (kind === 'text' && schema.format === 'email') inputType = 'email';
  else if (kind === 'text' && (schema.format === 'uri' || schema.format === 'url')) inputType = 'url';

  const required = listedRequired && !nullable;
  // A `$ref`'d type's own title names the Rust type, not the field.
  const rawTitle = rawSchema.title;
  const example = Array.isArray(schema.examples) ? schema.examples[0] : undefined;

  return {
    name,
    label: rawTitle !== undefined && rawTitle.trim() !== '' ? rawTitle.trim() : humanize(name),
    kind,
    required,
    nullWhenEmpty: listedRequired && nullable,
    secret,
    description: schema.description?.trim() || null,
    options: selectable,
    ...bounds(schema, kind),
    inputType,
    defaultValue: defaultValue(schema.default, kind, selectable),
    placeholder: example !== undefined && example !== null && typeof example !== 'object' ? String(example) : null,
  };
}

/**
 * `Option<T>` of a `$ref`'d type reads `anyOf: [{$ref}, {type: null}]`: the
 * non-null member, with the outer schema's own keywords (description, default).
 */
function unwrapNullable(schema: JsonSchema, root: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  let current = schema;
  let nullable = schema.nullable === true;
  for (let depth = 0; depth < 8; depth += 1) {
    const union = [...(current.anyOf ?? []), ...(current.oneOf ?? [])].map((member) =>
      resolveRef(asSchema(member), root),
    );
    const nonNull = union.filter((member) => !isNullSchema(member));
    if (union.length > nonNull.length) nullable = true;
    const [only] = nonNull;
    if (nonNull.length !== 1 || only === undefined) break;
    const outer = Object.fromEntries(
      Object.entries(current).filter(([keyword]) => keyword !== 'anyOf' && keyword !== 'oneOf'),
    );
    current = { ...only, ...outer };
  }
  return { schema: current, nullable };
}

function inferType(schema: JsonSchema): string {
  if (schema.properties !== undefined) return 'object';
  if (typeof schema.minimum === 'number' || typeof schema.maximum === 'number') return 'number';
  return 'string';
}

/** Choices from `enum`, `const`, or a union of `const`s (a documented Rust enum). */
function enumOptions(schema: JsonSchema, union: JsonSchema[]): FieldOption[] {
  if (Array.isArray(schema.enum)) {
    return schema.enum.map((raw) => option(raw, null));
  }
  if ('const' in schema) {
    return [option(schema.const, schema.title ?? null)];
  }
  if (union.length > 0) {
    const constants = union.map((member) => {
      if ('const' in member) return [option(member.const, member.title ?? member.description ?? null)];
      if (Array.isArray(member.enum)) {
        const label = member.enum.length === 1 ? (member.title ?? member.description ?? null) : null;
        return member.enum.map((raw) => option(raw, label));
      }
      return null;
    });
    if (constants.every((entry) => entry !== null)) {
      return constants.flat();
    }
  }
  return [];
}

function option(raw: unknown, label: string | null): FieldOption {
  const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
  const shown = label !== null && label.trim() !== '' ? firstSentence(label) : typeof raw === 'string' ? humanize(raw) : value;
  return { value, label: shown, raw };
}

function bounds(schema: JsonSchema, kind: FieldKind): { min: number | null; max: number | null } {
  if (kind !== 'integer' && kind !== 'number') return { min: null, max: null };
  const step = kind === 'integer' ? 1 : 0;
  const min =
    typeof schema.minimum === 'number'
      ? schema.minimum
      : typeof schema.exclusiveMinimum === 'number'
        ? schema.exclusiveMinimum + step
        : null;
  const max =
    typeof schema.maximum === 'number'
      ? schema.maximum
      : typeof schema.exclusiveMaximum === 'number'
        ? schema.exclusiveMaximum - step
        : null;
  return { min, max };
}

function defaultValue(value: unknown, kind: FieldKind, options: FieldOption[]): FieldValue {
  if (kind === 'boolean') return value === true;
  if (value === undefined || value === null) return '';
  if (kind === 'select') return options.find((candidate) => candidate.raw === value)?.value ?? '';
  if (kind === 'json') return JSON.stringify(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Common fields followed by those of the chosen variant. */
export function activeFields(form: FormDescriptor, variantIndex: number): FieldDescriptor[] {
  const variant = form.variants[variantIndex];
  return variant === undefined ? form.fields : [...form.fields, ...variant.fields];
}

/** Every field of the form, all variants included (for initial values). */
function allFields(form: FormDescriptor): FieldDescriptor[] {
  return [...form.fields, ...form.variants.flatMap((variant) => variant.fields)];
}

/**
 * Starting values: the saved non-secret config where there is one, else the
 * schema's defaults. Secrets always start empty: the server never returns them.
 */
export function initialValues(form: FormDescriptor, saved: Record<string, unknown> | null): FormValues {
  const values: FormValues = {};
  for (const field of allFields(form)) {
    const stored = saved?.[field.name];
    values[field.name] = field.secret || stored === undefined || stored === null ? field.defaultValue : fromStored(field, stored);
  }
  return values;
}

function fromStored(field: FieldDescriptor, stored: unknown): FieldValue {
  if (field.kind === 'boolean') return stored === true;
  if (field.kind === 'select') return field.options.find((candidate) => candidate.raw === stored)?.value ?? '';
  if (typeof stored === 'object') return JSON.stringify(stored);
  return String(stored);
}

/** The variant whose own fields the saved config fills best (the first when none). */
export function initialVariant(form: FormDescriptor, saved: Record<string, unknown> | null): number {
  if (saved === null || form.variants.length === 0) return 0;
  let best = 0;
  let bestScore = 0;
  form.variants.forEach((variant, index) => {
    const score = variant.fields.filter((field) => saved[field.name] !== undefined && saved[field.name] !== null).length;
    if (score > bestScore) {
      best = index;
      bestScore = score;
    }
  });
  return best;
}

const INTEGER = /^[+-]?\d+$/;

/**
 * The request body from the visible fields: integers and numbers parsed,
 * non-secret text trimmed, empty optional fields left out. Fails with one
 * message per field the user must fix before anything is sent.
 */
export function buildBody(fields: readonly FieldDescriptor[], values: FormValues, t: Messages): BuildResult {
  const body: Record<string, unknown> = {};
  const errors: FieldErrors = {};

  for (const field of fields) {
    const value = values[field.name] ?? field.defaultValue;
    if (field.kind === 'boolean') {
      body[field.name] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value : '';
    const trimmed = text.trim();
    if (trimmed === '') {
      if (field.required) errors[field.name] = t.form.isRequired(field.label);
      else if (field.nullWhenEmpty) body[field.name] = null;
      continue;
    }

    switch (field.kind) {
      case 'integer': {
        const parsed = INTEGER.test(trimmed) ? Number(trimmed) : Number.NaN;
        if (!Number.isSafeInteger(parsed)) {
          errors[field.name] = t.form.wholeNumber(field.label);
        } else {
          const outOfRange = rangeError(field, parsed, t);
          if (outOfRange !== null) errors[field.name] = outOfRange;
          else body[field.name] = parsed;
        }
        break;
      }
      case 'number': {
        const parsed = Number(trimmed);
        if (!Number.isFinite(parsed)) {
          errors[field.name] = t.form.number(field.label);
        } else {
          const outOfRange = rangeError(field, parsed, t);
          if (outOfRange !== null) errors[field.name] = outOfRange;
          else body[field.name] = parsed;
        }
        break;
      }
      case 'select': {
        const chosen = field.options.find((candidate) => candidate.value === text);
        if (chosen === undefined) errors[field.name] = t.form.chooseOne(field.label);
        else body[field.name] = chosen.raw;
        break;
      }
      case 'json': {
        try {
          body[field.name] = JSON.parse(trimmed) as unknown;
        } catch {
          errors[field.name] = t.form.json(field.label);
        }
        break;
      }
      case 'secret':
        body[field.name] = text;
        break;
      default:
        body[field.name] = trimmed;
    }
  }

  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

function rangeError(field: FieldDescriptor, value: number, t: Messages): string | null {
  const { min, max, label } = field;
  if (min !== null && max !== null && (value < min || value > max)) return t.form.between(label, min, max);
  if (min !== null && value < min) return t.form.atLeast(label, min);
  if (max !== null && value > max) return t.form.atMost(label, max);
  return null;
}
