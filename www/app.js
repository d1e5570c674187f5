// The tsunagi demo page: plain ESM, the npm package from /pkg/, the Worker on this same origin.
// No secret is ever on this page: the browser card uses LawVu's public client; the Worker cards
// only hold an HttpOnly session cookie, and tokens are only ever shown as fingerprints.
import { OAuthClient, BrokerClient, nextStep } from '/pkg/index.js';

const cfg = await (await fetch('/demo-config.json')).json();
const CONTROL = cfg.sandbox.control_url;
const $ = (id) => document.getElementById(id);
let skewMs = 0; // the sandbox clock's offset; the browser client decides expiry on this clock
const sandboxNow = () => Date.now() + skewMs;

// ---------------------------------------------------------------- the browser's LawVu client
const lawvuPublic = {
  provider: 'lawvu',
  environment: cfg.lawvu_public.environment,
  clientId: cfg.lawvu_public.client_id,
  redirectUri: `${location.origin}/`,
  authorizeUrl: cfg.lawvu_public.authorize_url,
  tokenUrl: cfg.lawvu_public.token_url,
  apiBase: cfg.lawvu_public.api_base,
};
const STORE_KEY = 'tsunagi-demo:lawvu';
const browserClient = new OAuthClient(lawvuPublic, { storage: 'session', key: STORE_KEY, now: sandboxNow });
// the Worker cards: the Worker is on this origin, the page only carries its HttpOnly cookie
const broker = new BrokerClient();

// ---------------------------------------------------------------- human errors
const ADVICE = {
  refresh_token_expired: ['The refresh token has expired.', 'Connect again to get a new one.'],
  refresh_token_invalid: ['The provider no longer accepts this refresh token (spent or revoked).', 'Connect again.'],
  login_required: ['The connection has lapsed: the provider needs you to sign in again.', 'Connect again.'],
  session_missing: ['This browser has no session with the Worker for this provider.', 'Connect first.'],
  invalid_grant: ['The provider refused the grant.', 'Connect again.'],
  access_denied: ['The request was declined on the consent page.', 'Connect again and approve.'],
  state_mismatch: ['The answer from the provider does not belong to this browser tab (state mismatch).', 'Start the connection again from this page.'],
  rate_limited: ['The provider is rate limiting these requests.', 'Wait a few seconds and try again.'],
  unauthorized: ['The provider rejected the access token.', 'Refresh, or connect again.'],
  upstream_error: ['The provider answered with a server error.', 'Try again in a moment.'],
  transport: ['The provider could not be reached.', 'Check that `make demo` is still running, then try again.'],
  timeout: ['The provider took too long to answer.', 'Try again.'],
  config_missing: ['The Worker is missing part of its configuration.', 'Check .dev.vars / wrangler.toml [vars].'],
  config_invalid: ['A connection in the Worker configuration is invalid.', 'The message names the connection and the field (TSUNAGI_CONNECTIONS).'],
  path_refused: ["The Worker's access rules keep this path off this API (the connection's access.paths).", 'Change the Worker configuration.'],
  csrf_header_missing: ['The request lacked the X-Tsunagi header the Worker requires.', 'This is a bug in the page.'],
  connection_not_allowed: [
    'The Worker serves LegalOn only to sessions signed in to a connection its allowed_for names (TSUNAGI_CONNECTIONS).',
    'Connect LawVu or Logiless via the Worker first.',
  ],
  method_refused: [
    "The Worker forwards only the methods its access rules allow to this API (the connection's access.methods; read-only by default).",
    'Ask for read access only, or change the Worker configuration.',
  ],
};
// LegalOn's token is the organisation's, not the user's: without a session the Worker refuses it
const LEGALON_ADVICE = {
  session_missing: [
    "LegalOn's token belongs to the organisation: the Worker serves it only to a signed-in session.",
    'Connect LawVu or Logiless via the Worker first.',
  ],
};
function describe(code, message, key) {
  const [what, todo] = (key === 'legalon' && LEGALON_ADVICE[code]) ||
    ADVICE[code] || ['Something went wrong.', 'Try again; if it persists, see the message below.'];
  return { code: code || 'unknown', what, todo, detail: message || '' };
}
const REAUTH = new Set(['refresh_token_expired', 'refresh_token_invalid', 'login_required', 'session_missing', 'invalid_grant', 'access_denied']);

