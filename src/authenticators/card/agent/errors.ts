/**
 * Why the card agent cannot sign. Stable codes (logs, JSON answers to the login page) and French
 * messages saying what happened and what to do.
 */
export abstract class AgentError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  override name = 'AgentError';
  /** Log-only detail (a PKCS#11 return value name…); never a PIN. */
  readonly detail?: string;
  constructor(message: string, detail?: string) {
    super(message);
    this.detail = detail;
  }
  /** Extra fields of the JSON answer. */
  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message };
  }
}

/** Remaining PIN tries as the token flags tell them (CKF_USER_PIN_COUNT_LOW / FINAL_TRY). */
export type PinTries = 'unknown' | 'low' | 'final';

export class PinIncorrectError extends AgentError {
  readonly code = 'CARD_PIN_INCORRECT';
  readonly status = 401;
  constructor(readonly tries: PinTries) {
    super(PinIncorrectError.text(tries), `tries ${tries}`);
  }
  static text(tries: PinTries): string {
    if (tries === 'final') {
      return "Code porteur incorrect. Attention : il ne vous reste qu'un seul essai. Au prochain code erroné, votre carte sera bloquée.";
    }
    if (tries === 'low') return 'Code porteur incorrect. Attention : le nombre d’essais restants diminue (la carte se bloque après 3 codes erronés). Vérifiez votre code avant de réessayer.';
    return 'Code porteur incorrect. Vérifiez votre code et réessayez (la carte se bloque après 3 codes erronés).';
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), tries: this.tries };
  }
}

export class PinLengthError extends AgentError {
  readonly code = 'CARD_PIN_LENGTH';
  readonly status = 400;
  constructor(min: number, max: number) {
    super(min === max
      ? `Le code porteur doit comporter ${min} chiffres. Aucun essai n'a été décompté.`
      : `Le code porteur doit comporter entre ${min} et ${max} chiffres. Aucun essai n'a été décompté.`, `${min}-${max}`);
  }
}

export class PinRequiredError extends AgentError {
  readonly code = 'CARD_PIN_REQUIRED';
  readonly status = 400;
  constructor() { super('Saisissez le code porteur (code PIN) de votre carte.'); }
}

export class PinLockedError extends AgentError {
  readonly code = 'CARD_PIN_LOCKED';
  readonly status = 423;
  constructor() {
    super("Votre carte est bloquée après trop de codes porteur erronés. Débloquez-la avec votre code de déblocage dans l'outil de gestion des cartes CPS (CPS-Gestion), ou contactez le support de l'Agence du Numérique en Santé. En attendant, vous pouvez vous connecter avec l'application e-CPS.");
  }
}

export class PinCancelledError extends AgentError {
  readonly code = 'CARD_PIN_CANCELLED';
  readonly status = 400;
  constructor() { super('La saisie du code sur le lecteur a été annulée. Recommencez quand vous êtes prêt.'); }
}

export class CardAbsentError extends AgentError {
  readonly code = 'CARD_ABSENT';
  readonly status = 404;
  constructor(detail?: string) {
    super('Aucune carte CPS détectée. Insérez votre carte dans le lecteur (puce vers le haut), attendez quelques secondes, puis réessayez.', detail);
  }
}

export class CardRemovedError extends AgentError {
  readonly code = 'CARD_REMOVED';
  readonly status = 409;
  constructor(detail?: string) {
    super("La carte a été retirée ou réinitialisée pendant l'opération. Laissez-la dans le lecteur et recommencez.", detail);
  }
}

export class NoReaderError extends AgentError {
  readonly code = 'CARD_NO_READER';
  readonly status = 404;
  constructor() {
    super("Aucun lecteur de carte n'est détecté sur ce poste. Branchez le lecteur, vérifiez qu'il est reconnu (service de carte à puce démarré), puis réessayez.");
  }
}

export class ModuleNotFoundError extends AgentError {
  readonly code = 'CARD_MODULE_NOT_FOUND';
  readonly status = 500;
  constructor(readonly modulePath: string, detail?: string) {
    super(`Le logiciel de lecture des cartes CPS (Cryptolib CPS) est introuvable sur ce poste (${modulePath}). Installez la Cryptolib CPS depuis le site de l'Agence du Numérique en Santé, ou indiquez son emplacement avec CARD_AGENT_PKCS11_MODULE.`, detail);
  }
}

export class AuthCertificateMissingError extends AgentError {
  readonly code = 'CARD_NO_AUTH_CERTIFICATE';
  readonly status = 422;
  constructor(detail?: string) {
    super("Cette carte ne contient pas de certificat d'authentification CPS. Utilisez une carte CPS, CPE ou CPF en cours de validité.", detail);
  }
}

export class AuthKeyMissingError extends AgentError {
  readonly code = 'CARD_NO_AUTH_KEY';
  readonly status = 422;
  constructor() {
    super("La clé d'authentification de la carte est introuvable. Retirez et réinsérez la carte, puis réessayez ; si le problème persiste, contactez le support des cartes CPS.");
  }
}

export class CardFailureError extends AgentError {
  readonly code = 'CARD_FAILURE';
  readonly status = 500;
  constructor(detail: string) {
    super('La carte ou le lecteur a renvoyé une erreur inattendue. Retirez et réinsérez la carte, puis réessayez. Si le problème persiste, redémarrez le logiciel « OpenPSC Carte ».', detail);
  }
}

export class AgentRequestError extends AgentError {
  readonly code = 'CARD_AGENT_BAD_REQUEST';
  readonly status = 400;
  constructor(detail: string) {
    super('La page de connexion a envoyé une demande invalide au logiciel de carte. Rechargez la page et recommencez.', detail);
  }
}

export class AgentOriginRefusedError extends AgentError {
  readonly code = 'CARD_AGENT_ORIGIN_REFUSED';
  readonly status = 403;
  constructor(detail: string) {
    super("Le logiciel « OpenPSC Carte » n'accepte que les demandes du service de connexion configuré.", detail);
  }
}
