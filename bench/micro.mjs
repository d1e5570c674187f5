// Figures 1–4: package size vs the peers' esbuild bundles, and JS-side ops/s (Node and headless
// Chromium) vs the peers, in one process. Writes JSON to the path given as argv[2].
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { gzipSync, constants } from 'node:zlib';
import { createServer } from 'node:http';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve, extname } from 'node:path';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import * as oauth from 'oauth4webapi';
import { decodeJwt } from 'jose';
import { jwtDecode } from 'jwt-decode';
import { compare, opsSync, opsAsync, ROUNDS, SLICE_MS, QUICK } from './lib.mjs';

const BENCH = import.meta.dirname;
const ROOT = resolve(BENCH, '..');
const PKG = join(ROOT, 'pkg');
const OUT = process.argv[2] || join(ROOT, 'target', 'bench', 'micro.json');
const WORK = join(ROOT, 'target', 'bench', 'bundles');
mkdirSync(WORK, { recursive: true });
const gz = (buf) => gzipSync(buf, { level: constants.Z_BEST_COMPRESSION }).length;
const versionOf = (name) => JSON.parse(readFileSync(join(BENCH, 'node_modules', name, 'package.json'), 'utf8')).version;

const result = {
  loadavg_start: loadavg(),
  rounds: ROUNDS,
  sliceMs: SLICE_MS,
  quick: QUICK,
  node: process.version,
  versions: {},
  size: {},
  node_ops: {},
  chromium_ops: null,
};
for (const p of ['oauth4webapi', 'oidc-client-ts', '@auth0/auth0-spa-js', 'arctic', 'jose', 'jwt-decode', 'esbuild']) result.versions[p] = versionOf(p);
result.versions.tsunagi = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')).version;

