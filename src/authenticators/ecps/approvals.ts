import type { AuthenticatorHost, CibaRequest, LoginResult } from '../plugin.js';
import type { DeviceRequestClaims } from './device-auth.js';
import {
  EcpsBadRequestError, EcpsBindingCodeError, EcpsNoDeviceError, EcpsRequestClosedError, EcpsRequestNotFoundError,
  EcpsUnknownProfessionalError,
} from './errors.js';
import { approvalEvent, type ApprovalEvent, type ApprovalNotifier } from './notifier.js';
import { newId, randomDigits, sameText } from './secrets.js';
import type { EcpsSettings } from './settings.js';
import type { ApprovalRow, DeviceRow, EcpsStore } from './store.js';
import type { Throttle } from './throttle.js';

/** e-CPS push: what the professional proved by approving on the phone (key + PIN). */
export const PUSH_AMR = ['swk', 'pin'];

/** What the login page's script reads from the status route. */
export type LoginStatus = 'pending' | 'approved' | 'denied' | 'timeout' | 'consumed';

export interface LoginRequest {
  uid: string;
  nationalId: string;
  clientId: string;
  clientName: string;
  clientIp: string;
}

/**
 * Requests for approval on the phone, for a browser login or a CIBA request, and the device's
 * signed answers to them.
 */
export class ApprovalService {
  constructor(
    private readonly store: EcpsStore,
    private readonly throttle: Throttle,
    private readonly notifier: ApprovalNotifier,
    private readonly host: AuthenticatorHost,
    private readonly settings: EcpsSettings,
  ) {}

  /** Creates a request bound to the interaction, with a two-digit code, and notifies the devices. */
  async requestLogin(r: LoginRequest): Promise<ApprovalRow> {
    const nationalId = r.nationalId.trim();
    if (!nationalId || nationalId.length > 64) throw new EcpsBadRequestError('national id is required');
    // Each push wakes a phone up: limited per national id and per client address.
    const rule = { max: this.settings.pushMaxRequests, windowSeconds: this.settings.lockoutSeconds };
    await this.throttle.take(`push:nid:${nationalId}`, rule);
    await this.throttle.take(`push:ip:${r.clientIp}`, { ...rule, max: rule.max * 4 });
    if (!(await this.host.findProfessional(nationalId))) throw new EcpsUnknownProfessionalError('no such professional in activity');
    const devices = await this.store.activeDevices(nationalId);
    if (!devices.length) throw new EcpsNoDeviceError('no active e-CPS device');
    const approval = await this.store.createApproval({
      id: newId('req'), kind: 'login', national_id: nationalId, interaction_uid: r.uid, auth_req_id: null,
      client_id: r.clientId, client_name: r.clientName, code: randomDigits(2),
      expires_at: new Date(Date.now() + this.settings.approvalTtl * 1000),
    });
    this.notifier.notify(approval, devices);
    return approval;
  }

  /** The CIBA trigger: the binding message (two digits) is the code shown on the phone. */
  async requestCiba(r: CibaRequest): Promise<ApprovalRow> {
    const devices = await this.store.activeDevices(r.nationalId);
    if (!devices.length) throw new EcpsNoDeviceError('no active e-CPS device');
    const approval = await this.store.createApproval({
      id: newId('req'), kind: 'ciba', national_id: r.nationalId, interaction_uid: null, auth_req_id: r.authReqId,
      client_id: r.clientId, client_name: r.clientName,
      code: r.bindingMessage && /^\d{2}$/.test(r.bindingMessage) ? r.bindingMessage : randomDigits(2),
      // A missing or past expiry from the host would make the request invisible to the device.
      expires_at: r.expiresAt.getTime() > Date.now() ? r.expiresAt : new Date(Date.now() + this.host.settings.ttl.ciba * 1000),
    });
    this.notifier.notify(approval, devices);
    return approval;
  }

  /** The state of a browser login's request, for the page's script. */
  async loginStatus(uid: string, approvalId: string): Promise<LoginStatus> {
    const a = await this.store.approval(approvalId);
    if (!a || a.interaction_uid !== uid) throw new EcpsRequestNotFoundError('no such request for this interaction');
    if (a.status === 'pending') return a.expires_at <= new Date() ? 'timeout' : 'pending';
    return a.status;
  }

  /** Turns an approved request into the login result, once. */
  async consumeLogin(uid: string, approvalId: string): Promise<LoginResult | undefined> {
    const a = await this.store.consumeApproval(approvalId, uid);
    return a && { nationalId: a.national_id, authMode: 'MOBILE', amr: PUSH_AMR };
  }

  /** Request `id` if it is pending, unexpired and for this device's professional. */
  async pendingById(id: string, device: DeviceRow): Promise<ApprovalEvent | undefined> {
    const a = await this.store.approval(id);
    const open = a && a.national_id === device.national_id && a.status === 'pending' && a.expires_at > new Date();
    return open ? approvalEvent(a) : undefined;
  }

  /** Requests waiting for this device's professional (newest first). */
  async pendingFor(device: DeviceRow): Promise<ApprovalEvent[]> {
    return (await this.store.pendingApprovals(device.national_id)).map(approvalEvent);
  }

  /**
   * The device's signed answer: for this request (path and claim agree), with the code it was
   * shown, from a device of the professional concerned, while the request is pending.
   */
  async answer(device: DeviceRow, claims: DeviceRequestClaims, requestIdInPath: string): Promise<ApprovalRow> {
    const { request_id: requestId, code, decision } = claims;
    if (requestId !== requestIdInPath) throw new EcpsBadRequestError('request_id does not match the path');
    if (typeof code !== 'string' || (decision !== 'approve' && decision !== 'deny')) {
      throw new EcpsBadRequestError('code and decision ("approve" or "deny") are required');
    }
    const a = await this.store.approval(requestId);
    if (!a || a.national_id !== device.national_id) throw new EcpsRequestNotFoundError('no such request for this device');
    if (!sameText(code, a.code)) throw new EcpsBindingCodeError('code differs from the request');
    const answered = await this.store.answerApproval(a.id, device.id, decision === 'approve' ? 'approved' : 'denied');
    if (!answered) throw new EcpsRequestClosedError('request expired or already answered');
    if (answered.kind === 'ciba' && answered.auth_req_id) {
      try {
        await this.host.finishCiba(answered.auth_req_id, answered.status === 'approved'
          ? { nationalId: answered.national_id, authMode: 'MOBILE', amr: PUSH_AMR }
          : { error: 'access_denied', description: 'La demande a été refusée sur l’e-CPS.' });
      } catch (err) {
        // The provider no longer knows the request (expired there first): the answer came too late.
        throw new EcpsRequestClosedError(`CIBA request could not be completed: ${(err as Error).message}`);
      }
    }
    return answered;
  }
}
