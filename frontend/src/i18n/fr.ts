// Tout ce que le tableau de bord affiche, en français (vouvoiement). Typographie :
// espace insécable (U+00A0) avant « : », « ? », « ! » et à l'intérieur des guillemets
// « … » ; apostrophe typographique (’).

import type { FieldFormatWords, Messages } from './en';
import { countOf, formatAll, formatBound, formatChoices, formatSeconds, formatSoon, formatWait } from './format';

const formats: FieldFormatWords = {
  host: 'un nom d’hôte ou une adresse IP, comme smtp.example.com',
  host_without_scheme: 'le nom d’hôte seul, sans préfixe comme «\u00a0smtp://\u00a0»',
  host_without_path: 'le nom d’hôte seul, sans chemin, nom d’utilisateur ni espace',
  host_without_port: 'le nom d’hôte seul\u00a0; le port a son propre champ',
  url: 'une URL commençant par http:// ou https://, comme https://minio.example.com:9000',
  url_without_credentials: 'l’URL du serveur sans clés\u00a0; elles ont leurs propres champs',
  url_without_path: 'l’URL du serveur sans chemin ni paramètres\u00a0; le compartiment a son propre champ',
  email: 'une adresse e-mail, comme ada@example.com',
  mailbox: 'une adresse e-mail, comme donna@example.com ou Donna <donna@example.com>',
  bucket_name:
    'un nom de compartiment\u00a0: 3 à 63 lettres minuscules, chiffres, points et tirets, commençant et finissant par une lettre ou un chiffre',
  region_name: 'un nom de région comme us-east-1\u00a0: lettres minuscules, chiffres et tirets',
  twilio_account_sid: 'un Account SID\u00a0: AC suivi de 32 caractères hexadécimaux',
  twilio_api_key_sid: 'un SID de clé d’API\u00a0: SK suivi de 32 caractères hexadécimaux',
  date_time: 'une date et une heure avec leur décalage horaire, comme 2026-12-01T09:00:00Z',
};

/** « Hôte » — a field's label in French quotation marks. */
const q = (label: string) => `«\u00a0${label}\u00a0»`;

