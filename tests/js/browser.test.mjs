// node --test: the package in real headless Chromium (Debian's, through playwright-core), against
// the provider sandbox: the whole LawVu public-client flow, and the multi-tab refresh race.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, startSandbox } from '../harness/index.mjs';
import { startStaticServer } from './server.mjs';

const HOUR = 3_600_000;

let sb;
let web;
let ctx;

before(async () => {
  sb = await startSandbox();
  web = await startStaticServer(sb.ep);
  ctx = await launchChromium();
});

after(async () => {
  await ctx?.close();
  await web?.close();
  await sb?.stop();
});

async function openApp(path = '/app.html') {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${web.origin}${path}`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  return page;
}

async function stats() {
  return (await sb.stats()).lawvu;
}

/** authorize() in the page → the sandbox's approval → back on the redirect URI → handleCallback. */
async function login(page) {
  const url = await page.evaluate(() => window.client.authorize());
  assert.ok(url.startsWith(`${sb.ep.lawvu.authorize_url}?response_type=code&client_id=`), url);
  assert.match(url, /&state=[A-Za-z0-9_-]{43}$/);
  const { redirect_url } = await sb.control('lawvu/approve', { authorize_url: url, user_id: 'user-id-123' });
  assert.ok(redirect_url.startsWith(`${web.origin}/app.html?code=`), redirect_url);
  await page.goto(redirect_url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  return page.evaluate(() => window.client.handleCallback(location.href));
}

/** Runs `fn` in the page and returns `{ ok, value }` or `{ ok: false, code, requiresReauthorization, name }`. */
function attempt(page, fn, arg) {
  return page.evaluate(
    async ([src, a]) => {
      try {
        // biome-ignore lint/security/noGlobalEval: the test's function arrives as source text (page.evaluate cannot take a closure); evaluated globally on purpose
        return { ok: true, value: await globalThis.eval(src)(a) };
      } catch (e) {
        return { ok: false, name: e.name, code: e.code, message: e.message, requiresReauthorization: e.requiresReauthorization };
      }
    },
    [fn.toString(), arg],
  );
}

const ENTRY = process.env.TSUNAGI_TEST_ENTRY === 'lawvu' ? 'tsunagi/lawvu' : 'tsunagi';

describe(`LawVu public client in Chromium (${ENTRY})`, () => {
  test('the page runs the entry under test', async () => {
    const page = await openApp();
    // tsunagi/lawvu has no OpenID Connect; a config of a provider that needs a secret is refused
    const has = await page.evaluate(() => ({ discover: typeof window.tsunagi.discover, client: typeof window.tsunagi.OAuthClient }));
    assert.deepEqual(has, { discover: ENTRY === 'tsunagi' ? 'function' : 'undefined', client: 'function' });
    const refused = await page.evaluate(() => {
      try {
        window.tsunagi.buildAuthorizationUrl({ provider: 'logiless', clientId: 'c', redirectUri: 'https://app.example/cb' });
        return null;
      } catch (e) {
        return { name: e.name, code: e.code, message: e.message };
      }
    });
    assert.equal(refused?.code, 'invalid_config', JSON.stringify(refused));
    assert.match(refused.message, /needs a client secret.*tsunagi Worker/);
    await page.close();
  });

  test('authorize → approve → handleCallback → API → refresh rotation → 401 retry → spent token rejected', async () => {
    const page = await openApp();
    const s0 = await stats();

    const secret = await attempt(page, () => new window.tsunagi.OAuthClient({ ...window.lawvuConfig, clientSecret: 'x' }));
    assert.equal(secret.code, 'invalid_config', 'a secret is refused in a browser');

    const t1 = await login(page);
    assert.ok(t1.accessToken && t1.refreshToken);
    assert.equal(t1.extra.userId, 'user-id-123');
    assert.ok(t1.refreshExpiresAt - t1.issuedAt === 86_400_000, '1-day refresh tokens without a secret');
    const claims = await page.evaluate((jwt) => window.tsunagi.decodeJwtClaims(jwt), t1.accessToken);
    assert.equal(claims.sub, 'user-id-123');
    assert.equal(claims.organisationId, 'org-id-456');
    const pendingLeft = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.endsWith(':pending')).length);
    assert.equal(pendingLeft, 0, 'pending state is cleared');
    const replay = await attempt(page, () => window.client.handleCallback(location.href));
    assert.equal(replay.code, 'state_missing', 'a callback is handled once');
    assert.equal((await stats()).token_requests.authorization_code - s0.token_requests.authorization_code, 1);

    const users = await page.evaluate(async () => {
      const r = await window.client.fetch('/account-apis/v1/users');
      return { status: r.status, body: await r.json() };
    });
    assert.equal(users.status, 200);
    assert.ok(users.body.some((u) => u.id === 'user-id-123'));

    // Two hours later (this page's clock): the access token is stale → exactly one refresh.
    await page.evaluate((ms) => (window.skewMs = ms), 2 * HOUR);
    const [a2, b2] = await page.evaluate(() => Promise.all([window.client.getAccessToken(), window.client.getAccessToken()]));
    assert.equal(a2, b2);
    assert.notEqual(a2, t1.accessToken);
    const t2 = await page.evaluate(() => window.client.getTokens());
    assert.equal(t2.accessToken, a2);
    assert.notEqual(t2.refreshToken, t1.refreshToken, 'refresh tokens rotate');
    assert.equal((await stats()).token_requests.refresh_token - s0.token_requests.refresh_token, 1);

    // The provider's clock moves past the token's exp while the page still trusts it: 401 →
    // one refresh → the retry succeeds.
    await sb.control('clock', { advance_secs: 4000 });
    const retried = await page.evaluate(async () => (await window.client.fetch('/matter-apis/v1/matters')).status);
    assert.equal(retried, 200);
    const t3 = await page.evaluate(() => window.client.getTokens());
    assert.notEqual(t3.accessToken, t2.accessToken);
    assert.equal((await stats()).token_requests.refresh_token - s0.token_requests.refresh_token, 2);

    // The first, spent refresh token is rejected by the provider, with the documented message
    // (through `tsunagi`'s low-level functions; tsunagi/lawvu is built without them).
    const lowLevel = await page.evaluate(() => [typeof window.tsunagi.buildTokenRequest, typeof window.tsunagi.parseTokenResponse]);
    assert.deepEqual(lowLevel, ENTRY === 'tsunagi' ? ['function', 'function'] : ['undefined', 'undefined']);
    if (ENTRY === 'tsunagi') {
      const spent = await attempt(
        page,
        async (rt) => {
          const { buildTokenRequest, parseTokenResponse } = window.tsunagi;
          const req = buildTokenRequest(window.lawvuConfig, { grantType: 'refresh_token', refreshToken: rt });
          const r = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
          return parseTokenResponse({ status: r.status, headers: r.headers, body: await r.text() }, { config: window.lawvuConfig });
        },
        t1.refreshToken,
      );
      assert.equal(spent.ok, false);
      assert.equal(spent.code, 'refresh_token_invalid');
      assert.equal(spent.requiresReauthorization, true);
      assert.ok(!spent.message.includes(t1.refreshToken), 'no token in the message');
      assert.equal((await stats()).refresh_reuse - s0.refresh_reuse, 1);
    }

    // A stored session whose refresh token is spent: the refresh fails, the session is cleared
    // and the app is told to re-authorize.
    await page.evaluate(async (rt) => {
      const t = await window.client.getTokens();
      localStorage.setItem(
        Object.keys(localStorage).find((k) => k.endsWith(':tokens')),
        JSON.stringify({ ...t, expiresAt: 0, refreshToken: rt }),
      );
    }, t1.refreshToken);
    const dead = await attempt(page, () => window.client.getAccessToken());
    assert.equal(dead.code, 'refresh_token_invalid');
    assert.equal(dead.requiresReauthorization, true);
    assert.equal(await page.evaluate(() => window.client.getTokens()), null);
    const none = await attempt(page, () => window.client.getAccessToken());
    assert.equal(none.code, 'login_required');
    assert.ok((await page.evaluate(() => window.events)).includes('logout:local'));
    await page.close();
  });

  // issue 17: React StrictMode runs an effect twice (and may build the client twice): both calls
  // must share one exchange; the app state comes back; the address bar loses code and state.
  test('callback handled twice at once → one exchange, one result; appState; the address bar is cleaned (issue 17)', async () => {
    const page = await openApp();
    await page.evaluate(() => localStorage.clear());
    const s0 = await stats();
    const url = await page.evaluate(() => window.client.authorize({ appState: { returnTo: '/matters/42' } }));
    const { redirect_url } = await sb.control('lawvu/approve', { authorize_url: url, user_id: 'user-id-123' });
    await page.goto(redirect_url);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    const r = await page.evaluate(async () => {
      const twin = window.makeClient(); // the component's second client
      const [a, b, c] = await Promise.all([window.client.handleRedirect(), window.client.handleCallback(), twin.handleCallback(location.href)]);
      return {
        tokens: [a.tokens.accessToken, b.accessToken, c.accessToken],
        appState: a.appState,
        href: location.href,
        authenticated: await window.client.isAuthenticated(),
        user: await window.client.getUser(),
      };
    });
    assert.equal(new Set(r.tokens).size, 1, 'one result for the three calls');
    assert.deepEqual(r.appState, { returnTo: '/matters/42' });
    assert.equal(r.href, `${web.origin}/app.html`, 'code and state left the address bar');
    assert.equal((await stats()).token_requests.authorization_code - s0.token_requests.authorization_code, 1, 'exactly one exchange');
    assert.equal(r.authenticated, true);
    assert.equal(r.user.source, 'access_token');
    assert.equal(r.user.verified, false);
    assert.equal(r.user.claims.sub, 'user-id-123');
    const spent = await attempt(page, () => window.client.handleCallback());
    assert.equal(spent.code, 'state_missing', 'a settled callback is spent');
    const aborted = await attempt(page, () => window.client.getAccessToken({ signal: AbortSignal.abort() }));
    assert.equal(aborted.name, 'AbortError');
    assert.equal(await page.evaluate(() => window.client.isAuthenticated()), true, 'an abort loses nothing');
    await page.close();
  });

  test('the address bar after a callback: query, hash route, other parameters and history.state kept; cleanUrl: false (issue 17)', async () => {
    const page = await openApp();
    const out = await page.evaluate(async () => {
      const body = JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt' });
      const fetch = async () => new Response(body, { headers: { 'content-type': 'application/json' } });
      const c = window.makeClient({ storage: 'memory', key: 'clean-test', fetch });
      const cases = [
        ['/app.html?keep=1#/cb?code=abc&state=STATE&tab=2'],
        ['/app.html?code=abc&state=STATE&keep=a%20b&iss=https%3A%2F%2Fas.example#/route'],
        ['/app.html#/callback?code=abc&state=STATE'],
        ['/app.html?code=abc&state=STATE', { cleanUrl: false }],
        ['/app.html?code=abc&state=STATE', {}, '/elsewhere.html?code=abc&state=STATE'], // not the page's location
      ];
      const seen = [];
      for (const [path, opts, other] of cases) {
        const state = /[?&]state=([^&]+)/.exec(await c.authorize())[1];
        history.replaceState({ router: 'kept' }, '', path.replace('STATE', state));
        const href = other ? new URL(other.replace('STATE', state), location.origin).href : undefined;
        await c.handleCallback(href, opts);
        seen.push([location.href.slice(location.origin.length).replace(state, 'STATE'), history.state?.router]);
      }
      return seen;
    });
    assert.deepEqual(out, [
      ['/app.html?keep=1#/cb?tab=2', 'kept'],
      ['/app.html?keep=a%20b#/route', 'kept'],
      ['/app.html#/callback', 'kept'],
      ['/app.html?code=abc&state=STATE', 'kept'],
      ['/app.html?code=abc&state=STATE', 'kept'],
    ]);
    await page.close();
  });

  // issue 17: each tab schedules its own renewal, from the same stored expiry; the renewal is the
  // refresh flow (the cross-tab lock, then a re-read), so two timers firing together refresh once.
  test('autoRefresh in two tabs: both timers fire at once → exactly one refresh; a wake re-checks (issue 17)', async () => {
    const pa = await openApp();
    await pa.evaluate(() => localStorage.clear());
    const t1 = await login(pa);
    const pb = await openApp();
    const s0 = await stats();
    // a clock on which the renewal (60 s before expiry) is 1.5 s away, in both tabs
    const skew = t1.expiresAt - 60_000 - Date.now() - 1500;
    const arm = (page) =>
      page.evaluate((skew) => {
        window.skewMs = skew;
        window.autoEvents = [];
        window.auto = window.makeClient({ autoRefresh: true });
        window.auto.onChange((type, info) => window.autoEvents.push(`${type}:${info.remote ? 'remote' : 'local'}`));
      }, skew);
    await Promise.all([arm(pa), arm(pb)]);
    // Playwright's waitForFunction takes any truthy return as done, a Promise included: the
    // predicate must be synchronous, so it reads the storage itself.
    const renewed = (page, old = t1.accessToken) =>
      page.waitForFunction(
        (old) => {
          const k = Object.keys(localStorage).find((x) => x.endsWith(':tokens'));
          return k && JSON.parse(localStorage.getItem(k)).accessToken !== old;
        },
        old,
        { timeout: 10_000 },
      );
    await Promise.all([renewed(pa), renewed(pb)]);
    // Back to the real clock at once: on the skewed one the new tokens (one hour, like the old)
    // would be due again as many seconds after the renewal as the renewal came after the login.
    await Promise.all([pa, pb].map((p) => p.evaluate(() => (window.skewMs = 0))));
    await new Promise((r) => setTimeout(r, 1000)); // the second timer's flow has finished too
    const s1 = await stats();
    assert.equal(s1.token_requests.refresh_token - s0.token_requests.refresh_token, 1, 'exactly one refresh');
    assert.equal(s1.refresh_reuse - s0.refresh_reuse, 0, 'no spent token replayed');
    const [ta, tb] = await Promise.all([pa, pb].map((p) => p.evaluate(() => window.auto.getAccessToken())));
    assert.equal(ta, tb);
    assert.notEqual(ta, t1.accessToken);
    const events = [...(await pa.evaluate(() => window.autoEvents)), ...(await pb.evaluate(() => window.autoEvents))];
    assert.ok(events.includes('tokens:local') && events.includes('tokens:remote'), `${events}`);
    assert.ok(!events.some((e) => e.startsWith('refresh_failed')), `${events}`);

    // Tab A's computer slept past the new token's renewal time (its clock jumped): the page
    // becoming visible again re-checks at once, without waiting for the (late) timer.
    const t2 = await pa.evaluate(() => window.auto.getTokens());
    await pa.evaluate(
      (skew) => {
        window.skewMs = skew;
        document.dispatchEvent(new Event('visibilitychange'));
      },
      t2.expiresAt - 30_000 - Date.now(),
    );
    await renewed(pa, t2.accessToken);
    const s2 = await stats();
    assert.equal(s2.token_requests.refresh_token - s1.token_requests.refresh_token, 1, 'renewed on wake');

    // close() stops the timers and the wake check: nothing more is renewed, though it is due
    const t3 = await pa.evaluate(() => window.auto.getTokens());
    await Promise.all([pa, pb].map((p) => p.evaluate(() => window.auto.close())));
    await Promise.all(
      [pa, pb].map((p) =>
        p.evaluate(
          (skew) => {
            window.skewMs = skew;
            document.dispatchEvent(new Event('visibilitychange'));
          },
          t3.expiresAt - 30_000 - Date.now(),
        ),
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await stats()).token_requests.refresh_token - s2.token_requests.refresh_token, 0, 'a closed client renews nothing');
    await pa.close();
    await pb.close();
  });

  for (const locks of ['auto', 'lease']) {
    test(`two tabs, expired access token, concurrent getAccessToken() → exactly one refresh (locks: ${locks})`, async () => {
      const pa = await openApp();
      await pa.evaluate(() => localStorage.clear());
      const t1 = await login(pa);
      const pb = await openApp();
      assert.equal((await pb.evaluate(() => window.client.getTokens()))?.accessToken, t1.accessToken, 'tab B sees the session');
      if (locks === 'auto') assert.equal(await pa.evaluate(() => typeof navigator.locks?.request), 'function');

      const s0 = await stats();
      // Web Locks: both tabs start in the same millisecond. The localStorage lease (for browsers
      // without Web Locks) is not atomic, so two tabs claiming it in the same instant can both win
      // under load (documented); what it must get right is the hand-off: tab B arrives while tab
      // A holds the lease over a slow refresh, waits, and then uses A's tokens.
      const stagger = locks === 'lease' ? 400 : 0;
      if (locks === 'lease') {
        await sb.control('faults', { provider: 'lawvu', endpoint: 'token', kind: 'delay_ms', count: 1, delay_ms: 1200 });
      }
      const at = Date.now() + 500;
      const race = (page, at) =>
        page.evaluate(
          async ({ at, skew, locks }) => {
            window.skewMs = skew;
            const c = window.makeClient({ locks });
            c.onChange((type, info) => window.events.push(`${type}:${info.remote ? 'remote' : 'local'}`));
            await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
            return Promise.all([c.getAccessToken(), c.getAccessToken(), c.getAccessToken()]);
          },
          { at, skew: 2 * HOUR, locks },
        );
      const [fromA, fromB] = await Promise.all([race(pa, at), race(pb, at + stagger)]);
      const all = [...fromA, ...fromB];
      assert.equal(new Set(all).size, 1, `both tabs got one token: ${all.map((x) => x.slice(-8))}`);
      assert.notEqual(all[0], t1.accessToken, 'it is a new token');

      const s1 = await stats();
      assert.equal(s1.token_requests.refresh_token - s0.token_requests.refresh_token, 1, 'exactly one refresh');
      assert.equal(s1.refresh_reuse - s0.refresh_reuse, 0, 'no spent token was replayed');

      const status = await pb.evaluate(async () => (await window.makeClient().fetch('/account-apis/v1/users')).status);
      assert.equal(status, 200, 'the shared token is valid');
      const events = [...(await pa.evaluate(() => window.events)), ...(await pb.evaluate(() => window.events))];
      assert.ok(events.includes('tokens:remote'), `the other tab was told: ${events}`);
      await pa.close();
      await pb.close();
    });
  }
});
