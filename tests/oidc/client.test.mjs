// node --test: the built package (npm pack of pkg/, imported as 'tsunagi') against a real OpenID
// Connect server, panva's oidc-provider (tests/harness/oidc.mjs): an issuer-only generic config
// (discovery), public client with PKCE, confidential client_secret_basic and client_secret_post,
// refresh rotation, client credentials with scope and resource, RFC 9207 mix-up defence, nonce and
// id_token signature checks (RS256, PS256, ES256, EdDSA; key rotation), revocation at logout.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { importPackage, RESOURCE, startOidcProvider } from '../harness/index.mjs';

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
  user('spa-ps256', { id_token_signed_response_alg: 'PS256' }),
  user('spa-es256', { id_token_signed_response_alg: 'ES256' }),
  user('spa-eddsa', { id_token_signed_response_alg: 'EdDSA' }),
  user('web-basic', { client_secret: 'basic-secret-value', token_endpoint_auth_method: 'client_secret_basic' }),
  user('web-post', { client_secret: 'post-secret-value', token_endpoint_auth_method: 'client_secret_post' }),
  {
    client_id: 'machine',
    client_secret: 'machine-secret-value',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: 'api:read api:write',
  },
];

let t;
let op; // the issuer the clients are configured for (with a path: RFC 8414 §3.1's rule matters)
let other; // a second issuer with the same clients, on another port
let strict; // an issuer that mints a token for a resource only when the token request names it (RFC 8707 §2.2)
before(async () => {
  t = await importPackage();
  op = await startOidcProvider({ clients: CLIENTS, issuerPath: '/tenant-a' });
  other = await startOidcProvider({ clients: CLIENTS });
  strict = await startOidcProvider({ clients: CLIENTS, grantedResource: false });
});
after(async () => {
  await op?.close();
  await other?.close();
  await strict?.close();
});

const config = (clientId, extra = {}) => ({
  provider: 'generic',
  issuer: op.issuer,
  clientId,
  redirectUri: REDIRECT,
  scope: 'openid offline_access',
  ...extra,
});
const CONSENT = { prompt: 'consent' }; // OIDC Core §11: offline_access is granted with prompt=consent

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

/** authorize() → the server's scripted login → handleRedirect(); `rewrite` edits the authorization URL first. */
async function login(client, { rewrite = (u) => u, server = op } = {}) {
  const url = await client.authorize({ extraParams: CONSENT });
  const callback = await server.authorize(rewrite(url));
  return { callback, result: await client.handleRedirect(callback) };
}

/** The refresh grant sent with the low-level API (to see what the server says of a given refresh token). */
async function refreshWith(cfg, refreshToken) {
  const meta = await t.discover(op.issuer);
  const req = t.buildTokenRequest({ ...cfg, metadata: meta }, { grantType: 'refresh_token', refreshToken });
  const r = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
  return t.parseTokenResponse({ status: r.status, headers: r.headers, body: await r.text() }, { config: { ...cfg, metadata: meta } });
}

