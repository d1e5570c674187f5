// DPoP (RFC 9449) through the Worker, against panva's oidc-provider requiring nonces
// (tests/harness/oidc.mjs `dpop: { nonce: true }`), whose clients must use DPoP
// (`dpop_bound_access_tokens`). The key lives in the object that owns the tokens: the sign-in's
// exchange runs in the fresh session's object, which makes the key; the isolate's API calls carry
// proofs that object signs. Asserted: a DPoP token (cnf.jkt at the server), userinfo (a resource
// server that checks proof, ath and nonce) through /api, nonces met once at the token endpoint and
// once at userinfo and invisible to the browser, a refresh keeping the key, the token taken out
// refused as Bearer, with another key's proof and with a replayed proof, logout forgetting the key
// (a new sign-in, a new jkt); and a held client-credentials connection through the broker:
// fetchApi with proofs, accessToken refused (`token_bound`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, createPublicKey, generateKeyPairSync, randomUUID, sign as edSign, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify } from 'jose';
import {
  callWorker,
  startSandbox,
  startWorker,
  bindingsFor,
  brokerClient,
  connectionsFor,
  Browser,
  ORIGIN,
  SESSION_KEY,
  startOidcProvider,
} from '../harness/index.mjs';
import { SECRET, SERVICE_SECRET } from './oidc.mjs';

const CLIENTS = [
  {
    client_id: 'tsunagi-dpop',
    client_secret: SECRET,
    redirect_uris: [`${ORIGIN}/auth/dpop/callback`, `${ORIGIN}/auth/dpop-two/callback`, `${ORIGIN}/auth/dpop-robot/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    dpop_bound_access_tokens: true,
  },
  {
    client_id: 'tsunagi-dpop-service',
    client_secret: SERVICE_SECRET,
    redirect_uris: [],
    response_types: [],
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
    dpop_bound_access_tokens: true,
  },
];

// the other Worker: the broker's accessToken and fetchApi for the test
const CLIENT = `
export default {
  async fetch(req, env) {
    const { op, connection, path = '/whoami' } = await req.json();
    if (op === 'token') {
      try {
        const t = await env.TSUNAGI.accessToken(connection);
        return Response.json({ token_type: t.token_type });
      } catch (e) {
        return Response.json({ error: e.code ?? null, message: String(e.message) });
      }
    }
    const r = await env.TSUNAGI.fetchApi(connection, new Request('https://ignored.invalid' + path));
    return new Response(await r.text(), { status: r.status });
  },
};`;

let sbx, idp, api, worker;
const ADMIN_TOKEN = 'admin-secret-for-the-dpop-tests-0123456789abcdef';
/** What oidc-provider's userinfo received: { method, authorization, dpop, status }. */
const seenAtUserinfo = [];

/** A resource server for client-credentials tokens that checks DPoP as RFC 9449 §7 says: the
 * `DPoP` scheme, a proof signed by the key the token is bound to (cnf.jkt in the server's token
 * store), htm, htu, ath, a fresh jti, and its own nonce (401 use_dpop_nonce first, §9). */
async function startDpopApi(idpOf) {
  const NONCE = `api-nonce-${randomUUID()}`;
  const jtis = new Set();
  const stats = { requests: 0, nonceAsked: 0 };
  const refuse = (res, error, extra = {}) => {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `DPoP error="${error}"`, ...extra });
    res.end(JSON.stringify({ error }));
  };
  const server = createServer(async (req, res) => {
    stats.requests += 1;
    const token = /^DPoP (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const found = token && ((await idpOf().provider.ClientCredentials.find(token)) ?? (await idpOf().provider.AccessToken.find(token)));
    if (!found?.jkt || typeof req.headers.dpop !== 'string') return refuse(res, 'invalid_token');
    let proof;
    try {
      proof = await jwtVerify(req.headers.dpop, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    } catch {
      return refuse(res, 'invalid_dpop_proof');
    }
    const { payload, protectedHeader } = proof;
    const url = `http://${req.headers.host}${req.url.split('?')[0]}`;
    const ath = createHash('sha256').update(token).digest('base64url');
    const fresh = Math.abs(Date.now() / 1000 - payload.iat) < 60;
    if (
      (await calculateJwkThumbprint(protectedHeader.jwk)) !== found.jkt ||
      payload.htm !== req.method ||
      payload.htu !== url ||
      payload.ath !== ath ||
      !fresh
    ) {
      return refuse(res, 'invalid_dpop_proof');
    }
    if (payload.nonce !== NONCE) {
      stats.nonceAsked += 1;
      return refuse(res, 'use_dpop_nonce', { 'dpop-nonce': NONCE });
    }
    if (jtis.has(payload.jti)) return refuse(res, 'invalid_dpop_proof');
    jtis.add(payload.jti);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ client_id: found.clientId, jkt: found.jkt }));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, stats, stop: () => new Promise((ok) => server.close(ok)) };
}

