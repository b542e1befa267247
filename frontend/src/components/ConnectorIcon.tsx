import type { ReactElement } from 'react';

// Hand-drawn marks in each provider's colours (no remote assets), 40×40.

function GoogleCalendar() {
  return (
    <>
      <rect x="5" y="6" width="30" height="29" rx="4" fill="#fff" stroke="#dadce0" strokeWidth="1.5" />
      <path d="M5 10a4 4 0 0 1 4-4h22a4 4 0 0 1 4 4v3H5z" fill="#4285f4" />
      <rect x="12" y="3" width="3" height="7" rx="1.5" fill="#1967d2" />
      <rect x="25" y="3" width="3" height="7" rx="1.5" fill="#1967d2" />
      <text x="20" y="30" textAnchor="middle" fontSize="13" fontWeight="700" fill="#1a73e8" fontFamily="system-ui, sans-serif">
        31
      </text>
      <path d="M29 35h2a4 4 0 0 0 4-4v-2z" fill="#34a853" />
    </>
  );
}

function Gmail() {
  return (
    <>
      <rect x="4" y="9" width="32" height="23" rx="3" fill="#fff" stroke="#dadce0" strokeWidth="1.2" />
      <path d="M4 12v17a3 3 0 0 0 3 3h4V17z" fill="#4285f4" />
      <path d="M36 12v17a3 3 0 0 1-3 3h-4V17z" fill="#34a853" />
      <path d="M11 17l9 7 9-7v-6l-9 7-9-7z" fill="#ea4335" />
      <path d="M4 12a3 3 0 0 1 5-2.3l2 1.3v6l-7-5z" fill="#c5221f" />
      <path d="M36 12a3 3 0 0 0-5-2.3l-2 1.3v6l7-5z" fill="#fbbc04" />
    </>
  );
}

function Slack() {
  return (
    <>
      <rect x="4" y="12" width="14" height="6" rx="3" fill="#36c5f0" />
      <circle cx="15" cy="7" r="3" fill="#36c5f0" />
      <rect x="22" y="4" width="6" height="14" rx="3" fill="#2eb67d" />
      <circle cx="33" cy="15" r="3" fill="#2eb67d" />
      <rect x="22" y="22" width="14" height="6" rx="3" fill="#ecb22e" />
      <circle cx="25" cy="33" r="3" fill="#ecb22e" />
      <rect x="12" y="22" width="6" height="14" rx="3" fill="#e01e5a" />
      <circle cx="7" cy="25" r="3" fill="#e01e5a" />
    </>
  );
}

function Notion() {
  return (
    <>
      <path d="M8 6l19-1.5 6 4.5v24.5l-22 1.5-5-5.5V8z" fill="#fff" stroke="#111" strokeWidth="2" strokeLinejoin="round" />
      <path d="M14 13v16M14 13l11 16M25 13v16" stroke="#111" strokeWidth="2.6" strokeLinecap="round" fill="none" />
    </>
  );
}

function Calendly() {
  return (
    <>
      <circle cx="20" cy="20" r="15" fill="#006bff" />
      <path
        d="M25.5 15.2a7 7 0 1 0 0 9.6"
        fill="none"
        stroke="#fff"
        strokeWidth="3.2"
        strokeLinecap="round"
      />
      <circle cx="29" cy="12" r="2.5" fill="#0ae8f0" />
    </>
  );
}

function Smtp() {
  return (
    <>
      <rect x="4" y="9" width="27" height="20" rx="3" fill="#eef2ff" stroke="#4f46e5" strokeWidth="2" />
      <path d="M5 11l12.5 9L30 11" fill="none" stroke="#4f46e5" strokeWidth="2" strokeLinejoin="round" />
      <circle cx="30" cy="28" r="7" fill="#4f46e5" />
      <path d="M27 28h6M30.5 25.5L33 28l-2.5 2.5" fill="none" stroke="#fff" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    </>
  );
}

function Twilio() {
  return (
    <>
      <circle cx="20" cy="20" r="15" fill="none" stroke="#f22f46" strokeWidth="3.5" />
      <circle cx="15.5" cy="15.5" r="3" fill="#f22f46" />
      <circle cx="24.5" cy="15.5" r="3" fill="#f22f46" />
      <circle cx="15.5" cy="24.5" r="3" fill="#f22f46" />
      <circle cx="24.5" cy="24.5" r="3" fill="#f22f46" />
    </>
  );
}

function Minio() {
  return (
    <>
      <rect x="4" y="4" width="32" height="32" rx="7" fill="#c72e49" />
      <ellipse cx="20" cy="12.5" rx="9" ry="3" fill="#fff" />
      <path d="M11 12.5v15c0 1.7 4 3 9 3s9-1.3 9-3v-15" fill="none" stroke="#fff" strokeWidth="2.2" />
      <path d="M11 20c0 1.7 4 3 9 3s9-1.3 9-3" fill="none" stroke="#fff" strokeWidth="2.2" />
    </>
  );
}

function Hostinger() {
  return (
    <>
      <rect x="4" y="4" width="32" height="32" rx="7" fill="#673de6" />
      <path d="M12 9.5l6 3.2v6.3h-6zM12 21h6v9.5l-6-3.2zM22 21h6v9.5l-6 3.2zM22 12.7l6-3.2V19h-6z" fill="#fff" />
    </>
  );
}

function Generic() {
  return (
    <>
      <rect x="4" y="4" width="32" height="32" rx="8" fill="#e2e8f0" />
      <path
        d="M16 10v6M24 10v6M13 16h14v4a7 7 0 0 1-14 0zM20 27v4"
        fill="none"
        stroke="#475569"
        strokeWidth="2.4"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </>
  );
}

const BY_KEY: Record<string, () => ReactElement> = {
  google_calendar: GoogleCalendar,
  gmail: Gmail,
  slack: Slack,
  notion: Notion,
  calendly: Calendly,
  smtp: Smtp,
  twilio: Twilio,
  minio: Minio,
  hostinger: Hostinger,
};

const BY_PROVIDER: Record<string, () => ReactElement> = {
  google: GoogleCalendar,
  slack: Slack,
  notion: Notion,
  calendly: Calendly,
  smtp: Smtp,
  twilio: Twilio,
  minio: Minio,
  hostinger: Hostinger,
};

export function ConnectorIcon({ connectorKey, provider }: { connectorKey: string; provider: string }) {
  const Mark = BY_KEY[connectorKey] ?? BY_PROVIDER[provider] ?? Generic;
  return (
    <svg className="connector-icon" viewBox="0 0 40 40" width="40" height="40" aria-hidden="true" focusable="false">
      <Mark />
    </svg>
  );
}
