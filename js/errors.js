// tsunagi — the package's one error class and the checks of option objects, shared by every entry.
// No wasm here: `tsunagi/broker` (BrokerClient) imports this file and nothing that loads the module,
// and every entry throws the same TsunagiError class, so `instanceof` holds across them.

/** Every failure of the package: `code` is one of the core's stable strings (README). */
export class TsunagiError extends Error {
  constructor(code, message, details) {
    const d = details || {};
    super(message, d.cause === undefined ? undefined : { cause: d.cause });
    this.name = 'TsunagiError';
    this.code = code;
    this.status = d.status;
    this.requestId = d.requestId;
    this.oauthError = d.oauthError;
    this.description = d.description;
    this.errorUri = d.errorUri;
    this.bodyExcerpt = d.bodyExcerpt;
    this.refreshExpiredAt = d.refreshExpiredAt;
    this.retryAfterMs = d.retryAfterMs;
    this.requiresReauthorization = d.requiresReauthorization === true;
  }
}

/** @internal A TsunagiError with `code` and `message` (the sentence alone), thrown by every module of the package. */
export const fail = (code, message, details) => new TsunagiError(code, message, details);

/** @internal An options object: `undefined`/`null` → `{}`; anything else must be an object. */
export function options(x, what) {
  if (x === undefined || x === null) return {};
  if (typeof x !== 'object') throw fail('invalid_parameter', `${what} must be an object`);
  return x;
}

/** @internal An `AbortSignal` option: `undefined`/`null` → `undefined`; anything else must be one. */
export function abortSignal(x) {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'object' || typeof x.aborted !== 'boolean' || typeof x.addEventListener !== 'function') {
    throw fail('invalid_parameter', 'signal must be an AbortSignal');
  }
  return x;
}
