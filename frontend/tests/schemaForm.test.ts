import { describe, expect, it } from 'vitest';

import { en } from '../src/i18n';
import {
  activeFields,
  buildBody,
  describeForm,
  humanize,
  initialValues,
  initialVariant,
  type FieldDescriptor,
} from '../src/schemaForm';
import {
  minioSchema,
  smtpSchema,
  smtpSchemaPlainEnum,
  twilioFlattenedSchema,
  twilioUntaggedSchema,
} from './fixtures';

function byName(fields: FieldDescriptor[], name: string): FieldDescriptor {
  const found = fields.find((field) => field.name === name);
  if (found === undefined) throw new Error(`no field ${name}`);
  return found;
}

describe('humanize', () => {
  it('turns field names into labels with their acronyms', () => {
    expect(humanize('host')).toBe('Host');
    expect(humanize('api_key_sid')).toBe('API key SID');
    expect(humanize('account_sid')).toBe('Account SID');
    expect(humanize('api_token')).toBe('API token');
    expect(humanize('starttls')).toBe('STARTTLS');
    expect(humanize('accessKey')).toBe('Access key');
  });
});

describe('describeForm with the smtp schema', () => {
  const form = describeForm(smtpSchema, ['password']);

  it('lists every property in schema order, all required, with no variants', () => {
    expect(form.fields.map((field) => field.name)).toEqual(['host', 'port', 'security', 'username', 'password', 'from']);
    expect(form.fields.every((field) => field.required)).toBe(true);
    expect(form.variants).toEqual([]);
  });

  it('reads the port as a bounded integer with its default', () => {
    const port = byName(form.fields, 'port');
    expect(port).toMatchObject({ kind: 'integer', min: 1, max: 65535, defaultValue: '587', label: 'Port' });
  });

  it('turns the documented enum behind a $ref into a select labelled by its docs', () => {
    const security = byName(form.fields, 'security');
    expect(security.kind).toBe('select');
    expect(security.options.map((option) => option.value)).toEqual(['tls', 'starttls', 'none']);
    expect(security.options[0]?.label).toBe('Implicit TLS, usually port 465');
  });

  it('makes the secret field a password input and keeps descriptions and formats', () => {
    expect(byName(form.fields, 'password')).toMatchObject({ kind: 'secret', secret: true, inputType: 'password' });
    expect(byName(form.fields, 'username')).toMatchObject({ kind: 'text', secret: false, inputType: 'text' });
    expect(byName(form.fields, 'from').inputType).toBe('email');
    expect(byName(form.fields, 'host').description).toBe('Host name of the SMTP server.');
  });

  it('labels a plain enum from its values', () => {
    const security = byName(describeForm(smtpSchemaPlainEnum, ['password']).fields, 'security');
    expect(security.options.map((option) => option.label)).toEqual(['TLS', 'STARTTLS', 'None']);
  });
});

describe('buildBody for smtp', () => {
  const fields = describeForm(smtpSchema, ['password']).fields;
  const filled = {
    host: '  smtp.example.com ',
    port: '465',
    security: 'tls',
    username: 'donna',
    password: ' pass word ',
    from: 'donna@example.com',
  };

  it('parses the port as a number, trims text and leaves secrets as typed', () => {
    expect(buildBody(fields, filled, en)).toEqual({
      ok: true,
      body: {
        host: 'smtp.example.com',
        port: 465,
        security: 'tls',
        username: 'donna',
        password: ' pass word ',
        from: 'donna@example.com',
      },
    });
  });

  it('names each missing required field', () => {
    const result = buildBody(fields, { ...filled, host: ' ', password: '' }, en);
    expect(result).toEqual({
      ok: false,
      errors: { host: 'Host is required.', password: 'Password is required.' },
    });
  });

  it('refuses a port that is not a whole number or out of range', () => {
    expect(buildBody(fields, { ...filled, port: '58.7' }, en)).toEqual({
      ok: false,
      errors: { port: 'Port must be a whole number.' },
    });
    expect(buildBody(fields, { ...filled, port: '70000' }, en)).toEqual({
      ok: false,
      errors: { port: 'Port must be between 1 and 65535.' },
    });
  });

  it('refuses a value that is not one of the options', () => {
    expect(buildBody(fields, { ...filled, security: 'ssl3' }, en)).toMatchObject({ ok: false, errors: { security: expect.any(String) } });
  });
});

describe('minio with an optional nullable region', () => {
  const form = describeForm(minioSchema, ['secret_key']);

  it('marks the region optional and the secret key as a password', () => {
    expect(byName(form.fields, 'region')).toMatchObject({ kind: 'text', required: false, nullWhenEmpty: false });
    expect(byName(form.fields, 'secret_key')).toMatchObject({ kind: 'secret', required: true });
    expect(byName(form.fields, 'endpoint').inputType).toBe('url');
  });

  const base = { endpoint: 'https://minio.example.com', access_key: 'dash', secret_key: 'k', bucket: 'up' };

  it('leaves an empty region out of the body', () => {
    const result = buildBody(form.fields, { ...base, region: '' }, en);
    expect(result).toEqual({ ok: true, body: base });
  });

  it('sends a filled region', () => {
    expect(buildBody(form.fields, { ...base, region: 'eu-west-1' }, en)).toEqual({
      ok: true,
      body: { ...base, region: 'eu-west-1' },
    });
  });

  it('starts from the saved non-secret config, secrets empty', () => {
    const values = initialValues(form, {
      endpoint: 'https://minio.example.com',
      access_key: 'dash',
      bucket: 'up',
      region: null,
      secret_key: 'never sent, but ignored if it were',
    });
    expect(values).toEqual({
      endpoint: 'https://minio.example.com',
      access_key: 'dash',
      secret_key: '',
      bucket: 'up',
      region: '',
    });
  });
});

