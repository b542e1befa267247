// The page's language: French when the browser prefers it, English otherwise, and
// the user's choice (the `locale-switch` button, SPEC §9) remembered in localStorage.
// `<html lang>` always names the language shown. Components read it through
// `useI18n()`; code free of React takes a catalog (`Messages`) as an argument, or
// returns `Words` to be put in the language when drawn, so a switch redraws them too.

import { useSyncExternalStore } from 'react';

import { en, type Messages } from './en';
import { fr } from './fr';
import type { Locale } from './format';

export { en, type Messages } from './en';
export { fr } from './fr';
export { formatDateTime, formatNumber, formatSoon, formatWait, relativeTime, type Locale } from './format';

/** Words to be put in the page's language when they are drawn, not when they are made. */
export type Words = (t: Messages) => string;

export const LOCALES: readonly Locale[] = ['en', 'fr'];

/**
 * `"en"` when `words` say the same in English as in the page's language: they are the
 * server's (the API speaks English), and the element holding them must say so, since
 * `<html lang>` names another language. `undefined` otherwise.
 */
export function untranslatedLang(words: Words, locale: Locale): 'en' | undefined {
  if (locale === 'en') return undefined;
  return words(CATALOGS[locale]) === words(en) ? 'en' : undefined;
}

export const CATALOGS: Readonly<Record<Locale, Messages>> = { en, fr };

/** Where the user's choice is kept. */
export const LOCALE_STORAGE_KEY = 'connectors.locale';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * The language to show: a remembered choice first; else the first of the browser's
 * languages (`navigator.languages`, most preferred first) that the dashboard speaks,
 * matched on the primary subtag (`fr-CA` is French); else English.
 */
export function chooseLocale(stored: string | null, languages: readonly string[]): Locale {
  if (isLocale(stored)) return stored;
  for (const language of languages) {
    const primary = language.toLowerCase().split(/[-_]/)[0];
    if (isLocale(primary)) return primary;
  }
  return 'en';
}

function readStored(): string | null {
  try {
    return globalThis.localStorage?.getItem(LOCALE_STORAGE_KEY) ?? null;
  } catch {
    // Storage can be disabled (privacy settings): the browser's languages decide.
    return null;
  }
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  if (navigator.languages !== undefined && navigator.languages.length > 0) return navigator.languages;
  return navigator.language !== undefined ? [navigator.language] : [];
}

let current: Locale = chooseLocale(readStored(), browserLanguages());
const listeners = new Set<() => void>();

function applyToDocument(locale: Locale) {
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}
applyToDocument(current);

function announce(next: Locale) {
  if (next === current) return;
  current = next;
  applyToDocument(next);
  for (const listener of listeners) listener();
}

// Without a remembered choice, the page follows the browser's languages as they change.
if (typeof window !== 'undefined') {
  window.addEventListener('languagechange', () => {
    if (readStored() === null) announce(chooseLocale(null, browserLanguages()));
  });
}

export function getLocale(): Locale {
  return current;
}

/** The catalog of the language shown now, for code that is not drawn by React. */
export function messages(): Messages {
  return CATALOGS[current];
}

/** Shows `locale` and remembers it as the user's choice. */
export function setLocale(locale: Locale): void {
  try {
    globalThis.localStorage?.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // Not remembered, but still shown.
  }
  announce(locale);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface I18n {
  locale: Locale;
  t: Messages;
}

/** The language shown and its catalog; components re-render when it changes. */
export function useI18n(): I18n {
  const locale = useSyncExternalStore(subscribe, getLocale, getLocale);
  return { locale, t: CATALOGS[locale] };
}
