// Full flows (LawVu, Logiless, LegalOn; a failed refresh too) leak nothing: no seeded secret,
// SESSION_KEY, authorization code, access or refresh token in any line workerd writes (captured
// from its stdout and stderr), in any response body, or in any response header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { withSandboxAndWorker, Browser, login, seededSecrets, leaks, SESSION_KEY } from '../harness/index.mjs';

const logs = [];
const ctx = withSandboxAndWorker({}, { logs });

const API = { lawvu: '/api/lawvu/account-apis/v1/users', logiless: '/api/logiless/stores' };

/** login → consent → callback → /session → API → refresh (failed, then good) → API → logout.
 * Returns the code and the access tokens seen (via POST /token, TOKEN_MEDIATING). */
async function flow(b, provider) {
  const { redirect_url, cb } = await login(b, ctx.sbx, provider);
  assert.equal(cb.status, 302, cb.text);
  const code = new URL(redirect_url).searchParams.get('code');
  assert.ok(code);
  assert.equal((await b.request('/session')).json.signed_in, true);
  assert.equal((await b.api(API[provider])).status, 200);
  const first = (await b.api(`/token/${provider}`, { method: 'POST' })).json.access_token;
  await ctx.sbx.control('faults', { provider, endpoint: 'token', kind: 'status500' });
  assert.equal((await b.api(`/auth/${provider}/refresh`, { method: 'POST' })).status, 502);
  assert.equal((await b.api(`/auth/${provider}/refresh`, { method: 'POST' })).status, 200);
  assert.equal((await b.api(API[provider])).status, 200);
  const second = (await b.api(`/token/${provider}`, { method: 'POST' })).json.access_token;
  assert.notEqual(first, second, 'refreshed');
  assert.equal((await b.api(`/auth/${provider}/logout`, { method: 'POST' })).status, 200);
  return [code, first, second];
}

/** An answer as text, with placeholders for what it carries by design: the session cookie's
 * value, the authorize URL's `client_id`, `state` and `code_challenge`, a mediated access token
 * (`POST /token`). */
function answerText(r) {
  let body = r.text;
  if (r.json && 'access_token' in r.json) {
    assert.deepEqual(Object.keys(r.json).sort(), ['access_token', 'expires_at', 'token_type'], 'never a refresh token');
    body = JSON.stringify({ ...r.json, access_token: '[mediated]' });
  }
  const headers = [...r.headers].map(([k, v]) => {
    if (k === 'location') return `${k}: ${v.replace(/([?&](?:client_id|state|code_challenge)=)[\w-]+(?=&|$)/g, '$1[public]')}`;
    if (k !== 'set-cookie') return `${k}: ${v}`;
    // the session cookie and its binding (an HMAC of the session id), and the sign-in cookies:
    // sealed (AES-GCM) or spent
    return v
      .split(/, (?=__Host-)/)
      .map((c) => {
        assert.match(
          c,
          /^(__Host-tsunagi=([\w-]{43}\.\d+\.[\w-]{43})?|__Host-tsunagi-binding=[\w-]{43}|__Host-tsunagi-login-(lawvu|logiless)=(v2\.[0-9a-f]{8}\.[\w-]+|spent));/,
        );
        return `${k}: ${c.replace(/^(__Host-tsunagi(?:-login-\w+|-binding)?)=[^;]*/, '$1=[cookie]')}`;
      })
      .join('\n');
  });
  return `${r.status}\n${headers.join('\n')}\n\n${body}`;
}

test('full flows: no secret, code or token in any log line, response body or header', async () => {
  const b = new Browser(ctx.worker);
  const seen = [...(await flow(b, 'lawvu')), ...(await flow(b, 'logiless'))];
  await login(b, ctx.sbx, 'lawvu'); // LegalOn serves signed-in sessions only
  assert.equal((await b.api('/api/legalon/users')).status, 200);
  await ctx.sbx.control('faults', { provider: 'legalon', endpoint: 'api', kind: 'status503' });
  assert.equal((await b.api('/api/legalon/users')).status, 502);
  assert.equal((await b.api('/auth/logout', { method: 'POST' })).status, 200);

  const marker = `log-capture-marker-${randomUUID()}`;
  assert.equal(await ctx.worker.markLogs(marker), 2, "workerd's stdout and stderr are captured");
  const secrets = [...seededSecrets(ctx.sbx.ep), SESSION_KEY, ...seen];
  for (const line of logs.filter((l) => !l.endsWith(marker))) {
    assert.deepEqual(leaks(line, secrets), [], `log line: ${line}`);
  }
  assert.ok(b.seen.length >= 20, `${b.seen.length} answers checked`);
  for (const r of b.seen) {
    const text = answerText(r);
    assert.deepEqual(leaks(text, secrets), [], `answer: ${text.slice(0, 400)}`);
  }
});
