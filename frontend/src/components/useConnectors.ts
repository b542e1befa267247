import { useCallback, useEffect, useRef, useState } from 'react';

import { api, isApiError, type Connector } from '../api';

export type ConnectorsState =
  | { phase: 'loading' }
  | { phase: 'error'; error: unknown }
  | { phase: 'ready'; connectors: Connector[]; refreshing: boolean };

export interface ConnectorsHandle {
  state: ConnectorsState;
  /** Reloads the list; the current list stays on screen meanwhile. */
  refresh: () => Promise<void>;
  /** Puts one connector, as a mutation answered it, in the list. */
  replace: (connector: Connector) => void;
}

/** The connector list, loaded on mount; a 401 hands over to `onUnauthorized`. */
export function useConnectors(onUnauthorized: () => void): ConnectorsHandle {
  const [state, setState] = useState<ConnectorsState>({ phase: 'loading' });
  const generation = useRef(0);

  const refresh = useCallback(async () => {
    generation.current += 1;
    const mine = generation.current;
    setState((previous) =>
      previous.phase === 'ready' ? { ...previous, refreshing: true } : { phase: 'loading' },
    );
    try {
      const connectors = await api.listConnectors();
      if (mine === generation.current) setState({ phase: 'ready', connectors, refreshing: false });
    } catch (error) {
      if (isApiError(error) && error.status === 401) {
        onUnauthorized();
        return;
      }
      if (mine === generation.current) setState({ phase: 'error', error });
    }
  }, [onUnauthorized]);

  const replace = useCallback((connector: Connector) => {
    setState((previous) =>
      previous.phase === 'ready'
        ? {
            ...previous,
            connectors: previous.connectors.map((known) => (known.key === connector.key ? connector : known)),
          }
        : previous,
    );
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return { state, refresh, replace };
}
