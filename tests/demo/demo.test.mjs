// node --test: `make demo`'s script end to end in headless Debian Chromium (playwright-core).
// Starts scripts/demo.mjs (sandbox + wrangler dev + the www/ page on http://localhost:8787),
// drives each card through the sandbox's real consent pages, advances the sandbox clock, then
// stops the script and checks that no process it started is left.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchChromium } from '../harness/index.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT = resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target', 'test-output');
const SHOT = process.env.TSUNAGI_DEMO_SCREENSHOT; // e.g. docs/demo.png: also write the README picture

let demo;
let demoOut = '';
let url;
let ctx;
let page;

/** Every process in the demo's tree (pid → command), from /proc via ps. */
function tree(rootPid) {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(l);
      return { pid: +m[1], ppid: +m[2], pgid: +m[3], args: m[4] };
    });
  const keep = new Map([[rootPid, 'demo']]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows)
      if (!keep.has(r.pid) && keep.has(r.ppid)) {
        keep.set(r.pid, r.args);
        grew = true;
      }
  }
  // the script itself runs in this test's process group; everything it starts has its own
  const own = rows.find((r) => r.pid === rootPid)?.pgid;
  return { pids: keep, pgids: new Set(rows.filter((r) => keep.has(r.pid) && r.pgid !== own).map((r) => r.pgid)) };
}
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

