// Two oidc-provider issuers with DPoP (RFC 9449; tests/harness/oidc.mjs's `dpop` option) for the
// flows' DPoP test in Rust (crates/tsunagi-flows/tests/dpop_oidc_provider.rs): `issuer` takes
// proofs without nonces, `nonceIssuer` requires its nonce in every proof. Both know the public
// client `spa-dpop` (`dpop_bound_access_tokens`: it must use DPoP). Prints one JSON line
// `{ issuer, nonceIssuer, control, redirect }` once they listen, and serves on `control`:
//   POST /authorize { url, issuer } → { callback }: the scripted login, followed like a browser
// Stops when stdin closes (the test process ended) or on SIGTERM.
import { createServer } from 'node:http';
import { startOidcProvider } from '../harness/oidc.mjs';

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
const byIssuer = new Map([
  [plain.issuer, plain],
  [nonce.issuer, nonce],
]);

const control = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  try {
    const { url, issuer } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    const server = byIssuer.get(issuer);
    if (req.method !== 'POST' || req.url !== '/authorize' || !server) throw new Error('POST /authorize { url, issuer }');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ callback: await server.authorize(url) }));
  } catch (e) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(e.message));
  }
});
await new Promise((ok) => control.listen(0, '127.0.0.1', ok));

const stop = async () => {
  control.close();
  await Promise.all([plain.close(), nonce.close()]);
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.stdout.write(
  `${JSON.stringify({ issuer: plain.issuer, nonceIssuer: nonce.issuer, control: `http://127.0.0.1:${control.address().port}`, redirect: REDIRECT })}\n`,
);
