import { afterEach, describe, expect, it, vi } from 'vitest';

import { ApiError, NETWORK_ERROR } from '../src/api';
import { chooseLocale, en, fr, LOCALE_STORAGE_KEY, type Messages } from '../src/i18n';
import { countOf, formatDateTime, formatWait } from '../src/i18n/format';
import { authErrorMessage, callbackReasonMessage, expirySentence, requestErrorMessage } from '../src/state';

type Leaf = { path: string; value: unknown };

/** Every string and function of a catalog, by its dotted path. */
function leaves(catalog: unknown, prefix = ''): Leaf[] {
  if (typeof catalog !== 'object' || catalog === null) return [{ path: prefix, value: catalog }];
  return Object.entries(catalog).flatMap(([key, value]) => leaves(value, prefix === '' ? key : `${prefix}.${key}`));
}

/** Calls a catalog function with stand-in values of the right kind for each parameter. */
function sample(value: unknown): unknown {
  if (typeof value !== 'function') return value;
  const args = Array.from({ length: value.length }, (_, index) => (index % 2 === 0 ? 3 : 'X'));
  // Parameters typed number get 3, strings get 'X': both print, so a broken template shows.
  return (value as (...parameters: unknown[]) => unknown)(...args);
}

/**
 * The fields of the four config connectors' schemas (connectors-providers: smtp.rs,
 * twilio.rs, minio.rs, hostinger.rs), which the server describes in English.
 */
const CONFIG_FIELDS = {
  smtp: ['host', 'port', 'security', 'username', 'password', 'from'],
  twilio: ['account_sid', 'auth_token', 'api_key_sid', 'api_key_secret'],
  minio: ['endpoint', 'access_key', 'secret_key', 'bucket', 'region'],
  hostinger: ['api_token'],
};

/** `schema` overlays the server's English words: English leaves it empty on purpose. */
const isSchemaOverlay = (path: string) => path.startsWith('schema.');

