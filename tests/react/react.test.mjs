// node --test: tsunagi/react in a real React 19 app (app/, rendered in <StrictMode>), built by Vite 8
// against the packed package (`npm pack pkg/`, unpacked into the app's node_modules/tsunagi; react and
// react-dom linked from the root devDependencies), served from loopback and driven in headless
// Debian Chromium against the provider sandbox (LawVu's public client; the page is its redirect URI).
// Two builds of the same app:
//   production   `vite build`: what users ship;
//   development  `NODE_ENV=development vite build --mode development`: React's development build, where
//                StrictMode mounts every effect twice — the case the adapter must survive.
// Each: login → consent approved through the sandbox's control plane → back on the page →
// signed in as Jane Smith with exactly one code exchange, onRedirect called once with the app state,
// one subscription left; a second tab sees the session; the provider's and the page's clocks move
// two hours → a button calling getAccessToken() twice at once → exactly one refresh; the provider's
// clock alone past the token's expiry → the hook's fetch gets a 401, refreshes once and retries → the
// matters; logout → signed out here and in the other tab; unmounting removes the subscription.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { launchChromium, startSandbox } from '../harness/index.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const ADVANCE_SECS = 2 * 3600; // past the access token's hour, well inside the refresh token's day

let work; // app/ + node_modules/{tsunagi (packed), react, react-dom (links)}
let sb;

before(async () => {
  if (!existsSync(join(ROOT, 'pkg', 'package.json'))) throw new Error('pkg/ is not built: run `make pkg`');
  for (const dep of ['react', 'react-dom']) {
    if (!existsSync(join(ROOT, 'node_modules', dep))) throw new Error(`node_modules/${dep} is missing: run scripts/setup.sh (npm install)`);
  }
  sb = await startSandbox();
  work = mkdtempSync(join(tmpdir(), 'tsunagi-react-'));
  cpSync(join(import.meta.dirname, 'app'), work, { recursive: true });
  const [packed] = JSON.parse(execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', work, '--json', '--silent'], { encoding: 'utf8' }));
  const target = join(work, 'node_modules', 'tsunagi');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', target, '--strip-components=1']);
  // one copy of React for the app and for tsunagi/react (which imports 'react' from node_modules/tsunagi)
  for (const dep of ['react', 'react-dom']) symlinkSync(join(ROOT, 'node_modules', dep), join(work, 'node_modules', dep), 'dir');
});

after(async () => {
  await sb?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `vite build` of the app into dist/{name}; resolves to its output. */
async function viteBuild(name, env = {}, args = []) {
  const { stdout, stderr } = await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'vite'), ['build', '--outDir', `dist/${name}`, ...args], {
    cwd: work,
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { out: stdout + stderr, dist: join(work, 'dist', name) };
}

/** Serves `dir` and /endpoints.json (the sandbox's) on 127.0.0.1:0. */
async function serve(dir) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/endpoints.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(JSON.stringify(sb.ep));
    }
    const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
    const body = file.startsWith(dir + sep) && existsSync(file) ? readFileSync(file) : null;
    res.writeHead(body ? 200 : 404, { 'content-type': (body && TYPES[extname(file)]) || 'text/plain', 'cache-control': 'no-store' });
    res.end(body ?? 'not found');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    // closeAllConnections: Chromium keeps an idle spare connection that server.close() alone waits for.
    close: () =>
      new Promise((ok) => {
        server.close(ok);
        server.closeAllConnections();
      }),
  };
}

const lawvu = async () => (await sb.stats()).lawvu.token_requests;

