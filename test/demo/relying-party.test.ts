import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { saveProfessional } from '../../src/directory/repository.js';
import { BrowserSession } from '../helpers/browser-session.js';
import { medecin } from '../helpers/fixtures.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { completeTestLogin } from '../helpers/test-login.js';

let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp({ overrides: { DEMO: 'true' } });
  await saveProfessional(idp.database.db, medecin('899700427885'));
});
afterAll(async () => { await idp.close(); });

describe('demo relying party (/demo)', () => {
  test('/ leads to the demo page; logging in shows the decoded ID token, userinfo and introspection', async () => {
    const browser = new BrowserSession();
    const home = await browser.follow(`${idp.url}/`);
    expect(home.url.pathname).toBe('/demo/');
    expect(await home.response!.text()).toContain('Se connecter avec Pro Santé Connect');

    const toLogin = await browser.follow(`${idp.url}/demo/login`);
    if (!toLogin.url.pathname.includes('/interaction/')) throw new Error(`${toLogin.response?.status} ${await toLogin.response?.text()}`);
    const returnTo = await completeTestLogin(idp, toLogin.url, '899700427885', ['swk', 'pin']);
    const result = await browser.follow(returnTo);
    expect(result.url.pathname).toBe('/demo/callback');
    const page = await result.response!.text();
    expect(page).toContain('Vous êtes connecté');
    expect(page).toContain('&#34;SubjectNameID&#34;: &#34;899700427885&#34;');
    expect(page).toContain('&#34;authMode&#34;: &#34;MOBILE&#34;');
    expect(page).toContain('&#34;active&#34;: true');
  });

  test('a callback without the demo cookie is refused with a clear page', async () => {
    const res = await fetch(`${idp.url}/demo/callback?code=x&state=y`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('la demande de connexion a expiré');
  });
});
