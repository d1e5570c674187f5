// Encryption at rest, shown on the bytes: Miniflare persists each Durable Object as a SQLite file;
// those files hold no token or secret, and a record copied into another session's object does not
// open there (its AES-GCM associated data names the object, the record and the key) and is
// dropped. Also: token-mediating mode off and on (issue 13 item 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { withSandbox, startWorker, bindingsFor, Browser, login, seededSecrets, leaks, SESSION_KEY } from '../harness/index.mjs';

const ctx = withSandbox();

const USERS = '/api/lawvu/account-apis/v1/users';

/** The SQLite files below `dir`, one per Durable Object. */
function sqliteFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.sqlite'))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/** A Durable Object's name as the Worker derives it (keyed hash, docs/storage.md): Miniflare
 * keeps these in its own id → name index (metadata.sqlite); they reveal nothing. */
function objectName(label) {
  const key = createHmac('sha256', SESSION_KEY).update('tsunagi/v1/object').digest();
  return createHmac('sha256', key).update(label).digest('base64url');
}

/** Runs `fn` and returns the one SQLite file it created. */
async function newObjectFile(dir, fn) {
  const before = new Set(sqliteFiles(dir));
  await fn();
  const created = sqliteFiles(dir).filter((f) => !before.has(f));
  assert.equal(created.length, 1, `one new object: ${created}`);
  return created[0];
}

test('the raw stored bytes hold no token or secret; a record moved to another session object is refused and dropped', async () => {
  const persist = mkdtempSync(join(tmpdir(), 'tsunagi-at-rest-'));
  let worker = await startWorker(bindingsFor(ctx.sbx.ep), { persist });
  try {
    const a = new Browser(worker);
    const b = new Browser(worker);
    const aFile = await newObjectFile(persist, () => login(a, ctx.sbx, 'lawvu'));
    const bFile = await newObjectFile(persist, () => login(b, ctx.sbx, 'logiless'));
    assert.equal((await a.api(USERS)).status, 200);
    assert.equal((await a.api('/api/legalon/users')).status, 200, 'the LegalOn object stores its token too');
    const held = [(await a.api('/token/lawvu', { method: 'POST' })).json.access_token, (await b.api('/token/logiless', { method: 'POST' })).json.access_token];
    assert.ok(held.every(Boolean));
    await worker.stop();

    const all = readdirSync(persist, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? e.path, e.name));
    const raw = all.map((f) => readFileSync(f).toString('latin1')).join('\n');
    assert.match(raw, /v2\.[0-9a-f]{8}\.[\w-]{40,}/, 'sealed records are stored');
    const names = [a, b].map((x) => objectName(`session:${x.cookie.split('.')[0]}`));
    // the held LegalOn object's name (config.rs `held_object_name`): workerd's alarm record carries
    // it since the object renews its token ahead on an alarm
    names.push(objectName(`connection:legalon:${ctx.sbx.ep.legalon.token_url}::${ctx.sbx.ep.legalon.credentials}`));
    const found = leaks(raw, [...seededSecrets(ctx.sbx.ep), SESSION_KEY, ...held]).filter((x) => !names.includes(x));
    assert.deepEqual(found, [], 'no token, code or secret in Durable Object storage (object names are keyed hashes)');

    // B's object now holds A's sealed LawVu record, byte for byte
    for (const suffix of ['', '-wal', '-shm']) {
      rmSync(bFile + suffix, { force: true });
      if (existsSync(aFile + suffix)) copyFileSync(aFile + suffix, bFile + suffix);
    }
    worker = await startWorker(bindingsFor(ctx.sbx.ep), { persist });
    const b2 = new Browser(worker);
    b2.cookie = b.cookie;
    const moved = await b2.api(USERS);
    assert.equal(moved.status, 401, moved.text);
    assert.equal(moved.json.error, 'session_missing');
    assert.match(moved.json.message, /does not belong to this session/);
    const s = await b2.request('/session');
    assert.equal(s.json.signed_in, false, `dropped, not used: ${s.text}`);
    assert.equal((await b2.api(USERS)).status, 401);
    // A's own object still opens its record
    const a2 = new Browser(worker);
    a2.cookie = a.cookie;
    assert.equal((await a2.api(USERS)).status, 200);
  } finally {
    await worker.stop();
    if (!process.env.KEEP_PERSIST) rmSync(persist, { recursive: true, force: true });
    else console.log('persist', persist);
  }
});

test('TOKEN_MEDIATING off: /token/* is not found; on: the access token only', async () => {
  for (const [mode, status] of [
    ['false', 404],
    ['', 404],
    ['true', 200],
  ]) {
    const worker = await startWorker(bindingsFor(ctx.sbx.ep, { TOKEN_MEDIATING: mode }));
    try {
      const b = new Browser(worker);
      await login(b, ctx.sbx, 'lawvu');
      const r = await b.api('/token/lawvu', { method: 'POST' });
      assert.equal(r.status, status, `TOKEN_MEDIATING=${JSON.stringify(mode)}: ${r.text}`);
      if (status === 200) {
        assert.deepEqual(Object.keys(r.json).sort(), ['access_token', 'expires_at', 'token_type']);
        assert.match(r.json.access_token, /^eyJ/);
      } else {
        assert.equal(r.json.error, 'not_found');
        assert.ok(!('access_token' in r.json));
      }
      assert.equal((await b.api(USERS)).status, 200, 'the proxy works either way');
    } finally {
      await worker.stop();
    }
  }
});