before(async () => {
  mkdirSync(OUT, { recursive: true });
  demo = spawn(process.execPath, ['scripts/demo.mjs'], {
    cwd: ROOT,
    env: { ...process.env, TSUNAGI_SANDBOX_PORT: '0', TSUNAGI_DEMO_DIR: join('target', 'demo-test'), TSUNAGI_DEMO_NO_BUILD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise((ok, fail) => {
    const seen = (d) => {
      demoOut += d;
      const m = /demo ready: open (http:\/\/localhost:\d+\/)/.exec(demoOut);
      if (m) ok(m[1]);
    };
    demo.stdout.on('data', seen);
    demo.stderr.on('data', seen);
    demo.on('exit', (c) => fail(new Error(`demo exited ${c}:\n${demoOut}`)));
    setTimeout(() => fail(new Error(`demo printed no URL in 90 s:\n${demoOut}`)), 90_000).unref();
  });
  ctx = await launchChromium({ viewport: { width: 1280, height: 900 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
});

after(async () => {
  await ctx?.close();
  if (demo && demo.exitCode === null) demo.kill('SIGKILL');
});

/** What the page logged as an error (a signed-out visit must log none). */
const consoleErrors = [];

async function ready() {
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
}
const card = (key) => page.locator(`#card-${key}`);
const claim = (key, id) => page.locator(`#claims-${key} [data-claim="${id}"]`);
async function shot(key, name = key) {
  await card(key).screenshot({ path: join(OUT, `demo-${name}.png`) });
}

/** LawVu's sandbox page (behind its hash route): log in as Jane, approve consent if asked. */
async function lawvuConsent() {
  await page.waitForURL(/\/#\/authorize\?/);
  await page.locator('#login-user-user-id-123').click();
  const approve = page.locator('#approve');
  await Promise.race([approve.waitFor({ state: 'visible' }).then(() => approve.click()), page.waitForURL((u) => u.href.startsWith(url))]);
  await page.waitForURL((u) => u.href.startsWith(url));
}

test('the page loads from the printed URL with five cards (the three providers and a generic connection)', async () => {
  await page.goto(url);
  await ready();
  assert.equal(await page.locator('article.card').count(), 5);
  for (const key of ['lawvu-browser', 'lawvu', 'logiless', 'legalon', 'idp']) {
    assert.equal(await card(key).getAttribute('data-state'), 'disconnected', key);
    await assert.doesNotReject(page.locator(`#connect-${key}`).waitFor());
  }
  // nothing secret in what the page can read
  const html = await page.content();
  const cfg = await (await fetch(new URL('/demo-config.json', url))).text();
  assert.doesNotMatch(html + cfg, /sbx_[a-z]+_(secret|cred)/);
  // signed out is a state: GET /session answers 200, nothing red in the console
  assert.deepEqual(consoleErrors, []);
});

test('LegalOn before any sign-in: the Worker refuses, the card says why', async () => {
  await page.locator('#connect-legalon').click();
  await page.locator('#error-legalon').waitFor();
  const err = await page.locator('#error-legalon').textContent();
  assert.match(err, /session_missing/);
  assert.match(err, /Connect LawVu or Logiless via the Worker first/);
  assert.equal(await card('legalon').getAttribute('data-state'), 'disconnected');
  consoleErrors.length = 0; // the refused call's 401 is an expected network error
});

test('LawVu in the browser: consent → claims → API → refresh rotation', async () => {
  await page.locator('#connect-lawvu-browser').click();
  await lawvuConsent();
  await ready();
  await page.locator('#claims-lawvu-browser').waitFor();
  assert.equal(await claim('lawvu-browser', 'name').textContent(), 'Jane Smith');
  assert.equal(await claim('lawvu-browser', 'organisation').textContent(), 'org-id-456');
  assert.equal(await claim('lawvu-browser', 'user-id').textContent(), 'user-id-123');
  assert.match(await page.locator('#refresh-left-lawvu-browser').textContent(), /^23h|^1d|^24h/);
  await page.locator('#call-lawvu-browser').click();
  await page.locator('#json-lawvu-browser').waitFor();
  assert.match(await page.locator('#json-lawvu-browser').textContent(), /Jane Smith/);
  assert.ok((await page.locator('#headers-lawvu-browser [data-header="x-request-id"]').textContent()).length > 0);
  const before = await page.locator('#fp-lawvu-browser').textContent();
  await page.locator('#refresh-lawvu-browser').click();
  await page.locator('#rotation-lawvu-browser code.new').waitFor();
  const old = await page.locator('#rotation-lawvu-browser code.old').textContent();
  const fresh = await page.locator('#rotation-lawvu-browser code.new').textContent();
  assert.equal(old, before);
  assert.notEqual(fresh, old);
  assert.match(fresh, /^[0-9a-f]{8}$/);
  await shot('lawvu-browser');
});

test('LawVu via the Worker: consent → claims → API → refresh rotation', async () => {
  await page.locator('#connect-lawvu').click();
  await lawvuConsent();
  await ready();
  await page.locator('#claims-lawvu').waitFor();
  assert.equal(await claim('lawvu', 'name').textContent(), 'Jane Smith');
  assert.equal(await claim('lawvu', 'organisation').textContent(), 'org-id-456');
  assert.match(await page.locator('#refresh-left-lawvu').textContent(), /^(29|30)d/);
  await page.locator('#call-lawvu').click();
  await page.locator('#json-lawvu').waitFor();
  assert.match(await page.locator('#json-lawvu').textContent(), /Jane Smith/);
  assert.ok((await page.locator('#headers-lawvu [data-header="x-request-id"]').textContent()).length > 0);
  const before = await page.locator('#fp-lawvu').textContent();
  await page.locator('#refresh-lawvu').click();
  await page.locator('#rotation-lawvu code.new').waitFor();
  assert.equal(await page.locator('#rotation-lawvu code.old').textContent(), before);
  assert.notEqual(await page.locator('#rotation-lawvu code.new').textContent(), before);
  // the browser-side card survived the round trip through the Worker's consent
  assert.equal(await card('lawvu-browser').getAttribute('data-state'), 'connected');
  await shot('lawvu');
});

test('Logiless via the Worker: Japanese consent → API with X-RateLimit-*', async () => {
  await page.locator('#connect-logiless').click();
  await page.waitForURL(/\/oauth\/v2\/auth\?/);
  await page.locator('#approve').click();
  await page.waitForURL((u) => u.href.startsWith(url));
  await ready();
  await page.locator('#claims-logiless').waitFor();
  await page.locator('#call-logiless').click();
  await page.locator('#json-logiless').waitFor();
  assert.match(await page.locator('#json-logiless').textContent(), /"total_count": 25/);
  assert.equal(await page.locator('#headers-logiless [data-header="x-ratelimit-limit"]').textContent(), '5');
  assert.match(await page.locator('#headers-logiless [data-header="x-ratelimit-remaining"]').textContent(), /^\d+$/);
  await shot('logiless');
});

test('LegalOn via the Worker: client credentials, no consent page', async () => {
  await page.locator('#connect-legalon').click();
  await page.locator('#json-legalon').waitFor();
  assert.equal(await card('legalon').getAttribute('data-state'), 'connected');
  assert.match(await page.locator('#json-legalon').textContent(), /"users"/);
  assert.ok((await page.locator('#headers-legalon [data-header="x-request-id"]').textContent()).length > 0);
  assert.match(await page.locator('#headers-legalon [data-header="x-ratelimit-limit"]').textContent(), /^\d+$/);
  await shot('legalon');
  await page.screenshot({ path: join(OUT, 'demo-page.png'), fullPage: true });
});

test('Any OpenID provider via the Worker: a generic connection to oidc-provider, refresh, revocation on disconnect', async () => {
  await page.locator('#connect-idp').click();
  await ready();
  await page.locator('#claims-idp').waitFor();
  assert.equal(await card('idp').getAttribute('data-state'), 'connected');
  await page.locator('#call-idp').click();
  await page.locator('#json-idp').waitFor();
  assert.match(await page.locator('#json-idp').textContent(), /"sub": "user-id-123"/);
  const before = await page.locator('#fp-idp').textContent();
  await page.locator('#refresh-idp').click();
  await page.waitForFunction((fp) => document.getElementById('fp-idp')?.textContent !== fp, before);
  await shot('idp');
  await page.locator('#disconnect-idp').click();
  await page.locator('#connect-idp').waitFor();
  assert.equal(await card('idp').getAttribute('data-state'), 'disconnected');
});

test('advance 25 hours: the public LawVu card asks to reconnect, the Worker one refreshes', async () => {
  const before = await page.locator('#fp-lawvu').textContent();
  await page.locator('#advance-25h').click();
  await page.waitForFunction(() => document.body.dataset.offset === String(25 * 3600));
  await page.waitForFunction(() => document.getElementById('card-lawvu-browser').dataset.state === 'reconnect');
  const err = await page.locator('#error-lawvu-browser').textContent();
  assert.match(err, /refresh token has expired/i);
  assert.match(err, /refresh_token_expired/);
  assert.match(err, /Connect again/);
  assert.equal(await page.locator('#connect-lawvu-browser').textContent(), 'Connect again');
  // the Worker's 30-day LawVu session: the provider rejects the old access token, the Worker refreshes
  await page.locator('#call-lawvu').click();
  await page.locator('#json-lawvu').waitFor();
  assert.match(await page.locator('#json-lawvu').textContent(), /Jane Smith/);
  assert.notEqual(await page.locator('#fp-lawvu').textContent(), before);
  await page.locator('#call-logiless').click();
  await page.locator('#json-logiless').waitFor();
  await page.locator('#call-legalon').click();
  await page.locator('#json-legalon').waitFor();
  await shot('lawvu-browser', 'lawvu-browser-expired');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(OUT, 'demo-phone.png'), fullPage: true });
  // phone width: nothing wider than the screen
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator('#clock-reset').click();
  await page.waitForFunction(() => document.body.dataset.offset === '0');
  await page.screenshot({ path: join(OUT, 'demo-page-after.png'), fullPage: true });
  if (SHOT) copyFileSync(join(OUT, 'demo-page.png'), resolve(ROOT, SHOT));
});

test('stopping the demo leaves no process behind, and the ports are free again', async () => {
  const { pids, pgids } = tree(demo.pid);
  assert.ok(pids.size >= 3, `expected the sandbox and wrangler under the demo: ${[...pids.values()].join(' | ')}`);
  const exited = new Promise((r) => demo.once('exit', (code, sig) => r({ code, sig })));
  demo.kill('SIGINT');
  const { code } = await exited;
  assert.equal(code, 0, demoOut.slice(-2000));
  await new Promise((r) => setTimeout(r, 300));
  const left = [...pids.keys()].filter(alive);
  assert.deepEqual(left, [], `still running: ${left.map((p) => pids.get(p)).join(' | ')}`);
  for (const g of pgids) assert.throws(() => process.kill(-g, 0), `process group ${g} still exists`);
  await assert.rejects(fetch(url), 'the page server still answers');
  assert.doesNotMatch(demoOut, /sbx_[a-z]+_(secret|cred)/, 'a secret was printed');
});
