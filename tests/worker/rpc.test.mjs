// The broker for other Workers (issue 15): a second Worker in the same workerd calls tsunagi's
// `TsunagiBroker` entrypoint through a service binding (Workers RPC) — `accessToken(connection)`,
// `fetchApi(connection, request)` and the binding's own `fetch` — against a client-credentials
// connection to panva's oidc-provider. 200 concurrent accessToken calls on a connection whose
// token is due → exactly one token request upstream; on an unattended connection (granted by an
// administrator) whose access token is due → exactly one refresh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { callWorker, startSandbox, startWorker, bindingsFor, brokerClient, Browser, startOidcProvider } from '../harness/index.mjs';
import { GENERIC_CLIENTS, SECRET, SERVICE_SECRET, genericConnections, startApi } from './oidc.mjs';

// the other Worker: runs what the test asks through env.TSUNAGI and reports
const CLIENT = `
export default {
  async fetch(req, env) {
    const { op, connection, n = 1, path = '/whoami', method = 'GET' } = await req.json();
    if (op === 'tokens') {
      const all = await Promise.all(Array.from({ length: n }, () =>
        env.TSUNAGI.accessToken(connection).then((t) => ({ token: t.access_token, type: t.token_type, exp: t.expires_at }), (e) => ({ error: String(e.message) }))));
      return Response.json(all);
    }
    if (op === 'api') {
      const init = method === 'GET' ? {} : { method, headers: { 'content-type': 'application/json' }, body: '{}' };
      const r = await env.TSUNAGI.fetchApi(connection, new Request('https://ignored.invalid' + path, init));
      return new Response(await r.text(), { status: r.status, headers: { 'x-tsunagi-error': r.headers.get('x-tsunagi-error') ?? '' } });
    }
    if (op === 'binding-fetch') {
      const r = await env.TSUNAGI.fetch('https://tsunagi/' + connection + path);
      return new Response(await r.text(), { status: r.status });
    }
    return new Response('unknown op', { status: 400 });
  },
};`;

let sbx, idp, api, worker;
let ccTtl = 3600;
let atTtl = 3600;
const tokenRequests = []; // client ids of successful token requests at oidc-provider
const refreshes = []; // successful refresh_token grants at oidc-provider
const ADMIN_TOKEN = 'admin-secret-for-the-rpc-tests-0123456789abcdef';

before(async () => {
  sbx = await startSandbox();
  // a client-credentials token lives `ccTtl` seconds (a function: the test changes it)
  const clientCredentialsTtl = () => ccTtl;
  const accessTokenTtl = () => atTtl;
  idp = await startOidcProvider({ clients: GENERIC_CLIENTS, ttl: { ClientCredentials: clientCredentialsTtl, AccessToken: accessTokenTtl } });
  idp.provider.on('grant.success', (ctx) => {
    tokenRequests.push(ctx.oidc.client?.clientId);
    if (ctx.oidc.params?.grant_type === 'refresh_token') refreshes.push(ctx.oidc.client?.clientId);
  });
  api = await startApi(() => idp);
  const connections = genericConnections(sbx.ep, idp, api.url);
  worker = await startWorker(bindingsFor(sbx.ep, { connections, IDP_CLIENT_SECRET: SECRET, IDP_SERVICE_SECRET: SERVICE_SECRET, ADMIN_TOKEN }), {
    workers: [brokerClient('other', CLIENT)],
  });
});
after(async () => {
  await worker?.stop();
  await api?.stop();
  await idp?.close();
  await sbx?.stop();
});

const other = (body) => callWorker(worker, 'other', body);

const serviceRequests = () => tokenRequests.filter((c) => c === 'tsunagi-service').length;

