// arctic: one provider with PKCE (authorization URL, code exchange, refresh).
export { Google, generateState, generateCodeVerifier } from 'arctic';
