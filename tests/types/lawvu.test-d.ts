// tsunagi/lawvu's declarations (js/lawvu/index.d.ts): what a LawVu SPA writes compiles, another
// provider's config and the OpenID Connect functions do not.
import { OAuthClient, TsunagiError, buildAuthorizationUrl, decodeJwtClaims } from 'tsunagi/lawvu';
import type { LawVuConfig, TokenSet } from 'tsunagi/lawvu';
import type { TsunagiError as MainError } from 'tsunagi';

const config: LawVuConfig = { provider: 'lawvu', environment: 'sandbox', clientId: 'spa', redirectUri: 'https://app.example/callback' };
const client = new OAuthClient(config, { storage: 'session' });
const token: Promise<string> = client.getAccessToken();
const tokens: Promise<TokenSet | null> = client.getTokens();
const url: string = buildAuthorizationUrl(config, { state: 's' });
const claims: Record<string, unknown> = decodeJwtClaims('a.b.c');
const same: MainError = new TsunagiError('invalid_config', 'one class for every entry');

// @ts-expect-error another provider's config is not a LawVu one
new OAuthClient({ provider: 'generic', clientId: 'x', redirectUri: 'https://app.example/cb', tokenEndpoint: 'https://id.example/token' });
// @ts-expect-error OpenID Connect is in `tsunagi`, not here
import { discover } from 'tsunagi/lawvu';
// @ts-expect-error the low-level request builders and response readers are in `tsunagi`, not here
import { parseTokenResponse } from 'tsunagi/lawvu';

export { client, token, tokens, url, claims, same, discover, parseTokenResponse };
