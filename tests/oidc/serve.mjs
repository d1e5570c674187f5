// Two oidc-provider issuers (tests/harness/oidc.mjs) for tests written in other languages (the
// core's crates/tsunagi-core/tests/oidc_provider.rs): prints one JSON line
// `{ issuer, other, control }` once both listen, and serves on `control` (loopback):
//   POST /authorize { url, issuer? }  → { callback }: the scripted login for an authorization URL,
//                                        followed like a browser (cookies kept) on `issuer` (default: the first)
// Stops when stdin closes (the test process ended) or on SIGTERM.
import { RESOURCE, startOidcProvider } from '../harness/oidc.mjs';
import { serveForRust } from './control.mjs';

const REDIRECT = 'http://127.0.0.1:9/cb';
const clients = [
  { client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'] },
  {
    client_id: 'web',
    client_secret: 'web-secret-value',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    scope: 'openid offline_access api:read api:write',
    id_token_signed_response_alg: 'ES256',
  },
];
const op = await startOidcProvider({ clients, issuerPath: '/tenant-a' });
const other = await startOidcProvider({ clients });
await serveForRust([op, other], (control) => ({ issuer: op.issuer, other: other.issuer, control, redirect: REDIRECT, resource: RESOURCE }));
