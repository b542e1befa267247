import { useCallback, useEffect, useState } from 'react';

import { api, type User } from './api';
import { CallbackPage } from './components/CallbackPage';
import { DashboardPage } from './components/DashboardPage';
import { ErrorState, LoadingState } from './components/Feedback';
import { Header } from './components/Header';
import { untranslatedLang, useI18n, type Words } from './i18n';
import { LoginPage } from './components/LoginPage';
import { navigate, useLocation } from './router';
import { parseCallbackRoute, requestErrorMessage } from './state';

type Session =
  | { phase: 'checking' }
  | { phase: 'failed'; error: unknown }
  | { phase: 'signed-out'; notice: Words | null }
  | { phase: 'signed-in'; user: User };

export function App() {
  const location = useLocation();
  const { locale, t } = useI18n();
  const [session, setSession] = useState<Session>({ phase: 'checking' });
  const [signingOut, setSigningOut] = useState(false);

  const checkSession = useCallback(async () => {
    setSession({ phase: 'checking' });
    try {
      const user = await api.me();
      setSession(user === null ? { phase: 'signed-out', notice: null } : { phase: 'signed-in', user });
    } catch (error) {
      setSession({ phase: 'failed', error });
    }
  }, []);

  useEffect(() => {
    void checkSession();
  }, [checkSession]);

  const onUnauthorized = useCallback(() => {
    setSession({ phase: 'signed-out', notice: (words) => words.app.sessionEnded });
  }, []);

  // Only /login without a session, never /login with one.
  const onLogin = location.pathname === '/login';
  useEffect(() => {
    if (session.phase === 'signed-out' && !onLogin) navigate('/login', { replace: true });
    if (session.phase === 'signed-in' && onLogin) navigate('/', { replace: true });
  }, [session.phase, onLogin]);

  async function signOut() {
    setSigningOut(true);
    try {
      await api.logout();
    } catch {
      // The session may already be over server-side; the browser forgets it either way.
    }
    setSigningOut(false);
    setSession({ phase: 'signed-out', notice: (words) => words.app.loggedOut });
  }

  if (session.phase === 'checking') {
    return (
      <main className="page page--center" id="main">
        <LoadingState label={t.app.loading} />
      </main>
    );
  }
  if (session.phase === 'failed') {
    return (
      <main className="page page--center" id="main">
        <ErrorState
          title={t.app.startFailed}
          message={requestErrorMessage(session.error, t)}
          messageLang={untranslatedLang((words) => requestErrorMessage(session.error, words), locale)}
          onRetry={() => void checkSession()}
        />
      </main>
    );
  }
  if (session.phase === 'signed-out') {
    return (
      <LoginPage
        notice={session.notice?.(t) ?? null}
        onSignedIn={(user) => {
          setSession({ phase: 'signed-in', user });
          navigate('/', { replace: true });
        }}
      />
    );
  }

  const callback = parseCallbackRoute(location.pathname, location.search);
  let page;
  if (callback !== null) {
    page = <CallbackPage key={`${callback.key}${location.search}`} route={callback} onUnauthorized={onUnauthorized} />;
  } else if (location.pathname === '/' || onLogin) {
    page = <DashboardPage onUnauthorized={onUnauthorized} />;
  } else {
    page = (
      <main className="page page--center" id="main">
        <ErrorState title={t.app.notFoundTitle} message={t.app.notFound(location.pathname)}>
          <a
            href="/"
            className="button button--primary"
            onClick={(event) => {
              event.preventDefault();
              navigate('/');
            }}
          >
            {t.app.goToConnectors}
          </a>
        </ErrorState>
      </main>
    );
  }

  return (
    <>
      <a className="skip-link" href="#main">
        {t.app.skipToContent}
      </a>
      <Header user={session.user} signingOut={signingOut} onSignOut={() => void signOut()} />
      {page}
    </>
  );
}
