import { useEffect, useState } from 'react';

import { isApiError } from '../api';
import { untranslatedLang, useI18n } from '../i18n';
import { navigate } from '../router';
import {
  callbackReasonMessage,
  displayStatus,
  isKnownCallbackReason,
  requestErrorMessage,
  type CallbackRoute,
} from '../state';
import { ConnectorBoard, startOAuth } from './ConnectorBoard';
import { ErrorState, LoadingState, Spinner } from './Feedback';
import { useConnectors } from './useConnectors';

interface CallbackPageProps {
  route: CallbackRoute;
  onUnauthorized: () => void;
}

/** Where the server sends the browser back after a provider's consent screen. */
export function CallbackPage({ route, onUnauthorized }: CallbackPageProps) {
  const { state, refresh, replace } = useConnectors(onUnauthorized);
  const [retrying, setRetrying] = useState(false);
  const { locale, t } = useI18n();
  // The failure itself, put in words when drawn.
  const [retryError, setRetryError] = useState<{ failure: unknown } | null>(null);

  const connector = state.phase === 'ready' ? state.connectors.find((known) => known.key === route.key) : undefined;
  const name = connector?.name ?? route.key;
  const succeeded = route.status === 'success';

  useEffect(() => {
    document.title = succeeded ? t.callback.documentTitleSuccess(name) : t.callback.documentTitleError(name);
  }, [succeeded, name, t]);

  async function retry() {
    if (connector?.kind === 'config') {
      navigate('/');
      return;
    }
    setRetrying(true);
    setRetryError(null);
    try {
      await startOAuth(route.key);
    } catch (error) {
      setRetrying(false);
      if (isApiError(error) && error.status === 401) {
        onUnauthorized();
        return;
      }
      setRetryError({ failure: error });
    }
  }

  const backLink = (
    <a
      href="/"
      className={succeeded ? 'button button--primary' : 'button button--secondary'}
      data-testid="callback-back"
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate('/');
      }}
    >
      {t.callback.back}
    </a>
  );

  const connectedNow = connector !== undefined && displayStatus(connector) === 'active';

  return (
    <main className="page page--callback" id="main">
      <section
        className={`outcome outcome--${succeeded ? 'success' : 'error'}`}
        aria-labelledby="outcome-title"
        data-testid="callback-outcome"
        data-outcome={route.status}
      >
        <OutcomeIcon success={succeeded} />
        <h1 id="outcome-title" className="outcome__title">
          {succeeded ? t.callback.connected(name) : t.callback.notConnected(name)}
        </h1>

        {succeeded ? (
          <p className="outcome__text">
            {state.phase === 'ready' && connector !== undefined && !connectedNow
              ? t.callback.notActiveYet
              : t.callback.granted}
          </p>
        ) : (
          <>
            <p className="outcome__text" data-testid="callback-reason" role="alert">
              {callbackReasonMessage(route.reason, t)}
            </p>
            {route.reason !== null && isKnownCallbackReason(route.reason) && (
              <p className="outcome__code">
                {t.callback.reasonCode} <code>{route.reason}</code>
              </p>
            )}
          </>
        )}

        {retryError !== null && (
          <p
            className="form-error"
            role="alert"
            lang={untranslatedLang((words) => requestErrorMessage(retryError.failure, words), locale)}
          >
            {requestErrorMessage(retryError.failure, t)}
          </p>
        )}

        <div className="outcome__actions">
          {!succeeded && (
            <button
              type="button"
              className="button button--primary"
              onClick={() => void retry()}
              disabled={retrying}
              data-testid="callback-retry"
            >
              {retrying && <Spinner />}
              {retrying ? t.callback.redirecting : t.callback.tryAgain}
            </button>
          )}
          {backLink}
        </div>
      </section>

      <section className="outcome-card" aria-label={t.callback.connectorRegion(name)}>
        {state.phase === 'loading' && <LoadingState label={t.callback.loadingConnector} />}
        {state.phase === 'error' && (
          <ErrorState
            title={t.callback.loadFailed}
            message={requestErrorMessage(state.error, t)}
            messageLang={untranslatedLang((words) => requestErrorMessage(state.error, words), locale)}
            onRetry={() => void refresh()}
          />
        )}
        {state.phase === 'ready' && connector !== undefined && (
          <ConnectorBoard connectors={[connector]} onChanged={replace} refresh={refresh} onUnauthorized={onUnauthorized} />
        )}
        {state.phase === 'ready' && connector === undefined && (
          <p className="outcome__text">{t.callback.unknownConnector(route.key)}</p>
        )}
      </section>
    </main>
  );
}

function OutcomeIcon({ success }: { success: boolean }) {
  return (
    <svg className="outcome__icon" viewBox="0 0 48 48" aria-hidden="true" focusable="false">
      <circle cx="24" cy="24" r="22" fill="currentColor" opacity="0.14" />
      <circle cx="24" cy="24" r="15" fill="currentColor" />
      {success ? (
        <path d="M17 24.5l5 5 9-10" fill="none" stroke="#fff" strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" />
      ) : (
        <path d="M19 19l10 10M29 19l-10 10" fill="none" stroke="#fff" strokeWidth="3" strokeLinecap="round" />
      )}
    </svg>
  );
}
