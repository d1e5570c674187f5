// The harness itself (tests/harness/oidc.mjs) against plain fetch: what every tsunagi test built
// on it takes for granted — both metadata locations, a scripted login returning code, state and
// iss, refresh rotation, client credentials with a resource, revocation, key rotation.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { RESOURCE, startOidcProvider } from '../harness/index.mjs';

const REDIRECT = 'http://127.0.0.1:9/cb';
let op;
before(async () => {
  op = await startOidcProvider({
    issuerPath: '/tenant-a',
    clients: [
      {
        client_id: 'pub',
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        id_token_signed_response_alg: 'EdDSA',
      },
      { client_id: 'conf', client_secret: 'sec', redirect_uris: [REDIRECT], grant_types: ['client_credentials'], scope: 'api:read api:write' },
    ],
  });
});
after(() => op.close());

const form = (params, headers = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(params),
});

test('metadata at the RFC 8414 §3.1 and OIDC Discovery locations, same issuer', async () => {
  for (const url of [`${op.origin}/.well-known/oauth-authorization-server/tenant-a`, `${op.issuer}/.well-known/openid-configuration`]) {
    const meta = await (await fetch(url)).json();
    assert.equal(meta.issuer, op.issuer);
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    assert.equal(meta.revocation_endpoint, `${op.issuer}/token/revocation`);
  }
});

test('scripted login, refresh rotation, revocation', async () => {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${op.issuer}/auth`);
  const params = {
    client_id: 'pub',
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: 'openid offline_access',
    state: 's1',
    nonce: 'n1',
    prompt: 'consent',
  };
  for (const [k, v] of Object.entries({
    ...params,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(k, v);
  }
  const cb = new URL(await op.authorize(url.href));
  assert.equal(`${cb.origin}${cb.pathname}`, REDIRECT);
  assert.equal(cb.searchParams.get('state'), 's1');
  assert.equal(cb.searchParams.get('iss'), op.issuer);
  const code = cb.searchParams.get('code');
  const first = await (
    await fetch(`${op.issuer}/token`, form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'pub', code_verifier: verifier }))
  ).json();
  assert.equal(JSON.parse(Buffer.from(first.id_token.split('.')[0], 'base64url')).alg, 'EdDSA');
  const refresh = (rt) => fetch(`${op.issuer}/token`, form({ grant_type: 'refresh_token', refresh_token: rt, client_id: 'pub' }));
  const second = await (await refresh(first.refresh_token)).json();
  assert.notEqual(second.refresh_token, first.refresh_token);
  assert.equal((await (await refresh(first.refresh_token)).json()).error, 'invalid_grant');
  const revoked = await fetch(`${op.issuer}/token/revocation`, form({ token: second.refresh_token, token_type_hint: 'refresh_token', client_id: 'pub' }));
  assert.equal(revoked.status, 200);
  assert.equal((await (await refresh(second.refresh_token)).json()).error, 'invalid_grant');
});

test('client credentials with scope and resource; key rotation', async () => {
  const basic = `Basic ${Buffer.from('conf:sec').toString('base64')}`;
  const r = await (
    await fetch(`${op.issuer}/token`, form({ grant_type: 'client_credentials', scope: 'api:read', resource: RESOURCE }, { authorization: basic }))
  ).json();
  assert.equal(r.scope, 'api:read');
  assert.equal(JSON.parse(Buffer.from(r.access_token.split('.')[1], 'base64url')).aud, RESOURCE);
  const kids = async () => (await (await fetch(`${op.issuer}/jwks`)).json()).keys.map((k) => k.kid);
  const before = await kids();
  op.rotateKeys();
  const now = await kids();
  assert.equal(now.length, 4);
  assert.ok(now.every((k) => !before.includes(k)));
});
