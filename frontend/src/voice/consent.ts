// A provider's consent page in its own window, and noticing when the flow is over.

export interface ConsentWindowOptions {
  /** How often to look at the window; 750 ms by default. */
  intervalMs?: number;
  /** Gives up watching after this long; ten minutes (the life of an OAuth state) by default. */
  timeoutMs?: number;
}

/** Opens `url` (http or https only) in a popup. `null` when the browser blocked it. */
export function openConsentWindow(url: string): Window | null {
  let parsed: URL;
  try {
    parsed = new URL(url, window.location.href);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  const left = Math.max(0, Math.round(window.screenX + (window.outerWidth - 520) / 2));
  const top = Math.max(0, Math.round(window.screenY + (window.outerHeight - 680) / 2));
  const popup = window.open('about:blank', 'donna-consent', `popup,width=520,height=680,left=${left},top=${top}`);
  if (popup === null) return null;
  // The provider's page gets no handle on the dashboard (reverse tabnabbing).
  try {
    popup.opener = null;
  } catch {
    // Some browsers refuse the assignment; the page is the provider's own.
  }
  popup.location.replace(parsed.href);
  return popup;
}

/**
 * Calls `onFinished` once when the window comes back to the dashboard's callback
 * route (`/connectors/callback/{key}?status=…`) or is closed. A successful consent
 * closes the window: the dashboard behind it shows the connector active.
 */
export function watchConsentWindow(
  popup: Window,
  onFinished: (outcome: 'success' | 'error' | 'closed') => void,
  options: ConsentWindowOptions = {},
): () => void {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 10 * 60 * 1000;
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const check = () => {
    if (popup.closed) {
      stop();
      onFinished('closed');
      return;
    }
    let location: Location | null = null;
    try {
      // Throws while the window shows the provider's (cross-origin) page.
      location = popup.location.origin === window.location.origin ? popup.location : null;
    } catch {
      location = null;
    }
    if (location !== null && location.pathname.startsWith('/connectors/callback/')) {
      stop();
      const succeeded = new URLSearchParams(location.search).get('status') === 'success';
      if (succeeded) popup.close();
      onFinished(succeeded ? 'success' : 'error');
      return;
    }
    if (Date.now() - started > timeoutMs) stop();
  };
  timer = setInterval(check, options.intervalMs ?? 750);
  return stop;
}