before(async () => {
  sbx = await startSandbox();
  idp = await startOidcProvider({ clients: CLIENTS, dpop: { nonce: true } });
  // oidc-provider is a Koa app: this middleware sees what its userinfo endpoint receives
  idp.provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/me') seenAtUserinfo.push({ method: ctx.method, authorization: ctx.get('authorization'), dpop: ctx.get('dpop'), status: ctx.status });
    if (ctx.path === '/token' && ctx.body?.access_token) issued.push({ access_token: ctx.body.access_token, token_type: ctx.body.token_type });
  });
  api = await startDpopApi(() => idp);
  // the users' connection to oidc-provider; its userinfo is the API
  const users = {
    profile: 'generic',
    client_id: 'tsunagi-dpop',
    secret: 'IDP_CLIENT_SECRET',
    issuer: idp.issuer,
    api_base: idp.issuer,
    scopes: ['openid', 'offline_access'],
    dpop: true,
  };
  const connections = {
    ...connectionsFor(sbx.ep),
    dpop: users,
    // a second connection to the same server, to move a session's sets by signing in to it
    'dpop-two': { ...users, dpop: 'auto' },
    // granted once by an administrator; its pair and key live in its held object
    'dpop-robot': { ...users, unattended: true, server: true },
    'dpop-service': {
      profile: 'generic',
      grant: 'client_credentials',
      client_id: 'tsunagi-dpop-service',
      secret: 'IDP_SERVICE_SECRET',
      token_url: `${idp.issuer}/token`,
      api_base: api.url,
      server: true,
      dpop: true,
    },
  };
  worker = await startWorker(
    bindingsFor(sbx.ep, { connections, IDP_CLIENT_SECRET: SECRET, IDP_SERVICE_SECRET: SERVICE_SECRET, TOKEN_MEDIATING: 'true', ADMIN_TOKEN }),
    {
      workers: [brokerClient('other', CLIENT)],
    },
  );
});
after(async () => {
  await worker?.stop();
  await api?.stop();
  await idp?.close();
  await sbx?.stop();
});

const tokenPosts = () => idp.requests('/token', 'POST');
const userinfoGets = () => idp.requests('/me', 'GET');

/** Signs in to `dpop` through the Worker; the callback's answer. */
async function signIn(b, connection = 'dpop') {
  const start = await b.request(`/auth/${connection}/login?return_to=%2Fhome`);
  assert.equal(start.status, 302, start.text);
  const cb = await b.request(await idp.authorize(start.headers.get('location')));
  assert.equal(cb.status, 302, cb.text);
  assert.equal(cb.headers.get('location'), '/home');
  return cb;
}

/** Every token answer oidc-provider sent (its `access_token` and `token_type`): the thief's copy,
 * as a log or a proxy on the way would have it. The Worker itself hands a bound token to nobody. */
const issued = [];

/** The access token the server issued last (to the sign-in or refresh just made). */
async function storedToken() {
  const t = issued.at(-1);
  assert.ok(t?.access_token, 'the server issued a token');
  return t;
}

