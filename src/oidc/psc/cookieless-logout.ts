import { sql, type Kysely } from 'kysely';
import type Koa from 'koa';
import { decodeJwt } from 'jose';
import type Provider from 'oidc-provider';

import type { Schema } from '../../db/schema.js';
import { PSC_ROUTES } from './routes.js';

/**
 * Server-to-server logout as the ANS CIBA proxy does it (psc-contract.md §13): `GET …/logout` with
 * only an `id_token_hint`, no browser cookie. The hint (signature checked, expiry ignored as for
 * any hint) names the client (`aud`/`azp`) and the session (`sid`): that client's grant in that
 * session is revoked and the answer is an empty 200, no HTML. With a cookie, the provider's own
 * RP-initiated logout runs.
 */
export function cookielessLogout(issuerPath: string, provider: () => Provider, db: Kysely<Schema>): Koa.Middleware {
  const path = `${issuerPath}${PSC_ROUTES.end_session}`;
  return async (ctx, next) => {
    const hint = ctx.query.id_token_hint;
    if (ctx.method !== 'GET' || ctx.path !== path || typeof hint !== 'string' || ctx.cookies.get(provider().cookieName('session'))) {
      return next();
    }
    let clientId: string | undefined;
    let sid: string | undefined;
    try {
      const claims = decodeJwt(hint);
      clientId = (claims.azp as string | undefined) ?? (Array.isArray(claims.aud) ? claims.aud[0] : claims.aud);
      sid = claims.sid as string | undefined;
    } catch {
      return next(); // not a JWT: let the provider answer invalid_request
    }
    const client = clientId ? await provider().Client.find(clientId) : undefined;
    if (!client) return next();
    try {
      await provider().IdToken.validate(hint, client);
    } catch {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'id_token_hint could not be validated' };
      return;
    }
    const session = sid ? await findSessionBySid(db, provider(), client.clientId, sid) : undefined;
    const grantId = session?.grantIdFor(client.clientId);
    if (session && grantId) {
      await db.deleteFrom('oidc_payload').where('grant_id', '=', grantId).execute();
      await db.deleteFrom('oidc_payload').where('model', '=', 'Grant').where('id', '=', grantId).execute();
      delete session.authorizations?.[client.clientId];
      if (Object.keys(session.authorizations ?? {}).length === 0) await session.destroy();
      else await session.save(Math.max(1, (session.exp ?? 0) - Math.floor(Date.now() / 1000)));
    }
    ctx.status = 200;
    ctx.body = '';
  };
}

/** The session in which `clientId` was given `sid` (sids are per client inside a session). */
async function findSessionBySid(db: Kysely<Schema>, provider: Provider, clientId: string, sid: string) {
  const probe = JSON.stringify({ [clientId]: { sid } });
  const row = await db.selectFrom('oidc_payload').select('id')
    .where('model', '=', 'Session')
    .where(sql<boolean>`payload -> 'authorizations' @> ${probe}::jsonb`)
    .executeTakeFirst();
  return row ? provider.Session.find(row.id) : undefined;
}
