// Issue 21 item 14: a sign-in that fails at its callback ("Deny" at the provider, a replayed or
// stale callback) sends a browser navigation back to the sign-in's `return_to` with
// `tsunagi_error={code}` (and `tsunagi_connection`), so the SPA regains control; a request that is
// not a navigation (fetch, curl) keeps the JSON error. Real sandbox consent, real workerd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSandboxAndWorker, Browser, login } from '../harness/index.mjs';

const ctx = withSandboxAndWorker();

/** What Chromium sends on a top-level navigation (the provider redirecting back to the Worker),
 * sent with `Browser.navigate` (`fetch` cannot send `Sec-Fetch-Mode: navigate`). */
const NAVIGATION = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  'sec-fetch-site': 'cross-site',
};

/** /login with `returnTo`, then the sandbox's consent page answered with `decision`. */
async function consent(b, connection, returnTo, decision) {
  const start = await b.request(`/auth/${connection}/login?return_to=${encodeURIComponent(returnTo)}`);
  assert.equal(start.status, 302, start.text);
  const { redirect_url } = await ctx.sbx.control(`${connection}/approve`, { authorize_url: start.headers.get('location'), user_id: 'user-id-123', decision });
  return redirect_url;
}

/** The answer's `Location`, split into path and the tsunagi_* parameters. */
function back(r) {
  assert.equal(r.status, 302, r.text);
  const to = new URL(r.headers.get('location'), 'http://localhost:8787');
  assert.equal(to.origin, 'http://localhost:8787', 'same origin only');
  return to;
}

for (const connection of ['lawvu', 'logiless']) {
  test(`${connection}: "Deny" at the provider sends the browser back to return_to with tsunagi_error=access_denied`, async () => {
    const b = new Browser(ctx.worker);
    const url = await consent(b, connection, '/matters?view=all#/list', 'deny');
    const r = await b.navigate(url, { headers: NAVIGATION });
    const to = back(r);
    assert.equal(to.pathname, '/matters');
    assert.equal(to.searchParams.get('view'), 'all', 'the return_to query is kept');
    assert.equal(to.searchParams.get('tsunagi_error'), 'access_denied');
    assert.equal(to.searchParams.get('tsunagi_connection'), connection);
    assert.equal(to.hash, '#/list', 'the parameters go before the fragment');
    assert.equal(b.cookie, null, 'no session');
    assert.equal(b.jar.get(`__Host-tsunagi-login-${connection}`), 'spent', 'the sign-in cookie is spent');
    // the same callback again: the sign-in is over; its return_to is no longer known → /
    const again = back(await b.navigate(url, { headers: NAVIGATION }));
    assert.equal(again.pathname, '/');
    assert.equal(again.searchParams.get('tsunagi_error'), 'state_mismatch');
    // a fetch (not a navigation: Sec-Fetch-Mode cors) gets the JSON error as before
    const fetched = await b.request(url, { headers: { accept: 'application/json' } });
    assert.equal(fetched.status, 400, fetched.text);
    assert.equal(fetched.json.error, 'state_mismatch');
    assert.equal((await b.request('/session')).json.signed_in, false);
  });
}

test('a stale callback in another browser (no sign-in in progress) lands on / with session_missing; a JSON client gets the 401', async () => {
  const b = new Browser(ctx.worker);
  const { redirect_url } = await login(b, ctx.sbx, 'lawvu', '/app');
  const other = new Browser(ctx.worker);
  const to = back(await other.navigate(redirect_url, { headers: NAVIGATION }));
  assert.equal(`${to.pathname}${to.search}`, '/?tsunagi_error=session_missing&tsunagi_connection=lawvu');
  const json = await other.request(redirect_url, { headers: { accept: 'application/json' } });
  assert.equal(json.status, 401, json.text);
  assert.equal(json.json.error, 'session_missing');
  // a browser without Sec-Fetch-* headers is recognised by its Accept
  const old = back(await other.navigate(redirect_url, { headers: { accept: 'text/html,*/*;q=0.8' } }));
  assert.equal(old.searchParams.get('tsunagi_error'), 'session_missing');
});

test('a successful sign-in still lands on return_to without any tsunagi_error', async () => {
  const b = new Browser(ctx.worker);
  const url = await consent(b, 'lawvu', '/done', 'approve');
  const r = await b.navigate(url, { headers: NAVIGATION });
  assert.equal(r.status, 302, r.text);
  assert.equal(r.headers.get('location'), '/done');
  assert.ok(b.cookie);
});