/** A proof of GET `url` for `token` by a key that is not the Worker's, with the server's nonce. */
function foreignProof(url, token, nonce) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } })}.${b64({
    jti: randomUUID(),
    htm: 'GET',
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    nonce,
    ath: createHash('sha256').update(token).digest('base64url'),
  })}`;
  const sig = edSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

test('DPoP sign-in through the Worker: a bound token, userinfo with proofs (nonces met once each), refresh keeps the key', async () => {
  const b = new Browser(worker);
  const posts = tokenPosts();
  await signIn(b);
  assert.equal(tokenPosts() - posts, 2, 'the code exchange met use_dpop_nonce once and was retried');
  const t = await storedToken();
  assert.equal(t.token_type, 'DPoP');
  const bound = await idp.provider.AccessToken.find(t.access_token);
  assert.ok(bound?.jkt, 'the server bound the token to a key (cnf.jkt)');
  const view = await b.request('/session');
  assert.equal(view.json.providers.dpop.dpop_bound, true, view.text);

  const gets = userinfoGets();
  const me = await b.api('/api/dpop/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.sub, 'user-1');
  assert.equal(userinfoGets() - gets, 2, '401 use_dpop_nonce, then the retry: one answer for the browser');
  assert.equal(me.headers.get('dpop-nonce'), null, 'the nonce stays in the Worker');
  const last = seenAtUserinfo.at(-1);
  assert.match(last.authorization, /^DPoP /, 'the token is sent with the DPoP scheme');
  assert.ok(last.dpop, 'with a proof');
  const again = await b.api('/api/dpop/me');
  assert.equal(again.status, 200, again.text);
  assert.equal(userinfoGets() - gets, 3, "the isolate kept the server's nonce: no second 401");

  // a refresh in the session's object, proven by the same key
  const r = await b.request('/auth/dpop/refresh', { method: 'POST', headers: { 'x-tsunagi': '1' } });
  assert.equal(r.status, 200, r.text);
  const t2 = await storedToken();
  assert.notEqual(t2.access_token, t.access_token);
  assert.equal(t2.token_type, 'DPoP');
  assert.equal((await idp.provider.AccessToken.find(t2.access_token))?.jkt, bound.jkt, 'the refreshed token is bound to the same key');
  assert.equal((await b.api('/api/dpop/me')).status, 200);
});

test('DPoP: the token-mediating route refuses a bound token (token_bound): the browser could not use it', async () => {
  const b = new Browser(worker);
  await signIn(b);
  const t = await b.api('/token/dpop', { method: 'POST' });
  assert.equal(t.status, 403, t.text);
  assert.equal(t.json.error, 'token_bound');
  assert.match(t.json.message, /\/api\/dpop/);
  assert.doesNotMatch(t.text, new RegExp((await storedToken()).access_token));
});

test('DPoP: the token taken out of the Worker is refused as Bearer, with another key and with a replayed proof', async () => {
  const b = new Browser(worker);
  await signIn(b);
  const t = await storedToken();
  const me = await b.api('/api/dpop/me');
  assert.equal(me.status, 200, me.text);
  const sent = seenAtUserinfo.at(-1);
  assert.equal(sent.status, 200);
  const url = `${idp.issuer}/me`;

  const bearer = await fetch(url, { headers: { authorization: `Bearer ${t.access_token}` } });
  assert.equal(bearer.status, 401, 'a DPoP-bound token presented as Bearer');
  const noProof = await fetch(url, { headers: { authorization: `DPoP ${t.access_token}` } });
  assert.ok([400, 401].includes(noProof.status), String(noProof.status));
  const nonce = noProof.headers.get('dpop-nonce') ?? bearer.headers.get('dpop-nonce');
  const other = await fetch(url, { headers: { authorization: `DPoP ${t.access_token}`, dpop: foreignProof(url, t.access_token, nonce) } });
  assert.equal(other.status, 401, "another key's proof");
  const replayed = await fetch(url, { headers: { authorization: sent.authorization, dpop: sent.dpop } });
  assert.equal(replayed.status, 401, 'the proof the Worker sent, replayed');
});

test('DPoP: logout deletes the key; the next sign-in is bound to a new one', async () => {
  const b = new Browser(worker);
  await signIn(b);
  const first = await idp.provider.AccessToken.find((await storedToken()).access_token);
  const out = await b.request('/auth/logout', { method: 'POST', headers: { 'x-tsunagi': '1' } });
  assert.equal(out.status, 200, out.text);
  await signIn(b);
  const second = await idp.provider.AccessToken.find((await storedToken()).access_token);
  assert.ok(first?.jkt && second?.jkt);
  assert.notEqual(second.jkt, first.jkt, 'a new key after logout');
  assert.equal((await b.api('/api/dpop/me')).status, 200);
});

test("DPoP: signing in to another connection moves the session's bound set with its key (object to object)", async () => {
  const b = new Browser(worker);
  await signIn(b);
  const t = await storedToken();
  const jkt = (await idp.provider.AccessToken.find(t.access_token))?.jkt;
  const oldCookie = b.cookie;
  await signIn(b, 'dpop-two');
  assert.notEqual(b.cookie, oldCookie, 'a fresh session id');
  // the set moved to the new session's object, and its key with it: the proofs still match cnf.jkt
  const me = await b.api('/api/dpop/me');
  assert.equal(me.status, 200, me.text);
  assert.equal(seenAtUserinfo.at(-1).authorization, `DPoP ${t.access_token}`, 'the same token, moved');
  assert.equal((await idp.provider.AccessToken.find(t.access_token))?.jkt, jkt);
  const two = await b.api('/api/dpop-two/me');
  assert.equal(two.status, 200, two.text);
  // the old session's object was emptied: its cookie holds nothing
  const old = await b.api('/api/dpop/me', { cookie: oldCookie });
  assert.equal(old.status, 401, old.text);
});

const other = (body) => callWorker(worker, 'other', body);

test('DPoP held connection (client credentials) through the broker: fetchApi with proofs; accessToken is token_bound', async () => {
  const posts = tokenPosts();
  const r = await other({ op: 'api', connection: 'dpop-service' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.client_id, 'tsunagi-dpop-service');
  assert.ok(r.json.jkt, 'the token is bound and the proof was by its key');
  assert.equal(tokenPosts() - posts, 2, "the held object's token request met use_dpop_nonce once");
  assert.equal(api.stats.nonceAsked, 1, "the API's nonce asked once");
  const again = await other({ op: 'api', connection: 'dpop-service' });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.jkt, r.json.jkt, 'the same key');
  assert.equal(api.stats.nonceAsked, 1, 'the nonce kept by the isolate');
  const t = await other({ op: 'token', connection: 'dpop-service' });
  // the broker's errors reach the caller as `{code}: {message}` (Workers RPC keeps the message)
  assert.match(t.json.message, /^token_bound: .*fetchApi/, t.text);
});

test("DPoP unattended connection: the administrator's grant is exchanged with a proof in its object; fetchApi with proofs; accessToken is token_bound", async () => {
  const admin = { 'x-tsunagi-admin': ADMIN_TOKEN, 'x-tsunagi': '1' };
  const g = await new Browser(worker).request('/admin/connections/dpop-robot/grant', { method: 'POST', headers: admin });
  assert.equal(g.status, 200, g.text);
  const cb = await new Browser(worker).request(await idp.authorize(g.json.authorize_url));
  assert.equal(cb.status, 200, cb.text);
  const me = await other({ op: 'api', connection: 'dpop-robot', path: '/me' });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.sub, 'user-1');
  const sent = seenAtUserinfo.at(-1);
  assert.match(sent.authorization, /^DPoP /);
  const bound = await idp.provider.AccessToken.find(sent.authorization.slice('DPoP '.length));
  assert.ok(bound?.jkt, "the grant is bound to the held object's key");
  const t = await other({ op: 'token', connection: 'dpop-robot' });
  assert.match(t.json.message, /^token_bound: /, t.text);
  // disconnecting forgets the grant and its key: the API is then refused by the Worker
  const d = await new Browser(worker).request('/admin/connections/dpop-robot/disconnect', { method: 'POST', headers: admin });
  assert.equal(d.status, 200, d.text);
  const after = await other({ op: 'api', connection: 'dpop-robot', path: '/me' });
  assert.equal(after.status, 401, after.text);
});

/** The session's object as the Worker names it (bff/keys.rs `object_name`, docs/storage.md). */
async function sessionObject(cookie) {
  const sid = cookie.split('.')[0];
  const key = createHmac('sha256', SESSION_KEY).update('tsunagi/v1/object').digest();
  const name = createHmac('sha256', key).update(`session:${sid}`).digest('base64url');
  const ns = await worker.mf.getDurableObjectNamespace('SESSIONS', 'tsunagi');
  return ns.get(ns.idFromName(name));
}

test('DPoP: the session object signs only a DPoP proof of its own key made now — no general signing oracle', async () => {
  const b = new Browser(worker);
  await signIn(b);
  const object = await sessionObject(b.cookie);
  const op = async (o) => JSON.parse(await object.op(JSON.stringify(o)));
  // what the isolate gets with the token: the public JWK only, whose thumbprint the server bound
  const token = await op({ op: 'token', connection: 'dpop', origin: ORIGIN, failed: null });
  const jwk = JSON.parse(token.ok.jwk);
  assert.equal(jwk.d, undefined, 'never the private key');
  assert.equal(await calculateJwkThumbprint(jwk), (await idp.provider.AccessToken.find(token.ok.access_token))?.jkt);

  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = { jti: randomUUID(), htm: 'GET', htu: `${idp.issuer}/me`, iat: Math.floor(Date.now() / 1000) };
  const sign = (input) => op({ op: 'sign_proof', connection: 'dpop', input });
  const proof = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk })}.${b64(claims)}`;
  const signed = await sign(proof);
  assert.ok(signed.ok, JSON.stringify(signed));
  const valid = verify(
    'sha256',
    Buffer.from(proof),
    { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
    Buffer.from(signed.ok.signature, 'base64url'),
  );
  assert.ok(valid, "a proof's signature by the bound key");

  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  for (const [why, input] of [
    ['an id_token-like JWT', `${b64({ typ: 'JWT', alg: 'ES256', jwk })}.${b64({ sub: 'admin', iss: idp.issuer, iat: claims.iat })}`],
    ['a proof naming another key', `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: other })}.${b64(claims)}`],
    ['a proof made an hour ago', `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk })}.${b64({ ...claims, iat: claims.iat - 3600 })}`],
    ['a proof without jti', `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk })}.${b64({ htm: 'GET', htu: claims.htu, iat: claims.iat })}`],
    ['arbitrary bytes', 'not a JWS at all'],
  ]) {
    const refused = await sign(input);
    assert.equal(refused.error?.code, 'invalid_parameter', `${why}: ${JSON.stringify(refused)}`);
  }
});
