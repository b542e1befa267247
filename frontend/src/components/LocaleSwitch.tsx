import { CATALOGS, LOCALES, setLocale, useI18n } from '../i18n';

/**
 * The `locale-switch` button (SPEC §9): shows the other language's name, in that
 * language, and switches to it; the choice is remembered.
 */
export function LocaleSwitch({ tone = 'light' }: { tone?: 'light' | 'dark' }) {
  const { locale } = useI18n();
  const next = LOCALES.find((candidate) => candidate !== locale) ?? locale;
  const target = CATALOGS[next];
  return (
    <button
      type="button"
      className={`locale-switch locale-switch--${tone}`}
      data-testid="locale-switch"
      data-locale={locale}
      lang={next}
      aria-label={target.switchTo}
      onClick={() => setLocale(next)}
    >
      <svg className="locale-switch__icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <circle cx="8" cy="8" r="6.3" fill="none" stroke="currentColor" strokeWidth="1.4" />
        <path d="M1.9 8h12.2M8 1.7c-3 3.4-3 9.2 0 12.6M8 1.7c3 3.4 3 9.2 0 12.6" fill="none" stroke="currentColor" strokeWidth="1.2" />
      </svg>
      <span>{target.languageName}</span>
    </button>
  );
}
