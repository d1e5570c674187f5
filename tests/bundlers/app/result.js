// What the app computes with the package; main.js writes it into the page, and
// tests/bundlers/bundlers.test.mjs also imports this file from plain Node (the "node" condition).
import { buildAuthorizationUrl, pkceChallenge, decodeJwtClaims, parseCallback, TsunagiError } from 'tsunagi';

const b64u = (s) => btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

export function result() {
  const config = {
    provider: 'generic',
    authorizationEndpoint: 'https://auth.example.com/authorize',
    tokenEndpoint: 'https://auth.example.com/token',
    clientId: 'acme-inc',
    redirectUri: 'https://app.example.com/callback',
  };
  const codeChallenge = pkceChallenge('dBjftJeZ4CVP-mJ92K9qp7yF4A0dD8-BqSx8f1D4ieE');
  const url = buildAuthorizationUrl(config, { state: 'state-1', codeChallenge });
  const jwt = `${b64u('{"alg":"none"}')}.${b64u('{"sub":"user-1","aud":"acme-inc"}')}.`;
  let refused = null;
  try {
    parseCallback('https://app.example.com/callback?code=c&state=other', 'state-1');
  } catch (e) {
    refused = e instanceof TsunagiError ? e.code : String(e);
  }
  return { url, claims: decodeJwtClaims(jwt), refused };
}
