// node --test: the built package (npm pack of pkg/, imported as 'tsunagi'), low-level API, with
// the vendor documents' examples, hostile input, and the Logiless and LegalOn request builders
// against the provider sandbox over loopback HTTP.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { importPackage, startSandbox, send } from '../harness/index.mjs';

let t;
let sb;
before(async () => {
  t = await importPackage();
  sb = await startSandbox();
});
after(async () => {
  await sb?.stop();
});

/** A public generic client of a made-up server (nothing is sent to it). */
const asExample = {
  provider: 'generic',
  authorizationEndpoint: 'https://as.example/authorize',
  tokenEndpoint: 'https://as.example/token',
  clientId: 'c',
  redirectUri: 'https://app.example/cb',
};
const lawvu = { provider: 'lawvu', environment: 'sandbox', clientId: 'acme-inc', redirectUri: 'https://acme-inc.com/auth' };

/** Asserts `fn` throws a TsunagiError with `code`; returns it. */
/** The sandbox's Logiless app as a package config (endpoints from its endpoints document). */
function logilessConfig(ep) {
  return {
    provider: 'logiless',
    clientId: ep.client_id,
    clientSecret: ep.client_secret,
    redirectUri: ep.redirect_uri,
    merchantId: ep.merchant_id,
    authorizeUrl: ep.authorize_url,
    tokenUrl: ep.token_url,
    apiBase: ep.api_base,
  };
}

function throwsCode(fn, code) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${code}, nothing was thrown`);
  assert.ok(err instanceof t.TsunagiError, `expected a TsunagiError, got ${err}`);
  assert.equal(err.name, 'TsunagiError');
  assert.equal(err.code, code, err.message);
  // the message is the sentence alone: an app prints `${code}: ${message}` (issue 23)
  assert.ok(!err.message.startsWith(code), `the message repeats the code: ${err.message}`);
  return err;
}

describe('vendor document examples', () => {
  test('LawVu authorize URL byte for byte', () => {
    assert.equal(
      t.buildAuthorizationUrl(lawvu),
      'https://demo.lawvu.com/#/authorize?response_type=code&client_id=acme-inc&redirect_uri=https%3A%2F%2Facme-inc.com%2Fauth',
    );
    const url = t.buildAuthorizationUrl({ ...lawvu, environment: 'production' }, { state: 'xyz', extraParams: { prompt: 'login' } });
    assert.equal(
      url,
      'https://go.lawvu.com/#/authorize?response_type=code&client_id=acme-inc&redirect_uri=https%3A%2F%2Facme-inc.com%2Fauth&state=xyz&prompt=login',
    );
  });

  test('LawVu token request as in the document (no secret: public client)', () => {
    const req = t.buildTokenRequest(lawvu, { grantType: 'authorization_code', code: 'SplxlOBeZQQYbYS6WxSbIA' });
    assert.deepEqual(req, {
      method: 'POST',
      url: 'https://api-sandbox.lawvu.com/account-apis/v1/auth/token',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Facme-inc.com%2Fauth&client_id=acme-inc',
    });
    const refresh = t.buildTokenRequest(
      { ...lawvu, clientSecret: 'your-client-secret' },
      { grantType: 'refresh_token', refreshToken: 'tGzv3JOkF0XG5Qx2TlKWIA' },
    );
    assert.equal(refresh.body, 'grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&client_id=acme-inc&client_secret=your-client-secret');
  });

  test('Logiless sample response with the unquoted refresh_token: read as printed with the Logiless config only', () => {
    const body =
      '{"access_token":"d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX","token_type":"bearer","expires_in":2592000,"refresh_token":d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX,"scope":""}';
    const now = 1_700_000_000_000;
    const logiless = { provider: 'logiless', clientId: 'c', clientSecret: 's', redirectUri: 'https://app.example/cb' };
    const tokens = t.parseTokenResponse({ status: 200, headers: { 'content-type': 'application/json' }, body }, { now, config: logiless });
    assert.deepEqual(tokens, {
      accessToken: 'd461ab8XXXXXXXXXXXXXXXXXXXXXXXXX',
      tokenType: 'bearer',
      issuedAt: now,
      expiresAt: now + 2_592_000_000,
      refreshToken: 'd461ab8XXXXXXXXXXXXXXXXXXXXXXXXX',
      refreshExpiresAt: now + 2_592_000_000,
      scope: '',
      extra: {},
      grant: 'user',
    });
    const withTextPlain = t.parseTokenResponse({ status: 200, headers: new Headers({ 'content-type': 'text/plain' }), body }, { now, config: logiless });
    assert.equal(withTextPlain.refreshToken, 'd461ab8XXXXXXXXXXXXXXXXXXXXXXXXX');
    // issue 21 item 10: without a config the response is read as a generic RFC 6749 server's, strictly
    assert.throws(() => t.parseTokenResponse({ status: 200, headers: { 'content-type': 'application/json' }, body }, { now }), {
      code: 'token_response_invalid',
    });
  });

  test('LegalOn token response with api_base_url', () => {
    const legalon = { provider: 'legalon', region: 'us', credentials: 'Q1JFREVOVElBTFM=' };
    const req = t.buildTokenRequest(legalon, { grantType: 'client_credentials' });
    assert.equal(req.url, 'https://public-api.legalontech.com/oauth/token');
    assert.equal(req.headers.authorization, 'Basic Q1JFREVOVElBTFM=');
    assert.equal(req.body, 'grant_type=client_credentials');
    const body = JSON.stringify({ access_token: 'AT', expires_in: 1200, token_type: 'Bearer', api_base_url: 'https://api.example-tenant.legalontech.com' });
    const tokens = t.parseTokenResponse({ status: 200, headers: [['content-type', 'application/json']], body }, { now: 0, config: legalon });
    assert.equal(tokens.apiBaseUrl, 'https://api.example-tenant.legalontech.com');
    assert.equal(tokens.expiresAt, 1_200_000);
    assert.equal(tokens.refreshToken, undefined);
    const api = t.buildApiRequest(legalon, tokens, '/users?page_size=50');
    assert.equal(api.url, 'https://api.example-tenant.legalontech.com/rest/v1/users?page_size=50');
    assert.equal(api.headers.authorization, 'Bearer AT');
    throwsCode(() => t.parseTokenResponse({ status: 200, body: '{"access_token":"AT"}' }, { config: legalon }), 'token_response_invalid');
  });

  test('LawVu JWT claims example', () => {
    const claims = { sub: 'user-id-123', name: 'Jane Smith', organisationId: 'org-id-456', exp: 1740000000, iat: 1739996400 };
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    assert.deepEqual(t.decodeJwtClaims(`${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2ln`), claims);
    throwsCode(() => t.decodeJwtClaims('a.b'), 'jwt_malformed');
    throwsCode(() => t.decodeJwtClaims('a.***.c'), 'jwt_invalid_base64');
    throwsCode(() => t.decodeJwtClaims(`a.${Buffer.from('not json').toString('base64url')}.c`), 'jwt_invalid_json');
    throwsCode(() => t.decodeJwtClaims(`a.${Buffer.from('[1,2]').toString('base64url')}.c`), 'jwt_not_object');
    throwsCode(() => t.decodeJwtClaims(`a.${Buffer.from([0xff, 0xfe]).toString('base64url')}.c`), 'jwt_invalid_utf8');
  });

  test('RFC 7636 Appendix B vector, fresh PKCE and state', () => {
    assert.equal(t.pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const p = t.createPkce();
    assert.match(p.verifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(t.pkceChallenge(p.verifier), p.challenge);
    const s = t.createState();
    assert.match(s, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(s, t.createState());
    const generic = {
      ...asExample,
      clientAuth: 'none',
      tokenMethod: 'POST',
      pkce: true,
    };
    const url = t.buildAuthorizationUrl(generic, { state: s, codeChallenge: p.challenge });
    assert.ok(url.endsWith(`&state=${s}&code_challenge=${p.challenge}&code_challenge_method=S256`), url);
    throwsCode(() => t.buildAuthorizationUrl(generic, { state: s }), 'invalid_parameter');
  });

  test('parseCallback: code, error, state mismatch', () => {
    assert.deepEqual(t.parseCallback('https://acme-inc.com/auth?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz', 'xyz'), { code: 'SplxlOBeZQQYbYS6WxSbIA' });
    assert.deepEqual(t.parseCallback(new URL('http://localhost:5173/#/callback?code=abc&state=s1'), 's1'), { code: 'abc' });
    throwsCode(() => t.parseCallback('https://acme-inc.com/auth?code=C&state=evil', 'xyz'), 'state_mismatch');
    throwsCode(() => t.parseCallback('https://acme-inc.com/auth?code=C', 'xyz'), 'state_missing');
    const denied = throwsCode(() => t.parseCallback('https://acme-inc.com/auth?error=access_denied&error_description=no&state=xyz', 'xyz'), 'access_denied');
    assert.equal(denied.description, 'no');
    throwsCode(() => t.parseCallback('/relative?code=C&state=xyz', 'xyz'), 'invalid_url');
  });

  // issue 13 item 5: RFC 6749 Appendix A.5, state = 1*VSCHAR (%x20-7E): apps put serialised data there
  test('state with a space and a slash: authorize URL (query and hash route) → callback', () => {
    const logiless = { provider: 'logiless', clientId: 'c', clientSecret: 's', redirectUri: 'https://app.example/cb' };
    for (const config of [lawvu, logiless]) {
      const url = t.buildAuthorizationUrl(config, { state: 'a b/c' });
      assert.ok(url.includes('&state=a%20b%2Fc'), url);
      assert.equal(new URLSearchParams(url.slice(url.indexOf('?'))).get('state'), 'a b/c');
      for (const q of ['state=a+b%2Fc', 'state=a%20b%2Fc']) {
        assert.deepEqual(t.parseCallback(`https://app.example/cb?code=C1&${q}`, 'a b/c'), { code: 'C1' });
        assert.deepEqual(t.parseCallback(`https://app.example/#/cb?code=C1&${q}`, 'a b/c'), { code: 'C1' });
      }
    }
    const all = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    const url = t.buildAuthorizationUrl(lawvu, { state: all });
    const echoed = new URLSearchParams({ code: 'C2', state: all }).toString(); // a server re-encoding it (space → '+')
    assert.deepEqual(t.parseCallback(`https://acme-inc.com/auth?${echoed}`, all), { code: 'C2' });
    assert.deepEqual(t.parseCallback(`https://acme-inc.com/auth?code=C2&${url.slice(url.indexOf('state='))}`, all), { code: 'C2' });
    throwsCode(() => t.parseCallback('https://app.example/cb?code=C&state=a+b', 'a+b'), 'state_mismatch');
    assert.deepEqual(t.parseCallback('https://app.example/cb?code=C&state=a%2Bb', 'a+b'), { code: 'C' });
  });

  test('LawVu documented token errors keep their codes, status and request id', () => {
    const e = throwsCode(
      () => t.parseTokenResponse({ status: 400, headers: { 'x-request-id': 'req-42' }, body: 'Refresh token is not valid' }, { config: lawvu }),
      'refresh_token_invalid',
    );
    assert.equal(e.status, 400);
    assert.equal(e.requestId, 'req-42');
    assert.equal(e.requiresReauthorization, true);
    const expired = throwsCode(
      () =>
        t.parseTokenResponse(
          { status: 400, body: JSON.stringify({ error: 'invalid_grant', error_description: "Supplied refresh_token expired at '2026-11-23T13:25:00Z'" }) },
          { config: lawvu },
        ),
      'refresh_token_expired',
    );
    assert.equal(expired.refreshExpiredAt, Date.UTC(2026, 10, 23, 13, 25, 0));
  });
});