/** The whole story in one build: see the header. `strictDoubles`: React's development build (effects mounted twice). */
async function run(dist, { strictDoubles }) {
  const web = await serve(dist);
  const ctx = await launchChromium();
  // Playwright's clock in every page from the start (running in real time until moved below): the
  // client keeps the Date.now it was built with, so the page's clock must be faked before it is.
  await ctx.clock.install();
  const problems = [];
  const open = async () => {
    const page = await ctx.newPage();
    // only the app's own pages: the sandbox's consent page is not under test here
    const ours = () => page.url().startsWith(web.origin);
    page.on('console', (m) => ours() && (m.type() === 'error' || m.type() === 'warning') && problems.push(`console ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => ours() && problems.push(`page error: ${e.message}`));
    page.on('response', (r) => r.url().startsWith(web.origin) && r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    return page;
  };
  const status = (page, want) => page.waitForFunction((w) => document.getElementById('status')?.textContent === w, want, { timeout: 15_000 });
  const text = (page, id) => page.textContent(`#${id}`);
  const probe = (page) => page.evaluate(() => ({ ...window.probe, functions: window.probe.functions.size }));
  try {
    const page = await open();
    await page.goto(`${web.origin}/`);
    await status(page, 'signed out');
    assert.equal(await text(page, 'error'), '');

    // login() → the provider's authorize URL (LawVu's hash route) → approved through the control plane
    const s0 = await lawvu();
    await page.click('#login');
    await page.waitForURL((u) => u.href.startsWith(sb.ep.lawvu.authorize_url));
    const authorizeUrl = page.url();
    assert.match(authorizeUrl, /[?&]state=[\w-]{43}(&|$)/);
    assert.ok(authorizeUrl.includes(`redirect_uri=${encodeURIComponent(`${web.origin}/`)}`), authorizeUrl);
    const { redirect_url } = await sb.control('lawvu/approve', { authorize_url: authorizeUrl, user_id: 'user-id-123' });
    assert.ok(redirect_url.startsWith(`${web.origin}/?code=`), redirect_url);

    // back on the page: the provider handles the callback, once
    await page.goto(redirect_url);
    await status(page, 'signed in');
    assert.equal(await text(page, 'name'), 'Jane Smith');
    assert.equal(await text(page, 'error'), '');
    assert.equal((await lawvu()).authorization_code - s0.authorization_code, 1, 'exactly one code exchange');
    assert.equal(page.url(), `${web.origin}/`, 'code and state left the address bar');
    const p1 = await probe(page);
    assert.deepEqual(p1.redirects, [{ returnTo: '/matters/42' }], 'onRedirect once, with the app state');
    assert.equal(p1.subscribed, 1, 'one subscription left');
    // the development build really did mount the effect twice (else this test proves nothing about StrictMode)
    assert.equal(p1.subscriptions, strictDoubles ? 2 : 1, 'subscriptions made');
    assert.equal(p1.handleRedirect, strictDoubles ? 2 : 1, 'handleRedirect calls');

    // another tab shares the session (storage: 'local')
    const other = await open();
    await other.goto(`${web.origin}/`);
    await status(other, 'signed in');
    assert.equal(await text(other, 'name'), 'Jane Smith');
    assert.equal((await probe(other)).handleRedirect, 0, 'not a callback: nothing handled');

    // two hours later for the provider and for the page: getAccessToken() twice at once → one refresh
    const { offset_secs } = await sb.control('clock', { advance_secs: ADVANCE_SECS });
    await ctx.clock.setSystemTime(Date.now() + offset_secs * 1000);
    const s1 = await lawvu();
    await page.click('#token');
    await page.waitForFunction(() => document.getElementById('twice')?.textContent !== '', null, { timeout: 15_000 });
    assert.equal(await text(page, 'twice'), 'one token');
    assert.equal((await lawvu()).refresh_token - s1.refresh_token, 1, 'exactly one refresh');
    assert.equal(await text(page, 'status'), 'signed in');
    assert.equal(await text(page, 'name'), 'Jane Smith');

    // the provider's clock alone moves past the token's expiry (the page still trusts it): the hook's
    // fetch is the client's — 401 → one refresh → the retry answers (issue 23)
    await sb.control('clock', { advance_secs: 4000 });
    const s2 = await lawvu();
    await page.click('#matters-button');
    await page.waitForFunction(() => document.getElementById('matters')?.textContent !== '', null, { timeout: 15_000 });
    assert.match(await text(page, 'matters'), /^200 [1-9]\d*$/);
    assert.equal((await lawvu()).refresh_token - s2.refresh_token, 1, 'one refresh for the 401');
    assert.equal(await text(page, 'error'), '');
    // Chromium logs the API's 401 itself: that one is expected, once
    const unauthorized = problems.filter((p) => p.includes('status of 401'));
    assert.equal(unauthorized.length, 1, problems.join('\n'));
    problems.splice(problems.indexOf(unauthorized[0]), 1);

    // logout here → signed out here and, through the client's BroadcastChannel, in the other tab
    await page.click('#logout');
    await status(page, 'signed out');
    assert.equal(await text(page, 'name'), '');
    await status(other, 'signed out');
    assert.equal((await lawvu()).authorization_code - s0.authorization_code, 1, 'still one code exchange');

    // getAccessToken, fetch, login and logout kept their identity through every render of this page
    assert.equal((await probe(page)).functions, 4, "the hook's functions are stable");
    await page.evaluate(() => window.unmount());
    assert.equal((await probe(page)).subscribed, 0, 'unmounting unsubscribes');
    assert.deepEqual(problems, []);
  } finally {
    await ctx.close();
    await web.close();
  }
}

test('production build (vite build): login → callback → one exchange; one refresh for two calls; logout', async () => {
  const { out, dist } = await viteBuild('production');
  assert.doesNotMatch(out, /warn|externalized|\(!\)|error/i, out);
  const js = readFileSync(join(dist, 'index.html'), 'utf8');
  assert.match(js, /<script type="module"/);
  await run(dist, { strictDoubles: false });
});

test('development build (React dev, StrictMode mounts effects twice): still one exchange, one refresh, one subscription', async () => {
  const { out, dist } = await viteBuild('development', { NODE_ENV: 'development' }, ['--mode', 'development']);
  assert.doesNotMatch(out, /warn|externalized|\(!\)|error/i, out);
  await run(dist, { strictDoubles: true });
});
