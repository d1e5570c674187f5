// Drives the LawVu sandbox page's inline script with a minimal fake DOM, the
// way a browser would: node page_harness.js <web_base> <hash> <user_id> <action>
// action: approve | deny | login-only | error. Prints one JSON line with the outcome.
'use strict';
const [base, hash, userId, action] = process.argv.slice(2);

function element(id) {
  const el = {
    id, hidden: true, textContent: '', value: '', className: '', type: '', children: [],
    listeners: {},
    addEventListener(t, f) { (this.listeners[t] = this.listeners[t] || []).push(f); },
    appendChild(c) { this.children.push(c); if (c.id) byId[c.id] = c; if (c.tagName === 'option' && !this.value) this.value = c.value; return c; },
    focus() {},
    fire(t) { (this.listeners[t] || []).forEach((f) => f({ preventDefault() {} })); },
  };
  return el;
}
const byId = {};
let out = null;
function finish(result) {
  if (out) return;
  out = result;
  console.log(JSON.stringify(result));
  process.exit(0);
}

(async () => {
  const html = await (await fetch(base + '/')).text();
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)[1];
  for (const m of html.matchAll(/id="([^"]+)"/g)) byId[m[1]] = element(m[1]);
  const clientNames = [element(''), element('')];
  global.document = {
    getElementById: (id) => byId[id] || null,
    createElement: (tag) => Object.assign(element(''), { tagName: tag }),
    querySelectorAll: (sel) => (sel === '.client-name' ? clientNames : []),
  };
  global.window = {
    location: { hash, assign: (url) => finish({ redirect: url, client: clientNames[0].textContent }) },
    addEventListener() {},
  };
  const realFetch = fetch;
  global.fetch = (path, init) => realFetch(base + path, init);
  new Function(script)();
  const tick = () => new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 40 && byId['login-section'].hidden && byId['error'].hidden; i++) await tick();
  if (!byId['error'].hidden) return finish({ error: byId['error'].textContent });
  if (action === 'select') {
    byId['login-user'].value = userId;
    byId['login-form'].fire('submit');
  } else {
    byId['login-user-' + userId].fire('click');
  }
  for (let i = 0; i < 40 && byId['consent-section'].hidden && !out; i++) await tick();
  if (out) return;
  if (action === 'login-only') return finish({ consent: byId['consent-user'].textContent });
  byId[action === 'deny' ? 'deny' : 'approve'].fire('click');
  for (let i = 0; i < 40 && !out; i++) await tick();
  finish({ timeout: true });
})().catch((e) => finish({ exception: String(e) }));
