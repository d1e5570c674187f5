// The isolate's copy of a session object's answers (crates/tsunagi-worker/src/session_copy.rs,
// issue 24): a proxied call takes the session's access token, or its signed-in list for a held
// connection's allowed_for rule, from the isolate's memory for up to SESSION_CACHE_SECS, so most
// calls make no hop to the object. A sign-out this isolate sees ends it at once; one made through
// another isolate (here: the object told directly, as another isolate's Worker would) is seen at
// the latest when the copy is that old — and at once with SESSION_CACHE_SECS=0. docs/security.md.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Browser, bindingsFor, login, SESSION_KEY, startSandbox, startWorker } from '../harness/index.mjs';

let sbx;
const workers = {};
before(async () => {
  sbx = await startSandbox();
  workers.copying = await startWorker(bindingsFor(sbx.ep)); // the default: 10 s
  workers.none = await startWorker(bindingsFor(sbx.ep, { SESSION_CACHE_SECS: '0' }));
});
after(async () => {
  for (const w of Object.values(workers)) await w?.stop();
  await sbx?.stop();
});

/** The session's object as the Worker names it (bff/keys.rs `object_name`, docs/storage.md). */
async function sessionObject(worker, cookie) {
  const sid = cookie.split('.')[0];
  const key = createHmac('sha256', SESSION_KEY).update('tsunagi/v1/object').digest();
  const name = createHmac('sha256', key).update(`session:${sid}`).digest('base64url');
  const ns = await worker.mf.getDurableObjectNamespace('SESSIONS', 'tsunagi');
  return ns.get(ns.idFromName(name));
}

/** Another isolate's sign-out: its Worker's `logout` message to the session's object. */
async function signOutElsewhere(worker, cookie) {
  const answer = JSON.parse(await (await sessionObject(worker, cookie)).op(JSON.stringify({ op: 'logout', connection: null })));
  assert.ok('ok' in answer, JSON.stringify(answer));
}

const LAWVU = '/api/lawvu/account-apis/v1/users';
const LEGALON = '/api/legalon/departments';

for (const [path, connection] of [
  [LAWVU, 'the session token'],
  [LEGALON, "the held connection's allowed_for answer"],
]) {
  test(`${connection}: another isolate's sign-out holds within SESSION_CACHE_SECS (default 10 s)`, async () => {
    const b = new Browser(workers.copying);
    await login(b, sbx, 'lawvu');
    assert.equal((await b.api(path)).status, 200);
    await signOutElsewhere(workers.copying, b.cookie);
    // this isolate has not seen it: its copy (under 10 s old) still serves the session
    const copied = await b.api(path);
    assert.equal(copied.status, 200, copied.text);
    // a sign-out this isolate sees ends it at once, for the old cookie too
    const cookie = b.cookie;
    const out = await b.api('/auth/logout', { method: 'POST' });
    assert.equal(out.status, 200, out.text);
    const gone = await b.api(path, { cookie });
    assert.equal(gone.status, 401, gone.text);
  });

  test(`${connection}: with SESSION_CACHE_SECS=0 another isolate's sign-out holds at once`, async () => {
    const b = new Browser(workers.none);
    await login(b, sbx, 'lawvu');
    assert.equal((await b.api(path)).status, 200);
    await signOutElsewhere(workers.none, b.cookie);
    const gone = await b.api(path);
    assert.equal(gone.status, 401, gone.text);
  });
}

test('signing out of the connection in this isolate ends its copied token at once (the cookie kept)', async () => {
  const b = new Browser(workers.copying);
  await login(b, sbx, 'lawvu');
  assert.equal((await b.api(LAWVU)).status, 200);
  const out = await b.api('/auth/lawvu/logout', { method: 'POST' });
  assert.equal(out.status, 200, out.text);
  const gone = await b.api(LAWVU);
  assert.equal(gone.status, 401, gone.text);
  assert.equal(gone.json.error, 'session_missing');
  // and the held connection's allowed_for rule sees it too (LawVu was the allowed sign-in)
  const held = await b.api(LEGALON);
  assert.equal(held.status, 401, held.text);
});
