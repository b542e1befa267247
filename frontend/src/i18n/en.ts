// Every word the dashboard shows, in English. `fr.ts` must have the same shape:
// its type is `Messages`, so a missing or extra key is a type error (and a Vitest
// failure, `tests/i18n.test.ts`). Sentences with values in them are functions, so
// that each language orders its own words; numbers, dates and durations come in
// already formatted for the language (`format.ts`).

import type { components } from '../api-types';
import { countOf, formatAll, formatBound, formatChoices, formatSeconds, formatSoon, formatWait } from './format';

type Schemas = components['schemas'];
/** The parameters the server sends with a field error (`FieldErrorParams`). */
export type FieldErrorParams = Schemas['FieldErrorParams'];
/**
 * A field error's sentence: `label` is the field as the form names it. `invalid` has
 * none, by definition: its words are the connector's own (the server's `message`).
 */
export type FieldErrorSentences = Record<
  Exclude<Schemas['FieldErrorCode'], 'invalid'>,
  (label: string, params: FieldErrorParams) => string
>;
/** What an `invalid_format` field should look like, as a noun phrase. */
export type FieldFormatWords = Record<Schemas['FieldFormat'], string>;
/** What the server sends beside a connector's `last_error_code` (`LastErrorParams`). */
export type LastErrorParams = Schemas['LastErrorParams'];
/** A connector's `last_error_code` as a sentence (`other` shows the server's words). */
export type LastErrorSentences = Record<Exclude<Schemas['LastErrorCode'], 'other'>, (params: LastErrorParams) => string>;

const formats: FieldFormatWords = {
  host: 'a host name or IP address, such as smtp.example.com',
  host_without_scheme: 'the host name only, without a scheme such as “smtp://”',
  host_without_path: 'the host name only, without a path, user name or spaces',
  host_without_port: 'the host name only; the port has its own field',
  url: 'a URL starting with http:// or https://, such as https://minio.example.com:9000',
  url_without_credentials: 'the server URL without keys in it; they have their own fields',
  url_without_path: 'the server URL without path or query; the bucket has its own field',
  email: 'an email address, such as ada@example.com',
  mailbox: 'an email address, such as donna@example.com or Donna <donna@example.com>',
  bucket_name: 'a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
  region_name: 'a region name such as us-east-1: lowercase letters, digits and hyphens',
  twilio_account_sid: 'an Account SID: AC followed by 32 hexadecimal characters',
  twilio_api_key_sid: 'an API key SID: SK followed by 32 hexadecimal characters',
  date_time: 'a date and time with its offset, such as 2026-12-01T09:00:00Z',
};

