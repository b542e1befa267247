// The server's error codes in words: every code the OpenAPI document lists has a
// sentence in each language, parameters reach the sentence, and a code this page does
// not know shows the server's English words.

import { describe, expect, it } from 'vitest';

import { ApiError, type FieldError } from '../src/api';
import type { components } from '../src/api-types';
import { CATALOGS, formatDateTime, formatSoon, LOCALES } from '../src/i18n';
import { fieldErrorWords, lastErrorWords, requestErrorMessage, statusSentence } from '../src/state';
import { summarizeToolOutput } from '../src/voice/machine';
import { connector } from './fixtures';

type Schemas = components['schemas'];

// Every code of the generated types: a code added to the server (and so to
// `api-types.ts`) and not here fails to compile, through `Exhaustive` below.
const FIELD_CODES = [
  'not_an_object',
  'unknown_field',
  'required',
  'empty',
  'not_a_string',
  'not_a_number',
  'not_a_boolean',
  'out_of_range',
  'too_short',
  'too_long',
  'not_one_of',
  'invalid_format',
  'has_spaces',
  'control_characters',
  'conflict',
  'unresolvable',
  'private_address',
  'provider_refused',
  'not_found',
  'tls_failed',
  'starttls_unsupported',
  'schema_mismatch',
  'must_be_after',
  'one_file',
  'invalid',
] as const satisfies readonly Schemas['FieldErrorCode'][];
const FORMATS = [
  'host',
  'host_without_scheme',
  'host_without_path',
  'host_without_port',
  'url',
  'url_without_credentials',
  'url_without_path',
  'email',
  'mailbox',
  'bucket_name',
  'region_name',
  'twilio_account_sid',
  'twilio_api_key_sid',
  'date_time',
] as const satisfies readonly Schemas['FieldFormat'][];
const LAST_ERROR_CODES = ['needs_reauth', 'refresh_failing', 'refresh_failed', 'other'] as const satisfies readonly Schemas['LastErrorCode'][];

type Exhaustive<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : never;
const listsAreComplete: [
  Exhaustive<Schemas['FieldErrorCode'], (typeof FIELD_CODES)[number]>,
  Exhaustive<Schemas['FieldFormat'], (typeof FORMATS)[number]>,
  Exhaustive<Schemas['LastErrorCode'], (typeof LAST_ERROR_CODES)[number]>,
] = [true, true, true];

const everyParam: Schemas['FieldErrorParams'] = {
  min: 1,
  max: 65535,
  allowed: ['tls', 'starttls', 'none'],
  format: 'host',
  conflicts_with: ['api_key_sid', 'api_key_secret'],
  address: '127.0.0.1',
};

function problem(code: string, params: Schemas['FieldErrorParams'] = {}, field = 'port'): FieldError {
  return { field, code, message: `server words for ${code}`, params };
}

