// node --test: the JS fast path of decodeJwtClaims (native atob on this side of the boundary)
// against the core's decoder in wasm. Whenever the fast path returns a payload, the core must
// return the same text; canonical tokens must take the fast path (that is its point).
import { test } from 'node:test';
import assert from 'node:assert/strict';

const pkg = new URL('../../pkg/', import.meta.url);
await import(new URL('node.js', pkg).href); // instantiates the wasm module (the package's Node entry: server/)
const core = await import(new URL('server/core.js', pkg).href);
const wasmLayer = await import(new URL('server/tsunagi_wasm.js', pkg).href);

/** The core's answer: the payload text, or the error code. */
function coreAnswer(jwt) {
  try {
    return { text: core.wasm(() => wasmLayer.jwtPayload(jwt)) };
  } catch (e) {
    assert.ok(e instanceof core.TsunagiError, `core threw ${e}`);
    return { code: e.code };
  }
}

const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const pick = (rnd, s) => s[Math.floor(rnd() * s.length)];

function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test('canonical tokens take the fast path and agree with the core', () => {
  const payloads = [
    { sub: 'user-id-123', name: 'Jane Smith', organisationId: 'org-id-456', exp: 1740000000, iat: 1739996400 },
    { name: '山田 太郎', emoji: '🔑', org: 'ロジレス' },
    {},
    { a: 'x'.repeat(3000) },
  ];
  for (const p of payloads) {
    for (const header of [b64u('{"alg":"HS256"}'), 'eyJhbGciOiJub25lIn0']) {
      const jwt = `${header}.${b64u(JSON.stringify(p))}.${b64u('sig')}`;
      const fast = core.jwtPayloadFast(jwt);
      assert.equal(fast, JSON.stringify(p), 'canonical token must take the fast path');
      assert.deepEqual(coreAnswer(jwt), { text: fast });
      assert.deepEqual(core.decodeJwtClaims(jwt), p);
    }
  }
});

test('random and hostile tokens: the fast path never accepts what the core rejects or decodes differently', () => {
  const rnd = rng(0x7a11);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const noise = `${alphabet}=.+/ \t\n\u00a0\ufeff%*é山`;
  let fastHits = 0;
  for (let i = 0; i < 20000; i++) {
    let jwt;
    switch (i % 4) {
      case 0: {
        // random bytes as the payload (often not UTF-8), random padding and surrounding noise
        const n = Math.floor(rnd() * 40);
        const bytes = Array.from({ length: n }, () => Math.floor(rnd() * 256));
        const pad = '='.repeat(Math.floor(rnd() * 3));
        jwt = `${pick(rnd, ['h', '', ' h', 'h ', ' ', '\n'])}.${b64u(bytes)}${rnd() < 0.2 ? pad : ''}.${pick(rnd, ['s', '', 's.x', ' '])}`;
        break;
      }
      case 1: {
        // random strings over the base64url alphabet: every length modulo 4
        const seg = () => Array.from({ length: Math.floor(rnd() * 12) }, () => pick(rnd, alphabet)).join('');
        jwt = `${seg()}.${seg()}.${seg()}`;
        break;
      }
      case 2: {
        // noise anywhere
        jwt = Array.from({ length: Math.floor(rnd() * 30) }, () => pick(rnd, noise)).join('');
        break;
      }
      default: {
        // a valid token with one character changed, or one inserted (whitespace and padding that
        // atob would skip, standard base64's + and /)
        const good = `${b64u('{"alg":"HS256"}')}.${b64u(JSON.stringify({ sub: `u${i}`, n: i }))}.sig`;
        const at = Math.floor(rnd() * good.length);
        jwt = good.slice(0, at) + pick(rnd, noise) + good.slice(at + (rnd() < 0.5 ? 1 : 0));
      }
    }
    const fast = core.jwtPayloadFast(jwt);
    if (fast === undefined) continue;
    fastHits++;
    assert.deepEqual(coreAnswer(jwt), { text: fast }, `fast path and core disagree on ${JSON.stringify(jwt)}`);
  }
  assert.ok(fastHits > 2000, `the fast path was taken ${fastHits} times`);
});
