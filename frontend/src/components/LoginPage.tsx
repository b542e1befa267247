import { useEffect, useRef, useState, type FormEvent } from 'react';

import { api, type User } from '../api';
import { untranslatedLang, useI18n } from '../i18n';
import { authErrorMessage, type AuthMode } from '../state';
import { BrandMark } from './Header';
import { Spinner } from './Feedback';
import { LocaleSwitch } from './LocaleSwitch';

interface LoginPageProps {
  onSignedIn: (user: User) => void;
  /** Why the user landed here, e.g. a session that ended. */
  notice: string | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function LoginPage({ onSignedIn, notice }: LoginPageProps) {
  const [mode, setMode] = useState<AuthMode>('login');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const { locale, t } = useI18n();
  // The failure itself, put in words when drawn: a language switch rewords it.
  const [refusal, setRefusal] = useState<{ failure: unknown; mode: AuthMode } | null>(null);
  const [invalid, setInvalid] = useState<{ email?: true; password?: true }>({});
  const [submitting, setSubmitting] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = mode === 'login' ? t.auth.documentTitleLogin : t.auth.documentTitleSignup;
  }, [mode, t]);

  function switchMode(next: AuthMode) {
    setMode(next);
    setRefusal(null);
    setInvalid({});
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const problems: { email?: true; password?: true } = {};
    if (!EMAIL.test(email.trim())) problems.email = true;
    if (password === '') problems.password = true;
    setInvalid(problems);
    setRefusal(null);
    if (problems.email !== undefined) {
      emailRef.current?.focus();
      return;
    }
    if (problems.password !== undefined) {
      passwordRef.current?.focus();
      return;
    }

    setSubmitting(true);
    try {
      const session =
        mode === 'login' ? await api.login(email.trim(), password) : await api.signup(email.trim(), password);
      onSignedIn(session.user);
    } catch (failure) {
      setRefusal({ failure, mode });
      setSubmitting(false);
    }
  }

  const titleId = 'auth-title';
  return (
    <main className="auth" id="main">
      <div className="auth__panel">
        <div className="auth__top">
          <div className="auth__brand">
            <BrandMark />
            <span>{t.app.name}</span>
          </div>
          <LocaleSwitch />
        </div>
        <h1 id={titleId} className="auth__title">
          {mode === 'login' ? t.auth.titleLogin : t.auth.titleSignup}
        </h1>
        <p className="auth__lead">{t.auth.lead}</p>

        <div className="segmented segmented--tabs" role="group" aria-label={t.auth.modes}>
          <button
            type="button"
            className="segmented__button"
            aria-pressed={mode === 'login'}
            onClick={() => switchMode('login')}
            data-testid="auth-mode-login"
          >
            {t.auth.logIn}
          </button>
          <button
            type="button"
            className="segmented__button"
            aria-pressed={mode === 'signup'}
            onClick={() => switchMode('signup')}
            data-testid="auth-mode-signup"
          >
            {t.auth.signUp}
          </button>
        </div>

        {notice !== null && refusal === null && <p className="auth__notice">{notice}</p>}
        {refusal !== null && (
          <p
            className="form-error"
            role="alert"
            data-testid="auth-error"
            lang={untranslatedLang((words) => authErrorMessage(refusal.failure, refusal.mode, words), locale)}
          >
            {authErrorMessage(refusal.failure, refusal.mode, t)}
          </p>
        )}

        <form className="auth__form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby={titleId}>
          <div className={`field${invalid.email !== undefined ? ' field--invalid' : ''}`}>
            <label htmlFor="auth-email" className="field__label">
              {t.auth.email}
            </label>
            <input
              ref={emailRef}
              id="auth-email"
              name="email"
              type="email"
              autoComplete="email"
              autoCapitalize="off"
              spellCheck={false}
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              data-testid="auth-email"
              aria-invalid={invalid.email !== undefined}
              aria-describedby={invalid.email !== undefined ? 'auth-email-error' : undefined}
            />
            {invalid.email !== undefined && (
              <p id="auth-email-error" className="field__error">
                {t.auth.enterEmail}
              </p>
            )}
          </div>

          <div className={`field${invalid.password !== undefined ? ' field--invalid' : ''}`}>
            <label htmlFor="auth-password" className="field__label">
              {t.auth.password}
            </label>
            <div className="password">
              <input
                ref={passwordRef}
                id="auth-password"
                name="password"
                type={showPassword ? 'text' : 'password'}
                autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
                required
                value={password}
                onChange={(event) => setPassword(event.target.value)}
                data-testid="auth-password"
                aria-invalid={invalid.password !== undefined}
                aria-describedby={invalid.password !== undefined ? 'auth-password-error' : undefined}
              />
              <button
                type="button"
                className="password__toggle"
                aria-pressed={showPassword}
                onClick={() => setShowPassword((shown) => !shown)}
              >
                {showPassword ? t.auth.hidePassword : t.auth.showPassword}
                <span className="visually-hidden">{t.auth.passwordSuffix}</span>
              </button>
            </div>
            {invalid.password !== undefined && (
              <p id="auth-password-error" className="field__error">
                {t.auth.enterPassword}
              </p>
            )}
          </div>

          <button type="submit" className="button button--primary button--block" disabled={submitting} data-testid="auth-submit">
            {submitting && <Spinner />}
            {mode === 'login'
              ? submitting
                ? t.auth.submittingLogin
                : t.auth.submitLogin
              : submitting
                ? t.auth.submittingSignup
                : t.auth.submitSignup}
          </button>
        </form>

        <p className="auth__switch">
          {mode === 'login' ? t.auth.newHere : t.auth.haveAccount}{' '}
          <button type="button" className="link-button" onClick={() => switchMode(mode === 'login' ? 'signup' : 'login')}>
            {mode === 'login' ? t.auth.createAnAccount : t.auth.submitLogin}
          </button>
        </p>
      </div>
    </main>
  );
}
