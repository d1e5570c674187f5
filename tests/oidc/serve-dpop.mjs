// Two oidc-provider issuers with DPoP (RFC 9449; tests/harness/oidc.mjs's `dpop` option) for the
// flows' DPoP test in Rust (crates/tsunagi-flows/tests/dpop_oidc_provider.rs): `issuer` takes
// proofs without nonces, `nonceIssuer` requires its nonce in every proof. Both know the public
// client `spa-dpop` (`dpop_bound_access_tokens`: it must use DPoP). Prints one JSON line
// `{ issuer, nonceIssuer, control, redirect }` once they listen, and serves on `control`:
//   POST /authorize { url, issuer } → { callback }: the scripted login, followed like a browser
// Stops when stdin closes (the test process ended) or on SIGTERM.
import { startOidcProvider } from '../harness/oidc.mjs';
import { serveForRust } from './control.mjs';

const REDIRECT = 'http://127.0.0.1:9/cb';
const clients = [
  {
    client_id: 'spa-dpop',
    token_endpoint_auth_method: 'none',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    dpop_bound_access_tokens: true,
  },
];
const plain = await startOidcProvider({ clients });
const nonce = await startOidcProvider({ clients, dpop: { nonce: true } });
await serveForRust([plain, nonce], (control) => ({ issuer: plain.issuer, nonceIssuer: nonce.issuer, control, redirect: REDIRECT }));
