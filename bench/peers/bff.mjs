// A backend-for-frontend written by hand in JavaScript, the way a competent team would write one:
// the fair peer of the tsunagi Worker in `make bench` (bench/README.md). Same routes, same checks
// per proxied call, no wasm: a reader judges tsunagi's cost against this file.
//
// Per proxied call (`/api/{connection}/…`): CORS/CSRF guard (Origin allow-listed or our own,
// `X-Tsunagi: 1`), the session cookie's HMAC-SHA256 checked with WebCrypto (shape, MAC, expiry),
// the API path checked (no dot segments, plain or encoded), the connection's method/path rule,
// then one call to the session's Durable Object: a session connection's access token (refreshed
// single-flight when due), or for a held connection whether the session is signed in to one of
// the connections `allowedFor` names (the held token itself from the isolate's memory, else from
// the connection's object). Upstream: only accept/authorization/content-type sent, a time-out,
// one retry with a fresh token on 401, a 5xx turned into a 502, only allow-listed headers back,
// the body streamed through.
import { DurableObject } from 'cloudflare:workers';

const COOKIE = '__Host-bff';
const LOGIN_COOKIE = '__Host-bff-login';
const LEEWAY_MS = 60_000;
const MAX_BODY = 1024 * 1024;
const FORWARD = new Set(['content-type', 'x-request-id', 'retry-after', 'cache-control', 'etag', 'last-modified', 'content-language']);
const enc = new TextEncoder();
const dec = new TextDecoder();

// ---- configuration (parsed once per isolate) ----

let config;
function conf(env) {
  config ??= {
    origins: new Set((env.ALLOWED_ORIGINS || '').split(/[\s,]+/).filter(Boolean)),
    timeoutMs: Number(env.UPSTREAM_TIMEOUT_MS || 10_000),
    connections: {
      lawvu: {
        kind: 'session',
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        paths: ['/'],
        clientId: env.LAWVU_CLIENT_ID,
        secret: env.LAWVU_CLIENT_SECRET,
        authorizeUrl: env.LAWVU_AUTHORIZE_URL,
        tokenUrl: env.LAWVU_TOKEN_URL,
        apiBase: env.LAWVU_API_BASE,
      },
      legalon: {
        kind: 'held',
        methods: ['GET', 'HEAD'],
        paths: ['/'],
        allowedFor: ['lawvu', 'logiless'],
        tokenUrl: env.LEGALON_TOKEN_URL,
        credentials: env.LEGALON_API_CREDENTIALS,
      },
    },
  };
  return config;
}

let keys; // { cookie: HMAC key, storage: AES-GCM key }, derived once per isolate
function deriveKeys(env) {
  keys ??= (async () => {
    const base = await crypto.subtle.importKey('raw', enc.encode(env.SESSION_KEY), 'HKDF', false, ['deriveKey']);
    const hkdf = (info) => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: enc.encode(info) });
    return {
      cookie: await crypto.subtle.deriveKey(hkdf('bff/cookie'), base, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign', 'verify']),
      storage: await crypto.subtle.deriveKey(hkdf('bff/storage'), base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
    };
  })();
  return keys;
}

// ---- small helpers ----

