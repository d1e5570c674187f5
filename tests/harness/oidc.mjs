// panva's oidc-provider (npm devDependency, 9.13.3), a real certified OpenID Connect / OAuth 2.0
// authorization server, started on loopback for the tests, with a scripted login: no forms.
//
// API
//   startOidcProvider({ clients, issuerPath, oauthMetadata, accountId, claims, resource, scopes, ttl, quiet, pushedAuthorizationRequests, dpop }) →
//     Promise<{ issuer, origin, port, provider, close(), rotateKeys(), tamperNextTokenResponse(fn),
//               signIdToken(claims, { alg, kid }), requests(path), authorize(url, { jar }) }>
//   - clients: oidc-provider client metadata (client_id, client_secret, redirect_uris, grant_types,
//     token_endpoint_auth_method, id_token_signed_response_alg ('RS256' | 'PS256' | 'ES256' | 'EdDSA'),
//     scope …). Defaults filled in: response_types ['code'], grant_types ['authorization_code'].
//   - issuerPath: mount the server under a path ('/tenant-a') so the issuer has one. The RFC 8414
//     metadata is then served where RFC 8414 §3.1 puts it (/.well-known/oauth-authorization-server/tenant-a),
//     the OIDC metadata where OIDC Discovery §4 puts it (/tenant-a/.well-known/openid-configuration).
//   - oauthMetadata (true): false serves no RFC 8414 document; its location answers 404 without
//     CORS headers, as many servers do (a browser sees a network failure there).
//   - accountId ('user-1') and claims ({ name, email }): the one account every login signs in as.
//   - resource (RESOURCE, 'https://api.example.test/'): the resource server known to RFC 8707
//     resource indicators, with the scopes 'api:read api:write'; access tokens for it are JWTs.
//   - grantedResource (true): a token request without `resource` gets a token for the resource
//     granted at authorization; false, as RFC 8707 §2.2 allows, a token for the default audience.
//   - scopes: extra scopes the server knows (it always knows openid, offline_access, profile, email).
//   - ttl: oidc-provider ttl overrides (AccessToken, IdToken, RefreshToken … in seconds).
//   - quiet (true): drop oidc-provider's development WARNING/NOTICE lines from the console.
//   - pushedAuthorizationRequests ({}): merged into oidc-provider's features.pushedAuthorizationRequests
//     (RFC 9126; on by default in 9.x, the endpoint at {issuer}/request), e.g.
//     { requirePushedAuthorizationRequests: true } (metadata then says require_pushed_authorization_requests)
//     or { enabled: false }. A client's own `require_pushed_authorization_requests: true` requires PAR of it alone.
//   - dpop: DPoP (RFC 9449; oidc-provider's features.dPoP, on by default: proofs taken, tokens bound
//     to the proof key, ES256 among dpop_signing_alg_values_supported). { nonce: true }: every proof
//     must carry the server's nonce (features.dPoP.nonceSecret, requireNonce): the token endpoint
//     answers 400 use_dpop_nonce, userinfo 401 WWW-Authenticate: DPoP error="use_dpop_nonce", each
//     with a DPoP-Nonce. false: DPoP off (no dpop_signing_alg_values_supported). A client with
//     `dpop_bound_access_tokens: true` must use DPoP.
// The server:
//   - every login is scripted: the authorization endpoint redirects to /interaction/:uid (the
//     harness's own handler), which signs in `accountId` and grants every requested scope, claim and
//     resource at once (provider.interactionFinished). Interactions are tied to cookies, so the
//     client must keep cookies across the redirects: Chromium does; from Node use `authorize(url)`,
//     which follows the redirects with a cookie jar and returns the URL the server finally sends the
//     user agent to (the client's redirect_uri with code, state and iss), without requesting it.
//   - refresh tokens are issued when the client has the refresh_token grant and `offline_access` is
//     requested (prompt=consent is added by the client, as OIDC Core §11 requires), and rotated on
//     every use; a spent one gets invalid_grant.
//   - client_credentials, revocation (RFC 7009), introspection, resource indicators (RFC 8707) are
//     on; `iss` is in every authorization response (RFC 9207); PKCE is required of public clients.
//   - id_tokens are signed with the client's id_token_signed_response_alg (default RS256), from a
//     JWKS of freshly generated RS256, PS256, ES256 and EdDSA (Ed25519) keys, each with its own kid.
//   - CORS is open for every client (Chromium pages on another loopback port call the token endpoint).
// Helpers on the handle:
//   - rotateKeys(): a new generation of signing keys (new kids), same issuer, port and state (the
//     memory adapter is process-wide); the old keys are gone from jwks_uri.
//   - tamperNextTokenResponse(fn): the next token endpoint JSON body goes through fn(json) → json
//     before it leaves (to test a forged id_token against a real server's answer).
//   - signIdToken(claims, { alg = 'ES256', kid }): a compact JWS over `claims` signed with the server's
//     current key for `alg` (its kid, unless `kid` names another: a key not in the JWKS) — to forge
//     id_tokens a client must refuse for their claims alone.
//   - requests(path, method?): how many requests for `path` (e.g. '/jwks' under the issuer) the server
//     had; with `method` ('POST'), only those (a page's CORS preflights are OPTIONS).
//   - authorize(url, { jar }): see above; `jar` (a Map) keeps cookies between calls (one "browser").
// A second startOidcProvider({ clients }) with the same clients is a second issuer for mix-up tests.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';

