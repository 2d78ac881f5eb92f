import { afterAll, describe, expect, test } from '@jest/globals';
import * as client from 'openid-client';

import { saveProfessional } from '../../src/directory/repository.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { rotateKey } from '../../src/oidc/keys.js';
import { createTestDatabase, describeWithPostgres, type TestDatabase } from '../helpers/database.js';
import { medecin } from '../helpers/fixtures.js';
import { loginAndGetTokens } from '../helpers/flows.js';
import { startTestIdp, testSettings } from '../helpers/idp.js';
import { discover, registerRp } from '../helpers/rp.js';

let t: TestDatabase | undefined;
afterAll(async () => { await t?.drop(); });

describeWithPostgres('state in PostgreSQL', () => {
  test('a refresh token obtained before a restart works after it (same port, new process state)', async () => {
    t = await createTestDatabase({ requirePostgres: true });
    const first = await startTestIdp({ testDatabase: t });
    await saveProfessional(first.database.db, medecin('899700427885'));
    const rp = await registerRp(first);
    const { tokens } = await loginAndGetTokens(first, rp, '899700427885');
    const port = Number(new URL(first.url).port);
    await first.stop();

    const second = await startTestIdp({ testDatabase: t, database: await t.reopen(), port });
    try {
      const config = await discover(second, rp.clientId, rp.clientSecret);
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.claims()!.SubjectNameID).toBe('899700427885');
      const userinfo = await client.fetchUserInfo(config, refreshed.access_token, refreshed.claims()!.sub);
      expect(userinfo.SubjectNameID).toBe('899700427885');
    } finally {
      await second.stop();
    }
  });

  test('after a key rotation and restart, the JWKS publishes both keys and tokens signed before still verify', async () => {
    const db = await t!.reopen();
    const port = 0;
    const box = new SecretBox(testSettings(1).keysEncryptionKey);
    const before = await startTestIdp({ testDatabase: t, database: db, port });
    const rp = await registerRp(before);
    const { tokens } = await loginAndGetTokens(before, rp, '899700427885');
    const oldKid = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()).kid as string;
    const samePort = Number(new URL(before.url).port);
    await before.stop();
    const newKid = await rotateKey(db.db, box, 'RS256');
    const after = await startTestIdp({ testDatabase: t, database: db, port: samePort });
    try {
      const jwks = await (await fetch(`${after.issuer}/protocol/openid-connect/certs`)).json() as { keys: { kid: string }[] };
      const kids = jwks.keys.map((k) => k.kid);
      expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
      const config = await discover(after, rp.clientId, rp.clientSecret);
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      const kid = JSON.parse(Buffer.from(refreshed.id_token!.split('.')[0]!, 'base64url').toString()).kid;
      expect(kid).toBe(newKid);
      // the access token signed with the old key is still accepted at introspection
      expect((await client.tokenIntrospection(config, refreshed.access_token)).active).toBe(true);
    } finally {
      await after.stop();
    }
  });
});