const b64url = (bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const unb64url = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
const json = (status, body, headers = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** The value of cookie `name`; null when absent, repeated, or the header is oversized. */
function cookieValue(header, name) {
  if (!header || header.length > 8192) return null;
  let found = null;
  for (const pair of header.split(';')) {
    const i = pair.indexOf('=');
    if (i < 0 || pair.slice(0, i).trim() !== name) continue;
    if (found !== null) return null;
    found = pair.slice(i + 1).trim();
  }
  return found;
}

/** `{payload}.{mac}` with an HMAC-SHA256 over payload. */
async function sign(env, payload) {
  const { cookie } = await deriveKeys(env);
  return `${payload}.${b64url(new Uint8Array(await crypto.subtle.sign('HMAC', cookie, enc.encode(payload))))}`;
}

/** `{session id}.{expiry secs}.{mac}` verified (MAC with WebCrypto's constant-time verify, then expiry). */
async function verifySession(env, value) {
  const parts = value?.split('.');
  if (parts?.length !== 3 || !/^[\w-]{43}$/.test(parts[0]) || !/^\d+$/.test(parts[1]) || !/^[\w-]{43}$/.test(parts[2])) return null;
  const { cookie } = await deriveKeys(env);
  if (!(await crypto.subtle.verify('HMAC', cookie, unb64url(parts[2]), enc.encode(`${parts[0]}.${parts[1]}`)))) return null;
  if (Date.now() >= Number(parts[1]) * 1000) return null;
  return parts[0];
}

/** No dot segment, encoded slash or control character, plain or percent-encoded (twice). */
function checkPath(path) {
  if (!path.startsWith('/') || path.startsWith('//') || !/^[\x21-\x7e]*$/.test(path) || /[\\#]/.test(path)) return false;
  for (let seg of path.split('?')[0].split('/').slice(1)) {
    for (let i = 0; i < 3; i++) {
      const bare = seg.split(';')[0];
      if (bare === '.' || bare === '..' || bare === '...') return false;
      if (i > 0 && /[/\\]/.test(seg)) return false;
      for (let j = 0; j < seg.length; j++) if (seg.charCodeAt(j) < 0x20 || seg.charCodeAt(j) === 0x7f) return false;
      if (!seg.includes('%')) break;
      try {
        seg = decodeURIComponent(seg);
      } catch {
        return false;
      }
    }
  }
  return true;
}

/** The connection's rule: method listed, path under one of its prefixes (segment by segment). */
function allowed(c, method, path) {
  if (!c.methods.includes(method)) return false;
  const have = path.split('?')[0].split('/');
  return c.paths.some((p) => {
    const want = p.replace(/\/+$/, '').split('/');
    return want.every((w, i) => i === 0 || w === have[i] || (w === '*' && !!have[i]));
  });
}

async function form(url, params, headers = {}) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(params),
    signal: AbortSignal.timeout(config.timeoutMs),
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new HttpError(r.status === 400 || r.status === 401 ? 401 : 502, 'token_error', `token endpoint: ${body.error ?? r.status}`);
  return body;
}

const tokenSet = (t, old = {}) => ({
  access_token: t.access_token,
  expires_at: Date.now() + Number(t.expires_in ?? 3600) * 1000,
  refresh_token: t.refresh_token ?? old.refresh_token,
  api_base: t.api_base_url ?? old.api_base,
});

// ---- the held connection's token: the isolate's copy, else the connection's object ----

let heldCopy = null;
async function heldToken(env, name, failed) {
  if (heldCopy && heldCopy.expires_at - LEEWAY_MS > Date.now() && heldCopy.access_token !== failed) return heldCopy;
  heldCopy = await env.CONNECTIONS.get(env.CONNECTIONS.idFromName(name)).token(name, failed ?? null);
  return heldCopy;
}

// ---- the Worker ----

export default {
  async fetch(request, env) {
    const c = conf(env);
    const url = new URL(request.url);
    const origin = request.headers.get('origin');
    const cors =
      origin && (origin === url.origin || c.origins.has(origin))
        ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' }
        : {};
    let resp;
    try {
      if (origin && !cors['access-control-allow-origin']) throw new HttpError(403, 'forbidden_origin', 'origin not allowed');
      resp = await route(request, env, url);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      resp = json(e.status, { error: e.code, message: e.message });
    }
    for (const [k, v] of Object.entries(cors)) resp.headers.set(k, v);
    return resp;
  },
};

async function route(request, env, url) {
  const parts = url.pathname.split('/');
  if (parts[1] === 'api' && parts.length > 3) return proxy(request, env, parts[2], `/${parts.slice(3).join('/')}${url.search}`);
  if (parts[1] === 'auth' && parts[3] === 'login' && request.method === 'GET') return login(env, url, parts[2]);
  if (parts[1] === 'auth' && parts[3] === 'callback' && request.method === 'GET') return callback(request, env, url, parts[2]);
  throw new HttpError(404, 'not_found', 'no such route');
}

async function proxy(request, env, name, path) {
  if (request.headers.get('x-tsunagi') !== '1') throw new HttpError(403, 'csrf_header_missing', "send 'X-Tsunagi: 1'");
  const c = config.connections[name];
  if (!c) throw new HttpError(404, 'not_found', 'no such connection');
  const method = request.method;
  if (!checkPath(path)) throw new HttpError(400, 'invalid_parameter', 'bad API path');
  if (!allowed(c, method, path)) throw new HttpError(403, 'access_refused', 'method or path not allowed');
  const sid = await verifySession(env, cookieValue(request.headers.get('cookie'), COOKIE));
  if (!sid) throw new HttpError(401, 'session_missing', 'sign in');
  const session = env.SESSIONS.get(env.SESSIONS.idFromName(sid));

  let token;
  if (c.kind === 'held') {
    const signedIn = await session.signedIn();
    if (!signedIn.some((s) => c.allowedFor.includes(s))) throw new HttpError(403, 'connection_not_allowed', 'sign in to an allowed connection first');
    token = (failed) => heldToken(env, name, failed);
  } else {
    token = (failed) => session.token(name, failed ?? null);
  }

  let body = null;
  if (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') {
    if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY) throw new HttpError(413, 'body_too_large', 'request bodies are limited to 1 MiB');
    body = await request.text();
    if (body.length > MAX_BODY) throw new HttpError(413, 'body_too_large', 'request bodies are limited to 1 MiB');
    if (body && (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase() !== 'application/json')
      throw new HttpError(400, 'invalid_parameter', 'JSON bodies only');
  }

  let t = await token();
  let up = await send(c, t, method, path, body);
  if (up.status === 401) {
    await up.body?.cancel();
    t = await token(t.access_token);
    up = await send(c, t, method, path, body);
  }
  if (up.status >= 500) {
    await up.body?.cancel();
    return json(
      502,
      { error: 'upstream_error', message: `the API answered ${up.status}` },
      up.headers.has('x-request-id') ? { 'x-request-id': up.headers.get('x-request-id') } : {},
    );
  }
  const h = new Headers();
  for (const [k, v] of up.headers) if (FORWARD.has(k) || k.startsWith('x-ratelimit-')) h.append(k, v);
  return new Response(method === 'HEAD' ? null : up.body, { status: up.status, headers: h });
}

function send(c, t, method, path, body) {
  const base = c.kind === 'held' ? `${t.api_base}/rest/v1` : c.apiBase;
  const headers = { accept: 'application/json', authorization: `Bearer ${t.access_token}` };
  if (body) headers['content-type'] = 'application/json';
  return fetch(base + path, {
    method: method === 'HEAD' ? 'GET' : method,
    headers,
    body: body || undefined,
    redirect: 'manual',
    signal: AbortSignal.timeout(config.timeoutMs),
  });
}

// ---- sign-in (authorization code; the pending state in a signed, short-lived cookie) ----

async function login(env, url, name) {
  const c = config.connections[name];
  if (c?.kind !== 'session') throw new HttpError(404, 'not_found', 'no such connection');
  const state = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const q = new URLSearchParams({ response_type: 'code', client_id: c.clientId, redirect_uri: `${url.origin}/auth/${name}/callback`, state });
  const pending = await sign(env, `${name}.${state}.${Math.floor(Date.now() / 1000) + 600}`);
  return new Response(null, {
    status: 302,
    headers: { location: `${c.authorizeUrl}?${q}`, 'set-cookie': `${LOGIN_COOKIE}=${pending}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=600` },
  });
}

async function callback(request, env, url, name) {
  const c = config.connections[name];
  const pending = cookieValue(request.headers.get('cookie'), LOGIN_COOKIE)?.split('.');
  if (c?.kind !== 'session' || pending?.length !== 4) throw new HttpError(400, 'state_mismatch', 'no sign-in in progress');
  const [n, state, exp, mac] = pending;
  const { cookie } = await deriveKeys(env);
  const ok = await crypto.subtle.verify('HMAC', cookie, unb64url(mac), enc.encode(`${n}.${state}.${exp}`));
  if (!ok || n !== name || Date.now() >= Number(exp) * 1000 || url.searchParams.get('state') !== state)
    throw new HttpError(400, 'state_mismatch', 'sign-in over');
  const t = await form(c.tokenUrl, {
    grant_type: 'authorization_code',
    code: url.searchParams.get('code') ?? '',
    redirect_uri: `${url.origin}/auth/${name}/callback`,
    client_id: c.clientId,
    client_secret: c.secret,
  });
  const sid = b64url(crypto.getRandomValues(new Uint8Array(32)));
  await env.SESSIONS.get(env.SESSIONS.idFromName(sid)).put(name, tokenSet(t));
  const expSecs = Math.floor(Date.now() / 1000) + 86_400;
  const headers = new Headers({ location: '/' });
  headers.append('set-cookie', `${COOKIE}=${await sign(env, `${sid}.${expSecs}`)}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=86400`);
  headers.append('set-cookie', `${LOGIN_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`);
  return new Response(null, { status: 302, headers });
}

// ---- Durable Objects: token sets encrypted at rest (AES-GCM bound to object and record), kept
// decrypted in memory once loaded; one refresh at a time per connection ----

class Sealed extends DurableObject {
  async seal(key, value) {
    const { storage } = await deriveKeys(this.env);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const additionalData = enc.encode(`${this.ctx.id}|${key}`);
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, storage, enc.encode(JSON.stringify(value)));
    await this.ctx.storage.put(key, { iv, ct: new Uint8Array(ct) });
  }
  async open(key, sealed) {
    const { storage } = await deriveKeys(this.env);
    const additionalData = enc.encode(`${this.ctx.id}|${key}`);
    return JSON.parse(dec.decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv, additionalData }, storage, sealed.ct)));
  }
}

