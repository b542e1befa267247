import type { ReactNode } from 'react';

import { useI18n } from '../i18n';

export function Spinner({ label }: { label?: string }) {
  return (
    <span className="spinner" role={label !== undefined ? 'status' : undefined}>
      <span className="spinner__ring" aria-hidden="true" />
      {label !== undefined && <span className="visually-hidden">{label}</span>}
    </span>
  );
}

export function LoadingState({ label }: { label: string }) {
  return (
    <div className="state state--loading" role="status" aria-live="polite">
      <span className="spinner spinner--large">
        <span className="spinner__ring" aria-hidden="true" />
      </span>
      <p>{label}</p>
    </div>
  );
}

interface ErrorStateProps {
  title: string;
  message: string;
  /** The message's language when it is not the page's (the server's English words). */
  messageLang?: string | undefined;
  onRetry?: () => void;
  children?: ReactNode;
}

export function ErrorState({ title, message, messageLang, onRetry, children }: ErrorStateProps) {
  const { t } = useI18n();
  return (
    <div className="state state--error" role="alert">
      <svg className="state__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" strokeWidth="2" />
        <path d="M12 7v6M12 16.5v.5" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" />
      </svg>
      <h2 className="state__title">{title}</h2>
      <p lang={messageLang}>{message}</p>
      {onRetry !== undefined && (
        <button type="button" className="button button--secondary" onClick={onRetry}>
          {t.feedback.tryAgain}
        </button>
      )}
      {children}
    </div>
  );
}

export function EmptyState({ title, message }: { title: string; message: string }) {
  return (
    <div className="state state--empty">
      <h2 className="state__title">{title}</h2>
      <p>{message}</p>
    </div>
  );
}

/** A message that stays until dismissed, read out when it appears. */
export function Notice({
  tone,
  children,
  onDismiss,
}: {
  tone: 'success' | 'error' | 'info';
  children: ReactNode;
  onDismiss?: () => void;
}) {
  const { t } = useI18n();
  return (
    <div className={`notice notice--${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <div className="notice__text">{children}</div>
      {onDismiss !== undefined && (
        <button type="button" className="notice__close" onClick={onDismiss} aria-label={t.feedback.dismiss}>
          ×
        </button>
      )}
    </div>
  );
}
