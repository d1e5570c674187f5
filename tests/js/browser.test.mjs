// node --test: the package in real headless Chromium (Debian's, through playwright-core), against
// the provider sandbox: the whole LawVu public-client flow, and the multi-tab refresh race.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startSandbox } from './helpers.mjs';
import { startStaticServer } from './server.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const HOUR = 3_600_000;

let sb;
let web;
let ctx;
let profile;

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`);
  sb = await startSandbox();
  web = await startStaticServer(sb.ep);
  profile = mkdtempSync(resolve(tmpdir(), 'tsunagi-chromium-'));
  // launchPersistentContext is how Playwright takes a fresh --user-data-dir; it adds --headless.
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await ctx?.close();
  await web?.close();
  await sb?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
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

describe('LawVu public client in Chromium', () => {
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

    // The first, spent refresh token is rejected by the provider, with the documented message.
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