export const fr: Messages = {
  languageName: 'Français',
  switchTo: 'Passer en français',

  app: {
    name: 'Connecteurs',
    loading: 'Chargement…',
    startFailed: 'Le tableau de bord n’a pas pu démarrer',
    notFoundTitle: 'Page introuvable',
    notFound: (path) => `Il n’y a rien à l’adresse ${path}.`,
    goToConnectors: 'Aller aux connecteurs',
    skipToContent: 'Aller au contenu',
    sessionEnded: 'Votre session a pris fin. Reconnectez-vous.',
    loggedOut: 'Déconnexion effectuée.',
    logOut: 'Se déconnecter',
  },

  feedback: {
    tryAgain: 'Réessayer',
    dismiss: 'Fermer le message',
    close: 'Fermer',
    cancel: 'Annuler',
  },

  auth: {
    titleLogin: 'Connectez-vous à votre tableau de bord',
    titleSignup: 'Créez votre compte',
    documentTitleLogin: 'Connexion · Connecteurs',
    documentTitleSignup: 'Inscription · Connecteurs',
    lead: 'Connectez vos agendas, votre messagerie et vos outils, et laissez Donna les utiliser à la voix.',
    modes: 'Choisissez',
    logIn: 'Connexion',
    signUp: 'Inscription',
    email: 'Adresse e-mail',
    password: 'Mot de passe',
    showPassword: 'Afficher',
    hidePassword: 'Masquer',
    passwordSuffix: ' le mot de passe',
    submitLogin: 'Se connecter',
    submitSignup: 'Créer le compte',
    submittingLogin: 'Connexion…',
    submittingSignup: 'Création du compte…',
    newHere: 'Pas encore de compte\u00a0?',
    createAnAccount: 'Créer un compte',
    haveAccount: 'Vous avez déjà un compte\u00a0?',
    enterEmail: 'Saisissez votre adresse e-mail, par exemple nom@exemple.fr.',
    enterPassword: 'Saisissez votre mot de passe.',
    invalidCredentials: 'Cette adresse e-mail et ce mot de passe ne correspondent à aucun compte.',
    emailTaken: 'Un compte existe déjà avec cette adresse e-mail. Connectez-vous plutôt.',
    tooManyAttemptsIn: (seconds) => `Trop de tentatives. Réessayez dans ${formatWait('fr', seconds)}.`,
    tooManyAttempts: 'Trop de tentatives. Patientez une minute, puis réessayez.',
    signupServerError: 'Le compte n’a pas pu être créé à cause d’un problème sur le serveur. Réessayez dans un instant.',
    loginServerError: 'La connexion a échoué à cause d’un problème sur le serveur. Réessayez dans un instant.',
  },

  errors: {
    generic: 'Un problème est survenu. Réessayez.',
    network: 'Le serveur est injoignable. Vérifiez votre connexion, puis réessayez.',
    badResponse: 'Le serveur a envoyé une réponse illisible.',
    unexpected: (what) => `Le serveur a envoyé une réponse inattendue (${what}).`,
    notSignedIn: 'Votre session n’est pas ouverte.',
    forbidden: 'Vous n’avez pas l’autorisation d’effectuer cette action.',
    notFound: 'Introuvable.',
    tooManyRequests: 'Trop de requêtes. Patientez un instant, puis réessayez.',
    serverProblem: 'Le serveur a rencontré un problème. Réessayez dans un instant.',
    httpStatus: (status) => `La requête a échoué (HTTP ${status}).`,
  },

  dashboard: {
    title: 'Connecteurs',
    documentTitle: 'Connecteurs',
    refresh: 'Actualiser',
    refreshing: 'Actualisation',
    lead: 'Reliez les comptes que Donna et vos applications peuvent utiliser. Les jetons et les secrets restent chiffrés sur le serveur.',
    loadFailed: 'Impossible de charger les connecteurs',
    emptyTitle: 'Aucun connecteur pour l’instant',
    empty: 'Ce serveur ne propose aucun connecteur. Vérifiez sa configuration.',
    loadingConnectors: 'Chargement des connecteurs',
    loadingConnectorsEllipsis: 'Chargement des connecteurs…',
    listLabel: 'Connecteurs',
    voiceAssistant: 'Assistant vocal',
  },

  status: {
    'not-configured': 'Non configuré',
    disconnected: 'Non connecté',
    active: 'Connecté',
    needs_reauth: 'À reconnecter',
    error: 'Erreur',
  },

  card: {
    kindOAuth: 'OAuth',
    kindConfig: 'Configuration',
    theProvider: 'le fournisseur',
    oauthNotConfigured: (provider) =>
      `Le serveur n’a pas encore d’identifiant client ni de secret pour ${provider}\u00a0: ce connecteur ne peut pas être utilisé.`,
    configUnavailable: 'Ce connecteur n’est pas disponible sur ce serveur.',
    oauthActive: 'Connecté et prêt à l’emploi.',
    configActive: 'Configuré et prêt à l’emploi.',
    needsReauth: 'L’accès a expiré ou a été révoqué chez le fournisseur. Reconnectez-le pour continuer à l’utiliser.',
    providerSaid: (provider) => `Réponse de ${provider}, non traduite\u00a0:`,
    lastAttemptFailed: 'La dernière utilisation de ce connecteur a échoué.',
    oauthDisconnected: (provider) => `Non connecté. Connectez-vous avec ${provider} pour le relier.`,
    configDisconnected: 'Pas encore configuré. Renseignez ses paramètres pour le connecter.',
    connectedAs: 'Compte',
    since: 'Depuis',
    access: 'Accès',
    expiresIn: (when) => `Expire ${when}`,
    expiredAgo: (when) => `A expiré ${when}`,
    editSettings: 'Paramètres',
    configure: 'Configurer',
    reconnect: 'Reconnecter',
    connect: 'Connecter',
    redirecting: 'Redirection…',
    disconnect: 'Déconnecter',
    disconnecting: 'Déconnexion…',
  },

  activity: {
    title: 'Activité récente',
    connected: 'Connecté',
    reconnected: 'Reconnecté',
    refreshed: 'Accès renouvelé',
    refreshFailed: 'Accès non renouvelé, nouvel essai prévu',
    recovered: 'Accès de nouveau renouvelé',
    needsReauth: 'Accès refusé par le fournisseur',
    expiring: 'L’accès expire bientôt',
    revoked: 'Déconnecté',
    toolCalled: 'Utilisé par Donna',
    other: (type: string) => `Événement ${type}`,
  },

  board: {
    notConfiguredOnServer: (name) =>
      `${name} n’est pas configuré sur ce serveur\u00a0: son identifiant client et son secret OAuth manquent.`,
    disconnected: (name) => `${name} est déconnecté et ses identifiants enregistrés sont supprimés.`,
    couldNotDisconnect: (reason) => `Déconnexion impossible\u00a0: ${reason}`,
    saved: (name) => `Les paramètres de ${name} sont enregistrés.`,
    settingsTitle: (name) => `Paramètres de ${name}`,
    settingsSubtitle: 'Les secrets sont chiffrés sur le serveur et ne sont plus jamais affichés.',
    disconnectTitle: (name) => `Déconnecter ${name}\u00a0?`,
    disconnectOAuth: (name) =>
      `L’accès est révoqué chez ${name} et les jetons enregistrés sont supprimés. Donna et vos applications perdent l’accès jusqu’à ce que vous le reconnectiez.`,
    disconnectConfig:
      'Les paramètres et les secrets enregistrés sont supprimés. Donna et vos applications perdent l’accès jusqu’à ce que vous le configuriez de nouveau.',
  },

  form: {
    noSettings: 'Ce connecteur n’a aucun paramètre à renseigner.',
    credentialsToUse: 'Identifiants à utiliser',
    option: (number) => `Option ${number}`,
    required: 'obligatoire',
    optional: 'facultatif',
    choose: 'Choisir…',
    none: '—',
    cancel: 'Annuler',
    saving: 'Enregistrement…',
    saveChanges: 'Enregistrer les modifications',
    saveAndConnect: 'Enregistrer et connecter',
    secretSaved: 'Pour modifier la valeur enregistrée, saisissez-la de nouveau.',
    fixFields: 'Certains champs sont à corriger. Corrigez-les, puis enregistrez de nouveau.',
    otherField: (field, message) => `${field}\u00a0: ${message}`,
    isRequired: (label) => `Le champ «\u00a0${label}\u00a0» est obligatoire.`,
    wholeNumber: (label) => `Le champ «\u00a0${label}\u00a0» doit être un nombre entier.`,
    number: (label) => `Le champ «\u00a0${label}\u00a0» doit être un nombre.`,
    chooseOne: (label) => `Choisissez une valeur pour «\u00a0${label}\u00a0».`,
    json: (label) => `Le champ «\u00a0${label}\u00a0» doit contenir du JSON valide.`,
    between: (label, min, max) =>
      `Le champ «\u00a0${label}\u00a0» doit être compris entre ${formatBound('fr', min)} et ${formatBound('fr', max)}.`,
    atLeast: (label, min) => `Le champ «\u00a0${label}\u00a0» doit être supérieur ou égal à ${formatBound('fr', min)}.`,
    atMost: (label, max) => `Le champ «\u00a0${label}\u00a0» doit être inférieur ou égal à ${formatBound('fr', max)}.`,
    range: (min, max) => `${formatBound('fr', min)}–${formatBound('fr', max)}`,
  },

  fieldErrors: {
    not_an_object: () => 'Les paramètres n’ont pas été envoyés sous forme de champs. Rechargez la page et réessayez.',
    unknown_field: (label, params) =>
      params.allowed != null && params.allowed.length > 0
        ? `${q(label)} n’est pas un paramètre de ce connecteur\u00a0; il accepte ${formatAll('fr', params.allowed)}.`
        : `${q(label)} n’est pas un paramètre de ce connecteur.`,
    required: (label) => `Le champ ${q(label)} est obligatoire.`,
    empty: (label) => `Le champ ${q(label)} ne doit pas être vide.`,
    not_a_string: (label) => `Le champ ${q(label)} doit contenir du texte.`,
    not_a_number: (label, params) =>
      params.min != null && params.max != null
        ? `Le champ ${q(label)} doit être un nombre entier de ${formatBound('fr', params.min)} à ${formatBound('fr', params.max)}.`
        : `Le champ ${q(label)} doit être un nombre entier.`,
    not_a_boolean: (label) => `Le champ ${q(label)} doit valoir oui ou non.`,
    out_of_range: (label, params) =>
      params.min != null && params.max != null
        ? `Le champ ${q(label)} doit être compris entre ${formatBound('fr', params.min)} et ${formatBound('fr', params.max)}.`
        : params.min != null
          ? `Le champ ${q(label)} doit être supérieur ou égal à ${formatBound('fr', params.min)}.`
          : params.max != null
            ? `Le champ ${q(label)} doit être inférieur ou égal à ${formatBound('fr', params.max)}.`
            : `Le champ ${q(label)} est hors des limites permises.`,
    too_short: (label, params) =>
      params.min != null
        ? countOf('fr', params.min, {
            one: (n) => `Le champ ${q(label)} doit compter au moins ${n}\u00a0caractère.`,
            other: (n) => `Le champ ${q(label)} doit compter au moins ${n}\u00a0caractères.`,
          })
        : `Le champ ${q(label)} est trop court.`,
    too_long: (label, params) =>
      params.max != null
        ? countOf('fr', params.max, {
            one: (n) => `Le champ ${q(label)} doit compter au plus ${n}\u00a0caractère.`,
            other: (n) => `Le champ ${q(label)} doit compter au plus ${n}\u00a0caractères.`,
          })
        : `Le champ ${q(label)} est trop long.`,
    not_one_of: (label, params) =>
      params.allowed != null && params.allowed.length > 0
        ? `Le champ ${q(label)} doit valoir ${formatChoices('fr', params.allowed)}.`
        : `Le champ ${q(label)} n’a pas une des valeurs acceptées.`,
    invalid_format: (label, params) =>
      params.format != null
        ? `Le champ ${q(label)} doit contenir ${formats[params.format]}.`
        : `Le champ ${q(label)} n’a pas la forme attendue.`,
    has_spaces: (label) => `Le champ ${q(label)} ne doit pas contenir d’espaces.`,
    control_characters: (label) =>
      `Le champ ${q(label)} ne doit pas contenir de caractères de contrôle, comme des tabulations ou des retours à la ligne.`,
    conflict: (label, params) =>
      params.conflicts_with != null && params.conflicts_with.length > 0
        ? `Renseignez soit ${q(label)}, soit ${formatAll('fr', params.conflicts_with)}, mais pas les deux.`
        : `Le champ ${q(label)} ne peut pas être renseigné avec les autres.`,
    unresolvable: (label) => `L’hôte indiqué dans ${q(label)} est introuvable. Vérifiez son orthographe.`,
    private_address: (label, params) =>
      params.address != null
        ? `${q(label)} mène à ${params.address}, une adresse privée ou locale à laquelle ce serveur ne se connecte pas.`
        : `${q(label)} mène à une adresse privée ou locale à laquelle ce serveur ne se connecte pas.`,
    provider_refused: (label) => `Le serveur a refusé la valeur de ${q(label)}.`,
    not_found: (label) => `Le serveur ne connaît rien sous ce nom\u00a0: vérifiez ${q(label)}.`,
    tls_failed: (label) =>
      `La connexion sécurisée (TLS) a échoué\u00a0: vérifiez que ${q(label)} correspond au port (TLS sur 465, STARTTLS sur 587) et que le certificat du serveur est valide pour l’hôte.`,
    starttls_unsupported: () => 'Le serveur ne propose pas STARTTLS sur ce port.',
    schema_mismatch: () => 'Ces paramètres ne correspondent pas à ce que le connecteur attend.',
    must_be_after: (label, params) =>
      params.other != null
        ? `Le champ ${q(label)} doit être postérieur au champ ${q(params.other)}.`
        : `Le champ ${q(label)} doit être postérieur au début.`,
    one_file: () => 'Envoyez un seul fichier à la fois.',
  },

  fieldFormats: formats,

  detailIntro: 'Détails\u00a0:',
  /** Someone else's words, quoted. */
  quote: (text) => `«\u00a0${text}\u00a0»`,
  quoteMarks: ['«\u00a0', '\u00a0»'],

  lastError: {
    needs_reauth: () => 'L’accès a expiré ou a été révoqué chez le fournisseur. Reconnectez-le pour continuer à l’utiliser.',
    refresh_failing: ({ attempts, retry_at }) => {
      const failed =
        attempts != null
          ? countOf('fr', attempts, {
              one: (n) => `L’accès n’a pas pu être renouvelé (${n}\u00a0échec).`,
              other: (n) => `L’accès n’a pas pu être renouvelé ${n}\u00a0fois de suite.`,
            })
          : 'L’accès n’a pas pu être renouvelé plusieurs fois de suite.';
      const next = formatSoon('fr', retry_at);
      return next !== null
        ? `${failed} Le serveur réessaiera ${next.sameDay ? 'à' : 'le'}\u00a0${next.text}\u00a0; reconnectez-le si cela dure.`
        : `${failed} Le serveur continue d’essayer\u00a0; reconnectez-le si cela dure.`;
    },
    refresh_failed: ({ retry_at }) => {
      const next = formatSoon('fr', retry_at);
      return next !== null
        ? `Le dernier renouvellement de l’accès a échoué. Le serveur réessaiera ${next.sameDay ? 'à' : 'le'}\u00a0${next.text}.`
        : 'Le dernier renouvellement de l’accès a échoué. Le serveur réessaie sous peu.';
    },
  },

  providerErrors: {
    provider_rejected: 'Le fournisseur a refusé ces identifiants. Vérifiez-les et réessayez.',
    provider_unreachable: 'Le fournisseur est injoignable. Vérifiez l’adresse et réessayez.',
    provider_timeout: 'Le fournisseur n’a pas répondu à temps. Réessayez dans un instant.',
    provider_rate_limited: 'Le fournisseur limite les requêtes. Patientez un instant, puis réessayez.',
    provider_unavailable: 'Le fournisseur est indisponible. Réessayez dans un instant.',
    provider_error: 'Le fournisseur a renvoyé une réponse inattendue. Réessayez dans un instant.',
  },

  schema: {
    labels: {
      'smtp.host': 'Hôte',
      'smtp.port': 'Port',
      'smtp.security': 'Sécurité',
      'smtp.username': 'Nom d’utilisateur',
      'smtp.password': 'Mot de passe',
      'smtp.from': 'Expéditeur',
      'twilio.account_sid': 'SID du compte',
      'twilio.auth_token': 'Jeton d’authentification',
      'twilio.api_key_sid': 'SID de la clé d’API',
      'twilio.api_key_secret': 'Secret de la clé d’API',
      'minio.endpoint': 'Adresse du serveur',
      'minio.access_key': 'Clé d’accès',
      'minio.secret_key': 'Clé secrète',
      'minio.bucket': 'Bucket',
      'minio.region': 'Région',
      'hostinger.api_token': 'Jeton d’API',
    },
    hints: {
      'smtp.host': 'Nom d’hôte ou adresse IP du serveur SMTP, sans schéma ni port, par exemple `smtp.example.com`.',
      'smtp.port': 'Port du serveur SMTP\u00a0: 465 pour `tls`, 587 pour `starttls`.',
      'smtp.security':
        'Protection de la connexion\u00a0: `tls` (TLS implicite, port 465), `starttls` (port 587) ou `none` (serveurs de développement uniquement).',
      'smtp.username': 'Nom d’utilisateur pour se connecter au serveur, souvent l’adresse e-mail.',
      'smtp.password':
        'Mot de passe (ou mot de passe d’application) de cet utilisateur. En écriture seule\u00a0: il n’est plus jamais affiché.',
      'smtp.from':
        'Expéditeur des messages envoyés par ce serveur\u00a0: `donna@example.com` ou `Donna <donna@example.com>`.',
      'twilio.account_sid':
        'SID du compte\u00a0: `AC` suivi de 32\u00a0caractères hexadécimaux (console Twilio, Account Info).',
      'twilio.auth_token':
        'Jeton d’authentification du compte (console Twilio, Account Info). En écriture seule\u00a0: il n’est plus jamais affiché.',
      'twilio.api_key_sid': 'SID de la clé d’API\u00a0: `SK` suivi de 32\u00a0caractères hexadécimaux.',
      'twilio.api_key_secret':
        'Secret de la clé d’API, affiché une seule fois à sa création. En écriture seule\u00a0: il n’est plus jamais affiché.',
      'minio.endpoint':
        'URL du serveur, avec schéma et hôte (et port), sans chemin, par exemple `https://minio.example.com:9000`.',
      'minio.access_key': 'Clé d’accès (nom d’utilisateur) des identifiants S3.',
      'minio.secret_key': 'Clé secrète des identifiants S3. En écriture seule\u00a0: elle n’est plus jamais affichée.',
      'minio.bucket': 'Nom du bucket à utiliser (de 3 à 63\u00a0lettres minuscules, chiffres, points et tirets).',
      'minio.region': 'Région à laquelle les identifiants sont rattachés\u00a0; `us-east-1` si elle est omise.',
      'hostinger.api_token':
        'Jeton d’API créé dans hPanel (Compte, API). En écriture seule\u00a0: il n’est plus jamais affiché.',
    },
    options: {
      'smtp.security.tls': 'TLS implicite (en général le port 465)',
      'smtp.security.starttls': 'STARTTLS (en général le port 587)',
      'smtp.security.none': 'Aucun chiffrement (développement uniquement)',
    },
    variants: {
      'twilio.variant-0': 'Jeton d’authentification',
      'twilio.variant-1': 'Clé d’API',
    },
    variantHints: {
      'twilio.variant-0': 'Le SID du compte et son jeton d’authentification (accès complet au compte).',
      'twilio.variant-1': 'Le SID du compte et une clé d’API de ce compte (révocable séparément).',
    },
  },

  callback: {
    documentTitleSuccess: (name) => `${name} connecté · Connecteurs`,
    documentTitleError: (name) => `${name} non connecté · Connecteurs`,
    back: 'Retour aux connecteurs',
    connected: (name) => `${name} est connecté`,
    notConnected: (name) => `${name} n’a pas pu être connecté`,
    notActiveYet:
      'Le fournisseur a accepté, mais le connecteur n’apparaît pas encore comme actif. Actualisez dans un instant.',
    granted: 'L’accès a été accordé. Donna et vos applications peuvent l’utiliser dès maintenant.',
    reasonCode: 'Code du motif\u00a0:',
    tryAgain: 'Réessayer',
    redirecting: 'Redirection…',
    connectorRegion: (name) => `Connecteur ${name}`,
    loadingConnector: 'Chargement du connecteur…',
    loadFailed: 'Impossible de charger le connecteur',
    unknownConnector: (key) => `Ce serveur n’a aucun connecteur nommé «\u00a0${key}\u00a0».`,
    noReason: 'La connexion n’a pas pu aboutir, et le serveur n’a donné aucun motif.',
    unknownReason: (reason) => `La connexion n’a pas pu aboutir (motif\u00a0: ${reason}).`,
    reasons: {
      access_denied: 'Vous avez refusé l’accès sur l’écran de consentement du fournisseur\u00a0: rien n’a été connecté.',
      invalid_state:
        'La réponse du fournisseur ne correspond à aucune connexion lancée ici. Relancez la connexion depuis ce tableau de bord.',
      expired_state: 'La tentative de connexion a duré plus de dix minutes et a expiré. Relancez-la.',
      state_mismatch:
        'La réponse du fournisseur appartient à une autre tentative de connexion (un autre connecteur ou un autre compte)\u00a0: elle a donc été refusée.',
      missing_state: 'La réponse du fournisseur ne contenait pas son jeton de sécurité\u00a0: elle a donc été refusée.',
      not_authenticated: 'Votre session s’est fermée pendant la connexion. Reconnectez-vous, puis réessayez.',
      invalid_grant:
        'Le fournisseur a refusé le code d’autorisation\u00a0: il a peut-être expiré ou déjà servi. Relancez la connexion.',
      provider_unavailable: 'Le fournisseur est injoignable. Patientez un instant, puis réessayez.',
      provider_timeout: 'Le fournisseur a mis trop de temps à répondre. Patientez un instant, puis réessayez.',
      exchange_failed:
        'L’autorisation du fournisseur n’a pas pu être convertie en jetons d’accès. Relancez la connexion.',
      scope_denied:
        'Les autorisations nécessaires à ce connecteur n’ont pas toutes été accordées. Réessayez en acceptant l’accès demandé.',
      provider_error: 'Le fournisseur a signalé une erreur pendant la connexion. Réessayez plus tard.',
      missing_code: 'Le fournisseur n’a renvoyé aucun code d’autorisation\u00a0: rien n’a été connecté.',
      issuer_mismatch:
        'La réponse provient d’un autre service de connexion que celui qui a reçu la demande\u00a0: elle a été refusée pour votre sécurité.',
    },
  },

  voice: {
    name: 'Donna',
    states: {
      idle: 'Appuyez sur l’orbe pour parler à Donna',
      connecting: 'Connexion…',
      listening: 'À l’écoute',
      'user-speaking': 'Vous parlez',
      'agent-speaking': 'Donna parle',
      tool: 'Traitement en cours',
      error: 'Voix indisponible',
    },
    rejoining: 'L’appel a été coupé\u00a0: nouvelle connexion…',
    orbCancel: 'Annuler la connexion à Donna',
    orbEnd: 'Mettre fin à la conversation avec Donna',
    orbRetry: 'Réessayer de parler à Donna',
    orbStart: 'Parler à Donna',
    microphoneOff: ' · micro coupé',
    hint: 'Demandez-lui de connecter un compte, de lire votre agenda, de créer un projet ou d’envoyer un fichier.',
    mute: 'Couper',
    unmute: 'Rétablir',
    microphoneSuffix: ' le micro',
    hangUp: 'Raccrocher',
    consentBlocked: 'Votre navigateur a empêché l’ouverture de la fenêtre de connexion. Ouvrez-la pour autoriser l’accès.',
    openSignIn: 'Ouvrir la page de connexion',
    notNow: 'Plus tard',
    chooseFileFor: 'Choisissez le fichier que Donna doit envoyer.',
    chooseFile: 'Choisir un fichier…',
    cancel: 'Annuler',
    transcript: 'Conversation avec Donna',
    sayHello: 'Dites bonjour, Donna vous écoute.',
    toolFailed: (label) => `${label}\u00a0: échec`,
    working: 'en cours…',
    you: 'Vous',
    tools: {
      list_connectors: 'Vérification de vos connecteurs',
      activate_connector: 'Connexion d’un compte',
      revoke_connector: 'Déconnexion d’un compte',
      list_events: 'Lecture de votre agenda',
      create_project: 'Création d’un projet',
      list_projects: 'Consultation de vos projets',
      upload_file: 'Envoi d’un fichier',
      list_slack_channels: 'Consultation de vos canaux Slack',
      read_slack_channel: 'Lecture d’un canal Slack',
      post_slack_message: 'Publication dans Slack',
      list_gmail_messages: 'Lecture de votre Gmail',
      send_email: 'Envoi d’un e-mail',
      list_minio_objects: 'Consultation de vos fichiers MinIO',
      put_file_in_minio: 'Copie d’un fichier dans MinIO',
      search_notion_pages: 'Recherche dans Notion',
      create_notion_page: 'Création d’une page Notion',
    },
    toolsDone: {
      list_connectors: 'Connecteurs vérifiés',
      activate_connector: 'Connexion d’un compte lancée',
      revoke_connector: 'Compte déconnecté',
      list_events: 'Agenda consulté',
      create_project: 'Projet créé',
      list_projects: 'Projets consultés',
      upload_file: 'Fichier envoyé',
      list_slack_channels: 'Canaux Slack consultés',
      read_slack_channel: 'Canal Slack lu',
      post_slack_message: 'Publié dans Slack',
      list_gmail_messages: 'Gmail consulté',
      send_email: 'E-mail envoyé',
      list_minio_objects: 'Fichiers MinIO consultés',
      put_file_in_minio: 'Fichier copié dans MinIO',
      search_notion_pages: 'Recherche Notion faite',
      create_notion_page: 'Page Notion créée',
    },
    runningTool: (name) => `Exécution de ${name}`,
    ranTool: (name) => `${name} exécuté`,
    results: (count) => countOf('fr', count, { one: (n) => `${n} résultat`, other: (n) => `${n} résultats` }),
    cancelled: 'annulé',
    consentWindowBlocked: 'la fenêtre de connexion a été bloquée',
    consentWindowOpened: 'fenêtre de connexion ouverte',
    needsFields: (fields) => `champs à renseigner\u00a0: ${fields}`,
    toolFailedGeneric: 'échec',
    argumentLabels: {
      from: 'Début',
      to: 'Fin',
      limit: 'Nombre d’événements',
      key: 'Connecteur',
      name: 'Nom',
    },
    done: 'terminé',
    problem: 'Donna a rencontré un problème. Vous pouvez continuer à parler ou raccrocher.',
    problemWith: (message) => `Donna a rencontré un problème\u00a0: ${message}`,
    headlines: {
      disconnected: 'Connexion perdue',
      microphone: 'Micro indisponible',
      wait: 'Patientez un instant',
      signedOut: 'Session fermée',
      unavailable: 'Voix indisponible',
    },
    errors: {
      connectionLost:
        'La connexion avec Donna a été perdue. Vérifiez votre réseau, puis appuyez sur l’orbe pour recommencer.',
      rejoinFailed: (reason) => `La connexion avec Donna a été perdue et n’a pas pu être rétablie. ${reason}`,
      connectTimeout: (seconds) =>
        `Donna n’a pas pu être jointe en moins de ${formatSeconds('fr', seconds)}. Vérifiez votre réseau, puis appuyez sur l’orbe pour réessayer.`,
      microphoneDenied:
        'Donna ne vous entend pas\u00a0: cette page n’a pas l’autorisation d’utiliser le micro. Autorisez le micro dans les paramètres du site de votre navigateur, puis appuyez de nouveau sur l’orbe.',
      microphoneMissing: 'Aucun micro n’a été trouvé. Branchez-en un, puis appuyez de nouveau sur l’orbe.',
      microphoneBusy:
        'Le micro n’a pas pu démarrer\u00a0: une autre application l’utilise peut-être. Fermez-la, puis appuyez de nouveau sur l’orbe.',
      unsupported:
        'Ce navigateur ne peut pas passer d’appels vocaux (WebRTC n’est pas disponible). Essayez une version récente de Chrome, Edge, Firefox ou Safari.',
      serviceUnreachable: 'Le service vocal est injoignable. Vérifiez votre connexion, puis réessayez.',
      unexpected: 'La conversation vocale a échoué de façon inattendue. Appuyez sur l’orbe pour réessayer.',
      rateLimited:
        'Trop de conversations vocales ont été lancées en peu de temps. Patientez une minute, puis réessayez.',
      rateLimitedFor: (seconds) =>
        `Trop de conversations vocales ont été lancées en peu de temps. Réessayez dans ${formatSeconds('fr', seconds)}.`,
      signedOut: 'Votre session est fermée. Reconnectez-vous pour parler à Donna.',
      notConfigured:
        'La voix n’est pas configurée sur ce serveur\u00a0: il n’a pas de clé d’API OpenAI. Demandez à l’administrateur de définir OPENAI_API_KEY.',
      upstreamRefused:
        'Le service vocal a refusé les identifiants ou les paramètres de ce serveur. Demandez à l’administrateur de vérifier la configuration OpenAI.',
      quotaExceeded:
        'Le quota d’utilisation du service vocal est épuisé. Demandez à l’administrateur de vérifier le compte OpenAI.',
      unavailable: 'Le service vocal est indisponible pour le moment. Réessayez dans un instant.',
      serverUnreachable: 'Le serveur est injoignable. Vérifiez votre connexion, puis réessayez.',
      couldNotStart: 'La conversation vocale n’a pas pu démarrer. Appuyez sur l’orbe pour réessayer.',
      callKeyRejected:
        'Le service vocal a refusé l’appel\u00a0: sa clé de session a été rejetée ou avait expiré. Appuyez sur l’orbe pour réessayer.',
      busy: 'Le service vocal est saturé. Réessayez dans un instant.',
      callRefused: (status) =>
        `Le service vocal a refusé l’appel (HTTP ${status}). Appuyez sur l’orbe pour réessayer.`,
    },
  },

  voiceApproval: {
    heading: 'Donna demande avant d’agir',
    revokeConnector: (connector) => `Déconnecter ${connector}\u00a0?`,
    revokeConnectorDetail: 'Donna retirera l’accès à ce compte. Vous pourrez le reconnecter plus tard.',
    anyConnector: 'un compte',
    createNotionPage: (title) => `Créer la page Notion «\u00a0${title}\u00a0»\u00a0?`,
    createNotionPageDetail: 'Sous la page que Donna indique, dans votre espace. Rien n’est créé tant que vous n’avez pas confirmé.',
    putFile: 'Copier le fichier dans votre bucket MinIO\u00a0?',
    putFileAs: (key) => `Copier le fichier dans votre bucket MinIO sous «\u00a0${key}\u00a0»\u00a0?`,
    putFileDetail: 'Un objet du même nom est remplacé. Rien n’est écrit tant que vous n’avez pas confirmé.',
    sendSms: (to, body) => `Envoyer un SMS à ${to}\u00a0: «\u00a0${body}\u00a0»\u00a0?`,
    sendSmsDetail: (from) => `Depuis votre numéro Twilio ${from}. Rien n’est envoyé tant que vous n’avez pas confirmé.`,
    sendEmail: (to, subject) => `Envoyer un e-mail à ${to}\u00a0: «\u00a0${subject}\u00a0»\u00a0?`,
    sendEmailDetail: 'Depuis votre serveur de messagerie, en votre nom. Rien n’est envoyé tant que vous n’avez pas confirmé.',
    sendEmailBody: 'Le message',
    postSlackMessage: (text) => `Publier dans Slack\u00a0: «\u00a0${text}\u00a0»\u00a0?`,
    postSlackMessageDetail: (channel) => `Dans le canal ${channel}, en votre nom. Rien n’est publié tant que vous n’avez pas confirmé.`,
    otherTool: (tool) => `Laisser Donna ${tool}\u00a0?`,
    otherToolOn: (tool, connector) => `Laisser Donna ${tool} sur ${connector}\u00a0?`,
    otherToolDetail: 'Rien ne se passe tant que vous n’avez pas confirmé.',
    confirm: 'Confirmer',
    cancel: 'Annuler',
    awaiting: 'attend votre réponse',
  },
};
