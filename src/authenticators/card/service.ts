import { verify as verifySignature } from 'node:crypto';

import type { AuthenticatorHost, LoginResult } from '../plugin.js';
import {
  CardBadRequestError,
  CardProfessionalInactiveError,
  CardProfessionalUnknownError,
  CardSignatureInvalidError,
  CardTooManyAttemptsError,
} from './errors.js';
import type { CardSettings } from './settings.js';
import type { ChallengeStore, IssuedChallenge } from './store.js';
import type { CardCertificateValidator, ValidatedCertificate } from './certificates/validator.js';

/** What the login page posts after the agent signed. */
export interface SignedChallenge {
  challengeId: string;
  /** Authentication certificate, base64 DER. */
  certificate: string;
  /** Signature of the challenge bytes (CKM_SHA256_RSA_PKCS), base64. */
  signature: string;
}

export interface CardLogin {
  result: LoginResult;
  certificate: ValidatedCertificate;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const MAX_CERTIFICATE_BYTES = 16 * 1024;
const MAX_SIGNATURE_BYTES = 1024;

/** Strict base64 of at most `maxBytes` bytes, else CardBadRequestError naming `field`. */
export function decodeBase64(value: unknown, field: string, maxBytes: number): Buffer {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxBytes * 2 || !BASE64.test(value)) {
    throw new CardBadRequestError(`${field} must be base64`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length > maxBytes) throw new CardBadRequestError(`${field} too long`);
  return bytes;
}

/**
 * Card logins: issues challenges, checks what the card signed (or the certificate a TLS proxy
 * verified) and resolves the professional in the mirror.
 *
 * @example
 *   const c = await service.issueChallenge(uid);               // the page sends c.challenge to the agent
 *   const { result } = await service.verifySignedChallenge(uid, { challengeId: c.id, certificate, signature });
 *   result; // { nationalId: '899700218896', authMode: 'CARD', amr: ['sc', 'pin'] }
 */
export class CardLoginService {
  private issuedSincePurge = 0;

  constructor(private readonly deps: {
    host: Pick<AuthenticatorHost, 'findProfessional' | 'logger'>;
    store: ChallengeStore;
    validator: CardCertificateValidator;
    settings: CardSettings;
    now?: () => Date;
  }) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async issueChallenge(interactionUid: string): Promise<IssuedChallenge> {
    const { store, settings } = this.deps;
    if (await store.countFor(interactionUid) >= settings.challengesPerInteraction) {
      throw new CardTooManyAttemptsError(settings.challengesPerInteraction);
    }
    if (++this.issuedSincePurge >= 100) {
      this.issuedSincePurge = 0;
      void store.purge(this.now()).catch((err: Error) => this.deps.host.logger.warn({ err: err.message }, 'card challenge purge failed'));
    }
    return store.issue(interactionUid, settings.challengeTtl, this.now());
  }

  /**
   * The challenge is consumed first, whatever follows: a signature is good for one attempt only.
   */
  async verifySignedChallenge(interactionUid: string, input: Partial<SignedChallenge>): Promise<CardLogin> {
    if (typeof input.challengeId !== 'string') throw new CardBadRequestError('challengeId missing');
    const certificateDer = decodeBase64(input.certificate, 'certificate', MAX_CERTIFICATE_BYTES);
    const signature = decodeBase64(input.signature, 'signature', MAX_SIGNATURE_BYTES);
    const now = this.now();
    const challenge = await this.deps.store.consume(input.challengeId, interactionUid, now);
    const certificate = this.deps.validator.validate(certificateDer, now);
    let good = false;
    try {
      good = verifySignature('sha256', challenge, certificate.publicKey, signature);
    } catch {
      good = false;
    }
    if (!good) throw new CardSignatureInvalidError();
    return { result: await this.resolve(certificate), certificate };
  }

  /** A certificate whose private-key possession a TLS handshake at a trusted proxy proved. */
  async verifyPresentedCertificate(der: Buffer): Promise<CardLogin> {
    const certificate = this.deps.validator.validate(der, this.now());
    return { result: await this.resolve(certificate), certificate };
  }

  private async resolve(certificate: ValidatedCertificate): Promise<LoginResult> {
    const { nationalId } = certificate.subject;
    const professional = await this.deps.host.findProfessional(nationalId);
    if (!professional) {
      if (await this.deps.store.professionalExists(nationalId)) throw new CardProfessionalInactiveError(nationalId);
      throw new CardProfessionalUnknownError(nationalId);
    }
    return { nationalId, authMode: 'CARD', amr: ['sc', 'pin'] };
  }
}
