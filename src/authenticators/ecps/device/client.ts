import { randomBytes } from 'node:crypto';

import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';

import type { ActivationCompleted, ActivationStarted } from '../activation.js';
import { DEVICE_AUTH_SCHEME, DEVICE_REQUEST_TYP } from '../device-auth.js';
import type { ApprovalEvent } from '../notifier.js';
import type { DeviceView } from '../service.js';
import { totpCode } from '../totp.js';
import { call } from './http.js';
import { openSecrets, sealSecrets, type DeviceSecrets, type DeviceState } from './keystore.js';
import { watchChannel, type WatchOptions } from './watch.js';

export { DeviceApiError } from './http.js';
export type { WatchOptions } from './watch.js';

export interface ServerRef {
  /** Origin, e.g. `http://127.0.0.1:8080`. */
  server: string;
  /** Path of the device API (default `/ecps`). */
  apiBase?: string;
}

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

async function signRequest(key: SigningKey, header: Record<string, unknown>, method: string, path: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ ...claims, htm: method, htu: path, jti: randomBytes(18).toString('base64url') })
    .setProtectedHeader({ alg: 'ES256', typ: DEVICE_REQUEST_TYP, ...header })
    .setIssuedAt(typeof claims.iat === 'number' ? claims.iat : undefined)
    .sign(key);
}

/**
 * Activation, step 1: asks the server to send one code by email and one by SMS.
 *
 * @example
 * const { activation_id } = await startActivation({ server: 'http://127.0.0.1:8080' }, '899700427885');
 */
export async function startActivation(ref: ServerRef, nationalId: string): Promise<ActivationStarted> {
  return call(`${ref.server}${ref.apiBase ?? '/ecps'}/activation/start`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ national_id: nationalId }),
  });
}

export interface CompleteActivation {
  activationId: string;
  emailCode: string;
  smsCode: string;
  /** The PIN the professional chooses: it seals the key on the device and never leaves it. */
  pin: string;
  deviceName?: string;
  pushToken?: string;
  nationalId: string;
}

/**
 * Activation, step 2: generates the device key pair, sends the two codes signed by the new key,
 * and seals the private key and the TOTP secret under the PIN. Returns the state to keep.
 */
export async function completeActivation(ref: ServerRef, a: CompleteActivation): Promise<DeviceState> {
  const apiBase = ref.apiBase ?? '/ecps';
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const path = `${apiBase}/activation/complete`;
  const jws = await signRequest(privateKey, { jwk: publicJwk }, 'POST', path, {
    activation_id: a.activationId, email_code: a.emailCode, sms_code: a.smsCode,
    device_name: a.deviceName ?? 'Simulateur e-CPS', ...(a.pushToken ? { push_token: a.pushToken } : {}),
  });
  const done = await call<ActivationCompleted>(`${ref.server}${path}`, { method: 'POST', headers: { authorization: `${DEVICE_AUTH_SCHEME} ${jws}` } });
  const secrets: DeviceSecrets = { privateJwk: await exportJWK(privateKey), totpSecret: done.totp.secret };
  return {
    version: 1, server: ref.server, apiBase, nationalId: done.national_id, deviceId: done.device_id,
    deviceName: a.deviceName ?? 'Simulateur e-CPS', publicJwk, sealed: await sealSecrets(secrets, a.pin),
  };
}

/** The request a device answered: its id and the code it displayed. */
export type AnsweredRequest = Pick<ApprovalEvent, 'request_id' | 'code'> & Partial<ApprovalEvent>;


/**
 * A phone unlocked with its PIN: answers requests, shows one-time codes, manages devices.
 *
 * @example
 * const device = await EcpsDevice.unlock(state, '1234');
 * await device.approve();            // the latest pending request
 * const code = device.otp();         // the current 6-digit code
 */
export class EcpsDevice {
  private constructor(readonly state: DeviceState, private readonly key: SigningKey, private readonly totpSecret: string) {}

  static async unlock(state: DeviceState, pin: string): Promise<EcpsDevice> {
    const secrets = await openSecrets(state.sealed, pin);
    return new EcpsDevice(state, await importJWK(secrets.privateJwk, 'ES256'), secrets.totpSecret);
  }

  get deviceId(): string {
    return this.state.deviceId;
  }

  /** The `Authorization` header value of one signed request (exposed for tests of the API). */
  async authorization(method: string, path: string, claims: Record<string, unknown> = {}): Promise<string> {
    return `${DEVICE_AUTH_SCHEME} ${await signRequest(this.key, { kid: this.state.deviceId }, method, path, claims)}`;
  }

  private async signed<T>(method: 'GET' | 'POST', suffix: string, claims: Record<string, unknown> = {}): Promise<T> {
    const path = `${this.state.apiBase}${suffix}`;
    return call<T>(`${this.state.server}${path}`, { method, headers: { authorization: await this.authorization(method, path, claims) } });
  }

  async pending(): Promise<ApprovalEvent[]> {
    return (await this.signed<{ requests: ApprovalEvent[] }>('GET', '/device/requests')).requests;
  }

  /** Approves request `requestId`, or the latest pending one; returns the request answered. */
  async approve(requestId?: string): Promise<AnsweredRequest> {
    return this.answer('approve', requestId);
  }

  async deny(requestId?: string): Promise<AnsweredRequest> {
    return this.answer('deny', requestId);
  }

  /**
   * Signs the decision over the request id, its code and a fresh nonce (jti). Without `code`, the
   * request (given or latest) is looked up among the pending ones first.
   */
  async answer(decision: 'approve' | 'deny', requestId?: string, code?: string): Promise<AnsweredRequest> {
    let request: AnsweredRequest | undefined = requestId && code ? { request_id: requestId, code } : undefined;
    if (!request) {
      const pending = await this.pending();
      request = requestId ? pending.find((r) => r.request_id === requestId) : pending[0];
      if (!request) throw new Error(requestId ? `no pending request ${requestId}` : 'no pending request');
    }
    await this.signed('POST', `/device/requests/${encodeURIComponent(request.request_id)}/answer`, {
      request_id: request.request_id, code: request.code, decision,
    });
    return request;
  }

  /** The one-time code shown at `timestamp` (RFC 6238, 30 s, 6 digits). */
  otp(timestamp = Date.now()): string {
    return totpCode(this.totpSecret, timestamp);
  }

  async devices(): Promise<DeviceView[]> {
    return (await this.signed<{ devices: DeviceView[] }>('GET', '/device/devices')).devices;
  }

  /** Revokes `deviceId` (one of the professional's devices), or this device. */
  async revoke(deviceId = this.state.deviceId): Promise<void> {
    await this.signed('POST', `/device/devices/${encodeURIComponent(deviceId)}/revoke`);
  }

  /**
   * Keeps the device channel open (server-sent events) until `signal` aborts, the device is
   * revoked, or `maxApprovals` is reached; with `autoApprove`, approves each request as it
   * arrives; with `reconnect`, reopens the channel when the server closes it. Resolves with the
   * number of requests approved.
   */
  async watch(options: WatchOptions = {}): Promise<number> {
    return watchChannel(this, options);
  }
}

