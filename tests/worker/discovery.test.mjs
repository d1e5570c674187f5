// The Worker's discovery of a generic connection's endpoints from its issuer alone (RFC 8414 §3.1,
// then OpenID Connect Discovery §4) is the flows' one discovery, the npm package's too: a location
// that does not answer moves on to the next; only when every location fails is it an error, and
// the error names every location tried. The issuer is a loopback server mounted under a path whose
// RFC 8414 location drops the connection (a proxy that knows nothing of it) while the OpenID
// location serves the document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startSandbox, startWorker, bindingsFor, connectionsFor, Browser } from '../harness/index.mjs';

let sbx, meta, worker;

before(async () => {
  sbx = await startSandbox();
  meta = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const issuer = `http://127.0.0.1:${meta.address().port}/realms/acme`;
    if (path === '/realms/acme/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` }));
    }
    // every other location (RFC 8414's first of all) does not answer
    req.socket.destroy();
  });
  await new Promise((ok) => meta.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${meta.address().port}`;
  const generic = (issuer) => ({
    profile: 'generic',
    client_id: 'tsunagi',
    secret: 'IDP_CLIENT_SECRET',
    issuer,
    api_base: `${origin}/api`,
    scopes: ['openid'],
  });
  worker = await startWorker(
    bindingsFor(sbx.ep, {
      connections: { ...connectionsFor(sbx.ep), flaky: generic(`${origin}/realms/acme`), dead: generic(`${origin}/realms/gone`) },
      IDP_CLIENT_SECRET: 'idp-client-secret-value',
    }),
  );
});
after(async () => {
  await worker?.stop();
  await new Promise((ok) => (meta ? meta.close(ok) : ok()));
  await sbx?.stop();
});

test('a discovery location that does not answer moves on to the next (OIDC Discovery §4)', async () => {
  const r = await new Browser(worker).request('/auth/flaky/login');
  assert.equal(r.status, 302, r.text);
  assert.equal(new URL(r.headers.get('location')).pathname, '/realms/acme/auth');
});

test('when no location answers, the error names every location tried', async () => {
  const r = await new Browser(worker).request('/auth/dead/login');
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json.error, 'transport', r.text);
  assert.match(r.json.message, /\.well-known\/oauth-authorization-server\/realms\/gone/);
  assert.match(r.json.message, /realms\/gone\/\.well-known\/openid-configuration/);
});
