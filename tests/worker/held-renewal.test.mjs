// A client-credentials token renewed ahead of the isolates (docs/scaling.md, issue 24): the held
// connection's object takes a new LegalOn token two thirds into the old one's usable life (its
// Durable Object alarm), so an isolate that comes for a new token finds it there without waiting
// on the provider — and a deployment nobody uses is not renewed forever. The sandbox issues
// 12-second tokens: the leeway (60 s, at most half the life) leaves each usable for 6 s, renewed
// at 4 s. Real time.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Browser, bindingsFor, login, startSandbox, startWorker } from '../harness/index.mjs';

const ADMIN_TOKEN = 'admin-secret-for-the-renewal-test-0123456789';
let sbx;
let worker;
before(async () => {
  sbx = await startSandbox({ config: { legalon: { token_lifetime_secs: 12 } } });
  worker = await startWorker(bindingsFor(sbx.ep, { ADMIN_TOKEN }));
});
after(async () => {
  await worker?.stop();
  await sbx?.stop();
});

const tokens = async () => (await sbx.stats()).legalon.token_requests.client_credentials;

test('the held token is renewed ahead while it is used, and no longer once nobody asks', async () => {
  const b = new Browser(worker);
  await login(b, sbx, 'logiless'); // LegalOn serves sessions signed in to an allowed_for connection
  const asked = async () => (await b.request('/connections/legalon', { headers: { 'x-tsunagi-admin': ADMIN_TOKEN } })).json.token_requests;
  const t0 = Date.now();
  assert.equal((await b.api('/api/legalon/departments')).status, 200);
  assert.equal(await tokens(), 1);
  // at 4 s the object renews on its own: nobody called in between
  await sleep(5_000 - (Date.now() - t0));
  assert.equal(await tokens(), 2, 'renewed ahead by the alarm');
  // at 6.5 s the isolate's copy is due: it asks the object, which has the new token ready
  await sleep(6_500 - (Date.now() - t0));
  const before = await asked();
  const r = await b.api('/api/legalon/departments');
  assert.equal(r.status, 200, r.text);
  assert.equal((await asked()) - before, 1, "the isolate asked the connection's object");
  assert.equal(await tokens(), 2, 'and the object answered without asking the provider');
  // asked since the renewal: renewed once more (at about 8 s); then nobody asks, and it stops
  await sleep(14_000 - (Date.now() - t0));
  assert.equal(await tokens(), 3, 'renewed once more, then no longer: nobody asked');
});
