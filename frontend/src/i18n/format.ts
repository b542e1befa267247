// Numbers, counts, durations and dates in the page's language, through `Intl`.

/** The languages the dashboard speaks. */
export type Locale = 'en' | 'fr';

/** The `Intl` locale of each language: dates read "24 Nov 2025" in English, as before. */
const INTL_LOCALE: Record<Locale, string> = { en: 'en-GB', fr: 'fr-FR' };

export function intlLocale(locale: Locale): string {
  return INTL_LOCALE[locale];
}

export function formatNumber(locale: Locale, value: number): string {
  return new Intl.NumberFormat(intlLocale(locale)).format(value);
}

/**
 * A count in words, by the language's plural rules (French says "1 résultat" and
 * "0 résultat", English "0 results"); each form gets the formatted number.
 */
export function countOf(
  locale: Locale,
  count: number,
  forms: { one: (formatted: string) => string; other: (formatted: string) => string },
): string {
  const rule = new Intl.PluralRules(intlLocale(locale)).select(count);
  return (rule === 'one' ? forms.one : forms.other)(formatNumber(locale, count));
}

/** A bound such as a port range, without digit grouping ("65535", not "65,535"). */
export function formatBound(locale: Locale, value: number): string {
  return new Intl.NumberFormat(intlLocale(locale), { useGrouping: false, maximumFractionDigits: 20 }).format(value);
}

/** "42 seconds", "2 minutes" / "42 secondes", "2 minutes": whole seconds under a minute, else minutes rounded up. */
export function formatWait(locale: Locale, seconds: number): string {
  const unit = seconds < 60 ? 'second' : 'minute';
  const amount = seconds < 60 ? seconds : Math.ceil(seconds / 60);
  return new Intl.NumberFormat(intlLocale(locale), { style: 'unit', unit, unitDisplay: 'long' }).format(amount);
}

/** "42 seconds", "90 seconds" / "42 secondes": always in seconds, as the server counted them. */
export function formatSeconds(locale: Locale, seconds: number): string {
  return new Intl.NumberFormat(intlLocale(locale), { style: 'unit', unit: 'second', unitDisplay: 'long' }).format(seconds);
}

/** A date and time for people: "24 Nov 2025, 16:39" / "24 nov. 2025, 16:39"; null without a valid date. */
export function formatDateTime(locale: Locale, value: string | null): string | null {
  if (value === null) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

/**
 * A moment coming soon: its time alone when it falls on `now`'s day ("17:22"), else its
 * date and time, with which one it is (the sentence says "at" or "on"); null without a
 * valid date.
 */
export function formatSoon(locale: Locale, value: string | null, now: Date = new Date()): { sameDay: boolean; text: string } | null {
  if (value === null) return null;
  const at = new Date(Date.parse(value));
  if (Number.isNaN(at.getTime())) return null;
  const sameDay = at.toDateString() === now.toDateString();
  const text = sameDay
    ? new Intl.DateTimeFormat(intlLocale(locale), { timeStyle: 'short' }).format(at)
    : (formatDateTime(locale, value) ?? '');
  return { sameDay, text };
}

const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** "in 45 minutes", "2 hours ago", "tomorrow" (and French's "dans 45 minutes"…), with whether it is past. */
export function relativeTime(locale: Locale, at: number, now: Date): { phrase: string; past: boolean } {
  const seconds = Math.round((at - now.getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat(intlLocale(locale), { numeric: 'auto' });
  const [unit, size] = RELATIVE_UNITS.find(([, length]) => Math.abs(seconds) >= length) ?? ['second', 1];
  return { phrase: format.format(Math.round(seconds / size), unit), past: seconds < 0 };
}

/** "tls, starttls or none" / "tls, starttls ou none": choices, as the language lists them. */
export function formatChoices(locale: Locale, items: readonly string[]): string {
  return new Intl.ListFormat(intlLocale(locale), { style: 'long', type: 'disjunction' }).format(items);
}

/** "api_key_sid and api_key_secret" / "api_key_sid et api_key_secret". */
export function formatAll(locale: Locale, items: readonly string[]): string {
  return new Intl.ListFormat(intlLocale(locale), { style: 'long', type: 'conjunction' }).format(items);
}