describe('twilio alternatives', () => {
  it('reads an untagged enum as variants sharing account_sid, labelled from their fields', () => {
    const form = describeForm(twilioUntaggedSchema, ['auth_token', 'api_key_secret']);
    expect(form.fields.map((field) => field.name)).toEqual(['account_sid']);
    expect(form.fields[0]?.required).toBe(true);
    expect(form.variants.map((variant) => variant.label)).toEqual(['Auth token', 'API key']);
    expect(form.variants.map((variant) => variant.fields.map((field) => field.name))).toEqual([
      ['auth_token'],
      ['api_key_sid', 'api_key_secret'],
    ]);
    expect(byName(form.variants[1]?.fields ?? [], 'api_key_secret').kind).toBe('secret');
  });

  it('reads flattened alternatives next to common properties, labelled by title or description', () => {
    const form = describeForm(twilioFlattenedSchema, ['auth_token', 'api_key_secret']);
    expect(form.fields.map((field) => field.name)).toEqual(['account_sid']);
    expect(form.variants.map((variant) => variant.label)).toEqual(['The account auth token', 'API key']);
    expect(form.variants[1]?.description).toBe('A revocable API key of the account.');
  });

  it('builds the body from the chosen variant only', () => {
    const form = describeForm(twilioUntaggedSchema, ['auth_token', 'api_key_secret']);
    const values = {
      account_sid: 'AC0123',
      auth_token: 'left over from the other tab',
      api_key_sid: 'SK0123',
      api_key_secret: 'shh',
    };
    expect(buildBody(activeFields(form, 1), values, en)).toEqual({
      ok: true,
      body: { account_sid: 'AC0123', api_key_sid: 'SK0123', api_key_secret: 'shh' },
    });
    expect(buildBody(activeFields(form, 0), { account_sid: 'AC0123' }, en)).toEqual({
      ok: false,
      errors: { auth_token: 'Auth token is required.' },
    });
  });

  it('opens on the variant the saved config uses', () => {
    const form = describeForm(twilioUntaggedSchema, ['auth_token', 'api_key_secret']);
    expect(initialVariant(form, null)).toBe(0);
    expect(initialVariant(form, { account_sid: 'AC0123', api_key_sid: 'SK0123' })).toBe(1);
  });
});

describe('other shapes schemars writes', () => {
  it('reads Option<Enum> (anyOf of a $ref and null) as an optional select', () => {
    const form = describeForm(
      {
        type: 'object',
        properties: {
          security: { anyOf: [{ $ref: '#/$defs/Security' }, { type: 'null' }], description: 'Transport security.' },
        },
        $defs: { Security: { type: 'string', enum: ['tls', 'none'] } },
      },
      [],
    );
    const security = byName(form.fields, 'security');
    expect(security).toMatchObject({ kind: 'select', required: false, description: 'Transport security.' });
    expect(buildBody(form.fields, { security: '' }, en)).toEqual({ ok: true, body: {} });
  });

  it('sends null for an empty field that is required but nullable', () => {
    const form = describeForm(
      { type: 'object', properties: { note: { type: ['string', 'null'] } }, required: ['note'] },
      [],
    );
    expect(buildBody(form.fields, { note: '' }, en)).toEqual({ ok: true, body: { note: null } });
  });

  it('reads booleans, numbers, writeOnly secrets and allOf members', () => {
    const form = describeForm(
      {
        type: 'object',
        allOf: [{ $ref: '#/$defs/Base' }],
        properties: {
          verify: { type: 'boolean', default: true },
          ratio: { type: 'number', exclusiveMinimum: 0 },
          token: { type: 'string', writeOnly: true },
        },
        required: ['token'],
        $defs: { Base: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
      },
      [],
    );
    expect(form.fields.map((field) => [field.name, field.kind, field.required])).toEqual([
      ['verify', 'boolean', false],
      ['ratio', 'number', false],
      ['token', 'secret', true],
      ['name', 'text', true],
    ]);
    const values = initialValues(form, null);
    expect(values.verify).toBe(true);
    expect(buildBody(form.fields, { ...values, ratio: '0.5', token: 't', name: 'n' }, en)).toEqual({
      ok: true,
      body: { verify: true, ratio: 0.5, token: 't', name: 'n' },
    });
  });

  it('falls back to a JSON field for nested objects and arrays', () => {
    const form = describeForm(
      { type: 'object', properties: { headers: { type: 'object' }, tags: { type: 'array', items: { type: 'string' } } } },
      [],
    );
    expect(form.fields.map((field) => field.kind)).toEqual(['json', 'json']);
    expect(buildBody(form.fields, { headers: '{"x":1}', tags: '["a"]' }, en)).toEqual({
      ok: true,
      body: { headers: { x: 1 }, tags: ['a'] },
    });
    expect(buildBody(form.fields, { headers: '{x', tags: '' }, en)).toEqual({
      ok: false,
      errors: { headers: 'Headers must be valid JSON.' },
    });
  });

  it('survives a dangling $ref and an empty schema', () => {
    expect(describeForm({ type: 'object', properties: { a: { $ref: '#/$defs/Missing' } } }, []).fields[0]?.kind).toBe(
      'text',
    );
    expect(describeForm({}, [])).toEqual({ fields: [], variants: [] });
  });
});
