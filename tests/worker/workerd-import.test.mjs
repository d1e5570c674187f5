// node --test (Node 22): the npm package (pkg/, as `npm pack` ships it) imported by a user's Worker
// as `import … from 'tsunagi'`, bundled the two ways users bundle a Worker, and run in real workerd
// (Miniflare). The package's "workerd" export condition must select workerd.js, which imports the
// .wasm as a module (Workers compile no wasm from bytes and allow no top-level await on I/O):
//   wrangler  `wrangler deploy --dry-run --outdir dist` (wrangler's own esbuild, its conditions and
//             its CompiledWasm rule for *.wasm; nothing is uploaded),
//   esbuild   `esbuild worker.js --bundle --format=esm --platform=neutral --conditions=workerd,worker
//             --external:*.wasm` + server/tsunagi_wasm_bg.wasm (every profile) copied beside the bundle.
// Needs only `make pkg` (no sandbox, no build/worker).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { expectedAnswer, VERIFIER } from '../bundlers/expected.mjs';
import { COMPATIBILITY_DATE, ROOT, startBundledWorker } from '../harness/index.mjs';

const BIN = join(ROOT, 'node_modules', '.bin');
const b64u = (s) => Buffer.from(s).toString('base64url');
const JWT = `${b64u('{"alg":"none"}')}.${b64u('{"sub":"user-1","aud":"acme-inc"}')}.`;
const EXPECTED = expectedAnswer('jwt_malformed');

// The user's Worker: the package's answers as JSON (a TsunagiError must arrive as one, with its code).
const WORKER = `import { buildAuthorizationUrl, decodeJwtClaims, pkceChallenge, TsunagiError } from 'tsunagi';

const config = {
  provider: 'generic',
  authorizationEndpoint: 'https://auth.example.com/authorize',
  tokenEndpoint: 'https://auth.example.com/token',
  clientId: 'acme-inc',
  redirectUri: 'https://app.example.com/callback',
};

export default {
  async fetch(request) {
    const codeChallenge = pkceChallenge('${VERIFIER}');
    const url = buildAuthorizationUrl(config, { state: 'state-1', codeChallenge });
    let refused = null;
    try {
      decodeJwtClaims('not-a-jwt');
    } catch (e) {
      refused = e instanceof TsunagiError ? e.code : String(e);
    }
    return Response.json({ url, claims: decodeJwtClaims(new URL(request.url).searchParams.get('jwt')), refused });
  },
};
`;

let work; // worker.js + node_modules/tsunagi unpacked from `npm pack pkg/`

before(() => {
  if (!existsSync(join(ROOT, 'pkg', 'package.json'))) throw new Error('pkg/ is not built: run `make pkg`');
  work = mkdtempSync(join(tmpdir(), 'tsunagi-workerd-import-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', work, '--json', '--silent'], { encoding: 'utf8' }));
  const target = join(work, 'node_modules', 'tsunagi');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed[0].filename), '-C', target, '--strip-components=1']);
  writeFileSync(join(work, 'package.json'), '{ "name": "tsunagi-worker-app", "private": true, "type": "module" }\n');
  writeFileSync(join(work, 'worker.js'), WORKER);
  writeFileSync(join(work, 'wrangler.toml'), `name = "tsunagi-worker-app"\nmain = "worker.js"\ncompatibility_date = "${COMPATIBILITY_DATE}"\n`);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs a tool from node_modules/.bin in the app's directory, with this Node (22) first on PATH;
 * resolves to its output. */
async function run(tool, args) {
  const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`, NO_COLOR: '1', WRANGLER_SEND_METRICS: 'false', CI: '1' };
  const { stdout, stderr } = await promisify(execFile)(join(BIN, tool), args, { cwd: work, timeout: 60_000, env });
  return stdout + stderr;
}

/** The bundle in `dir` took workerd.js (the wasm imported as a module), not index.js or node.js. */
function assertWorkerdEntry(dir, mainModule) {
  const js = readFileSync(join(dir, mainModule), 'utf8');
  assert.match(js, /node_modules\/tsunagi\/workerd\.js/);
  assert.doesNotMatch(js, /node_modules\/tsunagi\/(index|node)\.js/);
  assert.doesNotMatch(js, /node:fs/);
  const files = readdirSync(dir, { recursive: true }).map(String);
  assert.equal(files.filter((f) => f.endsWith('.wasm')).length, 1, files.join(' '));
}

/** Runs the bundle in workerd and checks the Worker's answer. */
async function assertRunsInWorkerd(dir, mainModule) {
  const worker = await startBundledWorker(dir, mainModule);
  try {
    const res = await worker.mf.dispatchFetch(`http://worker.test/?jwt=${JWT}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.deepEqual(JSON.parse(text), EXPECTED);
  } finally {
    await worker.stop();
  }
}

test('wrangler deploy --dry-run: the "workerd" condition selects workerd.js, and it runs in workerd', async () => {
  const dist = join(work, 'dist', 'wrangler');
  const out = await run('wrangler', ['deploy', '--dry-run', '--outdir', dist]);
  assert.match(out, /--dry-run: exiting now/, out);
  assert.doesNotMatch(out, /\[WARNING\]|\[ERROR\]/, out);
  assertWorkerdEntry(dist, 'worker.js');
  await assertRunsInWorkerd(dist, 'worker.js');
});

test('esbuild --platform=neutral --conditions=workerd,worker, the .wasm external and copied next to the bundle', async () => {
  const dist = join(work, 'dist', 'esbuild');
  const out = await run('esbuild', [
    'worker.js',
    '--bundle',
    '--format=esm',
    '--platform=neutral',
    '--conditions=workerd,worker',
    '--external:*.wasm',
    `--outdir=${dist}`,
    '--log-level=warning',
  ]);
  assert.equal(out.trim(), '', 'esbuild warned');
  mkdirSync(join(dist, 'server'), { recursive: true });
  copyFileSync(join(work, 'node_modules', 'tsunagi', 'server', 'tsunagi_wasm_bg.wasm'), join(dist, 'server', 'tsunagi_wasm_bg.wasm'));
  assertWorkerdEntry(dist, 'worker.js');
  await assertRunsInWorkerd(dist, 'worker.js');
});
