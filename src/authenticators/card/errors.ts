/**
 * Why a card login is refused on the server. One class per reason: the stable `code` goes into
 * logs and JSON answers, `message` is the French text the professional reads (what happened and
 * what to do next), `status` the HTTP status.
 */
export abstract class CardError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  override name = 'CardError';
  /** Log-only detail (never shown to the user, never secret). */
  readonly detail?: string;
  constructor(message: string, detail?: string) {
    super(message);
    this.detail = detail;
  }
}

export class CardBadRequestError extends CardError {
  readonly code = 'CARD_BAD_REQUEST';
  readonly status = 400;
  constructor(detail: string) {
    super("La demande envoyée par la page de connexion est incomplète. Rechargez la page et recommencez.", detail);
  }
}

export class CardCsrfError extends CardError {
  readonly code = 'CARD_CSRF';
  readonly status = 403;
  constructor() { super("Cette demande ne provient pas de la page de connexion. Rechargez la page et recommencez."); }
}

export class CardChallengeUnknownError extends CardError {
  readonly code = 'CARD_CHALLENGE_UNKNOWN';
  readonly status = 400;
  constructor() { super("Cette demande de connexion n'est pas reconnue. Rechargez la page et recommencez."); }
}

export class CardChallengeExpiredError extends CardError {
  readonly code = 'CARD_CHALLENGE_EXPIRED';
  readonly status = 400;
  constructor() { super('Le délai pour utiliser votre carte est dépassé. Recommencez la connexion.'); }
}

export class CardChallengeUsedError extends CardError {
  readonly code = 'CARD_CHALLENGE_USED';
  readonly status = 400;
  constructor() { super('Cette signature de carte a déjà été utilisée. Recommencez la connexion.'); }
}

export class CardChallengeWrongInteractionError extends CardError {
  readonly code = 'CARD_CHALLENGE_WRONG_INTERACTION';
  readonly status = 400;
  constructor() { super("Cette signature de carte appartient à une autre connexion. Recommencez la connexion depuis votre logiciel."); }
}

export class CardTooManyAttemptsError extends CardError {
  readonly code = 'CARD_TOO_MANY_ATTEMPTS';
  readonly status = 429;
  constructor(limit: number) {
    super('Trop de tentatives de connexion par carte. Revenez à votre logiciel et recommencez la connexion.', `limit ${limit}`);
  }
}

export class CardCertificateMalformedError extends CardError {
  readonly code = 'CARD_CERT_MALFORMED';
  readonly status = 400;
  constructor(detail: string) {
    super("Le certificat lu sur la carte n'est pas lisible. Retirez et réinsérez votre carte, puis recommencez.", detail);
  }
}

export class CardCertificateUntrustedError extends CardError {
  readonly code = 'CARD_CERT_UNTRUSTED';
  readonly status = 403;
  constructor(detail: string) {
    super("Votre carte n'a pas été délivrée par une autorité reconnue par ce service (IGC-Santé). Utilisez une carte CPx délivrée par l'Agence du Numérique en Santé.", detail);
  }
}

export class CardCertificateExpiredError extends CardError {
  readonly code = 'CARD_CERT_EXPIRED';
  readonly status = 403;
  constructor(notAfter: Date) {
    super(`Votre carte a expiré le ${frenchDate(notAfter)}. Utilisez votre nouvelle carte ou commandez-en une auprès de l'Agence du Numérique en Santé.`, `notAfter ${notAfter.toISOString()}`);
  }
}

export class CardCertificateNotYetValidError extends CardError {
  readonly code = 'CARD_CERT_NOT_YET_VALID';
  readonly status = 403;
  constructor(notBefore: Date) {
    super(`Votre carte ne sera utilisable qu'à partir du ${frenchDate(notBefore)}. Utilisez votre carte actuelle d'ici là.`, `notBefore ${notBefore.toISOString()}`);
  }
}

export class CardCertificateRevokedError extends CardError {
  readonly code = 'CARD_CERT_REVOKED';
  readonly status = 403;
  constructor(serial: string) {
    super("Votre carte a été révoquée (mise en opposition). Elle ne peut plus servir à vous connecter. Contactez l'Agence du Numérique en Santé pour la remplacer.", `serial ${serial}`);
  }
}

export class CardCertificateKeyUsageError extends CardError {
  readonly code = 'CARD_CERT_KEY_USAGE';
  readonly status = 403;
  constructor() {
    super("Le certificat choisi sur la carte ne permet pas l'authentification. Réessayez ; si le problème persiste, contactez le support de votre carte.");
  }
}

export class CardRevocationUnavailableError extends CardError {
  readonly code = 'CARD_CRL_UNAVAILABLE';
  readonly status = 503;
  constructor(detail: string) {
    super("Le service ne peut pas vérifier pour le moment que votre carte n'est pas révoquée. Réessayez dans quelques minutes ou utilisez l'application e-CPS.", detail);
  }
}

export class CardSignatureInvalidError extends CardError {
  readonly code = 'CARD_SIGNATURE_INVALID';
  readonly status = 403;
  constructor() {
    super('La signature produite par la carte ne correspond pas à son certificat. Retirez et réinsérez votre carte, puis recommencez.');
  }
}

export class CardNationalIdInvalidError extends CardError {
  readonly code = 'CARD_NATIONAL_ID_INVALID';
  readonly status = 403;
  constructor(detail: string) {
    super("Le certificat de votre carte ne contient pas d'identifiant national de professionnel reconnu. Cette carte ne permet pas de se connecter à ce service.", detail);
  }
}

export class CardProfessionalUnknownError extends CardError {
  readonly code = 'CARD_PROFESSIONAL_UNKNOWN';
  readonly status = 403;
  constructor(nationalId: string) {
    super(`L'identifiant ${nationalId} de votre carte ne figure pas dans l'Annuaire Santé. Vérifiez votre inscription auprès de votre ordre ou de votre autorité d'enregistrement.`, `nationalId ${nationalId}`);
  }
}

export class CardProfessionalInactiveError extends CardError {
  readonly code = 'CARD_PROFESSIONAL_INACTIVE';
  readonly status = 403;
  constructor(nationalId: string) {
    super("L'Annuaire Santé n'indique aucune activité en cours pour vous. Faites mettre à jour votre situation d'exercice auprès de votre ordre ou de votre autorité d'enregistrement.", `nationalId ${nationalId}`);
  }
}

export class CardClientCertificateMissingError extends CardError {
  readonly code = 'CARD_MTLS_NO_CERTIFICATE';
  readonly status = 401;
  constructor(detail: string) {
    super("Votre navigateur n'a présenté aucun certificat de carte. Vérifiez que votre carte est insérée et que le module CPS est installé dans votre navigateur, puis recommencez.", detail);
  }
}

function frenchDate(d: Date): string {
  return d.toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Paris' });
}
