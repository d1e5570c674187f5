// A tiny static server for the browser tests: /pkg/* from the built package, /app.html from
// tests/js/www, /endpoints.json (the sandbox's endpoints document) and /entry.js, the package
// entry the pages import: `tsunagi` (pkg/index.js), or `tsunagi/lawvu` when TSUNAGI_TEST_ENTRY is
// "lawvu" (tests/js/browser_lawvu.test.mjs runs the LawVu flow's tests through it).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { resolve, extname, normalize, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const TYPES = { '.js': 'text/javascript', '.html': 'text/html; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.ts': 'text/plain' };

export async function startStaticServer(endpoints) {
  const mounts = [
    ['/pkg/', resolve(root, 'pkg')],
    ['/', resolve(root, 'tests', 'js', 'www')],
  ];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/entry.js') {
      const entry = process.env.TSUNAGI_TEST_ENTRY === 'lawvu' ? '/pkg/lawvu/index.js' : '/pkg/index.js';
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      return res.end(`export * from '${entry}';\n`);
    }
    if (path === '/endpoints.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(JSON.stringify(endpoints));
    }
    for (const [prefix, dir] of mounts) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(resolve(dir, `.${sep}${path.slice(prefix.length)}`));
      if (!file.startsWith(dir + sep)) break;
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
        return res.end(body);
      } catch {
        break;
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}
