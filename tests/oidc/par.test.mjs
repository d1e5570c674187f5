// node --test: Pushed Authorization Requests (RFC 9126) through the built package's OAuthClient
// against panva's oidc-provider (tests/harness/oidc.mjs, its pushedAuthorizationRequests feature):
// a server that requires PAR (metadata, RFC 9126 §5) and one client that alone requires it, the
// authorize URL with only client_id and request_uri (§4), sign-in and refresh after the push, a
// public and a confidential client, a push the server refuses (§2.3) and `par: false` against a
// server that requires PAR — typed errors, nothing pending stored — and a fresh push every time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { importPackage, startOidcProvider } from '../harness/index.mjs';

const REDIRECT = 'http://127.0.0.1:9/cb';
const user = (id, extra = {}) => ({
  client_id: id,
  token_endpoint_auth_method: 'none',
  redirect_uris: [REDIRECT],
  grant_types: ['authorization_code', 'refresh_token'],
  ...extra,
});
const CLIENTS = [
  user('spa'),
  user('web-basic', { client_secret: 'basic-secret-value', token_endpoint_auth_method: 'client_secret_basic' }),
  user('web-post', { client_secret: 'post-secret-value', token_endpoint_auth_method: 'client_secret_post' }),
  user('spa-par-only', { require_pushed_authorization_requests: true }),
];
const CONSENT = { prompt: 'consent' }; // OIDC Core §11: offline_access is granted with prompt=consent

let t;
let required; // requires PAR of every client (require_pushed_authorization_requests in its metadata)
let optional; // offers PAR; only spa-par-only must use it
before(async () => {
  t = await importPackage();
  required = await startOidcProvider({ clients: CLIENTS, issuerPath: '/par', pushedAuthorizationRequests: { requirePushedAuthorizationRequests: true } });
  optional = await startOidcProvider({ clients: CLIENTS });
});
after(async () => {
  await required?.close();
  await optional?.close();
});

const config = (server, clientId, extra = {}) => ({
  provider: 'generic',
  issuer: server.issuer,
  clientId,
  redirectUri: REDIRECT,
  scope: 'openid offline_access',
  ...extra,
});
const pushes = (server) => server.requests(`${new URL(server.issuer).pathname.replace(/\/$/, '')}/request`);

