import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { completeActivation, EcpsDevice, startActivation } from '../../../src/authenticators/ecps/device/client.js';
import type { EcpsService } from '../../../src/authenticators/ecps/service.js';
import { demoContact } from '../../../src/demo/prepare-demo.js';
import { outboxCodes } from '../../authenticators/ecps/device-helpers.js';
import type { BrowserSession } from '../../helpers/browser-session.js';
import type { TestIdp } from '../../helpers/idp.js';
import { completeTestLogin } from '../../helpers/test-login.js';

/** Where a login happens: the IdP, the browser that holds the interaction cookie, the login page. */
export interface LoginContext {
  idp: TestIdp;
  browser: BrowserSession;
  /** The login interaction page the authorization request landed on. */
  interactionUrl: URL;
}

/** Settings that give the conformance OP the e-CPS authenticator with a private development outbox. */
export function ecpsOverrides(): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'openpsc-conformance-'));
  // The suite logs in far more often than a person: the per-address login limits are raised, and
  // the per-professional CIBA limits are off (every module authenticates the same professional,
  // and leaves requests pending).
  return {
    AUTHENTICATORS: 'ecps', DATA_DIR: dir, ECPS_OUTBOX_DIR: path.join(dir, 'outbox'), RATE_LIMIT_LOGIN: '10000', ECPS_PUSH_MAX_REQUESTS: '1000',
    RATE_LIMIT_CIBA_PENDING: '0', RATE_LIMIT_CIBA: '0', ECPS_ACTIVATION_ANSWER_MS: '0',
  };
}

const ecpsOf = (idp: TestIdp) =>
  (idp.openpsc.authenticators.find((a) => a.id === 'ecps') as unknown as { service?: EcpsService } | undefined)?.service;

const devices = new WeakMap<TestIdp, Map<string, Promise<EcpsDevice>>>();

/** The professional's simulated phone on this OP: contacts set, activated once with the outbox codes. */
function deviceFor(idp: TestIdp, service: EcpsService, nationalId: string): Promise<EcpsDevice> {
  const mine = devices.get(idp) ?? new Map<string, Promise<EcpsDevice>>();
  devices.set(idp, mine);
  let device = mine.get(nationalId);
  if (!device) {
    device = (async () => {
      const contact = demoContact(nationalId);
      await service.store.setContact({ nationalId, ...contact });
      const server = { server: idp.url };
      const { activation_id: activationId } = await startActivation(server, nationalId);
      const { emailCode, smsCode } = await outboxCodes(idp.settings.ecps.outboxDir, contact.email, contact.mobile);
      return EcpsDevice.unlock(await completeActivation(server, { activationId, emailCode, smsCode, pin: '1234', nationalId }), '1234');
    })();
    mine.set(nationalId, device);
  }
  return device;
}

/**
 * The one place where the conformance suite logs a professional in: through the real e-CPS
 * authenticator, as a professional does — the login page's push form, the simulated phone
 * (src/authenticators/ecps/device) approving the request, the wait page's finish step. The CIBA
 * file swaps the plug-in for its test channel (support/test-ciba-channel.ts): there the test-only
 * helper ends the interaction. Returns the URL the browser goes on to.
 *
 * @example
 *   const next = await loginAs('899700427885', { idp, browser, interactionUrl });
 *   await browser.follow(next.toString(), { stopAt: atRedirectUri });
 */
export async function loginAs(nationalId: string, at: LoginContext): Promise<URL> {
  const service = ecpsOf(at.idp);
  if (!service) return new URL(await completeTestLogin(at.idp, at.interactionUrl, nationalId), at.interactionUrl);
  const device = await deviceFor(at.idp, service, nationalId);
  const page = await (await at.browser.fetch(at.interactionUrl.toString())).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error('the login page has no e-CPS form');
  const posted = await at.browser.fetch(`${at.interactionUrl.toString()}/ecps/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ national_id: nationalId, csrf }),
  });
  const wait = posted.headers.get('location');
  if (posted.status !== 303 || !wait) throw new Error(`push refused: ${posted.status} ${await posted.text()}`);
  const waitUrl = new URL(wait, at.interactionUrl);
  await device.approve(waitUrl.pathname.split('/').pop());
  const finish = await at.browser.fetch(`${waitUrl.toString()}/finish`);
  const next = finish.headers.get('location');
  if (!next) throw new Error(`e-CPS finish did not continue the login: ${finish.status}`);
  return new URL(next, at.interactionUrl);
}
