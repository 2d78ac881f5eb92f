import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * PSC shows no consent screen: relying parties are registered by the operator. The grant for the
 * client is created (or extended to what is requested now) without an interaction.
 */
export async function loadOrCreateGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const provider = oidc.provider;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId);
  let grant = grantId ? await provider.Grant.find(grantId) : undefined;
  if (grant && (grant.accountId !== oidc.session!.accountId || grant.clientId !== oidc.client!.clientId)) grant = undefined;
  grant ??= new provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
  const scope = oidc.params!.scope as string | undefined;
  if (scope) grant.addOIDCScope(scope);
  const claims = oidc.claims as { id_token?: Record<string, unknown>; userinfo?: Record<string, unknown> } | undefined;
  if (claims?.id_token) grant.addOIDCClaims(Object.keys(claims.id_token));
  if (claims?.userinfo) grant.addOIDCClaims(Object.keys(claims.userinfo));
  await grant.save();
  return grant;
}