// ---------------------------------------------------------------- helpers
async function fingerprint(token) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return [...d.slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
function left(ms) {
  if (ms == null) return '—';
  if (ms <= 0) return 'expired';
  let s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n) => String(n).padStart(2, '0');
  return d > 0 ? `${d}d ${pad(h)}h ${pad(m)}m` : h > 0 ? `${h}h ${pad(m)}m ${pad(s)}s` : `${m}m ${pad(s)}s`;
}
const when = (ms) => (ms == null ? '—' : new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }));
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k != null) e.append(k);
  return e;
};

// ---------------------------------------------------------------- the five cards
const CARDS = {
  'lawvu-browser': { clock: 'sandbox', api: 'GET /account-apis/v1/users (from the browser)', canRefresh: true, consent: true },
  lawvu: { clock: 'worker', api: 'GET /api/lawvu/account-apis/v1/users', path: '/account-apis/v1/users', canRefresh: true, consent: true },
  logiless: { clock: 'worker', api: 'GET /api/logiless/stores?limit=3', path: '/stores?limit=3', canRefresh: true, consent: true },
  legalon: { clock: 'worker', api: 'GET /api/legalon/users?page_size=3', path: '/users?page_size=3', canRefresh: false, consent: false },
  idp: { clock: 'worker', api: 'GET /api/idp/me (OpenID userinfo)', path: '/me', canRefresh: true, consent: true },
};

function body(key) {
  const c = CARDS[key];
  let b = $(`body-${key}`);
  if (!b) {
    b = el('div', { class: 'card-body', id: `body-${key}` });
    $(`card-${key}`).append(b);
  }
  b.replaceChildren();
  return { b, c };
}

function setStatus(key, state, text) {
  $(`card-${key}`).dataset.state = state;
  $(`status-${key}`).textContent = text;
}

function errorBox(key, err) {
  const box = $(`error-${key}`);
  if (!box) return;
  box.hidden = false;
  box.replaceChildren(
    el('p', { class: 'err-what' }, el('strong', { text: err.what }), ' ', err.todo),
    el('p', { class: 'err-code' }, 'Code ', el('code', { text: err.code }), err.detail ? ` — ${err.detail}` : ''),
  );
}
function clearError(key) {
  const box = $(`error-${key}`);
  if (box) {
    box.hidden = true;
    box.replaceChildren();
  }
}

function renderDisconnected(key, err) {
  const { b, c } = body(key);
  const reconnect = !!err && REAUTH.has(err.code);
  setStatus(key, reconnect ? 'reconnect' : 'disconnected', reconnect ? 'Reconnect needed' : 'Not connected');
  b.append(
    el('div', { class: 'error', id: `error-${key}`, role: 'alert', hidden: true }),
    el(
      'div',
      { class: 'actions' },
      el(
        'button',
        { type: 'button', id: `connect-${key}`, onclick: () => connect(key) },
        reconnect ? 'Connect again' : c.consent ? 'Connect' : 'Connect (no consent step)',
      ),
    ),
  );
  if (err) errorBox(key, err);
}

