/**
 * e-CPS errors: one class per error, each with a stable code (logs, metrics, docs/ecps.md), the
 * HTTP status and OIDC-style error of the device API, and the French message a professional sees.
 */
export abstract class EcpsError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** OIDC/OAuth-style error code of the JSON error body. */
  abstract readonly error: string;
  /** What the professional reads (French). */
  abstract readonly french: string;
  override get name(): string {
    return this.constructor.name;
  }
  toJSON(): Record<string, string> {
    return { error: this.error, error_description: this.message, code: this.code };
  }
}

export class EcpsBadRequestError extends EcpsError {
  readonly code = 'ECPS_BAD_REQUEST';
  readonly status = 400;
  readonly error = 'invalid_request';
  readonly french = 'La demande est incomplète ou mal formée.';
}

export class EcpsCsrfError extends EcpsError {
  readonly code = 'ECPS_CSRF_INVALID';
  readonly status = 403;
  readonly error = 'invalid_request';
  readonly french = 'Cette page a expiré. Revenez à la page de connexion et recommencez.';
}

export class EcpsUnknownProfessionalError extends EcpsError {
  readonly code = 'ECPS_UNKNOWN_PROFESSIONAL';
  readonly status = 400;
  readonly error = 'unknown_user_id';
  readonly french = 'Cet identifiant national ne correspond à aucun professionnel en exercice.';
}

export class EcpsNoDeviceError extends EcpsError {
  readonly code = 'ECPS_NO_DEVICE';
  readonly status = 400;
  readonly error = 'unknown_user_id';
  readonly french = 'Aucune e-CPS n’est activée pour cet identifiant. Activez votre e-CPS depuis l’application.';
}

export class EcpsActivationCodeError extends EcpsError {
  readonly code = 'ECPS_ACTIVATION_CODE_INVALID';
  readonly status = 400;
  readonly error = 'invalid_grant';
  readonly french = 'Les codes d’activation sont incorrects ou ont expiré.';
}

export class EcpsActivationLockedError extends EcpsError {
  readonly code = 'ECPS_ACTIVATION_LOCKED';
  readonly status = 429;
  readonly error = 'access_denied';
  readonly french = 'Trop d’essais : cette activation est bloquée. Recommencez l’activation plus tard.';
}

export class EcpsDeviceAuthError extends EcpsError {
  readonly code = 'ECPS_DEVICE_AUTH_FAILED';
  readonly status = 401;
  readonly error = 'invalid_token';
  readonly french = 'Cet appareil n’est pas reconnu ou a été révoqué.';
}

export class EcpsReplayError extends EcpsError {
  readonly code = 'ECPS_REPLAY';
  readonly status = 401;
  readonly error = 'invalid_token';
  readonly french = 'Cette réponse a déjà été utilisée.';
}

export class EcpsRequestNotFoundError extends EcpsError {
  readonly code = 'ECPS_REQUEST_NOT_FOUND';
  readonly status = 404;
  readonly error = 'invalid_request';
  readonly french = 'Cette demande de connexion n’existe pas ou ne vous concerne pas.';
}

export class EcpsDeviceNotFoundError extends EcpsError {
  readonly code = 'ECPS_DEVICE_NOT_FOUND';
  readonly status = 404;
  readonly error = 'invalid_request';
  readonly french = 'Cet appareil n’existe pas ou est déjà révoqué.';
}

export class EcpsRequestClosedError extends EcpsError {
  readonly code = 'ECPS_REQUEST_CLOSED';
  readonly status = 409;
  readonly error = 'expired_token';
  readonly french = 'Cette demande de connexion a expiré ou a déjà reçu une réponse.';
}

export class EcpsBindingCodeError extends EcpsError {
  readonly code = 'ECPS_BINDING_CODE_MISMATCH';
  readonly status = 400;
  readonly error = 'access_denied';
  readonly french = 'Le code de vérification ne correspond pas à la demande.';
}

export class EcpsOtpInvalidError extends EcpsError {
  readonly code = 'ECPS_OTP_INVALID';
  readonly status = 400;
  readonly error = 'access_denied';
  readonly french = 'Code incorrect ou déjà utilisé. Saisissez le code affiché actuellement par votre e-CPS.';
}

export class EcpsLockedError extends EcpsError {
  readonly code = 'ECPS_LOCKED';
  readonly status = 429;
  readonly error = 'slow_down';
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
  get french(): string {
    const minutes = Math.max(1, Math.ceil(this.retryAfterSeconds / 60));
    return `Trop d’essais : la connexion par e-CPS est bloquée pendant ${minutes} minute${minutes > 1 ? 's' : ''}. Réessayez plus tard.`;
  }
}

export class EcpsActivationUnavailableError extends EcpsError {
  readonly code = 'ECPS_ACTIVATION_UNAVAILABLE';
  readonly status = 503;
  readonly error = 'temporarily_unavailable';
  readonly french = 'L’activation d’une e-CPS n’est pas disponible sur ce service pour le moment.';
}
