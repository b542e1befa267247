import type { Connector } from '../api';
import { formatDateTime, untranslatedLang, useI18n, type Words } from '../i18n';
import {
  canConnect,
  canDisconnect,
  connectLabel,
  displayStatus,
  expirySentence,
  kindLabel,
  lastErrorWords,
  providerName,
  statusLabel,
  statusSentence,
} from '../state';
import { ConnectorActivity } from './ConnectorActivity';
import { ConnectorIcon } from './ConnectorIcon';
import { Spinner } from './Feedback';

export type CardBusy = 'connecting' | 'disconnecting' | null;

interface ConnectorCardProps {
  connector: Connector;
  busy: CardBusy;
  /** A failure of this card's last action, shown inside it. */
  error: Words | null;
  onConnect: (connector: Connector) => void;
  onDisconnect: (connector: Connector) => void;
}

export function ConnectorCard({ connector, busy, error, onConnect, onDisconnect }: ConnectorCardProps) {
  const { locale, t } = useI18n();
  const { key } = connector;
  const status = displayStatus(connector);
  const titleId = `connector-title-${key}`;
  const expiry = connector.connected ? expirySentence(connector.expires_at, locale) : null;
  const connectedAt = connector.connected ? formatDateTime(locale, connector.connected_at) : null;
  const lastError = lastErrorWords(connector, t);

  return (
    <article
      className={`card card--${status}`}
      data-testid={`connector-card-${key}`}
      data-status={status}
      aria-labelledby={titleId}
      aria-busy={busy !== null}
    >
      <header className="card__head">
        <span className="card__icon">
          <ConnectorIcon connectorKey={key} provider={connector.provider} />
        </span>
        <div className="card__titles">
          <h2 id={titleId} className="card__name">
            {connector.name}
          </h2>
          <p className="card__kind">{kindLabel(connector, t)}</p>
        </div>
        <span className={`pill pill--${status}`} data-testid={`connector-status-${key}`}>
          <span className="pill__dot" aria-hidden="true" />
          {statusLabel(status, t)}
        </span>
      </header>

      <div className="card__body">
        <p className="card__sentence" lang={untranslatedLang((words) => statusSentence(connector, words), locale)}>
          {statusSentence(connector, t)}
        </p>
        {(connector.connected_as !== null || expiry !== null || connectedAt !== null) && (
          <dl className="card__facts">
            {connector.connected_as !== null && (
              <div>
                <dt>{t.card.connectedAs}</dt>
                <dd className="card__account" title={connector.connected_as}>
                  <AccountName account={connector.connected_as} />
                </dd>
              </div>
            )}
            {connectedAt !== null && (
              <div>
                <dt>{t.card.since}</dt>
                <dd>
                  <time dateTime={connector.connected_at ?? undefined}>{connectedAt}</time>
                </dd>
              </div>
            )}
            {expiry !== null && (
              <div>
                <dt>{t.card.access}</dt>
                <dd>
                  <time dateTime={connector.expires_at ?? undefined} title={formatDateTime(locale, connector.expires_at) ?? ''}>
                    {expiry}
                  </time>
                </dd>
              </div>
            )}
          </dl>
        )}
        {status === 'active' && lastError !== null && (
          <p className="card__detail" data-testid={`connector-last-error-${key}`} lang={lastError.translated || locale === 'en' ? undefined : 'en'}>
            {lastError.sentence}
          </p>
        )}
        {(status === 'active' || status === 'needs_reauth' || status === 'error') && lastError?.detail != null && (
          // The provider's words, as they are (they are not ours to translate): said to be theirs.
          <p className="card__detail card__provider-words" data-testid={`connector-provider-words-${key}`}>
            {t.card.providerSaid(providerName(connector.provider, t))} {t.quoteMarks[0]}
            <span className="card__quoted" lang={locale === 'en' ? undefined : 'en'}>
              {lastError.detail}
            </span>
            {t.quoteMarks[1]}
          </p>
        )}
        <ConnectorActivity connector={connector} />
        {error !== null && (
          <p className="card__error" role="alert" lang={untranslatedLang(error, locale)}>
            {error(t)}
          </p>
        )}
      </div>

      <footer className="card__actions">
        <button
          type="button"
          className={status === 'active' ? 'button button--secondary' : 'button button--primary'}
          data-testid={`connector-connect-${key}`}
          disabled={!canConnect(connector) || busy !== null}
          onClick={() => onConnect(connector)}
        >
          {busy === 'connecting' && <Spinner />}
          {busy === 'connecting' && connector.kind === 'oauth' ? t.card.redirecting : connectLabel(connector, t)}
          <span className="visually-hidden"> {connector.name}</span>
        </button>
        {canDisconnect(connector) && (
          <button
            type="button"
            className="button button--ghost-danger"
            data-testid={`connector-disconnect-${key}`}
            disabled={busy !== null}
            onClick={() => onDisconnect(connector)}
          >
            {busy === 'disconnecting' && <Spinner />}
            {busy === 'disconnecting' ? t.card.disconnecting : t.card.disconnect}
            <span className="visually-hidden"> {connector.name}</span>
          </button>
        )}
      </footer>
    </article>
  );
}

/** An account name that, when it must wrap, wraps after its `@` rather than inside a word. */
function AccountName({ account }: { account: string }) {
  const at = account.indexOf('@');
  if (at < 0) return <>{account}</>;
  return (
    <>
      {account.slice(0, at + 1)}
      <wbr />
      {account.slice(at + 1)}
    </>
  );
}