/** rows: [label, value, testid?]; expiries: { access, refresh } (epoch ms). */
function renderConnected(key, { rows, expiries, refreshFp }) {
  const { b, c } = body(key);
  setStatus(key, 'connected', 'Connected');
  const table = el(
    'table',
    { class: 'claims', id: `claims-${key}` },
    el('caption', { text: key.startsWith('lawvu') ? 'Who you are (decoded access-token claims)' : 'What the Worker holds' }),
    el(
      'tbody',
      {},
      rows.map(([k, v, id]) => el('tr', {}, el('th', { scope: 'row', text: k }), el('td', { text: v ?? '—', 'data-claim': id }))),
    ),
  );
  const timers = el(
    'dl',
    { class: 'timers' },
    el(
      'div',
      {},
      el('dt', { text: 'Access token expires in' }),
      el('dd', {
        id: `access-left-${key}`,
        'data-expires': expiries.access ?? '',
        'data-clock': c.clock,
        text: expiries.access ? '—' : 'renewed by the Worker when due',
      }),
    ),
    el(
      'div',
      {},
      el('dt', { text: 'Refresh token expires in' }),
      el('dd', { id: `refresh-left-${key}`, 'data-expires': expiries.refresh ?? '', 'data-clock': c.clock, text: expiries.refresh ? '—' : 'no refresh token' }),
    ),
  );
  b.append(
    ...[
      table,
      timers,
      refreshFp ? el('p', { class: 'fp' }, 'Refresh token fingerprint ', el('code', { id: `fp-${key}`, text: refreshFp })) : null,
      el(
        'div',
        { class: 'actions' },
        el('button', { type: 'button', id: `call-${key}`, onclick: () => callApi(key) }, 'Call the API'),
        c.canRefresh ? el('button', { type: 'button', class: 'secondary', id: `refresh-${key}`, onclick: () => refreshNow(key) }, 'Refresh now') : null,
        el('button', { type: 'button', class: 'ghost', id: `disconnect-${key}`, onclick: () => disconnect(key) }, 'Disconnect'),
      ),
      el('div', { class: 'error', id: `error-${key}`, role: 'alert', hidden: true }),
      el('p', { class: 'rotation', id: `rotation-${key}`, 'aria-live': 'polite' }),
      el('section', { class: 'result', id: `result-${key}`, hidden: true, 'aria-label': 'API result' }),
    ].filter(Boolean),
  );
  tick();
}

function showResult(key, { status, headers, json }) {
  const r = $(`result-${key}`);
  r.hidden = false;
  const h = [['Status', String(status)], ...headers];
  r.replaceChildren(
    el('h3', { text: CARDS[key].api }),
    el(
      'dl',
      { class: 'headers', id: `headers-${key}` },
      h.map(([k, v]) => el('div', {}, el('dt', { text: k }), el('dd', { text: v, 'data-header': k.toLowerCase() }))),
    ),
    el('pre', { id: `json-${key}`, tabindex: '0', 'aria-label': 'JSON response' }, JSON.stringify(json, null, 2)),
  );
}

function pickHeaders(res) {
  const out = [];
  for (const name of ['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']) {
    const v = res.headers.get(name);
    if (v != null) out.push([name, v]);
  }
  if (!res.headers.get('X-RateLimit-Limit')) out.push(['X-RateLimit-*', 'not sent by this provider']);
  return out;
}

// ---------------------------------------------------------------- the browser card
async function loadBrowser() {
  const key = 'lawvu-browser';
  const u = new URL(location.href);
  if (u.searchParams.has('code') || u.searchParams.has('error')) {
    // the client takes code and state out of the address bar once the callback is handled
    try {
      await browserClient.handleCallback();
    } catch (e) {
      return renderDisconnected(key, describe(e.code, e.message));
    }
  }
  const t = await browserClient.getTokens();
  if (!t) return renderDisconnected(key);
  const step = nextStep(lawvuPublic, t, { now: sandboxNow() });
  if (step === 'reauthorize') {
    return renderDisconnected(key, describe('refresh_token_expired', `the 1-day refresh token expired at ${when(t.refreshExpiresAt)} (sandbox time)`));
  }
  const user = await browserClient.getUser(); // unverified claims: for display only
  renderConnected(key, {
    rows: lawvuRows(user?.claims ?? {}, t.extra?.userName),
    expiries: { access: t.expiresAt, refresh: t.refreshExpiresAt },
    refreshFp: t.refreshToken ? await fingerprint(t.refreshToken) : null,
  });
}

function lawvuRows(cl, userName) {
  const sec = (s) => (typeof s === 'number' ? when(s * 1000) : '—');
  return [
    ['Name', cl.name ?? userName, 'name'],
    ['Organisation', cl.organisationId, 'organisation'],
    ['User id', cl.sub, 'user-id'],
    ['Issued', sec(cl.iat), 'issued'],
    ['Expires', sec(cl.exp), 'expires'],
  ];
}

// ---------------------------------------------------------------- the Worker cards
let session = null;
async function loadSession() {
  session = await broker.session().catch(() => ({ providers: {} }));
}