/** oidc-provider's class, loaded by the first startOidcProvider() (not by importing the harness). */
let Provider;

/** The resource indicator (RFC 8707) the server knows. */
export const RESOURCE = 'https://api.example.test/';

let generation = 0;

/** A fresh JWKS (private keys) with one key per algorithm, kids unique per call. */
function signingKeys() {
  generation += 1;
  const jwk = (type, opts, alg) => ({
    ...generateKeyPairSync(type, opts).privateKey.export({ format: 'jwk' }),
    alg,
    kid: `${alg.toLowerCase()}-${generation}`,
    use: 'sig',
  });
  return {
    keys: [
      jwk('rsa', { modulusLength: 2048 }, 'RS256'),
      jwk('rsa', { modulusLength: 2048 }, 'PS256'),
      jwk('ec', { namedCurve: 'P-256' }, 'ES256'),
      jwk('ed25519', {}, 'EdDSA'),
    ],
  };
}

function withDefaults(client) {
  return { response_types: ['code'], grant_types: ['authorization_code'], ...client };
}

/** oidc-provider's features.dPoP for the `dpop` option. */
function dpopFeature(dpop) {
  if (dpop === false) return { enabled: false };
  if (dpop?.nonce) return { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true };
  return { enabled: true };
}

function configuration({ clients, claims, resource, grantedResource, scopes, ttl, cookieKeys, jwks, pushedAuthorizationRequests, dpop }) {
  return {
    clients: clients.map(withDefaults),
    jwks,
    cookies: { keys: cookieKeys },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, ...claims }) }),
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    scopes: ['openid', 'offline_access', 'profile', 'email', ...scopes],
    interactions: { url: (ctx, interaction) => `${ctx.oidc.provider.issuerPath}/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, ...pushedAuthorizationRequests },
      dPoP: dpopFeature(dpop),
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => grantedResource,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resource) throw new Provider.errors.InvalidTarget();
          return { scope: 'api:read api:write', audience: resource, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'] },
    clientBasedCORS: () => true,
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    ttl: { AccessToken: 3600, IdToken: 3600, RefreshToken: 86400, ClientCredentials: 600, Interaction: 600, Session: 86400, Grant: 86400, ...ttl },
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
  };
}

function newProvider(issuer, config, quiet) {
  const { warn, info } = console;
  if (quiet) {
    console.warn = (...a) => (String(a[0]).startsWith('oidc-provider') ? undefined : warn(...a));
    console.info = (...a) => (String(a[0]).startsWith('oidc-provider') ? undefined : info(...a));
  }
  try {
    const provider = new Provider(issuer, config);
    provider.proxy = false;
    return provider;
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

/** Signs in the account and grants everything the prompt asks for (scopes, claims, resources). */
async function finishInteraction(provider, accountId, req, res) {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  if (prompt.name === 'login') {
    return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
  }
  const grant = grantId ? await provider.Grant.find(grantId) : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, s] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, s.join(' '));
  return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

/** Passes the body of the next token response through `fn` (see tamperNextTokenResponse). */
function tamperResponse(res, fn) {
  const chunks = [];
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  res.write = (chunk) => {
    chunks.push(Buffer.from(chunk));
    return true;
  };
  res.end = (chunk, ...rest) => {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
    let body = Buffer.concat(chunks).toString('utf8');
    try {
      body = JSON.stringify(fn(JSON.parse(body)));
    } catch {
      /* not JSON: sent as it was */
    }
    res.setHeader('content-length', Buffer.byteLength(body));
    write(body);
    return end(...rest.filter((r) => typeof r === 'function'));
  };
}

/** Starts the server; see the top of this file. */
export async function startOidcProvider({
  clients = [],
  issuerPath = '',
  oauthMetadata = true,
  accountId = 'user-1',
  claims = { name: 'Test User', email: 'user-1@example.test' },
  resource = RESOURCE,
  grantedResource = true,
  scopes = ['api:read', 'api:write'],
  ttl = {},
  quiet = true,
  pushedAuthorizationRequests = {},
  dpop,
} = {}) {
  const mount = issuerPath.replace(/\/+$/, '');
  if (mount && !mount.startsWith('/')) throw new TypeError('issuerPath starts with /');
  Provider ??= (await import('oidc-provider')).default;
  const cookieKeys = [randomBytes(32).toString('base64url')];
  let provider;
  let handler;
  let tamper = null;
  let keys;
  const counts = new Map();
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    counts.set(`${req.method} ${path}`, (counts.get(`${req.method} ${path}`) ?? 0) + 1);
    // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path
    if (mount && oauthMetadata && path === `/.well-known/oauth-authorization-server${mount}`) req.url = `${mount}/.well-known/oauth-authorization-server`;
    else if (!path.startsWith(`${mount}/`) || (!oauthMetadata && path.endsWith('/.well-known/oauth-authorization-server'))) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    if (path.startsWith(`${mount}/interaction/`)) {
      return finishInteraction(provider, accountId, req, res).catch((e) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`interaction failed: ${e.message}`);
      });
    }
    if (tamper && req.method === 'POST' && path === `${mount}/token`) {
      tamperResponse(res, tamper);
      tamper = null;
    }
    if (mount) {
      // mounted like express does it: originalUrl keeps the mount path, url drops it
      req.originalUrl = req.url;
      req.url = req.url.slice(mount.length) || '/';
    }
    return handler(req, res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  const issuer = `${origin}${mount}`;
  const options = { clients, accountId, claims, resource, grantedResource, scopes, ttl, cookieKeys, pushedAuthorizationRequests, dpop };
  const boot = () => {
    keys = signingKeys();
    provider = newProvider(issuer, configuration({ ...options, jwks: keys }), quiet);
    provider.issuerPath = mount;
    handler = provider.callback();
  };
  boot();
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    issuer,
    origin,
    port,
    get provider() {
      return provider;
    },
    rotateKeys: boot,
    tamperNextTokenResponse(fn) {
      tamper = fn;
    },
    signIdToken(claims, { alg = 'ES256', kid } = {}) {
      const jwk = keys.keys.find((k) => k.alg === alg);
      const enc = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const input = `${enc({ alg, typ: 'JWT', kid: kid ?? jwk.kid })}.${enc(claims)}`;
      const key = createPrivateKey({ key: jwk, format: 'jwk' });
      const params = {
        RS256: ['sha256', { key }],
        PS256: ['sha256', { key, padding: 6, saltLength: 32 }],
        ES256: ['sha256', { key, dsaEncoding: 'ieee-p1363' }],
        EdDSA: [null, { key }],
      }[alg];
      return `${input}.${sign(params[0], Buffer.from(input), params[1]).toString('base64url')}`;
    },
    requests: (path, method) => counts.get(method ? `${method} ${path}` : path) ?? 0,
    authorize: (url, opts) => followAuthorization(url, issuer, opts),
    close: () =>
      new Promise((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}

/**
 * Follows the redirects of an authorization request the way a browser would (cookies kept in
 * `jar`), until the server sends the user agent off its own origin (the client's redirect_uri),
 * and returns that URL without requesting it. Throws on a non-redirect answer.
 */
export async function followAuthorization(url, issuer, { jar = new Map(), maxRedirects = 10 } = {}) {
  const own = new URL(issuer).origin;
  let next = String(url);
  for (let i = 0; i < maxRedirects; i += 1) {
    if (new URL(next).origin !== own) return next;
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await fetch(next, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const s of r.headers.getSetCookie()) {
      const m = /^([^=;]+)=([^;]*)/.exec(s);
      if (!m) continue;
      if (!m[2] || /expires=Thu, 01 Jan 1970/i.test(s) || /max-age=0(;|$)/i.test(s)) jar.delete(m[1]);
      else jar.set(m[1], m[2]);
    }
    const location = r.headers.get('location');
    if (r.status < 300 || r.status >= 400 || !location) throw new Error(`authorization stopped at ${r.status}: ${(await r.text()).slice(0, 300)}`);
    await r.arrayBuffer().catch(() => {});
    next = new URL(location, next).href;
  }
  throw new Error(`more than ${maxRedirects} redirects`);
}
