// JSON Schemas as schemars writes them for the config connectors of SPEC §5.

import type { Connector } from '../src/api';
import type { JsonSchema } from '../src/jsonSchema';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** `#[derive(JsonSchema)] struct SmtpConfig` with a documented `SmtpSecurity` enum. */
export const smtpSchema: JsonSchema = {
  $schema: DRAFT,
  title: 'SmtpConfig',
  type: 'object',
  properties: {
    host: { description: 'Host name of the SMTP server.', type: 'string' },
    port: { type: 'integer', format: 'uint16', minimum: 1, maximum: 65535, default: 587 },
    security: { $ref: '#/$defs/SmtpSecurity' },
    username: { type: 'string' },
    password: { type: 'string' },
    from: { type: 'string', format: 'email' },
  },
  required: ['host', 'port', 'security', 'username', 'password', 'from'],
  $defs: {
    SmtpSecurity: {
      oneOf: [
        { description: 'Implicit TLS, usually port 465.', type: 'string', const: 'tls' },
        { description: 'STARTTLS upgrade, usually port 587.', type: 'string', const: 'starttls' },
        { description: 'No encryption.', type: 'string', const: 'none' },
      ],
    },
  },
};

/** The same with an undocumented enum, which schemars writes as a plain `enum`. */
export const smtpSchemaPlainEnum: JsonSchema = {
  $schema: DRAFT,
  title: 'SmtpConfig',
  type: 'object',
  properties: {
    host: { type: 'string' },
    port: { type: 'integer', format: 'uint16', minimum: 1, maximum: 65535 },
    security: { type: 'string', enum: ['tls', 'starttls', 'none'] },
    username: { type: 'string' },
    password: { type: 'string' },
    from: { type: 'string' },
  },
  required: ['host', 'port', 'security', 'username', 'password', 'from'],
};

/** `region: Option<String>` reads `type: ["string", "null"]`, outside `required`. */
export const minioSchema: JsonSchema = {
  $schema: DRAFT,
  title: 'MinioConfig',
  type: 'object',
  properties: {
    endpoint: { type: 'string', format: 'uri' },
    access_key: { type: 'string' },
    secret_key: { type: 'string' },
    bucket: { type: 'string' },
    region: { type: ['string', 'null'], default: null },
  },
  required: ['endpoint', 'access_key', 'secret_key', 'bucket'],
};

/** `#[serde(untagged)] enum TwilioConfig { AuthToken {…}, ApiKey {…} }`, no doc comments. */
export const twilioUntaggedSchema: JsonSchema = {
  $schema: DRAFT,
  title: 'TwilioConfig',
  anyOf: [
    {
      type: 'object',
      properties: { account_sid: { type: 'string' }, auth_token: { type: 'string' } },
      required: ['account_sid', 'auth_token'],
    },
    {
      type: 'object',
      properties: {
        account_sid: { type: 'string' },
        api_key_sid: { type: 'string' },
        api_key_secret: { type: 'string' },
      },
      required: ['account_sid', 'api_key_sid', 'api_key_secret'],
    },
  ],
};

/** `struct TwilioConfig { account_sid, #[serde(flatten)] auth: TwilioAuth }`, documented variants. */
export const twilioFlattenedSchema: JsonSchema = {
  $schema: DRAFT,
  title: 'TwilioConfig',
  type: 'object',
  properties: { account_sid: { description: 'Starts with AC.', type: 'string' } },
  required: ['account_sid'],
  oneOf: [
    {
      description: 'The account auth token.',
      type: 'object',
      properties: { auth_token: { type: 'string' } },
      required: ['auth_token'],
    },
    {
      title: 'API key',
      description: 'A revocable API key of the account.',
      type: 'object',
      properties: { api_key_sid: { type: 'string' }, api_key_secret: { type: 'string' } },
      required: ['api_key_sid', 'api_key_secret'],
    },
  ],
};

export function connector(overrides: Partial<Connector> = {}): Connector {
  return {
    key: 'google_calendar',
    name: 'Google Calendar',
    kind: 'oauth',
    provider: 'google',
    configured: true,
    connected: false,
    status: 'inactive',
    scopes: [],
    expires_at: null,
    connected_at: null,
    last_error: null,
    last_error_code: null,
    last_error_detail: null,
    last_error_params: { attempts: null, retry_at: null },
    connected_as: null,
    schema: null,
    secret_fields: [],
    config: null,
    ...overrides,
  };
}
