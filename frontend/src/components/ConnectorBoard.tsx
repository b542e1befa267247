import { useEffect, useRef, useState } from 'react';

import { api, isApiError, type Connector } from '../api';
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

function connectErrorMessage(error: unknown, connector: Connector): string {
  if (isApiError(error) && error.code === 'not_configured') {
    return `${connector.name} is not configured on this server: its OAuth client ID and secret are missing.`;
  }
  return requestErrorMessage(error);
}

function focusCardButton(key: string) {
  document.querySelector<HTMLElement>(`[data-testid="connector-connect-${CSS.escape(key)}"]`)?.focus();
}

/** The cards and what their buttons open: the settings form and the disconnect confirmation. */
export function ConnectorBoard({ connectors, onChanged, refresh, onUnauthorized }: ConnectorBoardProps) {
  const [busy, setBusy] = useState<Record<string, CardBusy>>({});
  const [cardErrors, setCardErrors] = useState<Record<string, string>>({});
  const [editing, setEditing] = useState<Connector | null>(null);
  const [confirming, setConfirming] = useState<Connector | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
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

  function setCardError(key: string, message: string | null) {
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
      setCardError(connector.key, connectErrorMessage(error, connector));
    }
  }

  async function disconnect(connector: Connector) {
    setConfirming(null);
    setCardBusy(connector.key, 'disconnecting');
    setCardError(connector.key, null);
    try {
      onChanged(await api.revokeConnector(connector.key));
      setNotice(`${connector.name} is disconnected and its stored credentials are deleted.`);
      // Its Disconnect button is gone: keep keyboard users on the card.
      requestAnimationFrame(() => focusCardButton(connector.key));
      await refresh();
    } catch (error) {
      if (isApiError(error) && error.status === 401) {
        onUnauthorized();
        return;
      }
      setCardError(connector.key, `Could not disconnect: ${requestErrorMessage(error)}`);
    } finally {
      setCardBusy(connector.key, null);
    }
  }

  async function saved(connector: Connector) {
    setEditing(null);
    onChanged(connector);
    setNotice(`${connector.name} settings are saved.`);
    await refresh();
  }

  return (
    <>
      {notice !== null && (
        <Notice tone="success" onDismiss={() => setNotice(null)}>
          {notice}
        </Notice>
      )}
      <ul className="grid" aria-label="Connectors">
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
                {editing.name} settings
              </h2>
              <p className="modal__subtitle">Secrets are encrypted on the server and never shown again.</p>
            </div>
            <button type="button" className="modal__close" onClick={() => setEditing(null)} aria-label="Close">
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
            Disconnect {confirming.name}?
          </h2>
          <p id="disconnect-dialog-text" className="modal__text">
            {confirming.kind === 'oauth'
              ? `Access is revoked at ${confirming.name} and the stored tokens are deleted. Donna and your apps lose access until you connect again.`
              : `The saved settings and secrets are deleted. Donna and your apps lose access until you configure it again.`}
          </p>
          <div className="modal__actions">
            <button
              ref={cancelRef}
              type="button"
              className="button button--secondary"
              onClick={() => setConfirming(null)}
              data-testid="confirm-cancel"
            >
              Cancel
            </button>
            <button
              type="button"
              className="button button--danger"
              onClick={() => void disconnect(confirming)}
              data-testid="confirm-disconnect"
            >
              {busy[confirming.key] === 'disconnecting' && <Spinner />}
              Disconnect
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}
