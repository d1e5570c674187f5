// Loopback ports for the servers a test starts itself (vite, wrangler dev).
import { createServer } from 'node:net';

/** A loopback port nothing listens on now. */
export async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}