test('200 concurrent accessToken calls on a due connection → exactly one token request upstream', async () => {
  // a 2-second token: with the leeway (at most half a token's lifetime) it is due one second
  // after it was issued; waiting longer than that (a wait, not a timed assertion) makes it due
  ccTtl = 2;
  const [first] = (await other({ op: 'tokens', connection: 'idp-service' })).json;
  assert.ok(first.token, JSON.stringify(first));
  ccTtl = 3600;
  await new Promise((r) => setTimeout(r, 1500));
  const before = serviceRequests();
  const all = (await other({ op: 'tokens', connection: 'idp-service', n: 200 })).json;
  assert.equal(all.length, 200);
  const errors = all.filter((a) => a.error);
  assert.deepEqual(errors, []);
  assert.equal(serviceRequests() - before, 1, 'exactly one client-credentials request for 200 callers');
  const tokens = new Set(all.map((a) => a.token));
  assert.equal(tokens.size, 1, 'every caller got the one new token');
  assert.ok(!tokens.has(first.token), 'the due token was replaced');
  assert.equal(all[0].type, 'Bearer');
  assert.ok(all[0].exp > Date.now() + 30 * 60 * 1000);
  // and it is a real token: the API (oidc-provider's store) knows it
  const r = await other({ op: 'api', connection: 'idp-service' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.client_id, 'tsunagi-service');
});

test('fetchApi: a token the API refuses (401) is replaced once and the call retried; the binding fetch is the same', async () => {
  const [{ token }] = (await other({ op: 'tokens', connection: 'idp-service' })).json;
  // the server forgets the token behind the Worker's back: the API now answers 401 for it
  await (await idp.provider.ClientCredentials.find(token)).destroy();
  const before = serviceRequests();
  const r = await other({ op: 'api', connection: 'idp-service', path: '/whoami?x=1' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.path, '/whoami?x=1');
  assert.equal(serviceRequests() - before, 1, 'one new token after the 401');
  const f = await other({ op: 'binding-fetch', connection: 'idp-service', path: '/whoami' });
  assert.equal(f.status, 200, f.text);
  assert.equal(f.json.client_id, 'tsunagi-service');
});

test('only connections marked server = true are served; the access rules hold for other Workers too', async () => {
  for (const connection of ['legalon', 'lawvu', 'idp', 'nope']) {
    const [t] = (await other({ op: 'tokens', connection })).json;
    assert.match(t.error ?? '', /^(connection_not_allowed|not_found): /, `${connection}: ${JSON.stringify(t)}`);
    assert.ok(!('token' in t));
  }
  const post = await other({ op: 'api', connection: 'legalon' });
  assert.equal(post.status, 403, post.text);
  assert.equal(post.error, 'connection_not_allowed');
  // read-only by default: the broker refuses a write before anything is sent
  const before = serviceRequests();
  const refused = await other({ op: 'api', connection: 'idp-service', method: 'POST' });
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.error, 'method_refused');
  const bad = await other({ op: 'binding-fetch', connection: 'idp-service', path: '/../admin' });
  assert.ok(bad.status === 400 || bad.status === 404, bad.text);
  assert.equal(serviceRequests(), before);
  // the entrypoint is not reachable from the internet: the Worker's own fetch has no broker route
  const direct = await worker.mf.dispatchFetch('http://localhost:8787/idp-service/whoami');
  assert.equal(direct.status, 404);
});

test('RPC arguments cross typed (serde-wasm-bindgen): a connection that is not a string is invalid_parameter, never coerced to a name', async () => {
  for (const connection of [{ name: 'idp-service' }, 42, ['idp-service'], null]) {
    const [t] = (await other({ op: 'tokens', connection })).json;
    assert.match(t.error ?? '', /^invalid_parameter: /, `${JSON.stringify(connection)}: ${JSON.stringify(t)}`);
    const api = await other({ op: 'api', connection });
    assert.equal(api.status, 400, `${JSON.stringify(connection)}: ${api.text}`);
    assert.equal(api.error, 'invalid_parameter');
  }
  // a string still names the connection
  const [ok] = (await other({ op: 'tokens', connection: 'idp-service' })).json;
  assert.ok(ok.token, JSON.stringify(ok));
});

test('issue 21 item 6: fetchApi with a method the Worker does not know is refused, never sent as a GET', async () => {
  const before = serviceRequests();
  for (const method of ['PROPFIND', 'MOVE', 'COPY', 'LOCK', 'MKCOL', 'SEARCH', 'PURGE']) {
    const r = await other({ op: 'api', connection: 'idp-service', method });
    assert.equal(r.status, 403, `${method}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.error, 'method_refused', method);
  }
  assert.equal(serviceRequests(), before, 'no token was even acquired');
});

test("an administrator's grant whose id_token does not verify is refused: the connection holds nothing", async () => {
  const admin = { 'x-tsunagi-admin': ADMIN_TOKEN, 'x-tsunagi': '1' };
  const g = await new Browser(worker).request('/admin/connections/idp-robot/grant', { method: 'POST', headers: admin });
  assert.equal(g.status, 200, g.text);
  const back = await idp.authorize(g.json.authorize_url);
  idp.tamperNextTokenResponse((body) => {
    const [h, p, sig] = body.id_token.split('.');
    const claims = { ...JSON.parse(Buffer.from(p, 'base64url')), sub: 'admin' };
    return { ...body, id_token: [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), sig].join('.') };
  });
  const cb = await new Browser(worker).request(back);
  assert.equal(cb.json?.error, 'id_token_signature_invalid', cb.text);
  const h = await new Browser(worker).request('/connections/idp-robot', { headers: admin });
  assert.notEqual(h.json.status, 'connected', h.text);
  const [refused] = (await other({ op: 'tokens', connection: 'idp-robot' })).json;
  assert.match(refused.error, /^login_required: /);
});

test('200 concurrent accessToken calls on an unattended connection whose access token is due → exactly one refresh', async () => {
  // granted once by an administrator, through oidc-provider's scripted consent
  const admin = { 'x-tsunagi-admin': ADMIN_TOKEN, 'x-tsunagi': '1' };
  const g = await new Browser(worker).request('/admin/connections/idp-robot/grant', { method: 'POST', headers: admin });
  assert.equal(g.status, 200, g.text);
  atTtl = 2; // the granted access token is due one second after it was issued (see above)
  const back = await idp.authorize(g.json.authorize_url);
  const cb = await new Browser(worker).request(back);
  assert.equal(cb.status, 200, cb.text);
  atTtl = 3600;
  await new Promise((r) => setTimeout(r, 1500));
  const before = refreshes.length;
  const all = (await other({ op: 'tokens', connection: 'idp-robot', n: 200 })).json;
  assert.deepEqual(
    all.filter((a) => a.error),
    [],
  );
  assert.equal(refreshes.length - before, 1, 'exactly one refresh for 200 callers');
  assert.equal(new Set(all.map((a) => a.token)).size, 1);
  const h = await new Browser(worker).request('/connections/idp-robot', { headers: admin });
  assert.equal(h.json.refreshes, 1, h.text);
  assert.equal(h.json.status, 'connected');
  const api = await other({ op: 'api', connection: 'idp-robot' });
  assert.equal(api.status, 200, api.text);
  assert.equal(api.json.sub, 'user-1', "the administrator's grant: the account it was granted for");
  // disconnect revokes at the provider (RFC 7009) and the broker stops serving it
  const out = await new Browser(worker).request('/admin/connections/idp-robot/disconnect', { method: 'POST', headers: admin });
  assert.equal(out.json.revocation.revoked, true, out.text);
  const [gone] = (await other({ op: 'tokens', connection: 'idp-robot' })).json;
  assert.match(gone.error, /^login_required: /);
});
