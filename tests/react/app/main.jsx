// A tiny React 19 app on tsunagi/react, in <StrictMode>, against the provider sandbox (LawVu's public
// client; its endpoints come from the test's server as /endpoints.json). The page is its own
// redirect URI. `window.probe` lets the test count what the adapter did (subscriptions, callbacks,
// onRedirect calls, the identities of the hook's functions); nothing else here is test-only.
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { OAuthClient } from 'tsunagi';
import { TsunagiProvider, useTsunagi } from 'tsunagi/react';

const ep = await (await fetch('/endpoints.json')).json();

// One client for the app, made outside any component.
const client = new OAuthClient(
  {
    provider: 'lawvu',
    environment: 'sandbox',
    clientId: ep.lawvu.public_client.client_id,
    redirectUri: `${location.origin}/`,
    authorizeUrl: ep.lawvu.authorize_url,
    tokenUrl: ep.lawvu.token_url,
    apiBase: ep.lawvu.api_base,
  },
  { storage: 'local' },
);

const probe = { subscribed: 0, subscriptions: 0, handleRedirect: 0, redirects: [], functions: new Set() };
window.probe = probe;
const onChange = client.onChange.bind(client);
client.onChange = (listener) => {
  probe.subscribed++;
  probe.subscriptions++;
  const off = onChange(listener);
  return () => {
    probe.subscribed--;
    off();
  };
};
const handleRedirect = client.handleRedirect.bind(client);
client.handleRedirect = (...args) => {
  probe.handleRedirect++;
  return handleRedirect(...args);
};

function App() {
  const { isLoading, isAuthenticated, user, error, getAccessToken, fetch, login, logout } = useTsunagi();
  const [twice, setTwice] = useState('');
  const [matters, setMatters] = useState('');
  probe.functions.add(getAccessToken).add(fetch).add(login).add(logout);
  if (isLoading) return <p id="status">loading</p>;
  const getTwice = async () => {
    try {
      const [a, b] = await Promise.all([getAccessToken(), getAccessToken()]);
      setTwice(a === b ? 'one token' : 'two tokens');
    } catch (e) {
      setTwice(`failed: ${e.code ?? e}`);
    }
  };
  // the hook's fetch: the client's API call (bearer; 401 → one refresh → the retry)
  const getMatters = async () => {
    try {
      const res = await fetch('/matter-apis/v1/matters');
      setMatters(`${res.status} ${(await res.json()).totalCount}`);
    } catch (e) {
      setMatters(`failed: ${e.code ?? e}`);
    }
  };
  return (
    <main>
      <p id="status">{isAuthenticated ? 'signed in' : 'signed out'}</p>
      <p id="name">{user?.claims.name ?? ''}</p>
      <p id="error">{error ? String(error.code ?? error) : ''}</p>
      <p id="twice">{twice}</p>
      <p id="matters">{matters}</p>
      <button type="button" id="login" onClick={() => login({ appState: { returnTo: '/matters/42' } })}>
        Log in
      </button>
      <button type="button" id="token" onClick={getTwice}>
        Get the access token twice
      </button>
      <button type="button" id="matters-button" onClick={getMatters}>
        Matters
      </button>
      <button type="button" id="logout" onClick={logout}>
        Log out
      </button>
    </main>
  );
}

const root = createRoot(document.getElementById('root'));
window.unmount = () => root.unmount();
root.render(
  <StrictMode>
    <TsunagiProvider client={client} onRedirect={({ appState }) => probe.redirects.push(appState)}>
      <App />
    </TsunagiProvider>
  </StrictMode>,
);