async function rejects(promise, code) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${code}, got success`);
  assert.equal(err.code, code, `${err.code}: ${err.message}`);
  return err;
}

/** The URL's parameters by name (each once). */
function params(href) {
  const url = new URL(href);
  return { endpoint: url.origin + url.pathname, names: [...url.searchParams.keys()].sort(), get: (n) => url.searchParams.get(n) };
}

describe('PAR (RFC 9126) with OAuthClient', () => {
  test('metadata requires PAR: pushed by default, the URL carries client_id and request_uri only; sign-in, then refresh', async () => {
    const meta = await t.discover(required.issuer, { cache: false });
    assert.equal(meta.pushed_authorization_request_endpoint, `${required.issuer}/request`);
    assert.equal(meta.require_pushed_authorization_requests, true);
    const client = new t.OAuthClient(config(required, 'spa'));
    const before = pushes(required);
    const p = params(await client.authorize({ extraParams: CONSENT }));
    assert.equal(pushes(required), before + 1, 'the server saw one push');
    assert.equal(p.endpoint, `${required.issuer}/auth`);
    assert.deepEqual(p.names, ['client_id', 'request_uri']);
    assert.equal(p.get('client_id'), 'spa');
    assert.match(p.get('request_uri'), /^urn:ietf:params:oauth:request_uri:/);
    const { tokens, verifiedClaims } = await client.handleRedirect(
      await required.authorize(`${required.issuer}/auth?client_id=spa&request_uri=${encodeURIComponent(p.get('request_uri'))}`),
    );
    assert.equal(verifiedClaims.sub, 'user-1', 'the pushed nonce came back in the id_token');
    assert.ok(tokens.refreshToken, 'the pushed scope and prompt were granted');
    const refreshed = await client.getAccessToken({ forceRefresh: true });
    assert.ok(refreshed && refreshed !== tokens.accessToken);
    client.close();
  });

  test('confidential clients push with their authentication (client_secret_basic, client_secret_post)', async () => {
    for (const [id, secret, clientAuth] of [
      ['web-basic', 'basic-secret-value', undefined],
      ['web-post', 'post-secret-value', 'client_secret_post'],
    ]) {
      const client = new t.OAuthClient(config(required, id, { clientSecret: secret, clientAuth }));
      const url = await client.authorize({ extraParams: CONSENT });
      assert.deepEqual(params(url).names, ['client_id', 'request_uri']);
      const { verifiedClaims } = await client.handleRedirect(await required.authorize(url));
      assert.equal(verifiedClaims.aud, id);
      assert.ok(await client.getAccessToken({ forceRefresh: true }));
      client.close();
    }
  });

  test('every authorization pushes anew: a request_uri is never reused', async () => {
    const client = new t.OAuthClient(config(required, 'spa'));
    const before = pushes(required);
    const first = params(await client.authorize({ extraParams: CONSENT })).get('request_uri');
    const second = params(await client.authorize({ extraParams: CONSENT })).get('request_uri');
    assert.notEqual(first, second);
    assert.equal(pushes(required), before + 2);
    client.close();
  });

  test('par: true where the server only offers PAR (a client that alone requires it); the default sends the plain URL', async () => {
    const pushing = new t.OAuthClient(config(optional, 'spa-par-only', { par: true }));
    const url = await pushing.authorize({ extraParams: CONSENT });
    assert.deepEqual(params(url).names, ['client_id', 'request_uri']);
    const { tokens } = await pushing.handleRedirect(await optional.authorize(url));
    assert.ok(tokens.accessToken);
    pushing.close();
    const plain = new t.OAuthClient(config(optional, 'spa'));
    const before = pushes(optional);
    const p = params(await plain.authorize({ extraParams: CONSENT }));
    assert.ok(p.names.includes('code_challenge') && !p.names.includes('request_uri'));
    assert.equal(pushes(optional), before, 'nothing pushed');
    plain.close();
  });

  test('par: false against a server that requires PAR: invalid_config before anything is sent or stored', async () => {
    const storage = new Map();
    const store = { get: (k) => storage.get(k) ?? null, set: (k, v) => storage.set(k, v), remove: (k) => storage.delete(k) };
    const client = new t.OAuthClient(config(required, 'spa', { par: false }), { storage: store });
    const before = pushes(required);
    const err = await rejects(client.authorize({ extraParams: CONSENT }), 'invalid_config');
    assert.match(err.message, /require_pushed_authorization_requests/);
    assert.equal(pushes(required), before);
    assert.equal(storage.size, 0, 'no pending authorization stored');
    client.close();
  });

  test('a push the server refuses (a redirect_uri it does not know): the typed error with its code, nothing pending', async () => {
    const client = new t.OAuthClient(config(required, 'spa', { redirectUri: 'http://127.0.0.1:9/elsewhere' }));
    const before = pushes(required);
    let err;
    try {
      await client.authorize({ extraParams: CONSENT });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof t.TsunagiError, String(err));
    assert.equal(err.status, 400);
    // RFC 9126 §2.3: oidc-provider answers invalid_request (its description names redirect_uri)
    assert.equal(err.code, 'invalid_request', err.message);
    assert.equal(err.oauthError, 'invalid_request');
    assert.match(err.description ?? '', /redirect_uri/);
    assert.equal(pushes(required), before + 1, 'sent once, not retried');
    await rejects(client.handleRedirect(`${REDIRECT}?code=x&state=y`), 'state_missing');
    client.close();
  });

  test('the low-level beginAuthorization() never hands out a URL such a server would refuse: invalid_config', async () => {
    const metadata = await t.discover(required.issuer);
    assert.throws(
      () => t.beginAuthorization({ ...config(required, 'spa'), metadata }),
      (e) => e.code === 'invalid_config' && /RFC 9126/.test(e.message),
    );
    assert.ok(t.beginAuthorization({ ...config(optional, 'spa'), metadata: await t.discover(optional.issuer) }).url.includes('code_challenge='));
  });

  test('par: true without a PAR endpoint in the metadata: invalid_config', async () => {
    const off = await startOidcProvider({ clients: CLIENTS, pushedAuthorizationRequests: { enabled: false } });
    try {
      const client = new t.OAuthClient(config(off, 'spa', { par: true }));
      await rejects(client.authorize({ extraParams: CONSENT }), 'invalid_config');
      client.close();
    } finally {
      await off.close();
    }
  });
});
