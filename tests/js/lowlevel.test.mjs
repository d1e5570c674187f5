// node --test: the built package (npm pack of pkg/, imported as 'tsunagi'), low-level API, with
// the vendor documents' examples, hostile input, and the Logiless and LegalOn request builders
// against the provider sandbox over loopback HTTP.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { importPackage, startSandbox, send } from './helpers.mjs';

let t;
let sb;
before(async () => {
  t = await importPackage();
  sb = await startSandbox();
});
after(async () => {
  await sb?.stop();
});

const lawvu = { provider: 'lawvu', environment: 'sandbox', clientId: 'acme-inc', redirectUri: 'https://acme-inc.com/auth' };

/** Asserts `fn` throws a TsunagiError with `code`; returns it. */
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

  test('Logiless sample response with the unquoted refresh_token', () => {
    const body =
      '{"access_token":"d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX","token_type":"bearer","expires_in":2592000,"refresh_token":d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX,"scope":""}';
    const now = 1_700_000_000_000;
    const tokens = t.parseTokenResponse({ status: 200, headers: { 'content-type': 'application/json' }, body }, { now });
    assert.deepEqual(tokens, {
      accessToken: 'd461ab8XXXXXXXXXXXXXXXXXXXXXXXXX',
      tokenType: 'bearer',
      issuedAt: now,
      expiresAt: now + 2_592_000_000,
      refreshToken: 'd461ab8XXXXXXXXXXXXXXXXXXXXXXXXX',
      scope: '',
      extra: {},
      grant: 'user',
    });
    const logiless = { provider: 'logiless', clientId: 'c', clientSecret: 's', redirectUri: 'https://app.example/cb' };
    const withConfig = t.parseTokenResponse({ status: 200, headers: new Headers({ 'content-type': 'text/plain' }), body }, { now, config: logiless });
    assert.equal(withConfig.refreshExpiresAt, now + 2_592_000_000);
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
      provider: 'generic',
      authorizationEndpoint: 'https://as.example/authorize',
      tokenEndpoint: 'https://as.example/token',
      clientId: 'c',
      redirectUri: 'https://app.example/cb',
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
    const config = {
      provider: 'logiless',
      clientId: ep.client_id,
      clientSecret: ep.client_secret,
      redirectUri: ep.redirect_uri,
      merchantId: ep.merchant_id,
      authorizeUrl: ep.authorize_url,
      tokenUrl: ep.token_url,
      apiBase: ep.api_base,
    };
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
    const config = {
      provider: 'logiless',
      clientId: ep.client_id,
      clientSecret: ep.client_secret,
      redirectUri: ep.redirect_uri,
      merchantId: ep.merchant_id,
      authorizeUrl: ep.authorize_url,
      tokenUrl: ep.token_url,
      apiBase: ep.api_base,
    };
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
