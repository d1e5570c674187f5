// A held connection's DPoP key outlives no grant (RFC 9449 §5 binds a grant's tokens to the key
// that proved it): an unattended connection granted with `dpop = true` keeps its key in its object;
// the same connection configured without DPoP and granted again holds a Bearer pair, and the
// earlier key is deleted, so no later refresh is proven by it. Against panva's oidc-provider with a
// client that takes either (DPoP when a proof comes, Bearer otherwise); one Durable Object storage
// kept across the two Worker configurations. The same for a client-credentials connection, where
// every token request is a new grant: configured without DPoP, its next token request goes unproven
// (a Bearer token) and the key of the bound one before is deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, startWorker, bindingsFor, connectionsFor, Browser, ORIGIN, SESSION_KEY, startOidcProvider } from '../harness/index.mjs';
import { SECRET } from './oidc.mjs';

const CLIENT_ID = 'tsunagi-either';
const SERVICE_ID = 'tsunagi-either-service';
const ADMIN = { 'x-tsunagi-admin': 'admin-secret-for-the-regrant-test-0123456789', 'x-tsunagi': '1' };

let sbx, idp, persist;
/** The token answers oidc-provider sent: their `token_type`. */
const issued = [];

before(async () => {
  sbx = await startSandbox();
  idp = await startOidcProvider({
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: SECRET,
        redirect_uris: [`${ORIGIN}/auth/robot/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: SERVICE_ID,
        client_secret: SECRET,
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    dpop: { nonce: true },
  });
  idp.provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.body?.access_token) issued.push(ctx.body.token_type);
  });
  persist = mkdtempSync(join(tmpdir(), 'tsunagi-regrant-'));
});
after(async () => {
  await idp?.close();
  await sbx?.stop();
  if (persist) rmSync(persist, { recursive: true, force: true });
});

/** The Worker with the `robot` connection (`dpop` as given), over the one kept storage. */
async function withWorker(dpop, fn) {
  const robot = {
    profile: 'generic',
    client_id: CLIENT_ID,
    secret: 'IDP_CLIENT_SECRET',
    issuer: idp.issuer,
    api_base: idp.issuer,
    scopes: ['openid', 'offline_access'],
    unattended: true,
    dpop,
  };
  const service = {
    profile: 'generic',
    client_id: SERVICE_ID,
    secret: 'IDP_CLIENT_SECRET',
    issuer: idp.issuer,
    api_base: idp.issuer,
    grant: 'client_credentials',
    dpop,
  };
  const bindings = bindingsFor(sbx.ep, {
    connections: { ...connectionsFor(sbx.ep), robot, service },
    IDP_CLIENT_SECRET: SECRET,
    ADMIN_TOKEN: ADMIN['x-tsunagi-admin'],
  });
  const worker = await startWorker(bindings, { persist });
  try {
    return await fn(worker);
  } finally {
    await worker.stop();
  }
}

/** The administrator's grant of `robot`, completed at oidc-provider. */
async function grant(worker) {
  const g = await new Browser(worker).request('/admin/connections/robot/grant', { method: 'POST', headers: ADMIN });
  assert.equal(g.status, 200, g.text);
  const cb = await new Browser(worker).request(await idp.authorize(g.json.authorize_url));
  assert.equal(cb.status, 200, cb.text);
}

/** The held connection's object (config.rs `held_object_name`: a client-credentials connection's
 * label ends with its secret). */
async function heldObject(worker, connection) {
  const key = createHmac('sha256', SESSION_KEY).update('tsunagi/v1/object').digest();
  const label =
    connection === 'robot' ? `connection:robot:${idp.issuer}/token:${CLIENT_ID}` : `connection:${connection}:${idp.issuer}/token:${SERVICE_ID}:${SECRET}`;
  const ns = await worker.mf.getDurableObjectNamespace('CONNECTIONS', 'tsunagi');
  return ns.get(ns.idFromName(createHmac('sha256', key).update(label).digest('base64url')));
}

/** The connection's token as its object answers the Worker (`failed`: the fingerprint of a token
 * the provider refused, which makes it ask for a new one). */
async function heldToken(worker, connection, failed = null) {
  const object = await heldObject(worker, connection);
  const answer = JSON.parse(await object.op(JSON.stringify({ op: 'token', connection, origin: ORIGIN, failed })));
  assert.ok('ok' in answer, JSON.stringify(answer));
  return answer.ok;
}

/** Whether the connection's object holds a DPoP key: it signs nothing but its own proofs, and
 * says `login_required` when it has no key before it looks at what it was given. */
async function holdsKey(worker, connection = 'robot') {
  const object = await heldObject(worker, connection);
  const answer = JSON.parse(await object.op(JSON.stringify({ op: 'sign_proof', connection, input: 'not a proof' })));
  const code = answer.error?.code;
  assert.ok(code === 'invalid_parameter' || code === 'login_required', JSON.stringify(answer));
  return code === 'invalid_parameter';
}

test('a grant without DPoP deletes the key an earlier DPoP grant of the held connection was bound to', async () => {
  await withWorker(true, async (worker) => {
    await grant(worker);
    assert.equal(issued.at(-1), 'DPoP', 'the first grant is bound');
    assert.equal(await holdsKey(worker), true, 'its key is kept with it');
  });
  await withWorker(false, async (worker) => {
    await grant(worker);
    assert.equal(issued.at(-1), 'Bearer', 'the new grant is not bound');
    assert.equal(await holdsKey(worker), false, "the earlier grant's key is gone with it");
  });
});

test('a client-credentials connection configured without DPoP asks for its next token unproven, and forgets the earlier key', async () => {
  let bound;
  await withWorker(true, async (worker) => {
    bound = await heldToken(worker, 'service');
    assert.equal(issued.at(-1), 'DPoP', 'the token is bound');
    assert.equal(await holdsKey(worker, 'service'), true);
  });
  await withWorker(false, async (worker) => {
    // the provider refused the bound token: the object asks for a new one
    const fingerprint = createHash('sha256').update(bound.access_token).digest('hex').slice(0, 8);
    const next = await heldToken(worker, 'service', fingerprint);
    assert.notEqual(next.access_token, bound.access_token);
    assert.equal(issued.at(-1), 'Bearer', 'the new token request was not proven by the earlier key');
    assert.equal(await holdsKey(worker, 'service'), false, 'the earlier key is gone');
  });
});
