import type { User } from '../api';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { Spinner } from './Feedback';
import { LocaleSwitch } from './LocaleSwitch';

export function BrandMark() {
  return (
    <svg className="brand-mark" viewBox="0 0 32 32" width="32" height="32" aria-hidden="true" focusable="false">
      <defs>
        <linearGradient id="brand-gradient" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#818cf8" />
          <stop offset="1" stopColor="#22d3ee" />
        </linearGradient>
      </defs>
      <rect width="32" height="32" rx="9" fill="url(#brand-gradient)" />
      <path
        d="M12 10v5M20 10v5M9.5 15h13v2.5a6.5 6.5 0 0 1-13 0zM16 24v3"
        fill="none"
        stroke="#0f172a"
        strokeWidth="2.4"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

interface HeaderProps {
  user: User;
  signingOut: boolean;
  onSignOut: () => void;
}

export function Header({ user, signingOut, onSignOut }: HeaderProps) {
  const { t } = useI18n();
  return (
    <header className="topbar">
      <div className="topbar__inner">
        <a
          className="topbar__brand"
          href="/"
          onClick={(event) => {
            if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
            event.preventDefault();
            navigate('/');
          }}
        >
          <BrandMark />
          <span>{t.app.name}</span>
        </a>
        <div className="topbar__user">
          <LocaleSwitch tone="dark" />
          <span className="topbar__email" title={user.email} data-testid="current-user">
            {user.email}
          </span>
          <button type="button" className="button button--on-dark" onClick={onSignOut} disabled={signingOut} data-testid="logout">
            {signingOut && <Spinner />}
            {t.app.logOut}
          </button>
        </div>
      </div>
    </header>
  );
}
