// The Rust server example (crates/tsunagi-flows/examples/legalon_server.rs) run as a user runs it,
// a process configured by its environment, against the sandbox binary: one client-credentials
// token for two API pages; refused credentials, a redirected token request, an answer past the
// body bound and a token endpoint that does not answer each end in a clear error, secrets unprinted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { ROOT, startSandbox, seededSecrets } from '../harness/index.mjs';

const BIN = resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target', 'debug', 'examples', 'legalon_server');

let sbx;
before(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`cargo build -p tsunagi-flows --example legalon_server\` (make test-examples does)`);
  sbx = await startSandbox();
});
after(async () => {
  await sbx?.stop();
});

/** Runs the example with the sandbox's LegalOn endpoint and `env`; resolves to `{ code, stdout, stderr }`. */
function run(env = {}) {
  const base = { PATH: process.env.PATH, LEGALON_CREDENTIALS: sbx.ep.legalon.credentials, LEGALON_TOKEN_URL: sbx.ep.legalon.token_url };
  return new Promise((ok) => {
    execFile(BIN, [], { env: { ...base, ...env } }, (error, stdout, stderr) => ok({ code: error ? error.code : 0, stdout, stderr }));
  });
}

/** Neither output names a seeded secret or anything token-shaped the sandbox hands out. */
function assertNothingSecret({ stdout, stderr }) {
  for (const secret of seededSecrets(sbx.ep)) {
    assert.ok(!stdout.includes(secret) && !stderr.includes(secret), 'a seeded secret was printed');
  }
  assert.doesNotMatch(stdout + stderr, /Bearer|Basic |access_token/);
}

const legalon = async () => (await sbx.stats()).legalon;

test('two API pages with one client-credentials token', async () => {
  const before = await legalon();
  const out = await run();
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^page 1: HTTP 200 \(X-Request-Id .+\)$/m);
  assert.match(out.stdout, /^page 2: HTTP 200 /m);
  assert.match(out.stdout, /^tokens requested: 1$/m);
  const after = await legalon();
  assert.equal(after.token_requests.client_credentials - before.token_requests.client_credentials, 1);
  assert.equal(after.api_calls - before.api_calls, 2);
  assertNothingSecret(out);
});

test('expired credentials: invalid_client, nothing printed but the error', async () => {
  const out = await run({ LEGALON_CREDENTIALS: sbx.ep.legalon.expired_credentials });
  assert.equal(out.code, 1);
  assert.match(out.stderr, /^error: invalid_client: .*\(HTTP 401\)/);
  assert.equal(out.stdout, '');
  assertNothingSecret(out);
});

test('a redirected token request is not followed: http_error, the target receives nothing', async () => {
  const received = [];
  const trap = createServer((req, res) => {
    received.push(req.url);
    res.end('{"access_token":"trap","token_type":"Bearer"}');
  });
  await new Promise((ok) => trap.listen(0, '127.0.0.1', ok));
  try {
    const location = `http://127.0.0.1:${trap.address().port}/trap`;
    await sbx.control('faults', { provider: 'legalon', endpoint: 'token', kind: 'redirect', location, status: 307 });
    const out = await run();
    assert.equal(out.code, 1);
    assert.match(out.stderr, /^error: http_error: .*redirect.*\(HTTP 307\)/);
    assert.deepEqual(received, []);
    assertNothingSecret(out);
  } finally {
    await new Promise((ok) => trap.close(ok));
  }
});

test('an API answer past the body bound is refused', async () => {
  await sbx.control('faults', { provider: 'legalon', endpoint: 'api', kind: 'huge_chunked_body' });
  const out = await run();
  assert.equal(out.code, 1);
  assert.match(out.stderr, /^error: http_error: .*larger than 1 MiB/);
});

test('a token endpoint that does not answer is a timeout', async () => {
  await sbx.control('faults', { provider: 'legalon', endpoint: 'token', kind: 'delay_ms', delay_ms: 60000 });
  const out = await run({ LEGALON_TIMEOUT_MS: '300' });
  assert.equal(out.code, 1);
  assert.match(out.stderr, /^error: timeout: no answer in time from http:\/\/127\.0\.0\.1:\d+\/oauth\/token/);
});
