// The session object's clean-up alarm (docs/storage.md): once a session's end has passed, its
// Durable Object deletes the sealed token sets it held; a session whose end is far away keeps
// them. Guards the defect where the alarm was given absolute epoch milliseconds, which workers-rs
// `Storage::set_alarm(i64)` reads as an offset from now: the alarm fired decades late and an ended
// session's encrypted tokens stayed stored (fixed by `runtime::set_alarm_at`).
// Two generic connections to panva's oidc-provider without refresh tokens, so a session ends when
// its access token expires: `brief` (3-second access tokens) and `lasting` (an hour). The stored
// records are read from Miniflare's SQLite file of each session's object while workerd runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startSandbox, startWorker, bindingsFor, connectionsFor, Browser, ORIGIN, startOidcProvider } from '../harness/index.mjs';
import { startApi, SECRET } from './oidc.mjs';

const BRIEF_SECS = 3;
const CLIENTS = ['brief', 'lasting'].map((c) => ({
  client_id: c,
  client_secret: SECRET,
  redirect_uris: [`${ORIGIN}/auth/${c}/callback`],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: 'client_secret_basic',
}));

let sbx, idp, api, worker;
before(async () => {
  sbx = await startSandbox();
  idp = await startOidcProvider({ clients: CLIENTS, ttl: { AccessToken: (_ctx, _token, client) => (client.clientId === 'brief' ? BRIEF_SECS : 3600) } });
  api = await startApi(() => idp);
  const generic = (c) => ({
    profile: 'generic',
    client_id: c,
    secret: 'IDP_CLIENT_SECRET',
    issuer: idp.issuer,
    authorize_url: `${idp.issuer}/auth`,
    token_url: `${idp.issuer}/token`,
    api_base: api.url,
    scopes: ['openid'],
  });
  const connections = { ...connectionsFor(sbx.ep), brief: generic('brief'), lasting: generic('lasting') };
  worker = await startWorker(bindingsFor(sbx.ep, { connections, IDP_CLIENT_SECRET: SECRET }));
});
after(async () => {
  await worker?.stop();
  await api?.stop();
  await idp?.close();
  await sbx?.stop();
});

/** The SQLite files of the Worker's Durable Objects (one per object). */
function objectFiles() {
  return readdirSync(worker.dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.sqlite') && e.name !== 'metadata.sqlite')
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/** Signs a new browser in to `connection`; answers the browser and its session object's file. */
async function signIn(connection) {
  const b = new Browser(worker);
  const before = new Set(objectFiles());
  const start = await b.request(`/auth/${connection}/login`);
  assert.equal(start.status, 302, start.text);
  const cb = await b.request(await idp.authorize(start.headers.get('location')));
  assert.equal(cb.status, 302, cb.text);
  const created = objectFiles().filter((f) => !before.has(f));
  assert.equal(created.length, 1, `one new session object: ${created}`);
  return { b, file: created[0] };
}

/** The token-set keys stored in an object's SQLite file, read beside the running workerd (which
 * may be writing it: SQLite's busy timeout waits for its lock rather than failing). */
function storedTokenKeys(file) {
  let db;
  try {
    db = new DatabaseSync(file, { readOnly: true, timeout: 5_000 });
    return db
      .prepare("SELECT key FROM _cf_KV WHERE key LIKE 'tokens:%'")
      .all()
      .map((r) => r.key);
  } catch (e) {
    if (/no such table|unable to open/.test(e.message)) return []; // the object deleted everything
    throw e;
  } finally {
    db?.close();
  }
}

test("an ended session's object deletes its stored tokens at the session's end; a live one keeps them", async () => {
  const brief = await signIn('brief');
  const lasting = await signIn('lasting');
  const s = await brief.b.request('/session');
  assert.equal(s.json.signed_in, true, s.text);
  assert.ok(s.json.session_expires_at - Date.now() <= BRIEF_SECS * 1000, `the brief session ends within ${BRIEF_SECS} s: ${s.text}`);
  assert.deepEqual(storedTokenKeys(brief.file), ['tokens:brief']);
  assert.deepEqual(storedTokenKeys(lasting.file), ['tokens:lasting']);

  // bounded wait (no speed asserted): the alarm is due at the end; allow a generous margin
  const deadline = s.json.session_expires_at + 30_000;
  while (storedTokenKeys(brief.file).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  assert.deepEqual(storedTokenKeys(brief.file), [], 'the ended session forgot its tokens (its clean-up alarm fired)');
  assert.equal((await brief.b.request('/session')).json.signed_in, false);

  assert.deepEqual(storedTokenKeys(lasting.file), ['tokens:lasting'], 'a session whose end is an hour away keeps its tokens');
  const me = await lasting.b.api('/api/lasting/whoami');
  assert.equal(me.status, 200, me.text);
});
