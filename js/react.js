// tsunagi/react — OAuthClient in a React (≥ 18) app: <TsunagiProvider client={…}> handles the redirect
// back from the provider and keeps the session's state; useTsunagi() reads it. It imports nothing
// from tsunagi itself (the app passes its client), so the wasm is loaded once, by the app's import.
//
// StrictMode (React 19 mounts effects twice in development): the effect below keeps no state of
// its own between runs. Both runs call handleRedirect() with the same URL while the first is in
// flight, and the client shares one code exchange between them; only the live run reports the
// result (onRedirect is called once); the first run's subscription is removed by its cleanup.
// Nothing here refreshes: state comes from isAuthenticated() and getUser(), which read the storage.
// `error` holds TsunagiErrors only (errors.js: no wasm); anything else thrown is reported as uncaught.
import { createContext, createElement, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { TsunagiError } from './errors.js';

const Context = createContext(null);

/** Whether the page is an authorization response: `state` with `code` or `error`, in the query or a hash route's (`#/cb?code=…`). */
function isCallback() {
  const loc = globalThis.location;
  if (!loc) return false;
  const q = loc.hash.indexOf('?');
  const p = new URLSearchParams(`${loc.search.slice(1)}&${q < 0 ? '' : loc.hash.slice(q + 1)}`);
  return p.has('state') && (p.has('code') || p.has('error'));
}

/** A failure for the hook's `error` (a TsunagiError, or `null` when it is not one: that is reported as an uncaught exception). */
function failure(error) {
  if (error instanceof TsunagiError) return error;
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else Promise.reject(error);
  return null;
}

/** Provides `client`'s session to useTsunagi(): handles the callback when the page is one, then follows the client's events. */
export function TsunagiProvider({ client, onRedirect, children }) {
  const [state, setState] = useState({ isLoading: true, isAuthenticated: false, user: null, error: null });
  const redirected = useRef(onRedirect);
  useEffect(() => {
    redirected.current = onRedirect;
  });

  useEffect(() => {
    let live = true;
    let ready = false; // the callback, if any, is handled: events may update the state
    let reads = 0;
    const update = (patch) => live && setState((s) => (Object.keys(patch).every((k) => Object.is(s[k], patch[k])) ? s : { ...s, ...patch }));
    // The storage's view, the latest read winning (reads may finish out of order).
    const read = () => {
      const n = ++reads;
      return Promise.all([client.isAuthenticated(), client.getUser()]).then(
        ([isAuthenticated, user]) => n === reads && update({ isLoading: false, isAuthenticated, user: isAuthenticated ? user : null }),
        (error) => n === reads && update({ isLoading: false, error: failure(error) }),
      );
    };
    const off = client.onChange((type, info) => {
      if (type === 'logout') {
        // the session is gone: said at once, and a read already under way is void (another tab's
        // removal can reach this tab's localStorage after its message does)
        reads++;
        update({ isAuthenticated: false, user: null, error: null });
        return;
      }
      // a session that ended tells "logout" before its "refresh_failed": the failure is what stays
      update({ error: type === 'refresh_failed' ? failure(info.error) : null });
      if (ready) read();
    });
    // Another tab's tokens, once this tab's localStorage has them (its "tokens" message may come first).
    const onStorage = (e) => ready && (e.key === null || e.key.endsWith(':tokens')) && read();
    globalThis.addEventListener?.('storage', onStorage);
    (isCallback() ? client.handleRedirect().then((result) => live && redirected.current?.(result)) : Promise.resolve())
      .catch((error) => update({ error: failure(error) }))
      .then(() => {
        ready = true;
        return read();
      });
    return () => {
      live = false;
      off();
      globalThis.removeEventListener?.('storage', onStorage);
    };
  }, [client]);

  // the functions keep their identity while the client does (safe in an effect's dependencies)
  const actions = useMemo(
    () => ({
      getAccessToken: (opts) => client.getAccessToken(opts),
      fetch: (input, init) => client.fetch(input, init),
      login: (opts) => client.authorize({ ...opts, navigate: true }),
      logout: () => client.logout(),
    }),
    [client],
  );
  const value = useMemo(() => ({ ...state, ...actions }), [state, actions]);
  return createElement(Context.Provider, { value }, children);
}

/** The session of the nearest <TsunagiProvider>: `{ isLoading, isAuthenticated, user, error, getAccessToken, fetch, login, logout }`. */
export function useTsunagi() {
  const value = useContext(Context);
  if (!value) throw new Error('useTsunagi() must be called inside <TsunagiProvider client={…}>');
  return value;
}