describe('field error codes', () => {
  it('are listed completely', () => {
    expect(listsAreComplete).toEqual([true, true, true]);
  });

  it.each(FIELD_CODES.filter((code) => code !== 'invalid'))('%s has its own sentence in English and French', (code) => {
    const [english, french] = LOCALES.map((locale) => fieldErrorWords(problem(code, everyParam), 'Port', CATALOGS[locale]));
    for (const words of [english, french]) {
      expect(words?.translated).toBe(true);
      expect(words?.sentence).not.toBe(`server words for ${code}`);
      expect(words?.sentence.length).toBeGreaterThan(10);
    }
    expect(french?.sentence).not.toBe(english?.sentence);
  });

  it('has a French and an English phrase for every expected format', () => {
    for (const format of FORMATS) {
      expect(CATALOGS.en.fieldFormats[format]).toBeTruthy();
      expect(CATALOGS.fr.fieldFormats[format]).toBeTruthy();
      expect(CATALOGS.fr.fieldFormats[format]).not.toBe(CATALOGS.en.fieldFormats[format]);
    }
    const french = fieldErrorWords(problem('invalid_format', { format: 'host_without_scheme' }, 'host'), 'Hôte', CATALOGS.fr);
    expect(french.sentence).toBe('Le champ «\u00a0Hôte\u00a0» doit contenir le nom d’hôte seul, sans préfixe comme «\u00a0smtp://\u00a0».');
  });

  it('puts the parameters in the sentence, in each language’s words', () => {
    const range = problem('out_of_range', { min: 1, max: 65535 });
    expect(fieldErrorWords(range, 'Port', CATALOGS.en).sentence).toBe('Port must be between 1 and 65535.');
    expect(fieldErrorWords(range, 'Port', CATALOGS.fr).sentence).toBe(
      'Le champ «\u00a0Port\u00a0» doit être compris entre 1 et 65535.',
    );
    const choice = problem('not_one_of', { allowed: ['tls', 'starttls', 'none'] }, 'security');
    expect(fieldErrorWords(choice, 'Security', CATALOGS.en).sentence).toBe('Security must be tls, starttls or none.');
    expect(fieldErrorWords(choice, 'Sécurité', CATALOGS.fr).sentence).toBe(
      'Le champ «\u00a0Sécurité\u00a0» doit valoir tls, starttls ou none.',
    );
    const long = problem('too_long', { max: 64 }, 'bucket');
    expect(fieldErrorWords(long, 'Bucket', CATALOGS.fr).sentence).toContain('au plus 64\u00a0caractères');
    const privateHost = problem('private_address', { address: '10.0.0.8' }, 'host');
    expect(fieldErrorWords(privateHost, 'Hôte', CATALOGS.fr).sentence).toContain('10.0.0.8');
  });

  it('keeps a provider’s words apart, untranslated', () => {
    const refused = problem('provider_refused', { detail: 'InvalidRegion: eu-nowhere' }, 'region');
    const words = fieldErrorWords(refused, 'Région', CATALOGS.fr);
    expect(words.detail).toBe('InvalidRegion: eu-nowhere');
    expect(words.sentence).not.toContain('InvalidRegion');
  });

  it('falls back to the server’s English words for `invalid` and for a code this page does not know', () => {
    for (const code of ['invalid', 'a_code_from_a_newer_server']) {
      for (const locale of LOCALES) {
        const words = fieldErrorWords(problem(code), 'Port', CATALOGS[locale]);
        expect(words).toEqual({ sentence: `server words for ${code}`, translated: false, detail: null });
      }
    }
  });
});

describe('a connector’s last error', () => {
  const NO_PARAMS = { attempts: null, retry_at: null };
  const ENGINE_WORDS = 'the provider failed to refresh the token (server_error)';

  it.each(LAST_ERROR_CODES.filter((code) => code !== 'other'))(
    '%s has a sentence in each language, only the provider’s words as detail',
    (code) => {
      const card = { last_error: ENGINE_WORDS, last_error_code: code, last_error_detail: 'server_error', last_error_params: NO_PARAMS };
      const [english, french] = LOCALES.map((locale) => lastErrorWords(card, CATALOGS[locale]));
      expect(english?.translated).toBe(true);
      expect(french?.translated).toBe(true);
      expect(french?.sentence).not.toBe(english?.sentence);
      expect(french?.detail).toBe('server_error');
      expect(french?.sentence).not.toContain('provider failed');
    },
  );

  it('never quotes the engine’s English sentence when the provider gave no words', () => {
    const card = { last_error: ENGINE_WORDS, last_error_code: 'refresh_failed' as const, last_error_detail: null, last_error_params: NO_PARAMS };
    expect(lastErrorWords(card, CATALOGS.fr)).toEqual({
      sentence: 'Le dernier renouvellement de l’accès a échoué. Le serveur réessaie sous peu.',
      translated: true,
      detail: null,
    });
  });

  it('says how many refreshes failed and when the next one is, with the language’s numbers and dates', () => {
    const params = { attempts: 3, retry_at: '2030-01-15T17:05:00Z' };
    const card = { last_error: ENGINE_WORDS, last_error_code: 'refresh_failing' as const, last_error_detail: null, last_error_params: params };
    const french = lastErrorWords(card, CATALOGS.fr)?.sentence ?? '';
    const english = lastErrorWords(card, CATALOGS.en)?.sentence ?? '';
    expect(french).toContain('L’accès n’a pas pu être renouvelé 3\u00a0fois de suite.');
    expect(french).toContain(`Le serveur réessaiera le\u00a0${formatDateTime('fr', params.retry_at)}\u00a0;`);
    expect(english).toContain('Access could not be renewed 3 times in a row.');
    expect(english).toContain(`The server tries again on\u00a0${formatDateTime('en', params.retry_at)};`);
    expect(french).not.toContain(formatDateTime('en', params.retry_at) ?? 'a date');
  });

  it('gives a next try later today as a time alone', () => {
    const now = new Date(2030, 0, 15, 9, 0);
    const soon = new Date(2030, 0, 15, 17, 5).toISOString();
    expect(formatSoon('fr', soon, now)).toEqual({ sameDay: true, text: '17:05' });
    expect(formatSoon('en', soon, now)?.sameDay).toBe(true);
    expect(formatSoon('fr', new Date(2030, 0, 16, 8, 0).toISOString(), now)?.sameDay).toBe(false);
    expect(formatSoon('fr', null, now)).toBeNull();
  });

  it('shows the server’s words for `other`, an unknown code or none, and nothing without an error', () => {
    for (const code of ['other', null] as const) {
      expect(
        lastErrorWords({ last_error: 'boom', last_error_code: code, last_error_detail: 'x', last_error_params: NO_PARAMS }, CATALOGS.fr),
      ).toEqual({
        sentence: 'boom',
        translated: false,
        detail: null,
      });
    }
    expect(
      lastErrorWords({ last_error: null, last_error_code: null, last_error_detail: null, last_error_params: NO_PARAMS }, CATALOGS.fr),
    ).toBeNull();
  });

  it('gives a card in `error` a French sentence', () => {
    const failing = connector({
      connected: true,
      status: 'error',
      last_error: ENGINE_WORDS,
      last_error_code: 'refresh_failing',
    });
    expect(statusSentence(failing, CATALOGS.fr)).toBe(CATALOGS.fr.lastError.refresh_failing(NO_PARAMS));
    expect(statusSentence(failing, CATALOGS.en)).toBe(CATALOGS.en.lastError.refresh_failing(NO_PARAMS));
  });
});

