// A LawVu-only SPA (tests/bundlers/bundlers.test.mjs): it imports `tsunagi/lawvu`, so its bundle
// must hold no discovery, id_token, Logiless or LegalOn code.
import { OAuthClient, TsunagiError, buildAuthorizationUrl, decodeJwtClaims } from 'tsunagi/lawvu';

const b64u = (s) => btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const status = document.getElementById('status');
try {
  const config = { provider: 'lawvu', environment: 'sandbox', clientId: 'acme-spa', redirectUri: 'https://app.example.com/callback' };
  const client = new OAuthClient(config, { storage: 'memory' });
  let refused = null;
  try {
    buildAuthorizationUrl({ provider: 'legalon', clientId: 'x', redirectUri: 'https://app.example.com/cb' });
  } catch (e) {
    refused = e instanceof TsunagiError ? e.code : String(e);
  }
  const result = {
    url: buildAuthorizationUrl(config, { state: 'state-1' }),
    claims: decodeJwtClaims(`${b64u('{"alg":"none"}')}.${b64u('{"sub":"user-1"}')}.`),
    client: typeof client.getAccessToken,
    refused,
  };
  document.getElementById('result').textContent = JSON.stringify(result);
  status.textContent = 'ok';
} catch (e) {
  status.textContent = `error: ${e}`;
}