function loadWorkerCard(key, err) {
  if (key === 'legalon') {
    if (sessionStorage.getItem('tsunagi-demo:legalon') !== 'connected') return renderDisconnected(key, err);
    return renderConnected(key, {
      rows: [
        ['Grant', 'client_credentials', 'grant'],
        ['Credentials', 'held by the Worker (LEGALON_API_CREDENTIALS)', 'credentials'],
        ['Token lifetime', '1200 s; a new token is fetched when needed', 'lifetime'],
        ['API host', 'from the token response (api_base_url)', 'api-host'],
      ],
      expiries: {},
    });
  }
  const p = session?.providers?.[key];
  if (!p) return renderDisconnected(key, err);
  const cl = p.claims || {};
  const rows =
    key === 'lawvu'
      ? lawvuRows(cl, p.userName)
      : key === 'idp'
        ? [
            ['Issuer', cfg.idp?.issuer ?? '—', 'issuer'],
            ['Access token', 'opaque; the Worker keeps it', 'token-kind'],
            ['Scope', p.scope || 'openid offline_access profile', 'scope'],
            ['On disconnect', 'revoked at the provider (RFC 7009)', 'revocation'],
          ]
        : [
            ['Merchant', cfg.logiless?.merchant_id ?? '—', 'merchant'],
            ['Access token', 'opaque (32 hex characters); the Worker keeps it', 'token-kind'],
            ['Scope', p.scope || '(none)', 'scope'],
          ];
  renderConnected(key, { rows, expiries: { access: p.access_expires_at, refresh: p.refresh_expires_at }, refreshFp: p.refresh_fingerprint });
}

// ---------------------------------------------------------------- actions
async function connect(key) {
  if (key === 'lawvu-browser') {
    try {
      await browserClient.authorize({ navigate: true });
    } catch (e) {
      errorBox(key, describe(e.code, e.message));
    }
    return;
  }
  if (key === 'legalon') {
    const ok = await callApi(key, { connecting: true });
    if (ok) {
      sessionStorage.setItem('tsunagi-demo:legalon', 'connected');
      const saved = $(`result-${key}`)?.cloneNode(true);
      loadWorkerCard(key);
      if (saved) $(`result-${key}`).replaceWith(saved);
    }
    return;
  }
  broker.login(key, { returnTo: '/' });
}

async function callApi(key, { connecting = false } = {}) {
  clearError(key);
  const btn = $(`call-${key}`) || $(`connect-${key}`);
  btn?.setAttribute('aria-busy', 'true');
  try {
    let res;
    if (key === 'lawvu-browser') {
      try {
        res = await browserClient.fetch('/account-apis/v1/users');
      } catch (e) {
        if (e.requiresReauthorization) {
          await browserClient.logout();
          renderDisconnected(key, describe(e.code === 'login_required' ? 'refresh_token_expired' : e.code, e.message));
          return false;
        }
        errorBox(key, describe(e.code, e.message));
        return false;
      }
    } else {
      try {
        res = await broker.fetch(key, CARDS[key].path);
      } catch (e) {
        // the Worker's own refusal or failure (a provider's answer would be a Response)
        if (e.requiresReauthorization && key !== 'legalon' && !connecting) {
          await refreshAll();
          renderDisconnected(key, describe(e.code, e.message));
          return false;
        }
        if ($(`error-${key}`)) errorBox(key, describe(e.code, e.message, key));
        return false;
      }
    }
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    if (!res.ok) {
      // the provider's own error, passed through by the Worker or met by the browser client
      if ($(`error-${key}`))
        errorBox(key, describe(json?.error || (res.status === 401 ? 'unauthorized' : 'http_error'), json?.message || json?.detail || `HTTP ${res.status}`));
      return false;
    }
    if (key !== 'lawvu-browser' && key !== 'legalon') {
      // the Worker may have refreshed behind the call: show the new expiries and fingerprint
      const before = session?.providers?.[key]?.refresh_fingerprint;
      await loadSession();
      const after = session?.providers?.[key]?.refresh_fingerprint;
      loadWorkerCard(key);
      if (before && after && before !== after) showRotation(key, before, after, 'The Worker refreshed on its own (the provider rejected the old access token)');
    } else if (key === 'lawvu-browser') {
      await loadBrowser();
    }
    if (!connecting || key === 'legalon') {
      if (!$(`result-${key}`)) renderDisconnectedResultHost(key);
      showResult(key, { status: res.status, headers: pickHeaders(res), json });
    }
    return true;
  } finally {
    ($(`call-${key}`) || btn)?.removeAttribute('aria-busy');
  }
}

