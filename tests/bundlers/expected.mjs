// What the bundled app (app/result.js) and the user's Worker in tests/worker/workerd-import.test.mjs
// must answer: the same generic config, PKCE verifier, state and JWT claims in both places.
import { createHash } from 'node:crypto';

/** The PKCE verifier both apps send (its S256 challenge goes into the URL). */
export const VERIFIER = 'dBjftJeZ4CVP-mJ92K9qp7yF4A0dD8-BqSx8f1D4ieE';

/** `{ url, claims, refused }` as the apps answer it; `refused` is the code of the error each provokes. */
export function expectedAnswer(refused) {
  return {
    url:
      'https://auth.example.com/authorize?response_type=code&client_id=acme-inc' +
      '&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&state=state-1' +
      `&code_challenge=${createHash('sha256').update(VERIFIER).digest('base64url')}&code_challenge_method=S256`,
    claims: { sub: 'user-1', aud: 'acme-inc' },
    refused,
  };
}
