// oidc-client-ts: the SPA client.
export { UserManager } from 'oidc-client-ts';
