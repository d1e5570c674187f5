// The scale simulation (docs/scaling.md): many signed-in sessions against one tsunagi Worker in
// workerd (Miniflare) and the provider sandbox. Every session signs in to LawVu for real, then
// makes `calls` API calls, alternating its own LawVu token (its session object) and the LegalOn
// connection held for the whole deployment (one object shared by every session); the calls go
// round-robin over the sessions, `concurrency` at a time. When the first half has been answered,
// the sandbox's clock jumps 2 hours: every token in use expires mid-run (the provider answers 401).
// Counts what must hold at any scale: each session's token is refreshed exactly once, the held
// token is fetched again exactly once (and the isolate asks the held connection's object once for
// it), no call fails. `make bench` runs it full size (worker.mjs);
// tests/worker/scale.test.mjs runs a short one and asserts only those counts.
import { Browser, bindingsFor, login, startWorker } from '../tests/harness/index.mjs';

const JUMP_SECS = 2 * 3600; // past LawVu's 1-hour and LegalOn's 20-minute access tokens
const ADMIN_TOKEN = 'scale-simulation-admin-secret-0123456789';

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0;
}

/** Runs `jobs` with at most `n` at a time. */
async function pool(n, jobs) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
}

/** The simulation against a running sandbox (`startSandbox()`); answers its figures. The sandbox's
 * clock is put back afterwards. */
export async function scaleRun(sbx, { sessions = 2000, calls = 10, concurrency = 16 } = {}) {
  await sbx.control('options', { legalon_rate_limit: { limit: 100000000, window_secs: 1 } });
  const w = await startWorker(bindingsFor(sbx.ep, { ADMIN_TOKEN }));
  let jumped = false;
  try {
    const t0 = performance.now();
    const browsers = Array.from({ length: sessions }, () => new Browser(w));
    await pool(
      concurrency,
      browsers.map((b) => () => login(b, sbx, 'lawvu')),
    );
    const signInMs = performance.now() - t0;
    if (browsers.some((b) => !b.cookie)) throw new Error('a sign-in did not complete');

    // the held token is fetched once before the count starts (the first call of a deployment)
    const first = await browsers[0].api('/api/legalon/departments');
    if (first.status !== 200) throw new Error(`LegalOn: ${first.status} ${first.text}`);
    // what the held connection's object answered (its health): one ask per isolate per new token
    const objectAsks = async () => (await browsers[0].request('/connections/legalon', { headers: { 'x-tsunagi-admin': ADMIN_TOKEN } })).json?.token_requests;
    const asksBefore = await objectAsks();
    const before = await sbx.stats();
    const jobs = [];
    const latencies = [];
    const errors = [];
    const half = Math.floor((sessions * calls) / 2);
    for (let k = 0; k < calls; k++) {
      for (const b of browsers) {
        const path = k % 2 ? '/api/legalon/departments' : '/api/lawvu/account-apis/v1/users';
        jobs.push(async () => {
          const t = performance.now();
          const r = await b.api(path);
          latencies.push(performance.now() - t);
          if (r.status !== 200) errors.push(`${path}: ${r.status} ${r.json?.error ?? ''}`);
        });
      }
    }
    const t1 = performance.now();
    // the first half answered, then every token expires at once (a call still in flight when the
    // clock moved could be answered with the old token and leave its session nothing to refresh)
    await pool(concurrency, jobs.slice(0, half));
    await sbx.control('clock', { advance_secs: JUMP_SECS });
    jumped = true;
    await pool(concurrency, jobs.slice(half));
    const wallMs = performance.now() - t1;
    const after = await sbx.stats();
    const asksAfter = await objectAsks();
    return {
      sessions,
      calls_per_session: calls,
      concurrency,
      requests: jobs.length,
      sign_in_ms: signInMs,
      wall_ms: wallMs,
      rps: (jobs.length * 1000) / wallMs,
      p50_ms: pct(latencies, 50),
      p99_ms: pct(latencies, 99),
      errors: errors.length,
      first_errors: errors.slice(0, 5),
      // each session's LawVu token expired once: one refresh per session, never a reused refresh token
      session_expiries: sessions,
      session_refreshes: after.lawvu.token_requests.refresh_token - before.lawvu.token_requests.refresh_token,
      refresh_reuse: after.lawvu.refresh_reuse - before.lawvu.refresh_reuse,
      // the held LegalOn token expired once for everyone: one new token for the deployment
      held_expiries: 1,
      held_token_requests: after.legalon.token_requests.client_credentials - before.legalon.token_requests.client_credentials,
      // Miniflare runs one isolate: its callers asked the connection's object once for the new token
      held_object_asks: asksAfter - asksBefore,
    };
  } finally {
    await w.stop();
    if (jumped) await sbx.control('clock', { advance_secs: -JUMP_SECS });
  }
}
