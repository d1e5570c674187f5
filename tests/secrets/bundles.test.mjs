// The built bundles — pkg/ (npm package), www/ (demo page), build/worker/ (the Worker; the .wasm as
// bytes) — carry none of the sandbox's seeded secrets (read from its endpoints file) and nothing
// shaped like a code or token it issues. Build them first: `make pkg`, scripts/build-worker.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, startSandbox, seededSecrets, leaks } from '../harness/index.mjs';

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else yield p;
  }
}

let sbx;
before(async () => {
  sbx = await startSandbox();
});
after(async () => {
  await sbx?.stop();
});

for (const bundle of ['pkg', 'www', 'build/worker']) {
  test(`${bundle}/: no seeded secret, no token-shaped string`, () => {
    const dir = join(ROOT, bundle);
    assert.ok(existsSync(dir), `${bundle}/ is missing: run make pkg and scripts/build-worker.sh first`);
    const secrets = seededSecrets(sbx.ep);
    assert.equal(secrets.length, 4, 'both client secrets and both LegalOn credentials');
    // as UTF-8 and as UTF-16 (how a string may sit in a binary), compared byte for byte
    const needles = secrets.flatMap((s) => [s, Buffer.from(s, 'utf16le').toString('latin1')]);
    let count = 0;
    for (const f of files(dir)) {
      const text = readFileSync(f).toString('latin1');
      assert.deepEqual(leaks(text, needles), [], relative(ROOT, f));
      assert.ok(leaks(text + secrets[0], needles).length > 0, 'the check sees a planted secret');
      count++;
    }
    assert.ok(count > 0, `${bundle}/ is empty`);
  });
}
