// Where a wasm module's code bytes go, by crate: function body sizes from the code section,
// attributed through the `name` section's (mangled) Rust symbols. Runs on cargo's output before
// wasm-opt (which drops the names); wasm-opt shrinks every crate roughly alike.
//   node bench/wasm-crates.mjs <module.wasm>  → JSON [{crate, bytes, functions}], largest first
import { readFileSync } from 'node:fs';

/** The module's function bodies' sizes, its imported-function count and the `name` section's names. */
function readModule(path) {
  const b = readFileSync(path);
  let i = 8;
  const leb = () => {
    let r = 0,
      s = 0,
      c;
    do {
      c = b[i++];
      r += (c & 0x7f) * 2 ** s;
      s += 7;
    } while (c & 0x80);
    return r;
  };
  const str = () => {
    const n = leb();
    const t = b.toString('utf8', i, i + n);
    i += n;
    return t;
  };
  let imported = 0;
  const bodies = [];
  const names = new Map();
  while (i < b.length) {
    const id = b[i++];
    const len = leb();
    const end = i + len;
    if (id === 2) {
      const n = leb();
      for (let k = 0; k < n; k++) {
        str();
        str();
        const kind = b[i++];
        if (kind === 0) {
          leb();
          imported++;
        } else if (kind === 1) {
          i++;
          const f = b[i++];
          leb();
          if (f & 1) leb();
        } else if (kind === 2) {
          const f = b[i++];
          leb();
          if (f & 1) leb();
        } else if (kind === 3) {
          i++;
          i++;
        } else {
          leb();
          leb();
        }
      }
    } else if (id === 10) {
      const n = leb();
      for (let k = 0; k < n; k++) {
        const sz = leb();
        bodies.push(sz);
        i += sz;
      }
    } else if (id === 0) {
      const name = str();
      if (name === 'name') {
        while (i < end) {
          const sub = b[i++];
          const sl = leb();
          const se = i + sl;
          if (sub === 1) {
            const n = leb();
            for (let k = 0; k < n; k++) {
              const idx = leb();
              names.set(idx, str());
            }
          }
          i = se;
        }
      }
    }
    i = end;
  }
  return { imported, bodies, names };
}

/** Every function name in the module's `name` section (empty after wasm-opt, which drops them). */
export function functionNames(path) {
  return [...readModule(path).names.values()];
}

/** Every function body's size with its name, largest first (names survive `wasm-opt -g`). */
export function functionSizes(path) {
  const { imported, bodies, names } = readModule(path);
  return bodies.map((bytes, k) => ({ name: names.get(imported + k) || '(unnamed)', bytes })).sort((a, b) => b.bytes - a.bytes);
}

export function crateSizes(path) {
  const { imported, bodies, names } = readModule(path);
  const per = new Map();
  bodies.forEach((sz, k) => {
    const sym = names.get(imported + k) || '';
    const crate = crateOf(sym);
    const e = per.get(crate) || { crate, bytes: 0, functions: 0 };
    e.bytes += sz;
    e.functions++;
    per.set(crate, e);
  });
  return [...per.values()].sort((a, c) => c.bytes - a.bytes);
}

function crateOf(sym) {
  const c = crateOnly(sym);
  if (c === 'core' || c === 'alloc' || c === 'std') {
    // the standard library split by module (core::fmt, core::num = float parsing/formatting, …)
    const at = sym.indexOf(`${c.length}${c}`);
    const m = at >= 0 ? /^(\d+)/.exec(sym.slice(at + String(c.length).length + c.length)) : null;
    if (m) {
      const rest = sym.slice(at + String(c.length).length + c.length + m[1].length);
      const mod = rest.slice(0, Number(m[1]));
      if (/^[a-z_][a-z0-9_]*$/.test(mod)) return `${c}::${mod}`;
    }
  }
  return c;
}

function crateOnly(sym) {
  if (!sym) return '(unnamed)';
  const m = /^_ZN(\d+)(.*)$/.exec(sym);
  if (m) {
    const first = m[2].slice(0, Number(m[1]));
    // `<T as Trait>` impls are mangled as `_$LT$...`: take the implementing type's crate
    if (first.startsWith('_$LT$')) {
      const rest = first.slice(5).replace(/^(\$RF\$|\$BP\$|mut\$u20\$|const\$u20\$|dyn\$u20\$|\$u5b\$|\$LP\$)+/, '');
      const c = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
      return c ? c[1] : '(trait impls)';
    }
    return first;
  }
  if (sym.startsWith('_R')) {
    const v0 = /C(?:s[0-9A-Za-z]*_)?(\d+)([A-Za-z_]\w*)/.exec(sym);
    if (v0) return v0[2].slice(0, Number(v0[1]));
  }
  if (/^(__wbg|__wbindgen|wasm_bindgen)/.test(sym)) return 'wasm_bindgen';
  if (/^(memcpy|memset|memmove|memcmp|__rust|__rdl|__rg_|dlmalloc|rust_)/.test(sym)) return 'runtime (alloc, mem*)';
  return sym.split(/[:<]/)[0] || '(other)';
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(crateSizes(process.argv[2]), null, 1));
