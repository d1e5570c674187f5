// The control side of the oidc-provider launchers for tests written in Rust (serve.mjs,
// serve-dpop.mjs): serves on a loopback port
//   POST /authorize { url, issuer? } → { callback }: the scripted login for an authorization URL,
//                                       followed like a browser (cookies kept) on `issuer`
//                                       (default: the first server)
// prints one JSON line — `info(controlUrl)` — once it listens, and stops every server when stdin
// closes (the test process ended) or on SIGTERM.
import { createServer } from 'node:http';

/** Serves `servers` (startOidcProvider handles) as above and prints `info(control)`. */
export async function serveForRust(servers, info) {
  const byIssuer = new Map(servers.map((s) => [s.issuer, s]));
  const control = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    try {
      const { url, issuer } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const server = byIssuer.get(issuer ?? servers[0].issuer);
      if (req.method !== 'POST' || req.url !== '/authorize' || !server) throw new Error('POST /authorize { url, issuer? }');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ callback: await server.authorize(url) }));
    } catch (e) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(String(e.message));
    }
  });
  await new Promise((ok) => control.listen(0, '127.0.0.1', ok));
  const stop = async () => {
    control.close();
    await Promise.all(servers.map((s) => s.close()));
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.stdout.write(`${JSON.stringify(info(`http://127.0.0.1:${control.address().port}`))}\n`);
}