describe('the catalogs', () => {
  const english = new Map(leaves(en).filter(({ path }) => !isSchemaOverlay(path)).map(({ path, value }) => [path, value]));
  const french = new Map(leaves(fr).filter(({ path }) => !isSchemaOverlay(path)).map(({ path, value }) => [path, value]));

  it('have the same keys in both languages', () => {
    const missingInFrench = [...english.keys()].filter((path) => !french.has(path));
    const extraInFrench = [...french.keys()].filter((path) => !english.has(path));
    expect({ missingInFrench, extraInFrench }).toEqual({ missingInFrench: [], extraInFrench: [] });
  });

  it('give each key the same kind of value and the same parameters', () => {
    const mismatched = [...english].filter(([path, value]) => {
      const other = french.get(path);
      if (typeof value !== typeof other) return true;
      return typeof value === 'function' && typeof other === 'function' && value.length !== other.length;
    });
    expect(mismatched.map(([path]) => path)).toEqual([]);
  });

  it('say something for every key, in words of their own', () => {
    for (const [path, value] of french) {
      const said = sample(value);
      expect(typeof said, path).toBe('string');
      expect(String(said).trim(), path).not.toBe('');
    }
    // Words a translator forgot look the same in both languages (names and symbols aside).
    const sameInBoth = [...english]
      .filter(([, value]) => typeof value === 'string' && /[a-z]{4}/.test(value))
      .filter(([path, value]) => french.get(path) === value)
      .map(([path]) => path);
    expect(sameInBoth.sort()).toEqual(['card.kindConfig', 'voice.name']);
  });

  it('keep French typography consistent: a no-break space before : ? ! and inside « », curly apostrophes', () => {
    const problems = leaves(fr).flatMap(({ path, value }) => {
      const said = String(sample(value));
      const found: string[] = [];
      if (/ [:?!;]/.test(said) || /[^\s\u00a0\u202f][?!;]/.test(said)) found.push(`${path}: space before punctuation`);
      if (/[^\s\u00a0\u202f\dA-Za-z]:\s|[a-zé]:\s/.test(said)) found.push(`${path}: colon without a no-break space`);
      if (/«(?!\u00a0)|(?<!\u00a0)»/.test(said)) found.push(`${path}: guillemets without no-break spaces`);
      if (said.includes("'")) found.push(`${path}: straight apostrophe`);
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('put every field of the config forms in French: label and hint', () => {
    const ids = Object.entries(CONFIG_FIELDS).flatMap(([key, names]) => names.map((name) => `${key}.${name}`));
    expect(ids.filter((id) => fr.schema.labels[id] === undefined)).toEqual([]);
    expect(ids.filter((id) => fr.schema.hints[id] === undefined)).toEqual([]);
    expect(Object.keys(fr.schema.labels).filter((id) => !ids.includes(id))).toEqual([]);
    expect(['tls', 'starttls', 'none'].filter((value) => fr.schema.options[`smtp.security.${value}`] === undefined)).toEqual([]);
    expect(Object.keys(fr.schema.variants).sort()).toEqual(['twilio.variant-0', 'twilio.variant-1']);
    expect(Object.keys(en.schema).flatMap((part) => Object.keys(en.schema[part as keyof Messages['schema']]))).toEqual([]);
  });

  it('type French as English’s shape, so a missing key does not compile', () => {
    // @ts-expect-error — a catalog without `voice` is not `Messages`.
    const incomplete: Messages = { ...fr, voice: undefined };
    expect(incomplete.voice).toBeUndefined();
  });
});

describe('chooseLocale', () => {
  it('speaks French when the browser prefers it, English otherwise', () => {
    expect(chooseLocale(null, ['fr-FR', 'en-US'])).toBe('fr');
    expect(chooseLocale(null, ['fr'])).toBe('fr');
    expect(chooseLocale(null, ['en-US', 'fr-FR'])).toBe('en');
    expect(chooseLocale(null, ['de-DE', 'fr-CA', 'en'])).toBe('fr');
    expect(chooseLocale(null, ['de-DE', 'es'])).toBe('en');
    expect(chooseLocale(null, [])).toBe('en');
  });

  it('keeps a remembered choice over the browser’s languages, and ignores a stored value it does not know', () => {
    expect(chooseLocale('en', ['fr-FR'])).toBe('en');
    expect(chooseLocale('fr', ['en-US'])).toBe('fr');
    expect(chooseLocale('klingon', ['fr-FR'])).toBe('fr');
  });
});

describe('the page’s language', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  function browser(languages: string[], stored: Record<string, string> = {}) {
    const storage = new Map(Object.entries(stored));
    const root = { lang: 'en' };
    vi.stubGlobal('navigator', { languages, language: languages[0] });
    vi.stubGlobal('localStorage', {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => void storage.set(key, value),
    });
    vi.stubGlobal('document', { documentElement: root });
    return { storage, root };
  }

  it('starts in French for a French browser and says so in <html lang>', async () => {
    const { root } = browser(['fr-FR', 'en']);
    vi.resetModules();
    const i18n = await import('../src/i18n');
    expect(i18n.getLocale()).toBe('fr');
    expect(i18n.messages()).toBe(i18n.fr);
    expect(root.lang).toBe('fr');
  });

  it('remembers a switch, keeps <html lang> true, and starts in the chosen language next time', async () => {
    const { storage, root } = browser(['fr-FR']);
    vi.resetModules();
    const first = await import('../src/i18n');
    expect(first.getLocale()).toBe('fr');

    first.setLocale('en');

    expect(first.getLocale()).toBe('en');
    expect(root.lang).toBe('en');
    expect(storage.get(LOCALE_STORAGE_KEY)).toBe('en');

    vi.resetModules();
    const reloaded = await import('../src/i18n');
    expect(reloaded.getLocale()).toBe('en');
  });

  it('still shows the language when storage is refused', async () => {
    const root = { lang: 'en' };
    vi.stubGlobal('navigator', { languages: ['en-GB'] });
    vi.stubGlobal('localStorage', {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    });
    vi.stubGlobal('document', { documentElement: root });
    vi.resetModules();
    const i18n = await import('../src/i18n');

    i18n.setLocale('fr');

    expect(i18n.getLocale()).toBe('fr');
    expect(root.lang).toBe('fr');
  });
});

/** ICU picks the spaces inside numbers and units (U+00A0 or U+202F, by version): compare without them. */
function plain(text: string | null): string | null {
  return text === null ? null : text.replace(/[\u00a0\u202f]/g, ' ');
}

describe('words in each language', () => {
  const now = new Date('2025-11-24T12:00:00Z');

  it('formats dates, durations and counts with Intl for the language', () => {
    expect(formatDateTime('en', '2025-11-24T16:39:00Z')).toMatch(/^24 Nov 2025, \d\d:39$/);
    expect(formatDateTime('fr', '2025-11-24T16:39:00Z')).toMatch(/^24 nov\. 2025, \d\d:39$/);
    expect(formatWait('en', 42)).toBe('42 seconds');
    expect(plain(formatWait('fr', 1))).toBe('1 seconde');
    expect(plain(formatWait('fr', 120))).toBe('2 minutes');
    expect(countOf('fr', 0, { one: (n) => `${n} résultat`, other: (n) => `${n} résultats` })).toBe('0 résultat');
    expect(en.voice.results(0)).toBe('0 results');
    expect(plain(fr.voice.results(1234))).toBe('1 234 résultats');
  });

  it('says when access expires in French', () => {
    expect(plain(expirySentence('2025-11-24T12:45:00Z', 'fr', now))).toBe('Expire dans 45 minutes');
    expect(expirySentence('2025-11-25T12:00:00Z', 'fr', now)).toBe('Expire demain');
    expect(plain(expirySentence('2025-11-24T10:00:00Z', 'fr', now))).toBe('A expiré il y a 2 heures');
  });

  it('explains a callback’s reason and a refused sign-in in French', () => {
    expect(callbackReasonMessage('access_denied', fr)).toMatch(/^Vous avez refusé l’accès/);
    expect(callbackReasonMessage('quantum_flux', fr)).toBe('La connexion n’a pas pu aboutir (motif\u00a0: quantum_flux).');
    expect(authErrorMessage(new ApiError(401, 'invalid_credentials', 'x'), 'login', fr)).toMatch(/ne correspondent à aucun compte/);
    expect(plain(authErrorMessage(new ApiError(429, 'rate_limited', 'x', [], 120), 'login', fr))).toBe(
      'Trop de tentatives. Réessayez dans 2 minutes.',
    );
  });

  it('says the client’s own error messages again in the language shown, and the server’s as they are', () => {
    const unreachable = new ApiError(0, NETWORK_ERROR, en.errors.network);
    expect(requestErrorMessage(unreachable, fr)).toBe(fr.errors.network);
    expect(requestErrorMessage(new ApiError(502, 'http_502', en.errors.serverProblem), fr)).toBe(fr.errors.serverProblem);
    expect(requestErrorMessage(new ApiError(422, 'invalid_field', 'port must be a number'), fr)).toBe('port must be a number');
  });
});