// ---- (1) size -------------------------------------------------------------------------------
async function bundle(entry, platform = 'browser') {
  const outfile = join(WORK, entry.replace(/\.js$/, '.min.js'));
  await esbuild.build({
    entryPoints: [join(BENCH, 'entries', entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    outfile,
    logLevel: 'silent',
    external: ['node:*'],
    target: 'es2022',
  });
  const b = readFileSync(outfile);
  return { raw: b.length, gz: gz(b) };
}
const wasm = readFileSync(join(PKG, 'tsunagi_wasm_bg.wasm'));
const tsJs = await bundle('tsunagi.js');
const perFile = {};
for (const f of ['tsunagi_wasm.js', 'index.js', 'core.js', 'client.js']) perFile[f] = gz(readFileSync(join(PKG, f)));
result.size.tsunagi = {
  wasm_raw: wasm.length,
  wasm_gz: gz(wasm),
  js_min_raw: tsJs.raw,
  js_min_gz: tsJs.gz,
  total_gz: gz(wasm) + tsJs.gz,
  unbundled_js_gz: perFile,
  unbundled_total_gz: gz(wasm) + Object.values(perFile).reduce((a, b) => a + b, 0),
};
// The other entries (issue 22): tsunagi/lawvu with its own LawVu-only module, tsunagi/broker (no wasm).
{
  const lw = readFileSync(join(PKG, 'lawvu', 'tsunagi_wasm_bg.wasm'));
  const js = await bundle('tsunagi-lawvu.js');
  result.size.lawvu = { wasm_raw: lw.length, wasm_gz: gz(lw), js_min_raw: js.raw, js_min_gz: js.gz, total_gz: gz(lw) + js.gz };
  result.size.broker = await bundle('tsunagi-broker.js');
}
// tsunagi/react (pkg/react.js), what it adds on top of the package: minified alone, react and tsunagi
// external (esbuild --bundle --minify --format=esm --external:react --external:tsunagi), gzip -9.
{
  const outfile = join(WORK, 'react-adapter.min.js');
  await esbuild.build({
    entryPoints: [join(PKG, 'react.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    outfile,
    logLevel: 'silent',
    external: ['react', 'tsunagi'],
  });
  const b = readFileSync(outfile);
  result.size.react_adapter = { raw: b.length, gz: gz(b) };
}
result.size.peers = {
  'oauth4webapi (code+refresh+client credentials)': await bundle('oauth4webapi.js'),
  'oidc-client-ts UserManager': await bundle('oidc-client-ts.js'),
  '@auth0/auth0-spa-js createAuth0Client': await bundle('auth0-spa-js.js'),
  'arctic Google (PKCE)': await bundle('arctic.js'),
};

// ---- inputs ---------------------------------------------------------------------------------
const b64u = (s) => Buffer.from(s).toString('base64url');
const claims = {
  iss: 'https://lawvu-prod.au.auth0.com/',
  sub: 'auth0|5f1b2c3d4e5f6a7b8c9d0e1f',
  aud: ['https://api.lawvu.com', 'https://lawvu-prod.au.auth0.com/userinfo'],
  iat: 1763800000,
  exp: 1763803600,
  azp: 'acme-inc',
  scope: 'openid profile email offline_access',
  'https://lawvu.com/userId': 'user-id-123',
  'https://lawvu.com/orgId': 'org-4567',
  'https://lawvu.com/roles': ['legal-admin', 'matter-owner'],
  name: 'Alex Example',
  email: 'alex@acme-inc.com',
  permissions: ['read:matters', 'write:matters', 'read:contracts', 'read:users'],
};
const JWT = `${b64u(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1' }))}.${b64u(JSON.stringify(claims))}.${b64u('x'.repeat(256))}`;
const TOKEN_BODY = JSON.stringify({
  access_token: `eyJ${'A'.repeat(780)}`,
  token_type: 'Bearer',
  expires_in: 3600,
  expires: '2026-11-22T16:00:00Z',
  refresh_token: `d461ab8${'X'.repeat(57)}`,
  userName: 'Alex Example',
  userId: 'user-id-123',
  gateway: 'https://api-au.lawvu.com',
  emailDomain: 'acme-inc.com',
});
const TOKEN_BYTES = new TextEncoder().encode(TOKEN_BODY);
result.inputs = { jwt_bytes: JWT.length, token_body_bytes: TOKEN_BYTES.length };

// ---- (2)(3)(4) Node -------------------------------------------------------------------------
const t = await import(join(PKG, 'node.js'));
const generic = {
  provider: 'generic',
  authorizationEndpoint: 'https://auth.example.com/authorize',
  tokenEndpoint: 'https://auth.example.com/token',
  clientId: 'acme-inc',
  redirectUri: 'https://acme-inc.com/auth',
};
const as = { issuer: 'https://auth.example.com', authorization_endpoint: generic.authorizationEndpoint, token_endpoint: generic.tokenEndpoint };
const client = { client_id: 'acme-inc' };

// sanity: same answers
if (t.decodeJwtClaims(JWT).sub !== decodeJwt(JWT).sub || jwtDecode(JWT).sub !== claims.sub) throw new Error('decoders disagree');
const tsTok = t.parseTokenResponse({ status: 200, headers: { 'content-type': 'application/json' }, body: TOKEN_BODY });
const o4Tok = await oauth.processAuthorizationCodeResponse(
  as,
  client,
  new Response(TOKEN_BYTES, { status: 200, headers: { 'content-type': 'application/json' } }),
);
if (tsTok.accessToken !== o4Tok.access_token || tsTok.extra.userId !== o4Tok.userId) throw new Error('token parsers disagree');

async function o4Url() {
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const u = new URL(as.authorization_endpoint);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', client.client_id);
  u.searchParams.set('redirect_uri', generic.redirectUri);
  u.searchParams.set('state', state);
  u.searchParams.set('code_challenge', challenge);
  u.searchParams.set('code_challenge_method', 'S256');
  return { url: u.href, state, verifier };
}
const tsUrl = t.beginAuthorization(generic);
if (!tsUrl.url.includes('code_challenge_method=S256') || !(await o4Url()).url.includes('code_challenge_method=S256')) throw new Error('no PKCE');

result.node_ops.jwt = await compare({
  tsunagi: (ms) => opsSync(() => t.decodeJwtClaims(JWT), ms),
  'jose decodeJwt': (ms) => opsSync(() => decodeJwt(JWT), ms),
  'jwt-decode': (ms) => opsSync(() => jwtDecode(JWT), ms),
  // the floor (issue 22): no checks at all, the payload's base64url mapped and handed to atob
  'floor: JSON.parse(atob(payload))': (ms) => opsSync(() => JSON.parse(atob(JWT.split('.')[1].replaceAll('-', '+').replaceAll('_', '/'))), ms),
});
// the browser's module (profile release: opt-level "z", wasm-opt -Oz) in the same Node, beside the
// server's (profile server: opt-level 3, -O3) that node.js loads: what the two builds cost a parse
const { initSync: initBrowserModule } = await import(join(PKG, 'tsunagi_wasm.js'));
initBrowserModule({ module: readFileSync(join(PKG, 'tsunagi_wasm_bg.wasm')) });
const browserModule = await import(join(PKG, 'lowlevel.js'));
const tokenArgs = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: new TextDecoder().decode(TOKEN_BYTES) });
if (browserModule.parseTokenResponse(tokenArgs()).extra.userId !== tsTok.extra.userId) throw new Error('the two modules disagree');
result.node_ops.token = await compare({
  tsunagi: (ms) => opsSync(() => t.parseTokenResponse(tokenArgs()), ms),
  "tsunagi, the browser's module (size-optimised)": (ms) => opsSync(() => browserModule.parseTokenResponse(tokenArgs()), ms),
  'oauth4webapi processAuthorizationCodeResponse': (ms) =>
    opsAsync(
      () => oauth.processAuthorizationCodeResponse(as, client, new Response(TOKEN_BYTES, { status: 200, headers: { 'content-type': 'application/json' } })),
      ms,
    ),
});
result.node_ops.authorize = await compare({
  'tsunagi beginAuthorization': (ms) => opsSync(() => t.beginAuthorization(generic), ms),
  'oauth4webapi (verifier + async S256 + state + URL)': (ms) => opsAsync(o4Url, ms),
});

// ---- (2) headless Chromium ------------------------------------------------------------------
async function chromiumJwt() {
  const require = createRequire(join(ROOT, 'package.json'));
  const { chromium } = require('playwright-core');
  const dir = join(WORK, 'browser');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(BENCH, 'entries', 'browser.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(dir, 'bundle.js'),
    logLevel: 'silent',
    external: ['node:*'],
    target: 'es2022',
  });
  copyFileSync(join(PKG, 'tsunagi_wasm_bg.wasm'), join(dir, 'tsunagi_wasm_bg.wasm'));
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><script type="module">import * as m from './bundle.js'; window.m = m; document.title = 'ready';</script>`,
  );
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    try {
      const p = join(dir, new URL(req.url, 'http://x').pathname.replace(/^\/+/, '') || 'index.html');
      const body = readFileSync(p);
      res.writeHead(200, { 'content-type': types[extname(p)] || 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const profile = mkdtempSync(join(tmpdir(), 'tsunagi-bench-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await ctx.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
    await page.waitForFunction(() => document.title === 'ready');
    return await page.evaluate(
      ([jwt, rounds, slice, opsSource]) => {
        // the same loop as in Node (lib.mjs opsSync), sent as source: the page cannot import it
        // biome-ignore lint/security/noGlobalEval: the benchmark loop arrives as source text (a page cannot import it); evaluated globally on purpose
        const ops = globalThis.eval(`(${opsSource})`);
        const c = {
          tsunagi: () => window.m.decodeJwtClaims(jwt),
          'jose decodeJwt': () => window.m.decodeJwt(jwt),
          'jwt-decode': () => window.m.jwtDecode(jwt),
          'floor: JSON.parse(atob(payload))': () => JSON.parse(atob(jwt.split('.')[1].replaceAll('-', '+').replaceAll('_', '/'))),
        };
        if (c.tsunagi().sub !== c['jose decodeJwt']().sub) throw new Error('decoders disagree');
        for (const fn of Object.values(c)) ops(fn, 50);
        const per = Object.fromEntries(Object.keys(c).map((k) => [k, []]));
        for (let r = 0; r < rounds; r++) for (const [k, fn] of Object.entries(c)) per[k].push(ops(fn, slice));
        const med = (xs) => {
          const s = [...xs].sort((a, b) => a - b);
          const m = s.length >> 1;
          return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
        };
        return {
          version: navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1],
          jwt: Object.fromEntries(Object.entries(per).map(([k, v]) => [k, { median: med(v), rounds: v }])),
        };
      },
      [JWT, ROUNDS, SLICE_MS, opsSync.toString()],
    );
  } finally {
    await ctx.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
result.chromium_ops = await chromiumJwt();

result.loadavg_end = loadavg();
mkdirSync(resolve(OUT, '..'), { recursive: true });
writeFileSync(OUT, JSON.stringify(result, null, 2));
console.log(`bench: micro figures → ${OUT}`);