function renderDisconnectedResultHost(key) {
  $(`body-${key}`).append(el('section', { class: 'result', id: `result-${key}`, hidden: true, 'aria-label': 'API result' }));
}

function showRotation(key, oldFp, newFp, why = 'Refresh token rotated') {
  const r = $(`rotation-${key}`);
  if (!r) return;
  r.replaceChildren(`${why}: `, el('code', { class: 'old', text: oldFp }), ' → ', el('code', { class: 'new', text: newFp }));
}

async function refreshNow(key) {
  clearError(key);
  if (key === 'lawvu-browser') {
    const t = await browserClient.getTokens();
    if (!t?.refreshToken) return renderDisconnected(key, describe('login_required'));
    try {
      // a forced refresh through the client: the same lock and single flight as any renewal, the
      // rotated pair stored before it answers
      await browserClient.getAccessToken({ forceRefresh: true });
      const fresh = await browserClient.getTokens();
      const [a, b] = [await fingerprint(t.refreshToken), await fingerprint(fresh.refreshToken)];
      await loadBrowser();
      showRotation(key, a, b);
    } catch (e) {
      if (e.requiresReauthorization) {
        await browserClient.logout();
        return renderDisconnected(key, describe(e.code, e.message));
      }
      errorBox(key, describe(e.code, e.message));
    }
    return;
  }
  let json;
  try {
    json = await broker.refresh(key);
  } catch (e) {
    if (e.requiresReauthorization) {
      await loadSession();
      return renderDisconnected(key, describe(e.code, e.message));
    }
    return errorBox(key, describe(e.code, e.message));
  }
  await loadSession();
  loadWorkerCard(key);
  showRotation(key, json.old_refresh_fingerprint, json.new_refresh_fingerprint);
}

async function disconnect(key) {
  if (key === 'lawvu-browser') {
    await browserClient.logout();
    return renderDisconnected(key);
  }
  if (key === 'legalon') {
    sessionStorage.removeItem('tsunagi-demo:legalon');
    return renderDisconnected(key);
  }
  await broker.logout(key).catch(() => {});
  await loadSession();
  renderDisconnected(key);
}

// ---------------------------------------------------------------- the sandbox clock
async function readClock() {
  try {
    const c = await (await fetch(`${CONTROL}/clock`)).json();
    skewMs = c.offset_secs * 1000;
    $('sandbox-offset').textContent = c.offset_secs
      ? `(${c.offset_secs > 0 ? '+' : '−'}${left(Math.abs(c.offset_secs) * 1000)} ahead of this computer)`
      : '(in step with this computer)';
    document.body.dataset.offset = String(c.offset_secs);
  } catch {
    $('sandbox-offset').textContent = '(the sandbox is not answering: is `make demo` running?)';
  }
}
async function advance(secs) {
  await fetch(`${CONTROL}/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_secs: secs }) });
  await readClock();
  await refreshAll();
}
$('advance-1h').addEventListener('click', () => advance(3600));
$('advance-25h').addEventListener('click', () => advance(25 * 3600));
$('clock-reset').addEventListener('click', () => advance(-Math.round(skewMs / 1000)));

function tick() {
  $('sandbox-time').textContent = when(sandboxNow());
  for (const d of document.querySelectorAll('[data-expires]')) {
    const at = Number(d.dataset.expires);
    if (!d.dataset.expires) continue;
    const now = d.dataset.clock === 'sandbox' ? sandboxNow() : Date.now();
    d.textContent = left(at - now);
    d.classList.toggle('soon', at - now < 5 * 60_000);
  }
}
setInterval(tick, 1000);

async function refreshAll() {
  await loadSession();
  await loadBrowser();
  for (const k of ['lawvu', 'logiless', 'legalon', 'idp']) loadWorkerCard(k);
}

await readClock();
await refreshAll();
document.body.dataset.ready = 'true';
