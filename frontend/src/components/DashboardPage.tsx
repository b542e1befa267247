import { useCallback, useEffect, useMemo } from 'react';

import { untranslatedLang, useI18n } from '../i18n';
import { requestErrorMessage } from '../state';
import { ConnectorBoard } from './ConnectorBoard';
import { EmptyState, ErrorState, Spinner } from './Feedback';
import { OrbSlot } from './OrbSlot';
import { useConnectors } from './useConnectors';

export function DashboardPage({ onUnauthorized }: { onUnauthorized: () => void }) {
  const { state, refresh, replace } = useConnectors(onUnauthorized);
  const refreshAfterVoice = useCallback(() => void refresh(), [refresh]);
  const { locale, t } = useI18n();
  const connectors = state.phase === 'ready' ? state.connectors : null;
  const connectorName = useMemo(() => {
    const names = new Map((connectors ?? []).map((connector) => [connector.key, connector.name]));
    return (key: string) => names.get(key);
  }, [connectors]);

  useEffect(() => {
    document.title = t.dashboard.documentTitle;
  }, [t]);

  return (
    <main className="page page--dashboard" id="main">
      <OrbSlot onConnectorsChanged={refreshAfterVoice} connectorName={connectorName} />

      <section className="connectors" aria-labelledby="connectors-title">
        <div className="section-head">
          <h1 id="connectors-title" className="section-head__title">
            {t.dashboard.title}
          </h1>
          <button
            type="button"
            className="button button--secondary button--small section-head__action"
            onClick={() => void refresh()}
            disabled={state.phase === 'loading' || (state.phase === 'ready' && state.refreshing)}
            data-testid="connectors-refresh"
          >
            {state.phase === 'ready' && state.refreshing ? <Spinner label={t.dashboard.refreshing} /> : <RefreshIcon />}
            {t.dashboard.refresh}
          </button>
          <p className="section-head__lead">{t.dashboard.lead}</p>
        </div>

        {state.phase === 'loading' && <SkeletonGrid />}
        {state.phase === 'error' && (
          <ErrorState
            title={t.dashboard.loadFailed}
            message={requestErrorMessage(state.error, t)}
            messageLang={untranslatedLang((words) => requestErrorMessage(state.error, words), locale)}
            onRetry={() => void refresh()}
          />
        )}
        {state.phase === 'ready' && state.connectors.length === 0 && (
          <EmptyState title={t.dashboard.emptyTitle} message={t.dashboard.empty} />
        )}
        {state.phase === 'ready' && state.connectors.length > 0 && (
          <ConnectorBoard
            connectors={state.connectors}
            onChanged={replace}
            refresh={refresh}
            onUnauthorized={onUnauthorized}
          />
        )}
      </section>
    </main>
  );
}

function RefreshIcon() {
  return (
    <svg className="button__icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path
        d="M13.5 8a5.5 5.5 0 1 1-1.6-3.9M13.5 2.5v3h-3"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

function SkeletonGrid() {
  const { t } = useI18n();
  return (
    <div className="grid" role="status" aria-live="polite" aria-label={t.dashboard.loadingConnectors}>
      {Array.from({ length: 6 }, (_, index) => (
        <div key={index} className="card card--skeleton" aria-hidden="true">
          <div className="skeleton skeleton--icon" />
          <div className="skeleton skeleton--line" />
          <div className="skeleton skeleton--line skeleton--short" />
          <div className="skeleton skeleton--button" />
        </div>
      ))}
      <span className="visually-hidden">{t.dashboard.loadingConnectorsEllipsis}</span>
    </div>
  );
}