describe('discovery (RFC 8414, OpenID Connect Discovery)', () => {
  test('an issuer with a path: the metadata, its issuer exactly the configured one', async () => {
    const meta = await t.discover(op.issuer, { cache: false });
    assert.equal(meta.issuer, op.issuer);
    assert.equal(meta.token_endpoint, `${op.issuer}/token`);
    assert.equal(meta.revocation_endpoint, `${op.issuer}/token/revocation`);
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    assert.ok(meta.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
  });

  test('an issuer spelt differently (a trailing slash) is refused: metadata_issuer_mismatch', async () => {
    await rejects(t.discover(`${op.issuer}/`, { cache: false }), 'metadata_issuer_mismatch');
  });

  test('an issuer-only OAuthClient fetches nothing until it must: isAuthenticated() reads the storage only', async () => {
    const seen = [];
    const spy = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const client = new t.OAuthClient(config('spa'), { fetch: spy });
    assert.equal(await client.isAuthenticated(), false);
    assert.deepEqual(seen, []);
    // authorize() needs the endpoints: the metadata (unless this process has it cached), nothing else
    assert.ok((await client.authorize({ extraParams: CONSENT })).startsWith(`${op.issuer}/auth?`));
    assert.ok(
      seen.every((u) => u.includes('/.well-known/')),
      seen.join(' '),
    );
    client.close();
  });

  test('no metadata at an issuer: metadata_invalid', async () => {
    await rejects(t.discover(`${op.origin}/nowhere`, { cache: false }), 'metadata_invalid');
  });
});

describe('authorization code (issuer-only config)', () => {
  test('public client with PKCE: tokens, verified id_token claims, recorded scope', async () => {
    const client = new t.OAuthClient(config('spa'));
    const url = new URL(await client.authorize({ extraParams: CONSENT }));
    assert.equal(url.origin + url.pathname, `${op.issuer}/auth`);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(url.searchParams.get('nonce'), 'openid: a nonce is sent');
    const { tokens, verifiedClaims } = await client.handleRedirect(await op.authorize(url.href));
    assert.equal(tokens.scope, 'openid offline_access');
    assert.ok(tokens.refreshToken);
    assert.equal(verifiedClaims.sub, 'user-1');
    assert.equal(verifiedClaims.aud, 'spa');
    assert.equal(verifiedClaims.nonce, url.searchParams.get('nonce'));
    assert.deepEqual(await client.getVerifiedClaims(), verifiedClaims);
    assert.equal((await client.getUser()).verified, false, 'getUser stays the unverified decoding');
    client.close();
  });

  for (const alg of ['PS256', 'ES256', 'EdDSA']) {
    test(`an id_token signed with ${alg} verifies`, async () => {
      const client = new t.OAuthClient(config(`spa-${alg.toLowerCase()}`));
      const { result } = await login(client);
      assert.equal(result.verifiedClaims.sub, 'user-1');
      client.close();
    });
  }

  test('confidential client_secret_basic (chosen from the metadata) and client_secret_post', async () => {
    for (const [id, secret, clientAuth] of [
      ['web-basic', 'basic-secret-value', undefined],
      ['web-post', 'post-secret-value', 'client_secret_post'],
    ]) {
      const client = new t.OAuthClient(config(id, { clientSecret: secret, clientAuth }));
      const { result } = await login(client);
      assert.equal(result.verifiedClaims.aud, id);
      // the server holds each client to its registered method: a refresh only works with it
      assert.ok(await client.getAccessToken({ forceRefresh: true }));
      client.close();
    }
  });

  test('refresh rotation: a new refresh token each time, the spent one gets invalid_grant', async () => {
    const client = new t.OAuthClient(config('spa'));
    const { result } = await login(client);
    const first = result.tokens.refreshToken;
    await client.getAccessToken({ forceRefresh: true });
    const second = (await client.getTokens()).refreshToken;
    assert.ok(second && second !== first);
    const err = await rejects(refreshWith(config('spa'), first), 'invalid_grant');
    assert.equal(err.requiresReauthorization, true);
    client.close();
  });

  test('key rotation: an unknown kid makes the JWKS be fetched again, once', async () => {
    const client = new t.OAuthClient(config('spa-es256'));
    await login(client); // the JWKS is cached now
    op.rotateKeys();
    const { result } = await login(client);
    assert.equal(result.verifiedClaims.sub, 'user-1');
    client.close();
  });
});

describe('what is refused, and nothing stored', () => {
  test('a code from a second issuer (RFC 9207 iss) → issuer_mismatch', async () => {
    const client = new t.OAuthClient(config('spa'));
    // the same request, answered by the other server: its code comes back with its own iss
    const toOther = (u) => u.replace(`${op.issuer}/auth`, `${other.issuer}/auth`);
    const url = await client.authorize({ extraParams: CONSENT });
    const callback = await other.authorize(toOther(url));
    assert.equal(new URL(callback).searchParams.get('iss'), other.issuer);
    await rejects(client.handleRedirect(callback), 'issuer_mismatch');
    assert.equal(await client.getTokens(), null);
    client.close();
  });

  test('a callback without iss from a server that sends it → issuer_missing; the low-level parseCallback checks too', async () => {
    const client = new t.OAuthClient(config('spa'));
    const url = await client.authorize({ extraParams: CONSENT });
    const callback = new URL(await op.authorize(url));
    const state = callback.searchParams.get('state');
    assert.equal(t.parseCallback(callback, state, { issuer: op.issuer, requireIss: true }).code, callback.searchParams.get('code'));
    assert.throws(() => t.parseCallback(callback, state, { issuer: other.issuer }), { code: 'issuer_mismatch' });
    callback.searchParams.delete('iss');
    assert.throws(() => t.parseCallback(callback, state, { issuer: op.issuer, requireIss: true }), { code: 'issuer_missing' });
    await rejects(client.handleRedirect(callback.href), 'issuer_missing');
    assert.equal(await client.getTokens(), null);
    client.close();
  });

  test('an id_token carrying another nonce → nonce_mismatch', async () => {
    const client = new t.OAuthClient(config('spa'));
    const swapNonce = (u) => {
      const url = new URL(u);
      url.searchParams.set('nonce', 'a-nonce-this-session-never-sent');
      return url.href;
    };
    const url = await client.authorize({ extraParams: CONSENT });
    await rejects(client.handleRedirect(await op.authorize(swapNonce(url))), 'nonce_mismatch');
    assert.equal(await client.getTokens(), null);
    assert.equal(await client.getVerifiedClaims(), null);
    client.close();
  });

  test('a tampered id_token signature → id_token_signature_invalid', async () => {
    const client = new t.OAuthClient(config('spa'));
    const url = await client.authorize({ extraParams: CONSENT });
    const callback = await op.authorize(url);
    op.tamperNextTokenResponse((body) => {
      const [h, p, s] = body.id_token.split('.');
      const sig = Buffer.from(s, 'base64url');
      sig[0] ^= 1;
      return { ...body, id_token: [h, p, sig.toString('base64url')].join('.') };
    });
    await rejects(client.handleRedirect(callback), 'id_token_signature_invalid');
    assert.equal(await client.getTokens(), null);
    client.close();
  });

  test('a tampered id_token payload (another subject) fails the signature too', async () => {
    const client = new t.OAuthClient(config('spa-eddsa'));
    const callback = await op.authorize(await client.authorize({ extraParams: CONSENT }));
    op.tamperNextTokenResponse((body) => {
      const [h, p, s] = body.id_token.split('.');
      const claims = { ...JSON.parse(Buffer.from(p, 'base64url')), sub: 'admin' };
      return { ...body, id_token: [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.') };
    });
    await rejects(client.handleRedirect(callback), 'id_token_signature_invalid');
    client.close();
  });
});

describe('resource indicators on the token requests (RFC 8707 §2.2)', () => {
  test('openid and a resource: the code exchange and the refresh name it, so both access tokens are for it', async () => {
    const client = new t.OAuthClient({ ...config('spa'), issuer: strict.issuer, resource: RESOURCE });
    const { result } = await login(client, { server: strict });
    assert.equal(t.decodeJwtClaims(result.tokens.accessToken).aud, RESOURCE, 'code exchange');
    const refreshed = await client.getAccessToken({ forceRefresh: true });
    assert.notEqual(refreshed, result.tokens.accessToken);
    assert.equal(t.decodeJwtClaims(refreshed).aud, RESOURCE, 'refresh');
    client.close();
  });

  test("the low-level code grant carries the config's resources, or its own instead", async () => {
    const cfg = { ...config('spa'), metadata: await t.discover(op.issuer), resource: [RESOURCE, 'urn:example:b'] };
    const sent = (grant) => new URLSearchParams(t.buildTokenRequest(cfg, { grantType: 'authorization_code', code: 'c', ...grant }).body).getAll('resource');
    assert.deepEqual(sent({}), [RESOURCE, 'urn:example:b']);
    assert.deepEqual(sent({ resource: 'urn:example:c' }), ['urn:example:c']);
    assert.throws(() => t.buildTokenRequest(cfg, { grantType: 'authorization_code', code: 'c', resource: 'not absolute' }), { code: 'invalid_parameter' });
  });
});

describe('client credentials, revocation', () => {
  test('client credentials with scope and resource (RFC 8707): an access token for that audience', async () => {
    const cfg = { provider: 'generic', issuer: op.issuer, clientId: 'machine', clientSecret: 'machine-secret-value', scope: 'api:read', resource: RESOURCE };
    const client = new t.OAuthClient(cfg);
    const token = await client.getAccessToken();
    const claims = t.decodeJwtClaims(token);
    assert.equal(claims.aud, RESOURCE);
    assert.equal(claims.scope, 'api:read');
    const tokens = await client.getTokens();
    assert.equal(tokens.grant, 'client_credentials');
    assert.equal(tokens.scope, 'api:read');
    // the low-level request carries the grant's own scope and resource
    const req = t.buildTokenRequest(
      { ...cfg, metadata: await t.discover(op.issuer) },
      { grantType: 'client_credentials', scope: 'api:write', resource: RESOURCE },
    );
    assert.equal(new URLSearchParams(req.body).get('scope'), 'api:write');
    assert.equal(new URLSearchParams(req.body).getAll('resource').length, 1);
    client.close();
  });

  test('logout revokes the refresh token (RFC 7009): the server then refuses it', async () => {
    const client = new t.OAuthClient(config('spa'));
    const { result } = await login(client);
    assert.deepEqual(await client.logout(), { revoked: true });
    assert.equal(await client.getTokens(), null);
    await rejects(refreshWith(config('spa'), result.tokens.refreshToken), 'invalid_grant');
    // nothing left to revoke: a second logout sends nothing
    assert.deepEqual(await client.logout(), { revoked: false });
    client.close();
  });

  test('discovery, the JWKS and the revocation at logout go through gloo-net (one Request to the global fetch), or through the app’s fetch option (url, init) when it gives one', async () => {
    const real = globalThis.fetch;
    // a fresh issuer for each run: the metadata and JWKS caches of the module instance are per issuer
    const servers = [await startOidcProvider({ clients: CLIENTS }), await startOidcProvider({ clients: CLIENTS })];
    let watching = null; // the issuer whose requests are recorded, while the client (not this test) sends
    const global = [];
    globalThis.fetch = (...args) => {
      const u = args[0] instanceof Request ? args[0].url : String(args[0]);
      if (watching && u.startsWith(watching)) global.push(args);
      return real(...args);
    };
    const mine = [];
    const appFetch = (url, init) => {
      mine.push([url, init]);
      return real(url, init);
    };
    /** Login (discovery, code exchange, JWKS for the id_token) and logout (revocation), recorded. */
    const run = async (server, opts) => {
      const client = new t.OAuthClient({ ...config('spa'), issuer: server.issuer }, opts);
      watching = server.issuer;
      const url = await client.authorize({ extraParams: CONSENT });
      watching = null;
      const callback = await server.authorize(url);
      watching = server.issuer;
      await client.handleRedirect(callback);
      assert.deepEqual(await client.logout(), { revoked: true });
      watching = null;
      client.close();
      const meta = await t.discover(server.issuer);
      return [meta.token_endpoint, meta.jwks_uri, meta.revocation_endpoint];
    };
    try {
      const [token, jwks, revocation] = await run(servers[0]);
      const sent = global.map((a) => a[0]);
      assert.ok(
        global.every((a) => a.length === 1 && a[0] instanceof Request),
        'every request as one Request',
      );
      assert.match(sent[0].url, /\/\.well-known\//, 'the metadata first');
      for (const u of [token, jwks, revocation])
        assert.ok(
          sent.some((r) => r.url === u),
          `${u} through gloo-net`,
        );
      for (const r of sent) {
        assert.equal(r.redirect, 'error', r.url);
        assert.equal(r.credentials, 'omit', r.url);
      }
      assert.deepEqual(mine, []);

      // the app's fetch option overrides: it gets (url, init), the global fetch nothing
      global.length = 0;
      const [token2, jwks2, revocation2] = await run(servers[1], { fetch: appFetch });
      assert.deepEqual(global, [], 'nothing through the global fetch');
      assert.match(mine[0][0], /\/\.well-known\//, 'the metadata first');
      for (const u of [token2, jwks2, revocation2])
        assert.ok(
          mine.some(([url]) => url === u),
          `${u} through the app’s fetch`,
        );
      for (const [url, init] of mine) {
        assert.deepEqual([init.redirect, init.credentials, init.signal instanceof AbortSignal], ['error', 'omit', true], url);
      }
      assert.equal(mine.find(([url]) => url === revocation2)[1].method, 'POST');
    } finally {
      globalThis.fetch = real;
      for (const s of servers) await s.close();
    }
  });

  test('low-level revocation request and answer', async () => {
    const cfg = { ...config('web-post', { clientSecret: 'post-secret-value', clientAuth: 'client_secret_post' }), metadata: await t.discover(op.issuer) };
    const req = t.buildRevocationRequest(cfg, { token: 'not-a-token-this-server-issued' });
    const body = new URLSearchParams(req.body);
    assert.equal(body.get('token_type_hint'), 'refresh_token');
    assert.equal(body.get('client_secret'), 'post-secret-value');
    const r = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
    // RFC 7009 §2.2: an unknown token is answered 200 as well
    assert.equal(
      t.parseRevocationResponse(cfg, { token: 'not-a-token-this-server-issued' }, { status: r.status, headers: r.headers, body: await r.text() }),
      undefined,
    );
    const bad = { ...cfg, clientSecret: 'wrong-secret-value' };
    const req2 = t.buildRevocationRequest(bad, { token: 'x' });
    const r2 = await fetch(req2.url, { method: req2.method, headers: req2.headers, body: req2.body });
    const answer = { status: r2.status, headers: r2.headers, body: await r2.text() };
    assert.throws(() => t.parseRevocationResponse(bad, { token: 'x' }, answer), { code: 'invalid_client' });
  });
});