export const en = {
  /** The language's own name, on the switch that selects it. */
  languageName: 'English',
  switchTo: 'Switch to English',

  app: {
    name: 'Connectors',
    loading: 'Loading…',
    startFailed: 'The dashboard could not start',
    notFoundTitle: 'Page not found',
    notFound: (path: string) => `Nothing lives at ${path}.`,
    goToConnectors: 'Go to connectors',
    skipToContent: 'Skip to content',
    sessionEnded: 'Your session has ended. Log in again.',
    loggedOut: 'You are logged out.',
    logOut: 'Log out',
  },

  feedback: {
    tryAgain: 'Try again',
    dismiss: 'Dismiss message',
    close: 'Close',
    cancel: 'Cancel',
  },

  auth: {
    titleLogin: 'Log in to your dashboard',
    titleSignup: 'Create your account',
    documentTitleLogin: 'Log in · Connectors',
    documentTitleSignup: 'Sign up · Connectors',
    lead: 'Connect your calendars, mail and tools, and let Donna use them by voice.',
    modes: 'Choose',
    logIn: 'Log in',
    signUp: 'Sign up',
    email: 'Email',
    password: 'Password',
    showPassword: 'Show',
    hidePassword: 'Hide',
    passwordSuffix: ' password',
    submitLogin: 'Log in',
    submitSignup: 'Create account',
    submittingLogin: 'Logging in…',
    submittingSignup: 'Creating account…',
    newHere: 'New here?',
    createAnAccount: 'Create an account',
    haveAccount: 'Already have an account?',
    enterEmail: 'Enter your email address, like name@example.com.',
    enterPassword: 'Enter your password.',
    invalidCredentials: 'That email and password do not match an account.',
    emailTaken: 'An account with this email already exists. Log in instead.',
    tooManyAttemptsIn: (seconds: number) => `Too many attempts. Try again in ${formatWait('en', seconds)}.`,
    tooManyAttempts: 'Too many attempts. Wait a minute and try again.',
    signupServerError: 'The account could not be created because of a server problem. Try again in a moment.',
    loginServerError: 'You could not be logged in because of a server problem. Try again in a moment.',
  },

  errors: {
    generic: 'Something went wrong. Try again.',
    network: 'The server could not be reached. Check your connection and try again.',
    badResponse: 'The server sent an answer that could not be read.',
    unexpected: (what: string) => `The server sent an unexpected ${what}.`,
    notSignedIn: 'You are not signed in.',
    forbidden: 'You are not allowed to do that.',
    notFound: 'Not found.',
    tooManyRequests: 'Too many requests. Wait a moment and try again.',
    serverProblem: 'The server had a problem. Try again in a moment.',
    httpStatus: (status: number) => `The request failed (HTTP ${status}).`,
  },

  dashboard: {
    title: 'Connectors',
    documentTitle: 'Connectors',
    refresh: 'Refresh',
    refreshing: 'Refreshing',
    lead: 'Link the accounts Donna and your apps may use. Tokens and secrets stay encrypted on the server.',
    loadFailed: 'Connectors could not be loaded',
    emptyTitle: 'No connectors yet',
    empty: 'This server offers no connectors. Check its configuration.',
    loadingConnectors: 'Loading connectors',
    loadingConnectorsEllipsis: 'Loading connectors…',
    listLabel: 'Connectors',
    voiceAssistant: 'Voice assistant',
  },

  status: {
    'not-configured': 'Not configured',
    disconnected: 'Not connected',
    active: 'Connected',
    needs_reauth: 'Needs reconnecting',
    error: 'Error',
  },

  card: {
    kindOAuth: 'OAuth',
    kindConfig: 'Configuration',
    theProvider: 'the provider',
    oauthNotConfigured: (provider: string) =>
      `The server has no ${provider} client ID and secret yet, so this connector cannot be used.`,
    configUnavailable: 'This connector is not available on this server.',
    oauthActive: 'Connected and ready to use.',
    configActive: 'Configured and ready to use.',
    needsReauth: 'Access has expired or was revoked at the provider. Reconnect to keep using it.',
    lastAttemptFailed: 'The last attempt to use this connector failed.',
    /** Before the provider's own words about the last error, quoted as they are. */
    providerSaid: (provider: string) => `${provider}’s own words:`,
    oauthDisconnected: (provider: string) => `Not connected. Sign in with ${provider} to connect.`,
    configDisconnected: 'Not configured yet. Enter its settings to connect.',
    connectedAs: 'Connected as',
    since: 'Since',
    access: 'Access',
    /** `when` is a relative time: "in 45 minutes", "tomorrow". */
    expiresIn: (when: string) => `Expires ${when}`,
    /** `when` is a relative time: "2 hours ago", "yesterday". */
    expiredAgo: (when: string) => `Expired ${when}`,
    editSettings: 'Edit settings',
    configure: 'Configure',
    reconnect: 'Reconnect',
    connect: 'Connect',
    redirecting: 'Redirecting…',
    disconnect: 'Disconnect',
    disconnecting: 'Disconnecting…',
  },

  activity: {
    title: 'Recent activity',
    connected: 'Connected',
    reconnected: 'Reconnected',
    refreshed: 'Access renewed',
    refreshFailed: 'Could not renew access; retrying',
    recovered: 'Access renewed again',
    needsReauth: 'Access refused by the provider',
    expiring: 'Access expires soon',
    revoked: 'Disconnected',
    toolCalled: 'Used by Donna',
    other: (type: string) => `Event ${type}`,
  },

  board: {
    notConfiguredOnServer: (name: string) =>
      `${name} is not configured on this server: its OAuth client ID and secret are missing.`,
    disconnected: (name: string) => `${name} is disconnected and its stored credentials are deleted.`,
    couldNotDisconnect: (reason: string) => `Could not disconnect: ${reason}`,
    saved: (name: string) => `${name} settings are saved.`,
    settingsTitle: (name: string) => `${name} settings`,
    settingsSubtitle: 'Secrets are encrypted on the server and never shown again.',
    disconnectTitle: (name: string) => `Disconnect ${name}?`,
    disconnectOAuth: (name: string) =>
      `Access is revoked at ${name} and the stored tokens are deleted. Donna and your apps lose access until you connect again.`,
    disconnectConfig:
      'The saved settings and secrets are deleted. Donna and your apps lose access until you configure it again.',
  },

  form: {
    noSettings: 'This connector has no settings to fill in.',
    credentialsToUse: 'Credentials to use',
    option: (number: number) => `Option ${number}`,
    required: 'required',
    optional: 'optional',
    choose: 'Choose…',
    none: '—',
    cancel: 'Cancel',
    saving: 'Saving…',
    saveChanges: 'Save changes',
    saveAndConnect: 'Save and connect',
    secretSaved: 'The saved value is never shown; enter it again to save changes.',
    fixFields: 'Some fields need attention. Fix them and save again.',
    /** A server's field error about a field the form does not show. */
    otherField: (field: string, message: string) => `${field}: ${message}`,
    isRequired: (label: string) => `${label} is required.`,
    wholeNumber: (label: string) => `${label} must be a whole number.`,
    number: (label: string) => `${label} must be a number.`,
    chooseOne: (label: string) => `Choose a ${label.toLowerCase()}.`,
    json: (label: string) => `${label} must be valid JSON.`,
    between: (label: string, min: number, max: number) =>
      `${label} must be between ${formatBound('en', min)} and ${formatBound('en', max)}.`,
    atLeast: (label: string, min: number) => `${label} must be at least ${formatBound('en', min)}.`,
    atMost: (label: string, max: number) => `${label} must be at most ${formatBound('en', max)}.`,
    range: (min: number, max: number) => `${formatBound('en', min)}–${formatBound('en', max)}`,
  },

  /**
   * The server's field errors (`fields[].code` of a 422, with `params`), in words. A
   * code missing here (a newer server's) shows the server's English `message`.
   */
  fieldErrors: {
    not_an_object: () => 'The settings were not sent as a set of fields. Reload the page and try again.',
    unknown_field: (label, params) =>
      params.allowed != null && params.allowed.length > 0
        ? `${label} is not a setting of this connector; it takes ${formatAll('en', params.allowed)}.`
        : `${label} is not a setting of this connector.`,
    required: (label) => `${label} is required.`,
    empty: (label) => `${label} must not be empty.`,
    not_a_string: (label) => `${label} must be text.`,
    not_a_number: (label, params) =>
      params.min != null && params.max != null
        ? `${label} must be a whole number from ${formatBound('en', params.min)} to ${formatBound('en', params.max)}.`
        : `${label} must be a whole number.`,
    not_a_boolean: (label) => `${label} must be yes or no.`,
    out_of_range: (label, params) =>
      params.min != null && params.max != null
        ? `${label} must be between ${formatBound('en', params.min)} and ${formatBound('en', params.max)}.`
        : params.min != null
          ? `${label} must be at least ${formatBound('en', params.min)}.`
          : params.max != null
            ? `${label} must be at most ${formatBound('en', params.max)}.`
            : `${label} is out of range.`,
    too_short: (label, params) =>
      params.min != null
        ? countOf('en', params.min, {
            one: (n) => `${label} must be at least ${n} character long.`,
            other: (n) => `${label} must be at least ${n} characters long.`,
          })
        : `${label} is too short.`,
    too_long: (label, params) =>
      params.max != null
        ? countOf('en', params.max, {
            one: (n) => `${label} must be at most ${n} character long.`,
            other: (n) => `${label} must be at most ${n} characters long.`,
          })
        : `${label} is too long.`,
    not_one_of: (label, params) =>
      params.allowed != null && params.allowed.length > 0
        ? `${label} must be ${formatChoices('en', params.allowed)}.`
        : `${label} is not one of the accepted values.`,
    invalid_format: (label, params) =>
      params.format != null ? `${label} must be ${formats[params.format]}.` : `${label} is not in the expected form.`,
    has_spaces: (label) => `${label} must not contain spaces.`,
    control_characters: (label) => `${label} must not contain control characters such as tabs or line breaks.`,
    conflict: (label, params) =>
      params.conflicts_with != null && params.conflicts_with.length > 0
        ? `Give either ${label} or ${formatAll('en', params.conflicts_with)}, not both.`
        : `${label} cannot be given with the other fields.`,
    unresolvable: (label) => `The host in ${label} could not be found. Check its spelling.`,
    private_address: (label, params) =>
      params.address != null
        ? `${label} leads to ${params.address}, a private or local address this server does not connect to.`
        : `${label} leads to a private or local address this server does not connect to.`,
    provider_refused: (label) => `The server refused the value of ${label}.`,
    not_found: (label) => `The server has nothing by this name: check ${label}.`,
    tls_failed: (label) =>
      `The secure connection (TLS) failed: check that ${label} matches the port (TLS on 465, STARTTLS on 587) and that the server’s certificate is valid for the host.`,
    starttls_unsupported: () => 'The server does not offer STARTTLS on this port.',
    schema_mismatch: () => 'These settings do not fit what the connector expects.',
    must_be_after: (label, params) =>
      params.other != null ? `${label} must come after ${params.other}.` : `${label} must come after the start.`,
    one_file: () => 'Send one file at a time.',
  } satisfies FieldErrorSentences as FieldErrorSentences,

  fieldFormats: formats,

  /** Before a detail in someone else's words (a provider's reason, in English). */
  detailIntro: 'Details:',
  /** Someone else's words, quoted. */
  quote: (text: string) => `“${text}”`,
  /** The marks around someone else's words drawn apart (`quote`'s, split). */
  quoteMarks: ['“', '”'] as readonly [open: string, close: string],

  /** A connector's `last_error_code` on its card. */
  lastError: {
    needs_reauth: () => 'Access has expired or was revoked at the provider. Reconnect to keep using it.',
    refresh_failing: ({ attempts, retry_at }) => {
      const failed =
        attempts != null
          ? countOf('en', attempts, {
              one: (n) => `Access could not be renewed (${n} failure).`,
              other: (n) => `Access could not be renewed ${n} times in a row.`,
            })
          : 'Access could not be renewed several times in a row.';
      const next = formatSoon('en', retry_at);
      return next !== null
        ? `${failed} The server tries again ${next.sameDay ? 'at' : 'on'}\u00a0${next.text}; reconnect if it lasts.`
        : `${failed} The server keeps trying; reconnect if it lasts.`;
    },
    refresh_failed: ({ retry_at }) => {
      const next = formatSoon('en', retry_at);
      return next !== null
        ? `The last renewal of access failed. The server tries again ${next.sameDay ? 'at' : 'on'}\u00a0${next.text}.`
        : 'The last renewal of access failed. The server tries again shortly.';
    },
  } satisfies LastErrorSentences as LastErrorSentences,

  /** Top-level error codes the server sends about a provider (`error.code`). */
  providerErrors: {
    provider_rejected: 'The provider rejected these credentials. Check them and try again.',
    provider_unreachable: 'The provider could not be reached. Check the address and try again.',
    provider_timeout: 'The provider did not answer in time. Try again in a moment.',
    provider_rate_limited: 'The provider is limiting requests. Wait a moment and try again.',
    provider_unavailable: 'The provider is unavailable. Try again in a moment.',
    provider_error: 'The provider sent an unexpected answer. Try again in a moment.',
  } as Record<string, string>,

  /**
   * Words over the config connectors' JSON Schemas, which the server writes in English
   * from its doc comments: English shows the server's own words (so these stay empty),
   * another language puts its translation here, keyed `connector.field` (labels, hints),
   * `connector.field.value` (choices) and `connector.variant-N` (alternative field sets).
   * Anything left out shows the server's words, marked `lang="en"`.
   */
  schema: {
    labels: {} as Record<string, string>,
    hints: {} as Record<string, string>,
    options: {} as Record<string, string>,
    variants: {} as Record<string, string>,
    variantHints: {} as Record<string, string>,
  },

  callback: {
    documentTitleSuccess: (name: string) => `${name} connected · Connectors`,
    documentTitleError: (name: string) => `${name} not connected · Connectors`,
    back: 'Back to connectors',
    connected: (name: string) => `${name} is connected`,
    notConnected: (name: string) => `${name} could not be connected`,
    notActiveYet: 'The provider accepted, but the connector does not show as active yet. Refresh in a moment.',
    granted: 'Access was granted. Donna and your apps can use it now.',
    reasonCode: 'Reason code:',
    tryAgain: 'Try again',
    redirecting: 'Redirecting…',
    connectorRegion: (name: string) => `${name} connector`,
    loadingConnector: 'Loading the connector…',
    loadFailed: 'The connector could not be loaded',
    unknownConnector: (key: string) => `This server has no connector named “${key}”.`,
    noReason: 'The connection could not be completed, and the server gave no reason.',
    unknownReason: (reason: string) => `The connection could not be completed (reason: ${reason}).`,
    reasons: {
      access_denied: 'You declined access on the provider’s consent screen, so nothing was connected.',
      invalid_state:
        'The answer from the provider did not match any connection started here. Start the connection again from this dashboard.',
      expired_state: 'The connection attempt took longer than ten minutes and expired. Start it again.',
      state_mismatch:
        'The answer from the provider belongs to a different connection attempt — another connector or another account — so it was refused.',
      missing_state: 'The answer from the provider lacked its security token, so it was refused.',
      not_authenticated: 'You were signed out while connecting. Log in again, then retry.',
      invalid_grant:
        'The provider rejected the authorization code: it may have expired or already been used. Try connecting again.',
      provider_unavailable: 'The provider could not be reached. Wait a moment and try again.',
      provider_timeout: 'The provider took too long to answer. Wait a moment and try again.',
      exchange_failed: 'The provider’s authorization could not be turned into access tokens. Try connecting again.',
      scope_denied:
        'Not all the permissions this connector needs were granted. Try again and allow the requested access.',
      provider_error: 'The provider reported an error while connecting. Try again later.',
      missing_code: 'The provider sent no authorization code back, so nothing was connected.',
      issuer_mismatch:
        'The answer came from a different sign-in service than the one the request went to, so it was refused for your safety.',
    },
  },

  voice: {
    name: 'Donna',
    states: {
      idle: 'Press the orb to talk to Donna',
      connecting: 'Connecting…',
      listening: 'Listening',
      'user-speaking': 'You are speaking',
      'agent-speaking': 'Donna is speaking',
      tool: 'Working on it',
      error: 'Voice unavailable',
    },
    /** The status line while the orb joins again after the call dropped (state `connecting`). */
    rejoining: 'The call dropped: joining again…',
    orbCancel: 'Cancel connecting to Donna',
    orbEnd: 'End the conversation with Donna',
    orbRetry: 'Try talking to Donna again',
    orbStart: 'Talk to Donna',
    microphoneOff: ' · microphone off',
    hint: 'Ask her to connect an account, read your calendar, create a project or upload a file.',
    mute: 'Mute',
    unmute: 'Unmute',
    /** Read after Mute / Unmute by screen readers; the microphone icon says it on screen. */
    microphoneSuffix: ' the microphone',
    hangUp: 'Hang up',
    consentBlocked: 'Your browser kept the sign-in window from opening. Open it to approve access.',
    openSignIn: 'Open the sign-in page',
    notNow: 'Not now',
    chooseFileFor: 'Choose the file Donna should upload.',
    chooseFile: 'Choose a file…',
    cancel: 'Cancel',
    transcript: 'Conversation with Donna',
    sayHello: 'Say hello — Donna is listening.',
    toolFailed: (label: string) => `${label} failed`,
    working: 'working…',
    you: 'You',
    tools: {
      list_connectors: 'Checking your connectors',
      activate_connector: 'Connecting an account',
      revoke_connector: 'Disconnecting an account',
      list_events: 'Reading your calendar',
      create_project: 'Creating a project',
      list_projects: 'Listing your projects',
      upload_file: 'Uploading a file',
      list_slack_channels: 'Listing your Slack channels',
      read_slack_channel: 'Reading a Slack channel',
      post_slack_message: 'Posting in Slack',
      list_gmail_messages: 'Reading your Gmail',
      send_email: 'Sending an email',
      list_minio_objects: 'Listing your MinIO files',
      put_file_in_minio: 'Copying a file into MinIO',
      search_notion_pages: 'Searching Notion',
      create_notion_page: 'Creating a Notion page',
    },
    toolsDone: {
      list_connectors: 'Checked your connectors',
      activate_connector: 'Started connecting an account',
      revoke_connector: 'Disconnected an account',
      list_events: 'Read your calendar',
      create_project: 'Created a project',
      list_projects: 'Listed your projects',
      upload_file: 'Uploaded a file',
      list_slack_channels: 'Listed your Slack channels',
      read_slack_channel: 'Read a Slack channel',
      post_slack_message: 'Posted in Slack',
      list_gmail_messages: 'Read your Gmail',
      send_email: 'Sent an email',
      list_minio_objects: 'Listed your MinIO files',
      put_file_in_minio: 'Copied a file into MinIO',
      search_notion_pages: 'Searched Notion',
      create_notion_page: 'Created a Notion page',
    },
    runningTool: (name: string) => `Running ${name}`,
    ranTool: (name: string) => `Ran ${name}`,
    results: (count: number) => countOf('en', count, { one: (n) => `${n} result`, other: (n) => `${n} results` }),
    cancelled: 'cancelled',
    consentWindowBlocked: 'the sign-in window was blocked',
    consentWindowOpened: 'sign-in window opened',
    needsFields: (fields: string) => `needs ${fields}`,
    toolFailedGeneric: 'failed',
    /** Donna's tool arguments as a refusal names them (an unknown one keeps its name). */
    argumentLabels: {
      from: 'Start',
      to: 'End',
      limit: 'Number of events',
      key: 'Connector',
      name: 'Name',
    } as Record<string, string>,
    done: 'done',
    problem: 'Donna ran into a problem. You can keep talking or hang up.',
    problemWith: (message: string) => `Donna ran into a problem: ${message}`,
    headlines: {
      disconnected: 'Disconnected',
      microphone: 'Microphone unavailable',
      wait: 'Please wait a moment',
      signedOut: 'Signed out',
      unavailable: 'Voice unavailable',
    },
    errors: {
      connectionLost: 'The connection to Donna was lost. Check your network, then press the orb to start again.',
      rejoinFailed: (reason: string) => `The connection to Donna was lost and could not be restored. ${reason}`,
      connectTimeout: (seconds: number) =>
        `Donna could not be reached within ${formatSeconds('en', seconds)}. Check your network, then press the orb to try again.`,
      microphoneDenied:
        'Donna cannot hear you: this page has no permission to use the microphone. Allow the microphone in your browser’s site settings, then press the orb again.',
      microphoneMissing: 'No microphone was found. Connect one, then press the orb again.',
      microphoneBusy:
        'The microphone could not be started: another application may be using it. Close it, then press the orb again.',
      unsupported:
        'This browser cannot make voice calls (WebRTC is unavailable). Try a recent Chrome, Edge, Firefox or Safari.',
      serviceUnreachable: 'The voice service could not be reached. Check your connection and try again.',
      unexpected: 'The voice conversation failed unexpectedly. Press the orb to try again.',
      rateLimited: 'Too many voice conversations were started in a short time. Wait a minute, then try again.',
      rateLimitedFor: (seconds: number) =>
        `Too many voice conversations were started in a short time. Try again in ${formatSeconds('en', seconds)}.`,
      signedOut: 'You are signed out. Sign in again to talk to Donna.',
      notConfigured:
        'Voice is not configured on this server: it has no OpenAI API key. Ask the administrator to set OPENAI_API_KEY.',
      upstreamRefused:
        'The voice service refused this server’s credentials or settings. Ask the administrator to check the OpenAI configuration.',
      quotaExceeded: 'The voice service’s usage quota is used up. Ask the administrator to check the OpenAI account.',
      unavailable: 'The voice service is unavailable right now. Try again in a moment.',
      serverUnreachable: 'The server could not be reached. Check your connection and try again.',
      couldNotStart: 'The voice conversation could not start. Press the orb to try again.',
      callKeyRejected:
        'The voice service refused the call: its session key was rejected or had expired. Press the orb to try again.',
      busy: 'The voice service is busy. Try again in a moment.',
      callRefused: (status: number) => `The voice service refused the call (HTTP ${status}). Press the orb to try again.`,
    },
  },

  /** The orb's confirmation of a call Donna may only make with the user's word (`needs_approval`). */
  voiceApproval: {
    heading: 'Donna asks before acting',
    revokeConnector: (connector: string) => `Disconnect ${connector}?`,
    revokeConnectorDetail: 'Donna will remove access to this account. You can connect it again later.',
    anyConnector: 'an account',
    createNotionPage: (title: string) => `Create the Notion page “${title}”?`,
    createNotionPageDetail: 'Under the page Donna names, in your workspace. Nothing is created until you confirm.',
    putFile: 'Copy the file into your MinIO bucket?',
    putFileAs: (key: string) => `Copy the file into your MinIO bucket as “${key}”?`,
    putFileDetail: 'An object with the same name is replaced. Nothing is written until you confirm.',
    sendSms: (to: string, body: string) => `Text ${to}: “${body}”?`,
    sendSmsDetail: (from: string) => `From your Twilio number ${from}. Nothing is sent until you confirm.`,
    sendEmail: (to: string, subject: string) => `Send an email to ${to}: “${subject}”?`,
    sendEmailDetail: 'From your mail server, as you. Nothing is sent until you confirm.',
    sendEmailBody: 'The message',
    postSlackMessage: (text: string) => `Post in Slack: “${text}”?`,
    postSlackMessageDetail: (channel: string) => `In channel ${channel}, as you. Nothing is posted until you confirm.`,
    otherTool: (tool: string) => `Let Donna ${tool}?`,
    otherToolOn: (tool: string, connector: string) => `Let Donna ${tool} on ${connector}?`,
    otherToolDetail: 'Nothing happens until you confirm.',
    confirm: 'Confirm',
    cancel: 'Cancel',
    /** In the transcript, next to the call that waits. */
    awaiting: 'waiting for your answer',
  },
};

/** The shape every language's catalog has. */
export type Messages = typeof en;