describe('wrong types and garbage are TsunagiErrors with codes', () => {
  const cases = [
    ['config undefined', () => t.buildAuthorizationUrl(undefined), 'invalid_config'],
    ['config a string', () => t.buildAuthorizationUrl('lawvu'), 'invalid_config'],
    ['config null', () => t.buildTokenRequest(null, { grantType: 'client_credentials' }), 'invalid_config'],
    ['unknown provider', () => t.buildAuthorizationUrl({ provider: 'okta' }), 'invalid_config'],
    ['clientId a number', () => t.buildAuthorizationUrl({ ...lawvu, clientId: 42 }), 'invalid_config'],
    ['environment unknown', () => t.buildAuthorizationUrl({ ...lawvu, environment: 'staging' }), 'invalid_config'],
    ['redirect http off localhost', () => t.buildAuthorizationUrl({ ...lawvu, redirectUri: 'http://acme-inc.com/auth' }), 'invalid_redirect_uri'],
    ['endpoint plain http', () => t.buildAuthorizationUrl({ ...lawvu, tokenUrl: 'http://evil.example/token' }), 'invalid_endpoint'],
    ['BigInt in config', () => t.buildAuthorizationUrl({ ...lawvu, clientId: 1n }), 'invalid_parameter'],
    ['options a number', () => t.buildAuthorizationUrl(lawvu, 5), 'invalid_parameter'],
    ['state with a control character', () => t.buildAuthorizationUrl(lawvu, { state: 'a\u001fb' }), 'invalid_parameter'],
    ['state with DEL', () => t.buildAuthorizationUrl(lawvu, { state: 'a\u007f' }), 'invalid_parameter'],
    ['state not ASCII', () => t.buildAuthorizationUrl(lawvu, { state: 'café' }), 'invalid_parameter'],
    ['expected state not ASCII', () => t.parseCallback('https://a.example/?code=c&state=x', '日本'), 'invalid_parameter'],
    ['reserved extra param', () => t.buildAuthorizationUrl(lawvu, { extraParams: { state: 'x' } }), 'invalid_parameter'],
    ['extra param not a string', () => t.buildAuthorizationUrl(lawvu, { extraParams: { a: 1 } }), 'invalid_parameter'],
    ['code challenge garbage', () => t.buildAuthorizationUrl(lawvu, { codeChallenge: '!!' }), 'invalid_parameter'],
    ['LegalOn has no authorize URL', () => t.buildAuthorizationUrl({ provider: 'legalon', region: 'jp', credentials: 'x' }), 'unsupported_operation'],
    ['grant missing', () => t.buildTokenRequest(lawvu), 'invalid_parameter'],
    ['grant type unknown', () => t.buildTokenRequest(lawvu, { grantType: 'password' }), 'invalid_parameter'],
    ['code not a string', () => t.buildTokenRequest(lawvu, { grantType: 'authorization_code', code: {} }), 'invalid_parameter'],
    ['bad verifier', () => t.buildTokenRequest(lawvu, { grantType: 'authorization_code', code: 'c', codeVerifier: 'short' }), 'invalid_parameter'],
    ['LawVu has no client credentials', () => t.buildTokenRequest(lawvu, { grantType: 'client_credentials' }), 'unsupported_operation'],
    ['pkceChallenge(undefined)', () => t.pkceChallenge(undefined), 'invalid_parameter'],
    ['pkceChallenge(number)', () => t.pkceChallenge(5), 'invalid_parameter'],
    ['parseCallback no state', () => t.parseCallback('https://a.example/?code=c'), 'invalid_parameter'],
    ['parseCallback url number', () => t.parseCallback(5, 's'), 'invalid_parameter'],
    ['response undefined', () => t.parseTokenResponse(undefined), 'invalid_parameter'],
    ['status a string', () => t.parseTokenResponse({ status: '200', body: '{}' }), 'invalid_parameter'],
    ['status out of range', () => t.parseTokenResponse({ status: 1000, body: '{}' }), 'invalid_parameter'],
    ['body not a string', () => t.parseTokenResponse({ status: 200, body: { access_token: 'x' } }), 'invalid_parameter'],
    ['header value a number', () => t.parseTokenResponse({ status: 200, headers: { a: 1 }, body: '{}' }), 'invalid_parameter'],
    ['now NaN', () => t.parseTokenResponse({ status: 200, body: '{"access_token":"a"}' }, { now: NaN }), 'invalid_parameter'],
    ['previous garbage', () => t.parseTokenResponse({ status: 200, body: '{"access_token":"a"}' }, { previous: { accessToken: [] } }), 'invalid_parameter'],
    ['HTML body', () => t.parseTokenResponse({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' }), 'token_response_invalid'],
    ['no access_token', () => t.parseTokenResponse({ status: 200, body: '{"token_type":"Bearer"}' }), 'token_response_invalid'],
    ['MAC token type', () => t.parseTokenResponse({ status: 200, body: '{"access_token":"a","token_type":"mac"}' }), 'unsupported_token_type'],
    ['200 with an error body', () => t.parseTokenResponse({ status: 200, body: '{"error":"invalid_grant"}' }), 'invalid_grant'],
    ['5xx', () => t.parseTokenResponse({ status: 503, body: '<html>down</html>' }), 'upstream_error'],
    ['lone surrogate', () => t.parseTokenResponse({ status: 200, body: '\ud800' }), 'invalid_parameter'],
    ['decodeJwtClaims(null)', () => t.decodeJwtClaims(null), 'jwt_malformed'],
    ['API path escaping the base', () => t.buildApiRequest(lawvu, { accessToken: 'a', expiresAt: null }, 'https://evil.example/x'), 'invalid_parameter'],
    ['API path traversal', () => t.buildApiRequest(lawvu, { accessToken: 'a', expiresAt: null }, '/a/../../x'), 'invalid_parameter'],
    ['API without tokens', () => t.buildApiRequest(lawvu, null, '/x'), 'login_required'],
    // OAuthClient's options, read by the page's Rust side (src/js/page/)
    ['storage unknown', () => new t.OAuthClient(lawvu, { storage: 'cookies' }), 'invalid_config'],
    ['storage adapter without remove', () => new t.OAuthClient(lawvu, { storage: { get() {}, set() {} } }), 'invalid_config'],
    ['session storage where there is none (Node)', () => new t.OAuthClient(lawvu, { storage: 'session' }), 'invalid_config'],
    ['locks unknown', () => new t.OAuthClient(lawvu, { locks: 'web' }), 'invalid_config'],
  ];
  for (const [name, fn, code] of cases) test(name, () => throwsCode(fn, code));

  test('a megabyte of garbage is still a typed error, and the module keeps working', () => {
    throwsCode(() => t.parseTokenResponse({ status: 200, body: '{'.repeat(1 << 20) }), 'token_response_invalid');
    throwsCode(() => t.decodeJwtClaims('x'.repeat(1 << 20)), 'jwt_malformed');
    assert.equal(t.pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  test('fuzz: random values into every function only ever throw TsunagiError', () => {
    let seed = 42;
    const rnd = (n) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const atoms = [
      undefined,
      null,
      true,
      0,
      -1,
      1e308,
      NaN,
      '',
      'x',
      '\u0000',
      '\ud800',
      '日本',
      '{"a":',
      'a.b.c',
      [],
      [[1, 2]],
      {},
      { provider: 'lawvu' },
      lawvu,
    ];
    const value = (depth) => {
      const k = rnd(depth > 2 ? 3 : 5);
      if (k < 3) return atoms[rnd(atoms.length)];
      if (k === 3) return Array.from({ length: rnd(3) }, () => value(depth + 1));
      const keys = [
        'provider',
        'environment',
        'clientId',
        'redirectUri',
        'status',
        'headers',
        'body',
        'grantType',
        'code',
        'state',
        'accessToken',
        'expiresAt',
        'now',
        'config',
        'previous',
        'extraParams',
      ];
      return Object.fromEntries(Array.from({ length: rnd(5) }, () => [keys[rnd(keys.length)], value(depth + 1)]));
    };
    const fns = [
      'buildAuthorizationUrl',
      'beginAuthorization',
      'pkceChallenge',
      'parseCallback',
      'buildTokenRequest',
      'parseTokenResponse',
      'nextStep',
      'buildApiRequest',
      'decodeJwtClaims',
    ];
    for (let i = 0; i < 3000; i++) {
      const name = fns[rnd(fns.length)];
      try {
        t[name](value(0), value(0), value(0));
      } catch (e) {
        assert.ok(e instanceof t.TsunagiError && e.code !== 'internal_error', `${name}: ${e?.stack ?? e}`);
      }
    }
    assert.equal(t.pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  test('secrets never appear in error messages', () => {
    const secret = 'sbx_super_secret_value_123';
    const logiless = { provider: 'logiless', clientId: 'c', clientSecret: secret, redirectUri: 'https://app.example/cb' };
    const e = throwsCode(
      () =>
        t.parseTokenResponse(
          { status: 400, body: JSON.stringify({ error: 'invalid_grant', error_description: `bad refresh_token=RT-LEAK-999 client_secret=${secret}` }) },
          { config: logiless },
        ),
      'invalid_grant',
    );
    const all = JSON.stringify({ ...e, message: e.message });
    assert.ok(!all.includes(secret) && !all.includes('RT-LEAK-999'), all);
  });
});

describe('against the sandbox (Node fetch on loopback)', () => {
  test('Logiless: authorize, GET token exchange, API, refresh rotation, sample format, ASCII JSON', async () => {
    const ep = sb.ep.logiless;
    const config = logilessConfig(ep);
    const state = t.createState();
    const url = t.buildAuthorizationUrl(config, { state });
    assert.ok(url.startsWith(`${ep.authorize_url}?client_id=`), url);
    const { redirect_url } = await sb.control('logiless/approve', { authorize_url: url, user_id: 'user-id-125' });
    const { code } = t.parseCallback(redirect_url, state);

    const req = t.buildTokenRequest(config, { grantType: 'authorization_code', code });
    assert.equal(req.method, 'GET');
    assert.equal(req.body, null);
    const tokens = t.parseTokenResponse(await send(req), { config });
    assert.match(tokens.accessToken, /^[0-9a-f]{32}$/);
    assert.match(tokens.refreshToken, /^[0-9a-f]{32}$/);
    // A code works once.
    const again = await send(req);
    throwsCode(() => t.parseTokenResponse(again, { config }), 'invalid_grant');

    const api = t.buildApiRequest(config, tokens, '/stores?limit=2&page=1');
    assert.equal(api.url, `${ep.api_base}/merchant/${ep.merchant_id}/stores?limit=2&page=1`);
    const stores = await send(api);
    assert.equal(stores.status, 200, stores.body);
    assert.equal(JSON.parse(stores.body).data.length, 2);

    // Japanese text in a JSON body is sent ASCII-only (\uNNNN), as Logiless requires.
    const post = t.buildApiRequest(config, tokens, '/sales_orders/new', { method: 'POST', body: JSON.stringify({ customer: '山田 太郎' }) });
    assert.equal(post.body, '{"customer":"\\u5c71\\u7530 \\u592a\\u90ce"}');
    const created = await send(post);
    assert.equal(created.status, 201, created.body);
    assert.equal(JSON.parse(created.body).customer, '山田 太郎');

    const refreshed = t.parseTokenResponse(await send(t.buildTokenRequest(config, { grantType: 'refresh_token', refreshToken: tokens.refreshToken })), {
      config,
      previous: tokens,
    });
    assert.notEqual(refreshed.refreshToken, tokens.refreshToken);
    const spent = await send(t.buildTokenRequest(config, { grantType: 'refresh_token', refreshToken: tokens.refreshToken }));
    const e = throwsCode(() => t.parseTokenResponse(spent, { config, previous: refreshed }), 'invalid_grant');
    assert.equal(e.requiresReauthorization, true);

    await sb.control('options', { logiless_sample_format: true });
    try {
      const sample = await send(t.buildTokenRequest(config, { grantType: 'refresh_token', refreshToken: refreshed.refreshToken }));
      assert.match(sample.body, /"refresh_token":[0-9a-f]{32},/, 'the sandbox serves the unquoted sample format');
      const third = t.parseTokenResponse(sample, { config, previous: refreshed });
      assert.match(third.refreshToken, /^[0-9a-f]{32}$/);
    } finally {
      await sb.control('options', { logiless_sample_format: false });
    }
    const stats = await sb.stats();
    assert.equal(stats.logiless.token_requests.refresh_token, 3);
    assert.equal(stats.logiless.refresh_reuse, 1);
  });

  test('LegalOn: client credentials, api_base_url from the token, API, expired credentials', async () => {
    const ep = sb.ep.legalon;
    const config = { provider: 'legalon', region: 'jp', credentials: ep.credentials, tokenUrl: ep.token_url };
    const tokens = t.parseTokenResponse(await send(t.buildTokenRequest(config, { grantType: 'client_credentials' })), { config });
    assert.equal(tokens.apiBaseUrl, ep.api_base_url);
    assert.equal(tokens.tokenType, 'Bearer');
    assert.ok(tokens.expiresAt - tokens.issuedAt === 1_200_000);
    const users = await send(t.buildApiRequest(config, tokens, '/users?page_size=5'));
    assert.equal(users.status, 200, users.body);
    assert.equal(JSON.parse(users.body).users.length, 5);

    const expired = await send(t.buildTokenRequest({ ...config, credentials: ep.expired_credentials }, { grantType: 'client_credentials' }));
    const e = throwsCode(() => t.parseTokenResponse(expired, { config }), 'invalid_client');
    assert.equal(e.status, 401);
    assert.ok(!JSON.stringify({ ...e, m: e.message }).includes(ep.expired_credentials));
  });

  test('OAuthClient in Node (Logiless): authorize, handleCallback, fetch waits out 429', async () => {
    const ep = sb.ep.logiless;
    const config = logilessConfig(ep);
    const client = new t.OAuthClient(config);
    const url = await client.authorize();
    const { redirect_url } = await sb.control('logiless/approve', { authorize_url: url, user_id: 'user-id-124' });
    const tokens = await client.handleCallback(redirect_url);
    assert.equal(tokens.refreshExpiresAt - tokens.issuedAt, 2_592_000_000);
    await assert.rejects(client.handleCallback(redirect_url), (e) => e.code === 'state_missing');
    await sb.control('options', { logiless_rate_limit: { limit: 2, window_secs: 1 } });
    try {
      const before = (await sb.stats()).logiless.rate_limited;
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await client.fetch('/stores?limit=1')).status);
      assert.deepEqual(statuses, [200, 200, 200, 200]);
      assert.ok((await sb.stats()).logiless.rate_limited > before, 'a 429 was waited out');
    } finally {
      await sb.control('options', { logiless_rate_limit: { limit: 5, window_secs: 5 } });
    }
    await client.logout();
    await assert.rejects(client.getAccessToken(), (e) => e.code === 'login_required' && e.requiresReauthorization);
    client.close();
  });

  test('state with a space and a slash survives the providers: LawVu hash route and Logiless query', async () => {
    // issue 13 item 5: the sandbox decodes the authorize URL and re-encodes state in the redirect
    const lv = sb.ep.lawvu;
    const lg = sb.ep.logiless;
    const state = 'a b/c+d {"x":1}';
    const cases = [
      [
        'lawvu',
        {
          provider: 'lawvu',
          environment: 'sandbox',
          clientId: lv.public_client.client_id,
          redirectUri: 'http://localhost:5173/callback',
          authorizeUrl: lv.authorize_url,
          tokenUrl: lv.token_url,
        },
      ],
      [
        'logiless',
        {
          provider: 'logiless',
          clientId: lg.client_id,
          clientSecret: lg.client_secret,
          redirectUri: lg.redirect_uri,
          authorizeUrl: lg.authorize_url,
          tokenUrl: lg.token_url,
        },
      ],
    ];
    for (const [provider, config] of cases) {
      const url = t.buildAuthorizationUrl(config, { state });
      const { redirect_url } = await sb.control(`${provider}/approve`, { authorize_url: url, user_id: 'user-id-123' });
      const { code } = t.parseCallback(redirect_url, state);
      assert.ok(code, `${provider}: ${redirect_url}`);
      throwsCode(() => t.parseCallback(redirect_url, 'a b/c+d'), 'state_mismatch');
    }
  });

  // issue 13 item 4: a generic confidential client may use client credentials, but a user's
  // expired session must end in login_required, never in the client's own token.
  test('OAuthClient, generic confidential client: an expired user session is never swapped for a client-credentials token', async () => {
    const lv = sb.ep.lawvu;
    const cc = lv.confidential_client;
    const config = {
      provider: 'generic',
      authorizationEndpoint: lv.authorize_url,
      hashRoute: true,
      tokenEndpoint: lv.token_url,
      apiBase: lv.api_base,
      clientId: cc.client_id,
      clientSecret: cc.client_secret,
      clientAuth: 'client_secret_post',
      redirectUri: cc.redirect_uris[0],
      pkce: false,
      refreshLifetimeSecs: 3600,
    };
    const sent = [];
    const spy = (url, init) => {
      sent.push(String(init?.body ?? url));
      return fetch(url, init);
    };
    let clock = Date.now();
    const client = new t.OAuthClient(config, { fetch: spy, now: () => clock });
    const url = await client.authorize();
    const { redirect_url } = await sb.control('lawvu/approve', { authorize_url: url, user_id: 'user-id-123' });
    const tokens = await client.handleCallback(redirect_url);
    assert.equal(t.decodeJwtClaims(tokens.accessToken).sub, 'user-id-123');
    assert.equal(await client.getAccessToken(), tokens.accessToken);

    clock += 2 * 3_600_000; // access token and (configured 1-hour) refresh token both expired
    for (let i = 0; i < 2; i++) {
      // the second call finds no tokens at all: still login_required, still no client token
      await assert.rejects(client.getAccessToken(), (e) => {
        assert.ok(e instanceof t.TsunagiError, String(e));
        assert.equal(e.code, 'login_required', e.message);
        assert.equal(e.requiresReauthorization, true);
        return true;
      });
    }
    assert.equal(await client.getTokens(), null);
    assert.deepEqual(
      sent.filter((b) => b.includes('grant_type=client_credentials')),
      [],
      'no client-credentials request was sent',
    );
    client.close();

    // a generic client used for client credentials only (no redirect URI) still acquires, and
    // re-acquires, its own token (LegalOn's token endpoint)
    const lo = sb.ep.legalon;
    const machine = new t.OAuthClient(
      { provider: 'generic', tokenEndpoint: lo.token_url, clientAuth: 'basic_raw', credentials: lo.credentials },
      { now: () => clock },
    );
    const first = await machine.getAccessToken();
    assert.equal((await machine.getTokens()).grant, 'client_credentials');
    clock += 1_200_000;
    const second = await machine.getAccessToken();
    assert.notEqual(second, first);
    assert.equal((await machine.getTokens()).grant, 'client_credentials');
    machine.close();
  });

  test('OAuthClient in Node (LegalOn): one token request for concurrent callers, bearer fetch', async () => {
    const ep = sb.ep.legalon;
    const before = (await sb.stats()).legalon.token_requests.client_credentials;
    const client = new t.OAuthClient({ provider: 'legalon', region: 'us', credentials: ep.credentials, tokenUrl: ep.token_url });
    const [a, b, c] = await Promise.all([client.getAccessToken(), client.getAccessToken(), client.getAccessToken()]);
    assert.ok(a && a === b && b === c);
    assert.equal((await client.getTokens()).grant, 'client_credentials');
    const resp = await client.fetch('/departments?page_size=3');
    assert.equal(resp.status, 200);
    assert.equal(JSON.parse(await resp.text()).departments.length, 3);
    const after = (await sb.stats()).legalon.token_requests.client_credentials;
    assert.equal(after - before, 1);
  });
});

// issue 17, "The client": what an SPA expects of OAuthClient — the session and user without the
// network, a forced refresh through the same single flight, abort signals that lose nothing, the
// app state through authorization, an idempotent callback, and the refresh_failed event.
describe('OAuthClient: what an SPA expects (issue 17)', () => {
  const HOUR = 3_600_000;
  let config;
  before(() => {
    const lv = sb.ep.lawvu;
    config = {
      provider: 'lawvu',
      environment: 'sandbox',
      clientId: lv.public_client.client_id,
      redirectUri: 'http://localhost:5173/callback',
      authorizeUrl: lv.authorize_url,
      tokenUrl: lv.token_url,
      apiBase: lv.api_base,
    };
  });
  const lawvuStats = async () => (await sb.stats()).lawvu;
  const delta = (a, b) => ({
    code: b.token_requests.authorization_code - a.token_requests.authorization_code,
    refresh: b.token_requests.refresh_token - a.token_requests.refresh_token,
    reuse: b.refresh_reuse - a.refresh_reuse,
  });
  /** authorize() → the sandbox's approval → the callback URL (not yet handled). */
  async function approved(client, opts) {
    const url = await client.authorize(opts);
    return (await sb.control('lawvu/approve', { authorize_url: url, user_id: 'user-id-123' })).redirect_url;
  }
  const isAbort = (e) => e?.name === 'AbortError';
  /** `promise`, or a failure after `ms` (a missing event must fail the test, not hang it). */
  const within = (promise, ms, what) =>
    Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms).unref())]);
  const slowTokenEndpoint = (ms) => sb.control('faults', { provider: 'lawvu', endpoint: 'token', kind: 'delay_ms', count: 1, delay_ms: ms });

  test('handleCallback twice for one URL (StrictMode): one exchange, one result; appState comes back; a settled callback is spent', async () => {
    const storage = t.memoryStorage();
    const client = new t.OAuthClient(config, { storage });
    const twin = new t.OAuthClient(config, { storage }); // a component mounted twice builds its client twice
    const s0 = await lawvuStats();
    const url = await approved(client, { appState: { returnTo: '/matters/42', tab: 'docs' } });
    const [a, b, c, d] = await Promise.all([client.handleCallback(url), client.handleCallback(url), twin.handleCallback(url), client.handleRedirect(url)]);
    assert.equal(a.accessToken, b.accessToken);
    assert.equal(a.accessToken, c.accessToken);
    assert.equal(d.tokens.accessToken, a.accessToken);
    assert.deepEqual(d.appState, { returnTo: '/matters/42', tab: 'docs' });
    assert.equal(delta(s0, await lawvuStats()).code, 1, 'exactly one authorization_code request');
    assert.equal((await client.getTokens()).accessToken, a.accessToken);
    // settled: the callback is spent, as before (RFC 6749 §10.5: a code is used once)
    await assert.rejects(client.handleCallback(url), (e) => e.code === 'state_missing');
    await assert.rejects(client.handleRedirect(url), (e) => e.code === 'state_missing');
    assert.equal(delta(s0, await lawvuStats()).code, 1);
    // without appState, handleRedirect gives undefined; handleCallback still returns the TokenSet
    const url2 = await approved(client);
    const r = await client.handleRedirect(url2);
    assert.equal(r.appState, undefined);
    assert.ok(r.tokens.accessToken && r.tokens.refreshToken);
    await assert.rejects(client.authorize({ appState: { n: 1n } }), (e) => e.code === 'invalid_parameter');
    client.close();
    twin.close();
  });

  test('isAuthenticated() and getUser(): from storage only, never the network', async () => {
    let clock = Date.now();
    const client = new t.OAuthClient(config, { now: () => clock });
    assert.equal(await client.isAuthenticated(), false);
    assert.equal(await client.getUser(), null);
    await client.handleCallback(await approved(client));
    const s0 = await lawvuStats();
    assert.equal(await client.isAuthenticated(), true);
    const user = await client.getUser();
    assert.deepEqual(Object.keys(user).sort(), ['claims', 'source', 'verified']);
    assert.equal(user.source, 'access_token', 'LawVu sends no id_token: the access token is a JWT');
    assert.equal(user.verified, false);
    assert.equal(user.claims.sub, 'user-id-123');
    assert.equal(user.claims.organisationId, 'org-id-456');
    clock += 2 * HOUR; // access token stale, refresh token good: still a session
    assert.equal(await client.isAuthenticated(), true);
    clock += 24 * HOUR; // the 1-day refresh token has expired too
    assert.equal(await client.isAuthenticated(), false);
    assert.deepEqual(delta(s0, await lawvuStats()), { code: 0, refresh: 0, reuse: 0 }, 'nothing was sent');
    await client.logout();
    assert.equal(await client.isAuthenticated(), false);
    assert.equal(await client.getUser(), null);
    client.close();

    // an OpenID provider: the claims come from the id_token; an opaque access token has none
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const idToken = `${b64({ alg: 'RS256' })}.${b64({ sub: 'u-1', name: 'Ada', iss: 'https://as.example' })}.c2ln`;
    let withId = true;
    const fake = async () =>
      new Response(JSON.stringify({ access_token: 'opaque-at', token_type: 'Bearer', expires_in: 3600, ...(withId ? { id_token: idToken } : {}) }), {
        headers: { 'content-type': 'application/json' },
      });
    const generic = asExample;
    for (const expected of [{ sub: 'u-1', name: 'Ada', iss: 'https://as.example' }, null]) {
      const oidc = new t.OAuthClient(generic, { fetch: fake });
      const state = new URL(await oidc.authorize()).searchParams.get('state');
      await oidc.handleCallback(`https://app.example/cb?code=c1&state=${state}`);
      const u = await oidc.getUser();
      if (expected) assert.deepEqual(u, { claims: expected, source: 'id_token', verified: false });
      else assert.equal(u, null, 'no id_token and an opaque access token: no claims');
      assert.equal(await oidc.isAuthenticated(), true);
      oidc.close();
      withId = false;
    }
  });

  test('getAccessToken({ forceRefresh }): renews a fresh token, once for concurrent callers', async () => {
    const client = new t.OAuthClient(config);
    const t1 = await client.handleCallback(await approved(client));
    const s0 = await lawvuStats();
    const forced = await Promise.all([1, 2, 3].map(() => client.getAccessToken({ forceRefresh: true })));
    assert.equal(new Set(forced).size, 1, 'one token for all');
    assert.notEqual(forced[0], t1.accessToken, 'a new token');
    assert.equal(await client.getAccessToken(), forced[0]);
    assert.equal(await client.getAccessToken({ forceRefresh: false }), forced[0]);
    const t2 = await client.getTokens();
    assert.notEqual(t2.refreshToken, t1.refreshToken, 'the refresh token rotated');
    assert.deepEqual(delta(s0, await lawvuStats()), { code: 0, refresh: 1, reuse: 0 }, 'exactly one refresh');
    await client.getAccessToken({ forceRefresh: true });
    assert.equal(delta(s0, await lawvuStats()).refresh, 2, 'a later forced call refreshes again');
    await assert.rejects(client.getAccessToken('read'), (e) => e.code === 'invalid_parameter');
    client.close();
  });

  test('AbortSignal: an aborted call rejects with the reason and loses nothing', async () => {
    let clock = Date.now();
    const client = new t.OAuthClient(config, { now: () => clock });
    const aborted = AbortSignal.abort();
    await assert.rejects(client.authorize({ signal: aborted }), isAbort);
    await assert.rejects(client.authorize({ signal: 'stop' }), (e) => e.code === 'invalid_parameter');

    // before the exchange: nothing consumed, the callback can still be handled
    const s0 = await lawvuStats();
    const url = await approved(client);
    await assert.rejects(client.handleCallback(url, { signal: aborted }), isAbort);
    // during the exchange: the caller is answered at once; the exchange finishes and is stored, and
    // a second call for the URL joins it
    await slowTokenEndpoint(600);
    const ac = new AbortController();
    const started = Date.now();
    const first = client.handleCallback(url, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(first, isAbort);
    assert.ok(Date.now() - started < 500, 'rejected on abort, not when the exchange ended');
    const joined = await client.handleCallback(url);
    assert.equal((await client.getTokens()).accessToken, joined.accessToken);
    assert.equal(delta(s0, await lawvuStats()).code, 1, 'one exchange');

    // a refresh under way is finished and stored: the single-use refresh token is never lost
    await assert.rejects(client.getAccessToken({ signal: aborted }), isAbort);
    clock += 2 * HOUR;
    await slowTokenEndpoint(600);
    const ac2 = new AbortController();
    const refreshing = client.getAccessToken({ signal: ac2.signal });
    setTimeout(() => ac2.abort(new DOMException('left the page', 'AbortError')), 50);
    await assert.rejects(refreshing, (e) => isAbort(e) && e.message === 'left the page', 'the signal’s own reason');
    const fresh = await client.getAccessToken();
    assert.notEqual(fresh, joined.accessToken);
    assert.deepEqual(delta(s0, await lawvuStats()), { code: 1, refresh: 1, reuse: 0 }, 'one refresh, nothing replayed');

    // API calls: an abort while the API answers slowly
    await sb.control('faults', { provider: 'lawvu', endpoint: 'api', kind: 'delay_ms', count: 1, delay_ms: 600 });
    const ac3 = new AbortController();
    const call = client.fetch('/account-apis/v1/users', { signal: ac3.signal });
    setTimeout(() => ac3.abort(), 50);
    await assert.rejects(call, isAbort);
    await assert.rejects(client.fetch('/account-apis/v1/users', { signal: aborted }), isAbort);
    assert.equal((await client.fetch('/account-apis/v1/users')).status, 200);
    assert.equal(await client.getAccessToken(), fresh, 'the session is intact');
    client.close();
  });

  test('refresh_failed: told with the error; a transient failure keeps the session, a refused refresh ends it', async () => {
    let clock = Date.now();
    const storage = t.memoryStorage();
    const client = new t.OAuthClient(config, { storage, key: 'rf', now: () => clock });
    const events = [];
    client.onChange((type, info) => events.push({ type, ...info }));
    const t1 = await client.handleCallback(await approved(client));
    assert.deepEqual(
      events.map((e) => e.type),
      ['tokens'],
    );
    clock += 2 * HOUR;
    await sb.control('faults', { provider: 'lawvu', endpoint: 'token', kind: 'status503', count: 1 });
    await assert.rejects(client.getAccessToken(), (e) => e.code === 'upstream_error');
    const failed = events.find((e) => e.type === 'refresh_failed');
    assert.ok(failed, `events: ${events.map((e) => e.type)}`);
    assert.equal(failed.remote, false);
    assert.equal(failed.error.code, 'upstream_error');
    assert.equal((await client.getTokens()).refreshToken, t1.refreshToken, 'a transient failure keeps the session');
    // no refresh_failed for a call that renewed nothing
    events.length = 0;
    const t2 = await client.getAccessToken();
    assert.deepEqual(
      events.map((e) => e.type),
      ['tokens'],
    );
    await client.fetch('/account-apis/v1/users');
    assert.deepEqual(
      events.map((e) => e.type),
      ['tokens'],
    );
    // the spent refresh token: the provider refuses it, the session is cleared, both are told
    storage.set('rf:tokens', JSON.stringify({ ...(await client.getTokens()), expiresAt: 0, refreshToken: t1.refreshToken }));
    events.length = 0;
    await assert.rejects(client.fetch('/account-apis/v1/users'), (e) => e.code === 'refresh_token_invalid' && e.requiresReauthorization);
    assert.deepEqual(
      events.map((e) => e.type),
      ['logout', 'refresh_failed'],
    );
    assert.equal(events[1].error.code, 'refresh_token_invalid');
    assert.equal(await client.getTokens(), null);
    assert.ok(t2);
    client.close();
  });

  test('the flows send through gloo-net (one Request to the global fetch), or through the app’s fetch option (url, init) when it gives one', async () => {
    const real = globalThis.fetch;
    const lv = sb.ep.lawvu;
    const ours = (u) => u.startsWith(lv.token_url) || u.startsWith(lv.api_base);
    const global = [];
    globalThis.fetch = (...args) => {
      const u = args[0] instanceof Request ? args[0].url : String(args[0]);
      if (ours(u)) global.push(args);
      return real(...args);
    };
    try {
      let clock = Date.now();
      const client = new t.OAuthClient(config, { now: () => clock });
      await client.handleCallback(await approved(client)); // the code exchange
      clock += 2 * HOUR;
      await client.getAccessToken(); // a refresh
      const init = { headers: { 'x-app': 'kept', authorization: 'Bearer from-the-app' }, credentials: 'include', cache: 'no-store' };
      assert.equal((await client.fetch('/account-apis/v1/users', init)).status, 200);
      // gloo-net's fetch(request): one argument, a Request built from the core's and the app's init
      assert.equal(global.length, 3, 'exchange, refresh, API');
      assert.ok(
        global.every((a) => a.length === 1 && a[0] instanceof Request),
        'every request as one Request',
      );
      const [exchange, refresh, api] = global.map((a) => a[0]);
      for (const r of [exchange, refresh]) {
        assert.equal(r.url, lv.token_url);
        assert.equal(r.method, 'POST');
        assert.equal(r.redirect, 'error');
        assert.equal(r.credentials, 'omit');
      }
      assert.equal(api.headers.get('x-app'), 'kept', 'the app’s own headers');
      assert.notEqual(api.headers.get('authorization'), 'Bearer from-the-app', 'the core’s bearer token wins');
      assert.match(api.headers.get('authorization'), /^Bearer /);
      assert.equal(api.credentials, 'include');
      assert.equal(api.cache, 'no-store');
      client.close();

      // the app's fetch option overrides: it gets (url, init), the global fetch nothing
      global.length = 0;
      const mine = [];
      const app = new t.OAuthClient(config, {
        fetch: (url, init) => {
          mine.push([url, init]);
          return real(url, init);
        },
      });
      await app.handleCallback(await approved(app));
      assert.equal((await app.fetch('/account-apis/v1/users', init)).status, 200);
      assert.deepEqual(global, [], 'nothing through the global fetch');
      assert.deepEqual(
        mine.map(([url, i]) => [url, i.method, i.redirect, i.credentials]),
        [
          [lv.token_url, 'POST', 'error', 'omit'],
          [`${lv.api_base}/account-apis/v1/users`, 'GET', undefined, 'include'],
        ],
      );
      assert.equal(new Headers(mine[1][1].headers).get('x-app'), 'kept');
      assert.ok(mine.every(([, i]) => i.signal instanceof AbortSignal));
      app.close();
    } finally {
      globalThis.fetch = real;
    }
  });

  test('through gloo-net: a slow token endpoint is a timeout; an abort with any reason rejects with that reason, and the module keeps working', async () => {
    const client = new t.OAuthClient(config, { requestTimeoutMs: 200 });
    const url = await approved(client);
    await slowTokenEndpoint(1_000);
    await assert.rejects(client.handleCallback(url), (e) => {
      assert.equal(e.code, 'timeout', e.message);
      assert.equal(e.message, 'the token endpoint did not answer within 200 ms');
      assert.ok(e.cause, 'the failure behind it, as cause');
      return true;
    });
    const patient = new t.OAuthClient(config);
    await patient.handleCallback(await approved(patient));
    // a reason that is not an Error (gloo-net itself only ever sees the request's DOMException)
    await sb.control('faults', { provider: 'lawvu', endpoint: 'api', kind: 'delay_ms', count: 1, delay_ms: 600 });
    const ac = new AbortController();
    const call = patient.fetch('/account-apis/v1/users', { signal: ac.signal });
    setTimeout(() => ac.abort('left the page'), 50);
    await assert.rejects(call, (e) => e === 'left the page');
    // a network failure is transport, naming the endpoint and never the URL
    const down = new t.OAuthClient({ ...config, apiBase: 'http://127.0.0.1:9/api' }, { storage: 'memory' });
    await down.handleCallback(await approved(down));
    await assert.rejects(down.fetch('/x'), (e) => e.code === 'transport' && e.message === 'the API could not be reached' && e.cause !== undefined);
    assert.equal((await patient.fetch('/account-apis/v1/users')).status, 200);
    client.close();
    patient.close();
    down.close();
  });

  test('a TsunagiError’s message is the sentence alone, never starting with its code (issue 23)', async () => {
    const client = new t.OAuthClient(config, { storage: 'memory' });
    const seen = [];
    const sentence = (code) => (e) => {
      seen.push(e.message);
      return e instanceof t.TsunagiError && e.code === code && e.message.length > 0 && !e.message.startsWith(code);
    };
    // the client's own (js/client.js), the options' (js/errors.js), the wasm layer's (js/core.js), the verifier's (js/oidc.js)
    await assert.rejects(client.handleCallback('http://localhost:5173/callback?code=c&state=s'), sentence('state_missing'));
    await assert.rejects(client.getAccessToken(5), sentence('invalid_parameter'));
    await assert.rejects(client.getAccessToken(), sentence('login_required'));
    assert.throws(() => t.parseCallback('https://a.example/?code=c&state=x', 'y'), sentence('state_mismatch'));
    assert.throws(() => t.parseTokenResponse({ status: 400, body: '{"error":"invalid_grant"}' }), sentence('invalid_grant'));
    await assert.rejects(t.verifyIdToken({ provider: 'generic', issuer: 'https://id.example', clientId: 'c' }, 42), sentence('id_token_invalid'));
    assert.equal(seen.length, 6, seen.join('\n'));
    client.close();
  });

  test('the sandbox config: authorizeUrl, tokenUrl and apiBase from endpoints.json, no environment needed (issue 23)', async () => {
    const { environment, ...urls } = config;
    assert.equal(environment, 'sandbox');
    const client = new t.OAuthClient(urls, { storage: 'memory' });
    const url = await client.authorize();
    assert.ok(url.startsWith(sb.ep.lawvu.authorize_url), url);
    await client.handleCallback(await approved(client));
    assert.equal((await client.fetch('/account-apis/v1/users')).status, 200);
    client.close();
    // with fewer than the three URLs a host of the environment is needed: still refused, naming it
    const { apiBase, ...partial } = urls;
    assert.ok(apiBase);
    assert.throws(
      () => new t.OAuthClient(partial),
      (e) => e instanceof t.TsunagiError && e.code === 'invalid_config' && e.message.includes('config.environment'),
    );
  });

  test('autoRefresh: renews ahead of expiry from the stored expiry, and stops on close()', async () => {
    const storage = t.memoryStorage();
    const client = new t.OAuthClient(config, { storage, key: 'auto' });
    const t1 = await client.handleCallback(await approved(client));
    const s0 = await lawvuStats();
    // a clock on which the renewal (60 s before expiry) is 300 ms away
    let skew = t1.expiresAt - 60_000 - Date.now() - 300;
    const auto = new t.OAuthClient(config, { storage, key: 'auto', now: () => Date.now() + skew, autoRefresh: true });
    const renewed = new Promise((resolve) => auto.onChange((type) => type === 'tokens' && resolve()));
    await within(renewed, 5_000, 'the renewal');
    skew = 0; // on the skewed clock the new (one-hour) tokens would soon be due as well
    const t2 = await auto.getTokens();
    assert.notEqual(t2.accessToken, t1.accessToken);
    assert.deepEqual(delta(s0, await lawvuStats()), { code: 0, refresh: 1, reuse: 0 });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(delta(s0, await lawvuStats()).refresh, 1, 'rescheduled for the new expiry, not again');
    auto.close();

    // closed before it was due: no renewal
    const skew2 = t2.expiresAt - 60_000 - Date.now() - 200;
    const closed = new t.OAuthClient(config, { storage, key: 'auto', now: () => Date.now() + skew2, autoRefresh: true });
    closed.close();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(delta(s0, await lawvuStats()).refresh, 1, 'a closed client renews nothing');
    assert.equal((await client.getTokens()).accessToken, t2.accessToken);
    client.close();
  });
});

describe('BrokerClient: abort signals reach fetch (issue 17)', () => {
  test('fetch, session, refresh and logout pass the signal; an abort rejects with its reason, not as transport', async () => {
    const seen = [];
    const stub = (url, init) => {
      seen.push([url, init.signal]);
      if (init.signal?.aborted) return Promise.reject(init.signal.reason);
      return new Promise((resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal.reason));
        setTimeout(() => resolve(new Response('{"signed_in":false,"providers":{}}', { headers: { 'content-type': 'application/json' } })), 200);
      });
    };
    const broker = new t.BrokerClient({ fetch: stub, baseUrl: 'https://bff.example' });
    const ac = new AbortController();
    const call = broker.fetch('lawvu', '/matter-apis/v1/matters', { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(call, (e) => e.name === 'AbortError');
    assert.equal(seen[0][0], 'https://bff.example/api/lawvu/matter-apis/v1/matters');
    assert.equal(seen[0][1], ac.signal);
    const aborted = AbortSignal.abort();
    await assert.rejects(broker.session({ signal: aborted }), (e) => e.name === 'AbortError');
    await assert.rejects(broker.refresh('lawvu', { signal: aborted }), (e) => e.name === 'AbortError');
    await assert.rejects(broker.logout('lawvu', { signal: aborted }), (e) => e.name === 'AbortError');
    await assert.rejects(broker.fetch('lawvu', '/x', { signal: {} }), (e) => e.code === 'invalid_parameter');
    assert.equal((await broker.fetch('lawvu', '/x')).status, 200);
    assert.deepEqual(await broker.session(), { signed_in: false, providers: {} });
    // a network failure without an abort is still the transport error
    const down = new t.BrokerClient({ fetch: () => Promise.reject(new TypeError('fetch failed')) });
    await assert.rejects(down.fetch('lawvu', '/x', { signal: new AbortController().signal }), (e) => e.code === 'transport');
  });
});
