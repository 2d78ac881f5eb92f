import { afterAll, describe, expect, test } from '@jest/globals';
import * as client from 'openid-client';

import { saveProfessional } from '../../src/directory/repository.js';
import { BrowserSession } from '../helpers/browser-session.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/database.js';
import { medecin } from '../helpers/fixtures.js';
import { authorizationRequest } from '../helpers/flows.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { discover, registerRp } from '../helpers/rp.js';
import { completeTestLogin } from '../helpers/test-login.js';

const ID_NAT = '899700427885';
let t: TestDatabase | undefined;
const nodes: TestIdp[] = [];
afterAll(async () => {
  for (const n of nodes) await n.stop().catch(() => {});
  await t?.drop();
});

/** Two nodes behind one public URL: the load balancer is simulated by rewriting the origin. */
async function twoNodes() {
  t ??= await createTestDatabase({ requirePostgres: true });
  const a = await startTestIdp({ testDatabase: t, database: await t.reopen() });
  const publicUrl = a.url;
  const b = await startTestIdp({ testDatabase: t, database: await t.reopen(), overrides: { PUBLIC_URL: publicUrl } });
  nodes.push(a, b);
  return { a, b, publicUrl };
}

const via = (target: TestIdp, publicUrl: string) => (url: string) => url.replace(publicUrl, target.url);

describeWithPostgres('scale-out: nodes on one PostgreSQL, no sticky sessions', () => {
  test('authorize on node A, token on node B, refresh on node A', async () => {
    const { a, b, publicUrl } = await twoNodes();
    await saveProfessional(a.database.db, medecin(ID_NAT));
    const rp = await registerRp(a);
    const onB = await discover(a, rp.clientId, rp.clientSecret);
    onB[client.customFetch] = ((url: string, init: RequestInit) => fetch(via(b, publicUrl)(url), init)) as never;

    const request = await authorizationRequest(rp);
    const browser = new BrowserSession();
    const first = await browser.follow(request.url.toString());
    const back = await browser.follow(await completeTestLogin(a, first.url, ID_NAT), { stopAt: (u) => u.toString().startsWith(rp.redirectUri) });
    const tokens = await client.authorizationCodeGrant(onB, back.url, { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state });
    expect(tokens.claims()!.SubjectNameID).toBe(ID_NAT);
    // userinfo on B, refresh on A
    expect((await client.fetchUserInfo(onB, tokens.access_token, tokens.claims()!.sub)).SubjectNameID).toBe(ID_NAT);
    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.claims()!.SubjectNameID).toBe(ID_NAT);
  });

  test('a node dies in the middle of a login: the browser finishes it on the other node', async () => {
    const { a, b, publicUrl } = await twoNodes();
    const rp = await registerRp(a, { redirectUris: ['http://127.0.0.1:9/failover'] });
    const request = await authorizationRequest(rp);
    const browser = new BrowserSession();
    const first = await browser.follow(request.url.toString()); // interaction created by node A
    expect(first.url.pathname).toContain('/interaction/');
    await a.stop(); // node A is gone; the load balancer now sends everything to B
    nodes.splice(nodes.indexOf(a), 1);

    const interactionOnB = new URL(via(b, publicUrl)(first.url.toString()));
    const page = await browser.fetch(interactionOnB.toString());
    expect(page.status).toBe(200); // B renders the login page of A's interaction
    const returnTo = await completeTestLogin(b, interactionOnB, ID_NAT);
    const back = await browser.follow(via(b, publicUrl)(new URL(returnTo, publicUrl).toString()), {
      stopAt: (u) => u.toString().startsWith(rp.redirectUri),
    });
    const rewrite = ((url: string, init: RequestInit) => fetch(via(b, publicUrl)(url), init)) as never;
    const onB = await client.discovery(new URL(`${b.issuer}/.well-known/wallet-openid-configuration`), rp.clientId, {},
      client.ClientSecretBasic(rp.clientSecret!), { execute: [client.allowInsecureRequests], [client.customFetch]: rewrite });
    onB[client.customFetch] = rewrite;
    const tokens = await client.authorizationCodeGrant(onB, back.url, { pkceCodeVerifier: request.codeVerifier, expectedNonce: request.nonce, expectedState: request.state });
    expect(tokens.claims()!.iss).toBe(`${publicUrl}/auth/realms/esante-wallet`);
  });
});
