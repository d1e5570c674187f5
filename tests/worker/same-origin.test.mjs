// Issue 21 item 13: an SPA served from the Worker's own origin, with ALLOWED_ORIGINS as the
// shipped wrangler.toml sets it (empty). Browsers send `Origin` on same-origin POSTs (Fetch
// standard, "append a request `Origin` header"), so these requests carry the Worker's own origin:
// it is always allowed; ALLOWED_ORIGINS lists the other origins. Real sandbox, real workerd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withSandboxAndWorker, Browser, login, ORIGIN, ROOT, SPA } from '../harness/index.mjs';

const SHIPPED = /^ALLOWED_ORIGINS = "([^"]*)"$/m.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))?.[1];
const ctx = withSandboxAndWorker({ ALLOWED_ORIGINS: SHIPPED });

/** The headers Chromium sends on a same-origin `fetch(…, { method: 'POST', credentials: 'include' })`. */
const sameOrigin = { origin: ORIGIN, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'x-tsunagi': '1' };

test('the shipped ALLOWED_ORIGINS: POSTs from the Worker’s own origin work; other origins stay refused', async () => {
  assert.equal(SHIPPED, '', 'wrangler.toml ships an empty ALLOWED_ORIGINS');
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'logiless');
  await login(b, ctx.sbx, 'lawvu');
  const json = { ...sameOrigin, 'content-type': 'application/json' };
  for (const [path, opts] of [
    ['/session', { headers: { origin: ORIGIN } }],
    ['/api/lawvu/account-apis/v1/users', { headers: sameOrigin }],
    ['/api/logiless/sales_orders/new', { method: 'POST', headers: json, body: JSON.stringify({ buyer: 'Yamada', note: 'same origin' }) }],
    ['/auth/lawvu/refresh', { method: 'POST', headers: sameOrigin }],
    ['/token/lawvu', { method: 'POST', headers: sameOrigin }],
    ['/auth/logiless/logout', { method: 'POST', headers: sameOrigin }],
    ['/auth/logout', { method: 'POST', headers: sameOrigin }],
  ]) {
    const r = await b.request(path, opts);
    assert.ok(r.status < 400, `${opts.method ?? 'GET'} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.headers.get('x-tsunagi-error'), null, path);
  }
  assert.equal((await b.request('/session')).json.signed_in, false, 'the same-origin logout signed out');
  // the origin is compared whole: scheme, host and port
  for (const origin of [SPA, 'http://localhost:8788', 'https://localhost:8787', 'http://localhost', 'null', 'http://localhost:8787.evil.example']) {
    const r = await b.request('/auth/logout', { method: 'POST', headers: { ...sameOrigin, origin } });
    assert.equal(r.status, 403, `${origin}: ${r.text}`);
    assert.equal(r.json.error, 'forbidden_origin', origin);
    assert.equal(r.headers.get('access-control-allow-origin'), null, origin);
  }
});
