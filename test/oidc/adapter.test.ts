import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { createAdapterClass, purgeExpired } from '../../src/oidc/adapter.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
let Adapter: ReturnType<typeof createAdapterClass>;
const clients = new Map<string, Record<string, unknown>>([['rp-1', { client_id: 'rp-1', client_secret: 's' }]]);

beforeAll(async () => {
  t = await createTestDatabase();
  Adapter = createAdapterClass(t.database.db, {
    findClient: async (id) => clients.get(id) as never,
    accessTokenId: async (value) => (value === 'a.b.c' ? 'at-1' : undefined),
  });
});
afterAll(async () => { await t.drop(); });

describe('PostgreSQL adapter', () => {
  test('upsert then find returns the payload; upsert again replaces it', async () => {
    const a = new Adapter('Session');
    await a.upsert('s1', { accountId: 'x', uid: 'u1' } as never, 60);
    expect(await a.find('s1')).toEqual({ accountId: 'x', uid: 'u1' });
    await a.upsert('s1', { accountId: 'y', uid: 'u1' } as never, 60);
    expect(await a.find('s1')).toEqual({ accountId: 'y', uid: 'u1' });
  });

  test('models are separate namespaces', async () => {
    await new Adapter('Grant').upsert('same', { accountId: 'g' } as never, 60);
    await new Adapter('Session').upsert('same', { accountId: 's' } as never, 60);
    expect(await new Adapter('Grant').find('same')).toEqual({ accountId: 'g' });
    expect(await new Adapter('Session').find('same')).toEqual({ accountId: 's' });
  });

  test('findByUid and findByUserCode', async () => {
    await new Adapter('Interaction').upsert('i1', { uid: 'uid-1' } as never, 60);
    await new Adapter('DeviceCode').upsert('d1', { userCode: 'ABCD-EFGH' } as never, 60);
    expect(await new Adapter('Interaction').findByUid('uid-1')).toEqual({ uid: 'uid-1' });
    expect(await new Adapter('DeviceCode').findByUserCode('ABCD-EFGH')).toEqual({ userCode: 'ABCD-EFGH' });
    expect(await new Adapter('Interaction').findByUid('nope')).toBeUndefined();
  });

  test('expired rows are not found, and purge deletes them', async () => {
    const a = new Adapter('AuthorizationCode');
    await a.upsert('old', { grantId: 'g0' } as never, 1);
    await t.database.db.updateTable('oidc_payload').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', 'old').execute();
    expect(await a.find('old')).toBeUndefined();
    expect(await purgeExpired(t.database.db)).toBeGreaterThanOrEqual(1);
    const left = await t.database.db.selectFrom('oidc_payload').select('id').where('id', '=', 'old').execute();
    expect(left).toHaveLength(0);
  });

  test('consume marks the payload consumed and keeps its expiry', async () => {
    const a = new Adapter('AuthorizationCode');
    await a.upsert('c1', { grantId: 'g1' } as never, 60);
    const before = await t.database.db.selectFrom('oidc_payload').select('expires_at').where('id', '=', 'c1').executeTakeFirstOrThrow();
    await a.consume('c1');
    const found = await a.find('c1');
    expect(typeof found?.consumed).toBe('number');
    const after = await t.database.db.selectFrom('oidc_payload').select('expires_at').where('id', '=', 'c1').executeTakeFirstOrThrow();
    expect(after.expires_at).toEqual(before.expires_at);
  });

  test('destroy deletes one row', async () => {
    const a = new Adapter('RefreshToken');
    await a.upsert('r1', { grantId: 'g2' } as never, 60);
    await a.destroy('r1');
    expect(await a.find('r1')).toBeUndefined();
  });

  test('revokeByGrantId deletes every model of the grant and nothing else', async () => {
    await new Adapter('AccessToken').upsert('at-g3', { grantId: 'g3' } as never, 60);
    await new Adapter('RefreshToken').upsert('rt-g3', { grantId: 'g3' } as never, 60);
    await new Adapter('AuthorizationCode').upsert('ac-g3', { grantId: 'g3' } as never, 60);
    await new Adapter('AccessToken').upsert('at-g4', { grantId: 'g4' } as never, 60);
    await new Adapter('AccessToken').revokeByGrantId('g3');
    expect(await new Adapter('AccessToken').find('at-g3')).toBeUndefined();
    expect(await new Adapter('RefreshToken').find('rt-g3')).toBeUndefined();
    expect(await new Adapter('AuthorizationCode').find('ac-g3')).toBeUndefined();
    expect(await new Adapter('AccessToken').find('at-g4')).toEqual({ grantId: 'g4' });
  });

  test('clients come from the client registry and cannot be written through the adapter', async () => {
    expect(await new Adapter('Client').find('rp-1')).toEqual({ client_id: 'rp-1', client_secret: 's' });
    await expect(new Adapter('Client').upsert('rp-2', {} as never, 0)).rejects.toThrow(/openpsc clients/);
  });

  test('an access token is found by its JWT value through the token id', async () => {
    await new Adapter('AccessToken').upsert('at-1', { grantId: 'g5', jti: 'at-1' } as never, 60);
    expect(await new Adapter('AccessToken').find('a.b.c')).toEqual({ grantId: 'g5', jti: 'at-1' });
    expect(await new Adapter('AccessToken').find('x.y.z')).toBeUndefined();
  });
});
