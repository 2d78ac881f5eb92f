import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import type { TestIdp } from '../helpers/idp.js';
import { checkDiscoveryUrlAndIssuer, checkServerMetadata, getServerConfiguration, type Metadata } from './support/discovery-checks.js';
import { conformanceModule, notApplicable } from './support/modules.js';
import { startConformanceOp } from './support/op.js';

/**
 * The discovery modules of every plan: oidcc-config-certification-test-plan
 * (oidcc-discovery-endpoint-verification, on both PSC discovery paths) and the discovery modules
 * of the two logout plans.
 *
 * OpenPSC runs as deployed: public https origins (`auth.…` for the issuer, `wallet.…/auth` for the
 * authorization endpoint, as PSC does) with TLS terminated in front of it. The test plays that
 * proxy: requests to the public origin are sent to the local server.
 */

const PUBLIC_ORIGIN = 'https://auth.psc.test';
const WALLET_AUTH = 'https://wallet.psc.test/auth';
let idp: TestIdp;
let issuer: string;

/** The TLS-terminating proxy: the public URL goes to the local server with X-Forwarded-Proto/Host. */
const fetchLocal: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('x-forwarded-proto', 'https');
  headers.set('x-forwarded-host', new URL(PUBLIC_ORIGIN).host);
  return fetch(String(input).replace(PUBLIC_ORIGIN, idp.url), { ...init, headers });
};

beforeAll(async () => {
  idp = await startConformanceOp({ PUBLIC_URL: PUBLIC_ORIGIN, AUTHORIZATION_ENDPOINT: WALLET_AUTH, TRUST_PROXY: true });
  issuer = idp.issuer;
});
afterAll(async () => { await idp.close(); });

const standard = () => `${issuer}/.well-known/openid-configuration`;
const wallet = () => `${issuer}/.well-known/wallet-openid-configuration`;

describe('oidcc-config-certification-test-plan', () => {
  describe('discovery=/.well-known/openid-configuration', () => {
    conformanceModule('oidcc-discovery-endpoint-verification', async () => {
      const metadata = await getServerConfiguration(standard(), fetchLocal);
      checkDiscoveryUrlAndIssuer(standard(), metadata);
      await checkServerMetadata(metadata, fetchLocal);
      expect(metadata.issuer).toBe(`${PUBLIC_ORIGIN}/auth/realms/esante-wallet`);
      expect(metadata.authorization_endpoint).toBe(WALLET_AUTH);
    });
  });

  describe('discovery=/.well-known/wallet-openid-configuration', () => {
    notApplicable('oidcc-discovery-endpoint-verification', 'the official suite requires a discovery URL ending in /.well-known/openid-configuration (CheckDiscEndpointDiscoveryUrl, CheckDiscEndpointIssuer), which PSC\'s wallet path is not; every other check passes and the document is the standard one', async () => {
      const metadata = await getServerConfiguration(wallet(), fetchLocal);
      expect(() => checkDiscoveryUrlAndIssuer(wallet(), metadata)).toThrow();
      await checkServerMetadata(metadata, fetchLocal);
      expect(metadata).toEqual(await getServerConfiguration(standard(), fetchLocal));
    });
  });
});

/** CheckDiscEndSessionEndpoint and the https check, shared by the logout plans' discovery modules. */
async function logoutMetadata(): Promise<Metadata> {
  const metadata = await getServerConfiguration(standard(), fetchLocal);
  expect(new URL(String(metadata.end_session_endpoint)).protocol).toBe('https:');
  expect(metadata.end_session_endpoint).toBe(`${issuer}/protocol/openid-connect/logout`);
  for (const [k, v] of Object.entries(metadata)) {
    if ((k.endsWith('_endpoint') || k.endsWith('_uri')) && typeof v === 'string') expect([k, new URL(v).protocol]).toEqual([k, 'https:']);
  }
  return metadata;
}

describe('oidcc-rp-initiated-logout-certification-test-plan', () => {
  conformanceModule('oidcc-rp-initiated-logout-discovery-endpoint-verification', async () => {
    await logoutMetadata();
  });
});

describe('oidcc-backchannel-rp-initiated-logout-certification-test-plan', () => {
  conformanceModule('oidcc-backchannel-logout-discovery-endpoint-verification', async () => {
    const metadata = await logoutMetadata();
    // CheckDiscEndpointBackchannelLogoutSupported, CheckDiscEndpointBackchannelLogoutSessionSupported
    expect(metadata.backchannel_logout_supported).toBe(true);
    expect(metadata.backchannel_logout_session_supported).toBe(true);
  });
});

describe('psc-compatibility', () => {
  test('psc-wallet-authorization-endpoint', async () => {
    // psc-contract.md §1: authorization published on the wallet host (/auth), the Keycloak path served too
    const metadata = await getServerConfiguration(wallet(), fetchLocal);
    expect(metadata.authorization_endpoint).toBe(WALLET_AUTH);
    for (const path of [new URL(WALLET_AUTH).pathname, '/auth/realms/esante-wallet/protocol/openid-connect/auth']) {
      const res = await fetch(`${idp.url}${path}?client_id=unknown-client&response_type=code&scope=openid`, {
        redirect: 'manual', headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': new URL(WALLET_AUTH).host },
      });
      // answered by the provider (unknown client → its error page), not a 404
      expect([path, res.status]).toEqual([path, 400]);
      expect(await res.text()).toContain('invalid_client');
    }
  });
});
