// Two oidc-provider issuers (tests/harness/oidc.mjs) for tests written in other languages (the
// core's crates/tsunagi-core/tests/oidc_provider.rs): prints one JSON line
// `{ issuer, other, control }` once both listen, and serves on `control` (loopback):
//   POST /authorize { url, issuer? }  → { callback }: the scripted login for an authorization URL,
//                                        followed like a browser (cookies kept) on `issuer` (default: the first)
// Stops when stdin closes (the test process ended) or on SIGTERM.
import { createServer } from 'node:http';
import { RESOURCE, startOidcProvider } from '../harness/oidc.mjs';

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
const byIssuer = new Map([
  [op.issuer, op],
  [other.issuer, other],
]);

const control = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  try {
    const { url, issuer } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    const server = byIssuer.get(issuer ?? op.issuer);
    if (req.method !== 'POST' || req.url !== '/authorize' || !server) throw new Error('POST /authorize { url, issuer? }');
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
  await Promise.all([op.close(), other.close()]);
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.stdout.write(
  `${JSON.stringify({ issuer: op.issuer, other: other.issuer, control: `http://127.0.0.1:${control.address().port}`, redirect: REDIRECT, resource: RESOURCE })}\n`,
);