export class Session extends Sealed {
  #sets = null; // connection → token set
  #refreshing = new Map(); // connection → promise of the refreshed set

  async #load() {
    if (this.#sets) return this.#sets;
    const sets = new Map();
    for (const [key, sealed] of await this.ctx.storage.list({ prefix: 'tokens:' })) sets.set(key.slice(7), await this.open(key, sealed));
    this.#sets ??= sets;
    return this.#sets;
  }

  async put(name, set) {
    await this.seal(`tokens:${name}`, set);
    (await this.#load()).set(name, set);
  }

  /** The connections this session is signed in to (a set whose refresh token may still work). */
  async signedIn() {
    return [...(await this.#load()).keys()];
  }

  /** A usable access token for `name` (not `failed`), refreshed single-flight when due. */
  async token(name, failed) {
    const set = (await this.#load()).get(name);
    if (!set) throw new Error('not signed in');
    if (set.expires_at - LEEWAY_MS > Date.now() && set.access_token !== failed) return { access_token: set.access_token };
    let p = this.#refreshing.get(name);
    if (!p) {
      const c = conf(this.env).connections[name];
      p = form(c.tokenUrl, { grant_type: 'refresh_token', refresh_token: set.refresh_token, client_id: c.clientId, client_secret: c.secret })
        .then(async (t) => {
          const next = tokenSet(t, set);
          await this.put(name, next); // stored before anyone is answered: the old refresh token is spent
          return next;
        })
        .finally(() => this.#refreshing.delete(name));
      this.#refreshing.set(name, p);
    }
    return { access_token: (await p).access_token };
  }
}

export class Connection extends Sealed {
  #set = null;
  #fetching = null;

  /** The client-credentials token of held connection `name`, fetched single-flight when due. */
  async token(name, failed) {
    this.#set ??= await this.ctx.storage.get('token').then((s) => (s ? this.open('token', s) : null));
    const s = this.#set;
    if (s && s.expires_at - LEEWAY_MS > Date.now() && s.access_token !== failed) return s;
    this.#fetching ??= (async () => {
      const c = conf(this.env).connections[name];
      const next = tokenSet(await form(c.tokenUrl, { grant_type: 'client_credentials' }, { authorization: `Basic ${c.credentials}` }));
      await this.seal('token', next);
      this.#set = next;
      return next;
    })().finally(() => {
      this.#fetching = null;
    });
    return this.#fetching;
  }
}
