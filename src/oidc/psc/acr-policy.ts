import { errors, interactionPolicy } from 'oidc-provider';

const { Check, base } = interactionPolicy;

/**
 * PSC's relying parties ask `acr_values=eidas1` and ANS's broker refuses any other level, so a
 * request for levels this server does not offer fails (invalid_request, sent to the client's
 * redirect URI) instead of silently returning a lower level.
 */
export function pscInteractionPolicy(supportedAcr: string[]) {
  const policy = base();
  const login = policy.get('login')!;
  login.checks.add(new Check('acr_values_unsupported', 'requested acr_values are not supported', (ctx) => {
    const requested = String(ctx.oidc.params?.acr_values ?? '').split(' ').filter(Boolean);
    if (requested.length && !requested.some((v) => supportedAcr.includes(v))) {
      throw new errors.InvalidRequest(`acr_values not supported; this server offers: ${supportedAcr.join(' ')}`);
    }
    return Check.NO_NEED_TO_PROMPT;
  }));
  return policy;
}
