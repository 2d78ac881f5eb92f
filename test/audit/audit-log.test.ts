import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { listAuthentications, purgeAuthentications, recordAuthentication, withoutSecrets } from '../../src/audit/audit-log.js';
import { auditListOutput, formatAuthentication, parseSince } from '../../src/audit/commands.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let t: TestDatabase;
beforeAll(async () => { t = await createTestDatabase(); });
afterAll(async () => { await t.drop(); });

describe('audit log of authentications', () => {
  test('the documented example: record a failure, list the professional\'s latest events', async () => {
    await recordAuthentication(t.database.db, {
      type: 'login', nationalId: '899700427885', authenticator: 'card', clientId: 'rp-demo',
      outcome: 'failure', errorCode: 'CARD_PIN_INVALID', ip: '192.0.2.10', requestId: 'req-00000001',
      details: { triesLeft: 2 },
    });
    await recordAuthentication(t.database.db, {
      type: 'login', nationalId: '899700427885', authenticator: 'card', clientId: 'rp-demo',
      outcome: 'success', ip: '192.0.2.10', requestId: 'req-00000002', details: { amr: ['sc', 'pin'] },
    });
    await recordAuthentication(t.database.db, { type: 'ciba', nationalId: '899700000011', authenticator: 'ecps', outcome: 'success' });
    const last = await listAuthentications(t.database.db, { nationalId: '899700427885', limit: 20 });
    expect(last.map((e) => [e.outcome, e.errorCode, e.requestId])).toEqual([
      ['success', undefined, 'req-00000002'],
      ['failure', 'CARD_PIN_INVALID', 'req-00000001'],
    ]);
    expect(last[1]).toMatchObject({
      type: 'login', nationalId: '899700427885', authenticator: 'card', clientId: 'rp-demo', ip: '192.0.2.10',
      details: { triesLeft: 2 },
    });
    expect(last[1]!.at).toBeInstanceOf(Date);
    expect(last[0]!.details).toEqual({ amr: ['sc', 'pin'] });
  });

  test('an attempt before anyone was identified is recorded without a national id', async () => {
    await recordAuthentication(t.database.db, { type: 'login', authenticator: 'card', outcome: 'failure', errorCode: 'CARD_UNKNOWN', requestId: 'req-anon-0001' });
    const [e] = await listAuthentications(t.database.db, { limit: 1 });
    expect(e).toMatchObject({ errorCode: 'CARD_UNKNOWN', requestId: 'req-anon-0001' });
    expect(e!.nationalId).toBeUndefined();
  });

  test('secrets never reach the table, whatever a caller puts in details', async () => {
    await recordAuthentication(t.database.db, {
      type: 'login', nationalId: '899700000029', authenticator: 'ecps', outcome: 'failure', errorCode: 'ECPS_CODE_INVALID',
      details: { pin: '1234', code: '987654', nested: { access_token: 'eyJ.x.y', kept: 'yes', list: [{ otp: '111111', n: 1 }] }, Authorization: 'Bearer z' },
    });
    const rows = await t.database.db.selectFrom('audit_event').select('details').where('national_id', '=', '899700000029').execute();
    const stored = JSON.stringify(rows[0]!.details);
    for (const secret of ['1234', '987654', 'eyJ.x.y', '111111', 'Bearer z']) expect(stored).not.toContain(secret);
    expect(rows[0]!.details).toEqual({ nested: { kept: 'yes', list: [{ n: 1 }] } });
  });

  test('oversized details are replaced by a marker rather than stored', async () => {
    await recordAuthentication(t.database.db, { type: 'login', nationalId: '899700000037', outcome: 'failure', details: { dump: 'x'.repeat(10_000) } });
    const [e] = await listAuthentications(t.database.db, { nationalId: '899700000037', limit: 1 });
    expect(e!.details).toEqual({ truncated: true, size: 10_011 });
  });

  test('since and limit', async () => {
    const all = await listAuthentications(t.database.db, { limit: 1000 });
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(await listAuthentications(t.database.db, { limit: 2 })).toHaveLength(2);
    expect(await listAuthentications(t.database.db, { since: new Date(Date.now() + 60_000), limit: 10 })).toEqual([]);
    expect((await listAuthentications(t.database.db, { since: new Date(Date.now() - 3_600_000), limit: 1000 })).length).toBe(all.length);
  });

  test('purge removes events older than the date and returns their count', async () => {
    await t.database.db.updateTable('audit_event').set({ at: new Date('2020-01-01T00:00:00Z') }).where('national_id', '=', '899700000011').execute();
    expect(await purgeAuthentications(t.database.db, new Date('2021-01-01T00:00:00Z'))).toBe(1);
    expect(await listAuthentications(t.database.db, { nationalId: '899700000011', limit: 10 })).toEqual([]);
  });

  test('withoutSecrets keeps dates and plain values', () => {
    const d = new Date('2026-01-01T00:00:00Z');
    expect(withoutSecrets({ at: d, n: 1, s: 'x', token: 't', client_secret: 's', clientSecret: 's' })).toEqual({ at: d, n: 1, s: 'x' });
  });
});

describe('openpsc audit list (output)', () => {
  test('one line per event, newest first, "-" for what is unknown', async () => {
    const out = await auditListOutput(t.database, { nationalId: '899700427885', limit: 10 });
    const lines = out.split('\n');
    expect(lines[0]).toBe('at  type  outcome  national_id  authenticator  client_id  error  ip  request_id  details');
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z  login  success  899700427885  card  rp-demo  -  192\.0\.2\.10  req-00000002  \{"amr":\["sc","pin"\]\}$/);
    expect(lines[2]).toMatch(/  login  failure  899700427885  card  rp-demo  CARD_PIN_INVALID  192\.0\.2\.10  req-00000001  \{"triesLeft":2\}$/);
  });

  test('--json prints the events as JSON', async () => {
    const events = JSON.parse(await auditListOutput(t.database, { nationalId: '899700427885', limit: 1, json: true })) as { requestId: string }[];
    expect(events).toHaveLength(1);
    expect(events[0]!.requestId).toBe('req-00000002');
  });

  test('an empty result says so', async () => {
    expect(await auditListOutput(t.database, { nationalId: '800000000000', limit: 10 })).toBe('no authentication recorded for this query');
  });

  test('formatAuthentication: unknown columns show as "-", empty details are left out', () => {
    expect(formatAuthentication({ id: 1, at: new Date('2026-11-22T08:00:00Z'), type: 'ciba', outcome: 'success', details: {} }))
      .toBe('2026-11-22T08:00:00.000Z  ciba  success  -  -  -  -  -  -');
  });

  test('--since accepts dates and durations, and refuses anything else naming the value', () => {
    const now = new Date('2026-11-22T10:00:00Z');
    expect(parseSince('24h', now).toISOString()).toBe('2026-11-21T10:00:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-11-15T10:00:00.000Z');
    expect(parseSince('30m', now).toISOString()).toBe('2026-11-22T09:30:00.000Z');
    expect(parseSince('2026-11-01').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('2026-11-01T08:00:00+01:00').toISOString()).toBe('2026-11-01T07:00:00.000Z');
    expect(() => parseSince('yesterday')).toThrow('"yesterday" is neither a date (2026-11-01) nor a duration (30m, 24h, 7d)');
  });
});
