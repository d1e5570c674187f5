// tsunagi/worker: the built tsunagi Worker (a fetch handler, two Durable Object classes and the
// broker entrypoint), for a team's own wrangler project to re-export as its main module:
//   export { default, TsunagiSession, TsunagiConnection, TsunagiBroker } from 'tsunagi/worker';
// Runs in workerd only (it imports `cloudflare:workers` and a .wasm module). Configuration:
// wrangler.toml [vars] (TSUNAGI_CONNECTIONS, …) and secrets, as the package README describes.

/** The Worker's routes: /auth/{connection}/…, /api/{connection}/…, /session, /token/{connection}. */
declare const worker: {
  fetch(request: Request, env: unknown, ctx: unknown): Promise<Response>;
};
export default worker;

/** The Durable Object of one browser session (binding `SESSIONS`, a SQLite class). */
export declare class TsunagiSession {
  constructor(state: unknown, env: unknown);
  fetch(request: Request): Promise<Response>;
  alarm(): Promise<void>;
}

/** The Durable Object of one held connection (binding `CONNECTIONS`, a SQLite class). */
export declare class TsunagiConnection {
  constructor(state: unknown, env: unknown);
  fetch(request: Request): Promise<Response>;
  alarm(): Promise<void>;
}

/** The access token of a connection configured with `server = true`, as the broker answers it. */
export interface BrokerAccessToken {
  access_token: string;
  token_type: string;
  /** Unix seconds. */
  expires_at: number;
}

/** The broker other Workers call through a service binding (`entrypoint = "TsunagiBroker"`). */
export declare class TsunagiBroker {
  /** Rejects with a TsunagiError-shaped error when the connection is not served. */
  accessToken(connection: string): Promise<BrokerAccessToken>;
  /** The connection's API at the request's path and query. */
  fetchApi(connection: string, request: Request): Promise<Response>;
  /** `https://tsunagi/{connection}/{path}`: the same as `fetchApi`. */
  fetch(request: Request): Promise<Response>;
}
