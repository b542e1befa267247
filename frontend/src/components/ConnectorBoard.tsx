import { useEffect, useRef, useState } from 'react';

import { api, isApiError, type Connector } from '../api';
import { useI18n, type Messages, type Words } from '../i18n';
import { requestErrorMessage } from '../state';
import { ConfigForm } from './ConfigForm';
import { ConnectorCard, type CardBusy } from './ConnectorCard';
import { ConnectorIcon } from './ConnectorIcon';
import { Notice, Spinner } from './Feedback';
import { Modal } from './Modal';

interface ConnectorBoardProps {
  connectors: Connector[];
  /** Puts a connector as a mutation answered it in the list, before the refresh. */
  onChanged: (connector: Connector) => void;
  refresh: () => Promise<void>;
  onUnauthorized: () => void;
}

/** Starts a connector's OAuth flow: the server builds the provider's URL, the browser goes there. */
export async function startOAuth(key: string): Promise<void> {
  const url = await api.connectorRedirectUrl(key);
  window.location.assign(url);
}

function connectErrorMessage(error: unknown, connector: Connector, t: Messages): string {
  if (isApiError(error) && error.code === 'not_configured') {
    return t.board.notConfiguredOnServer(connector.name);
  }
  return requestErrorMessage(error, t);
}

function focusCardButton(key: string) {
  document.querySelector<HTMLElement>(`[data-testid="connector-connect-${CSS.escape(key)}"]`)?.focus();
}

/** The cards and what their buttons open: the settings form and the disconnect confirmation. */
export function ConnectorBoard({ connectors, onChanged, refresh, onUnauthorized }: ConnectorBoardProps) {
  const [busy, setBusy] = useState<Record<string, CardBusy>>({});
  const { t } = useI18n();
  // Kept as words to be said when drawn, so that a language switch rewords them.
  const [cardErrors, setCardErrors] = useState<Record<string, Words>>({});
  const [editing, setEditing] = useState<Connector | null>(null);
  const [confirming, setConfirming] = useState<Connector | null>(null);
  const [notice, setNotice] = useState<Words | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);

  // Back from the provider through the browser's cache: the page never left.
  useEffect(() => {
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted) setBusy({});
    };
    window.addEventListener('pageshow', onPageShow);
    return () => window.removeEventListener('pageshow', onPageShow);
  }, []);

  function setCardBusy(key: string, value: CardBusy) {
    setBusy((previous) => ({ ...previous, [key]: value }));
  }

  function setCardError(key: string, message: Words | null) {
    setCardErrors((previous) => {
      const { [key]: _dropped, ...rest } = previous;
      return message === null ? rest : { ...rest, [key]: message };
    });
  }

  async function connect(connector: Connector) {
    setCardError(connector.key, null);
    setNotice(null);
    if (connector.kind === 'config') {
      setEditing(connector);
      return;
    }
    setCardBusy(connector.key, 'connecting');
    try {
      await startOAuth(connector.key);
      // The page is leaving for the provider; the button stays busy until it does.
    } catch (error) {
      setCardBusy(connector.key, null);
      if (isApiError(error) && error.status === 401) {
        onUnauthorized();
        return;
      }
      setCardError(connector.key, (words) => connectErrorMessage(error, connector, words));
    }
  }

  async function disconnect(connector: Connector) {
    setConfirming(null);
    setCardBusy(connector.key, 'disconnecting');
    setCardError(connector.key, null);
    try {
      onChanged(await api.revokeConnector(connector.key));
      setNotice(() => (words: Messages) => words.board.disconnected(connector.name));
      // Its Disconnect button is gone: keep keyboard users on the card.
      requestAnimationFrame(() => focusCardButton(connector.key));
      await refresh();
    } catch (error) {
      if (isApiError(error) && error.status === 401) {
        onUnauthorized();
        return;
      }
      setCardError(connector.key, (words) => words.board.couldNotDisconnect(requestErrorMessage(error, words)));
    } finally {
      setCardBusy(connector.key, null);
    }
  }

  async function saved(connector: Connector) {
    setEditing(null);
    onChanged(connector);
    setNotice(() => (words: Messages) => words.board.saved(connector.name));
    await refresh();
  }

  return (
    <>
      {notice !== null && (
        <Notice tone="success" onDismiss={() => setNotice(null)}>
          {notice(t)}
        </Notice>
      )}
      <ul className="grid" aria-label={t.dashboard.listLabel}>
        {connectors.map((connector) => (
          <li key={connector.key} className="grid__item">
            <ConnectorCard
              connector={connector}
              busy={busy[connector.key] ?? null}
              error={cardErrors[connector.key] ?? null}
              onConnect={(target) => void connect(target)}
              onDisconnect={(target) => {
                setNotice(null);
                setConfirming(target);
              }}
            />
          </li>
        ))}
      </ul>

      {editing !== null && (
        <Modal labelledBy="config-dialog-title" onClose={() => setEditing(null)} size="large">
          <div className="modal__head">
            <span className="modal__icon">
              <ConnectorIcon connectorKey={editing.key} provider={editing.provider} />
            </span>
            <div>
              <h2 id="config-dialog-title" className="modal__title">
                {t.board.settingsTitle(editing.name)}
              </h2>
              <p className="modal__subtitle">{t.board.settingsSubtitle}</p>
            </div>
            <button type="button" className="modal__close" onClick={() => setEditing(null)} aria-label={t.feedback.close}>
              <svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">
                <path d="M3.5 3.5l9 9M12.5 3.5l-9 9" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
              </svg>
            </button>
          </div>
          <ConfigForm
            connector={editing}
            titleId="config-dialog-title"
            onSaved={(connector) => void saved(connector)}
            onCancel={() => setEditing(null)}
            onUnauthorized={onUnauthorized}
          />
        </Modal>
      )}

      {confirming !== null && (
        <Modal
          labelledBy="disconnect-dialog-title"
          describedBy="disconnect-dialog-text"
          onClose={() => setConfirming(null)}
          initialFocus={cancelRef}
          dismissOnBackdrop
        >
          <h2 id="disconnect-dialog-title" className="modal__title">
            {t.board.disconnectTitle(confirming.name)}
          </h2>
          <p id="disconnect-dialog-text" className="modal__text">
            {confirming.kind === 'oauth' ? t.board.disconnectOAuth(confirming.name) : t.board.disconnectConfig}
          </p>
          <div className="modal__actions">
            <button
              ref={cancelRef}
              type="button"
              className="button button--secondary"
              onClick={() => setConfirming(null)}
              data-testid="confirm-cancel"
            >
              {t.feedback.cancel}
            </button>
            <button
              type="button"
              className="button button--danger"
              onClick={() => void disconnect(confirming)}
              data-testid="confirm-disconnect"
            >
              {busy[confirming.key] === 'disconnecting' && <Spinner />}
              {t.card.disconnect}
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}