describe('the codes of the API’s own refusals', () => {
  it('say an events window that ends before it starts in French, naming both fields', () => {
    const problem: FieldError = { field: 'to', code: 'must_be_after', message: 'must be after `from`', params: { other: 'from' } };
    expect(fieldErrorWords(problem, 'to', CATALOGS.fr)).toEqual({
      sentence: 'Le champ «\u00a0to\u00a0» doit être postérieur au champ «\u00a0from\u00a0».',
      translated: true,
      detail: null,
    });
    expect(fieldErrorWords(problem, 'to', CATALOGS.en).sentence).toBe('to must come after from.');
  });

  it('say a second file in French', () => {
    const problem: FieldError = { field: 'file', code: 'one_file', message: 'send one file', params: {} };
    expect(fieldErrorWords(problem, 'file', CATALOGS.fr).sentence).toBe('Envoyez un seul fichier à la fois.');
  });

  it('reach the orb’s transcript in the page’s language', () => {
    const output = JSON.stringify({
      error: {
        code: 'invalid_request',
        message: 'invalid fields',
        fields: [{ field: 'to', code: 'must_be_after', message: 'must be after `from`', params: { other: 'from' } }],
      },
    });
    const { status, summary } = summarizeToolOutput(output);
    expect(status).toBe('failed');
    expect(summary(CATALOGS.fr)).toBe('Le champ «\u00a0Fin\u00a0» doit être postérieur au champ «\u00a0Début\u00a0».');
    expect(summary(CATALOGS.en)).toBe('End must come after Start.');
  });
});

describe('provider refusals', () => {
  it('are said in the page’s language with the provider’s words quoted', () => {
    const error = new ApiError(422, 'provider_rejected', 'the provider rejected these credentials: Unauthenticated', [], null, 'Unauthenticated');
    expect(requestErrorMessage(error, CATALOGS.fr)).toBe(
      'Le fournisseur a refusé ces identifiants. Vérifiez-les et réessayez. Détails\u00a0: «\u00a0Unauthenticated\u00a0»',
    );
    expect(requestErrorMessage(error, CATALOGS.en)).toBe(
      'The provider rejected these credentials. Check them and try again. Details: “Unauthenticated”',
    );
  });

  it('have a sentence for every provider code in both languages', () => {
    expect(Object.keys(CATALOGS.fr.providerErrors).sort()).toEqual(Object.keys(CATALOGS.en.providerErrors).sort());
    for (const code of Object.keys(CATALOGS.en.providerErrors)) {
      expect(CATALOGS.fr.providerErrors[code]).not.toBe(CATALOGS.en.providerErrors[code]);
    }
  });

  it('say a 422’s fields from their codes in a banner', () => {
    const fields: FieldError[] = [{ field: 'to', code: 'must_be_after', message: 'must be after `from`', params: { other: 'from' } }];
    const error = new ApiError(422, 'validation_failed', 'invalid fields', fields);
    expect(requestErrorMessage(error, CATALOGS.fr)).toBe('Le champ «\u00a0to\u00a0» doit être postérieur au champ «\u00a0from\u00a0».');
  });

  it('keep the server’s words for another code', () => {
    const error = new ApiError(409, 'not_connected', 'connector `smtp` is not connected');
    expect(requestErrorMessage(error, CATALOGS.fr)).toBe('connector `smtp` is not connected');
  });
});
