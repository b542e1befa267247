import { useEffect, useRef, useState, type FormEvent } from 'react';

import { api, type User } from '../api';
import { authErrorMessage, type AuthMode } from '../state';
import { BrandMark } from './Header';
import { Spinner } from './Feedback';

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
  const [error, setError] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<{ email?: string; password?: string }>({});
  const [submitting, setSubmitting] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = mode === 'login' ? 'Log in · Connectors' : 'Sign up · Connectors';
  }, [mode]);

  function switchMode(next: AuthMode) {
    setMode(next);
    setError(null);
    setInvalid({});
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    const problems: { email?: string; password?: string } = {};
    if (!EMAIL.test(email.trim())) problems.email = 'Enter your email address, like name@example.com.';
    if (password === '') problems.password = 'Enter your password.';
    setInvalid(problems);
    setError(null);
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
      setError(authErrorMessage(failure, mode));
      setSubmitting(false);
    }
  }

  const titleId = 'auth-title';
  return (
    <main className="auth" id="main">
      <div className="auth__panel">
        <div className="auth__brand">
          <BrandMark />
          <span>Connectors</span>
        </div>
        <h1 id={titleId} className="auth__title">
          {mode === 'login' ? 'Log in to your dashboard' : 'Create your account'}
        </h1>
        <p className="auth__lead">Connect your calendars, mail and tools, and let Donna use them by voice.</p>

        <div className="segmented segmented--tabs" role="group" aria-label="Choose">
          <button
            type="button"
            className="segmented__button"
            aria-pressed={mode === 'login'}
            onClick={() => switchMode('login')}
            data-testid="auth-mode-login"
          >
            Log in
          </button>
          <button
            type="button"
            className="segmented__button"
            aria-pressed={mode === 'signup'}
            onClick={() => switchMode('signup')}
            data-testid="auth-mode-signup"
          >
            Sign up
          </button>
        </div>

        {notice !== null && error === null && <p className="auth__notice">{notice}</p>}
        {error !== null && (
          <p className="form-error" role="alert" data-testid="auth-error">
            {error}
          </p>
        )}

        <form className="auth__form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby={titleId}>
          <div className={`field${invalid.email !== undefined ? ' field--invalid' : ''}`}>
            <label htmlFor="auth-email" className="field__label">
              Email
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
                {invalid.email}
              </p>
            )}
          </div>

          <div className={`field${invalid.password !== undefined ? ' field--invalid' : ''}`}>
            <label htmlFor="auth-password" className="field__label">
              Password
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
                {showPassword ? 'Hide' : 'Show'}
                <span className="visually-hidden"> password</span>
              </button>
            </div>
            {invalid.password !== undefined && (
              <p id="auth-password-error" className="field__error">
                {invalid.password}
              </p>
            )}
          </div>

          <button type="submit" className="button button--primary button--block" disabled={submitting} data-testid="auth-submit">
            {submitting && <Spinner />}
            {mode === 'login' ? (submitting ? 'Logging in…' : 'Log in') : submitting ? 'Creating account…' : 'Create account'}
          </button>
        </form>

        <p className="auth__switch">
          {mode === 'login' ? 'New here? ' : 'Already have an account? '}
          <button type="button" className="link-button" onClick={() => switchMode(mode === 'login' ? 'signup' : 'login')}>
            {mode === 'login' ? 'Create an account' : 'Log in'}
          </button>
        </p>
      </div>
    </main>
  );
}
