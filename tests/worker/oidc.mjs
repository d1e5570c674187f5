// The generic connections the Worker tests configure against panva's oidc-provider
// (tests/harness/oidc.mjs): its clients, the connections document, and a loopback resource
// server that looks every bearer token up in that server's own token store (an unknown, expired
// or revoked token is a 401 there, as at a real API).
import { createServer } from 'node:http';
import { ORIGIN, connectionsFor } from '../harness/index.mjs';

export const SECRET = 'generic-client-secret-0123456789abcdef';
export const SERVICE_SECRET = 'generic-service-secret-0123456789abcdef';

/** The resource server: `GET /whoami` answers who the bearer token belongs to, per idp's store. */
export async function startApi(idpOf) {
  const idpNow = () => idpOf();
  const server = createServer(async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const found = token && ((await idpNow().provider.AccessToken.find(token)) ?? (await idpNow().provider.ClientCredentials.find(token)));
    if (!found) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
      return res.end('{"error":"invalid_token"}');
    }
    // a null-body status (Fetch §2.2.3): the Worker's answer must have no body either
    if (req.url === '/reset-content') return res.writeHead(205, { 'x-request-id': 'api-205' }).end();
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'api-1' });
    res.end(JSON.stringify({ path: req.url, sub: found.accountId ?? null, client_id: found.clientId, scope: found.scope ?? null }));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => new Promise((ok) => server.close(ok)) };
}

export function genericConnections(ep, idpHandle, apiUrl) {
  // configured by its endpoints; logout revokes (RFC 7009)
  const byEndpoints = {
    profile: 'generic',
    client_id: 'tsunagi',
    secret: 'IDP_CLIENT_SECRET',
    issuer: idpHandle.issuer,
    authorize_url: `${idpHandle.issuer}/auth`,
    token_url: `${idpHandle.issuer}/token`,
    revocation_url: `${idpHandle.issuer}/token/revocation`,
    api_base: apiUrl,
    scopes: ['openid', 'offline_access'],
  };
  return {
    ...connectionsFor(ep),
    idp: byEndpoints,
    // the issuer only: endpoints from its metadata (RFC 8414 / OpenID Connect Discovery)
    'idp-discovered': {
      profile: 'generic',
      client_id: 'tsunagi',
      secret: 'IDP_CLIENT_SECRET',
      issuer: idpHandle.issuer,
      api_base: apiUrl,
      scopes: ['openid', 'offline_access'],
    },
    // an issuer with no metadata anywhere: its routes fail, the others do not
    'idp-elsewhere': { profile: 'generic', client_id: 'tsunagi', secret: 'IDP_CLIENT_SECRET', issuer: `${idpHandle.origin}/nowhere`, api_base: apiUrl },
    // granted once by an administrator, held for the deployment, served to other Workers
    'idp-robot': { ...byEndpoints, unattended: true, server: true },
    'idp-service': {
      profile: 'generic',
      grant: 'client_credentials',
      client_id: 'tsunagi-service',
      secret: 'IDP_SERVICE_SECRET',
      token_url: `${idpHandle.issuer}/token`,
      api_base: apiUrl,
      allowed_for: ['idp'],
      server: true,
    },
  };
}

export const GENERIC_CLIENTS = [
  {
    client_id: 'tsunagi',
    client_secret: SECRET,
    redirect_uris: [`${ORIGIN}/auth/idp/callback`, `${ORIGIN}/auth/idp-discovered/callback`, `${ORIGIN}/auth/idp-robot/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    client_id: 'tsunagi-service',
    client_secret: SERVICE_SECRET,
    redirect_uris: [],
    response_types: [],
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
  },
];
