#!/usr/bin/env bash
# Builds the npm package `tsunagi` into pkg/ and prints its wasm modules' sizes (raw and gzip -9).
#
#   cargo build --release --target wasm32-unknown-unknown --features js (the server's module with
#     --profile server: built for speed, see build() below)
#   → wasm-bindgen --target web (the exact version pinned in Cargo.toml / Cargo.lock), which also
#     writes the wasm layer's declarations (tsunagi_wasm.d.ts, shipped beside the glue)
#   → wasm-opt -Oz (the server's: -O3) from the npm package binaryen@132 (never Debian's binaryen: its modules crash)
#   → the hand-written ESM wrapper (index.js for browsers and bundlers, node.js and workerd.js
#     selected by export conditions, api.js the export list they share), the React adapter (react.js,
#     the "./react" export: plain JS, no second wasm), types, package.json and README.md from js/;
#     CHANGELOG.md and the licence texts from the root;
#   → the built Cloudflare Worker as `tsunagi/worker` (scripts/build-worker.sh → build/worker/, then
#     worker/shim.mjs and wasm-bindgen's glue bundled by esbuild into pkg/worker/index.js, the .wasm
#     and `cloudflare:workers` left as imports for the user's wrangler to resolve).
#
# Honours CARGO_TARGET_DIR. TSUNAGI_PKG_FEATURES (default `js`) and TSUNAGI_PKG_OUT (default `pkg`)
# build a variant elsewhere. Run scripts/setup.sh first (it installs wasm-bindgen-cli and npm deps).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'build-pkg: %s\n' "$*" >&2; }

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
WASM_OPT="node_modules/.bin/wasm-opt"
OUT="${TSUNAGI_PKG_OUT:-pkg}"
FEATURES="${TSUNAGI_PKG_FEATURES:-js}"
NAME="tsunagi_wasm"

want=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ -z "$want" ] || [ "$want" != "$have" ]; then
  log "wasm-bindgen-cli ${have:-missing} does not match the pinned wasm-bindgen ${want:-?}: run scripts/setup.sh"
  exit 1
fi
if [ ! -x "$WASM_OPT" ]; then
  log "$WASM_OPT missing: run scripts/setup.sh (npm install)"
  exit 1
fi

# One crate, three feature sets (README, "What an app loads"): the browser's `tsunagi` (LawVu, any
# OAuth 2.0 / OpenID Connect server), `tsunagi/lawvu` (LawVu alone) and the server's (every profile,
# Logiless and LegalOn included: Node and workerd may hold secrets).
BROWSER="${TSUNAGI_PKG_BROWSER:-lowlevel,lawvu,generic,oidc}"
LAWVU="lawvu"
SERVER="lowlevel,all-providers"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# build <features> <dir> [server]: the wasm module and its glue, optimised, into $stage/<dir>/. The
# browser modules are built for size (profile release: opt-level "z", wasm-opt -Oz); the server's
# for speed (profile server: opt-level 3, wasm-opt -O3), as it has no byte budget (Cargo.toml).
build() {
  local profile=release level=-Oz
  if [ "${3:-}" = server ]; then profile=server level=-O3; fi
  cargo build --quiet --profile "$profile" --lib --target wasm32-unknown-unknown --no-default-features --features "$FEATURES,$1"
  local out="$TARGET_DIR/wasm32-unknown-unknown/$profile/tsunagi.wasm"
  # kept with its names for tests/package/lean.test.mjs (wasm-opt drops them)
  cp "$out" "$TARGET_DIR/wasm32-unknown-unknown/release/tsunagi-$2.wasm"
  wasm-bindgen --target web --out-dir "$stage/$2" --out-name "$NAME" "$out"
  "$WASM_OPT" "$level" --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$stage/$2/${NAME}_bg.wasm" -o "$stage/$2/${NAME}_bg.opt.wasm"
}
build "$BROWSER" browser
build "$SERVER" server server
build "$LAWVU" lawvu
rm -rf "$OUT"
mkdir -p "$OUT/lawvu" "$OUT/server"
cp "$stage/browser/${NAME}.js" "$OUT/${NAME}.js"
# The wasm layer's TypeScript, written by wasm-bindgen (tests/types checks js/core.js against it).
cp "$stage/browser/${NAME}.d.ts" "$OUT/${NAME}.d.ts"
cp "$stage/browser/${NAME}_bg.opt.wasm" "$OUT/${NAME}_bg.wasm"
cp js/index.js js/node.js js/workerd.js js/api.js js/core.js js/lowlevel.js js/oidc.js js/errors.js js/client.js js/broker.js js/broker.d.ts js/react.js js/react.d.ts js/index.d.ts js/package.json js/README.md "$OUT/"
# tsunagi/lawvu: its own module and glue, with the package's core.js and client.js beside them.
cp "$stage/lawvu/${NAME}.js" "$stage/lawvu/${NAME}.d.ts" "$OUT/lawvu/"
cp "$stage/lawvu/${NAME}_bg.opt.wasm" "$OUT/lawvu/${NAME}_bg.wasm"
cp js/lawvu/index.js js/lawvu/node.js js/lawvu/api.js js/lawvu/errors.js js/lawvu/index.d.ts js/core.js js/client.js "$OUT/lawvu/"
# node.js and workerd.js: the server's module (every profile) with its own glue (each build's glue
# names its closures' shims after that build) and the package's JS beside it.
cp "$stage/server/${NAME}.js" "$OUT/server/"
cp "$stage/server/${NAME}_bg.opt.wasm" "$OUT/server/${NAME}_bg.wasm"
cp js/api.js js/core.js js/lowlevel.js js/oidc.js js/client.js js/server/errors.js js/server/broker.js "$OUT/server/"
cp CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$OUT/"
# tsunagi/worker: the Worker a team deploys from its own wrangler project (README "Deploy your own").
# One module (the glue's snippets have hashed paths), importing ./index_bg.wasm, which wrangler's
# default CompiledWasm rule turns into a WebAssembly.Module, and cloudflare:workers.
scripts/build-worker.sh
mkdir -p "$OUT/worker"
node_modules/.bin/esbuild build/worker/shim.mjs --bundle --format=esm --platform=neutral \
  --external:cloudflare:workers '--external:*.wasm' --legal-comments=none --log-level=warning \
  --banner:js='// tsunagi/worker: the tsunagi Worker, built by scripts/build-pkg.sh (worker/shim.mjs + wasm-bindgen glue).' \
  --outfile="$OUT/worker/index.js"
grep -q '^import wasmModule from "./index_bg.wasm";$' "$OUT/worker/index.js" || { log "pkg/worker/index.js does not import ./index_bg.wasm"; exit 1; }
cp build/worker/index_bg.wasm "$OUT/worker/index_bg.wasm"
cp js/worker/index.d.ts "$OUT/worker/index.d.ts"
# The npm version is the root crate's (js/package.json says 0.0.0); make test-package checks that the
# workspace crates, pkg/package.json and CHANGELOG.md's top entry agree.
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
sed -i "s/\"version\": \"0.0.0\"/\"version\": \"${version}\"/" "$OUT/package.json"
if ! grep -q "\"version\": \"${version}\"" "$OUT/package.json"; then
  log "pkg/package.json did not take the version ${version}: js/package.json must say \"version\": \"0.0.0\""
  exit 1
fi

gz() { gzip -9 -c "$@" | wc -c; }
for m in "${NAME}_bg.wasm" "lawvu/${NAME}_bg.wasm" "server/${NAME}_bg.wasm" "worker/index_bg.wasm"; do
  printf 'build-pkg: pkg/%s: %s bytes (%s gz)\n' "$m" "$(wc -c <"$OUT/$m")" "$(gz "$OUT/$m")"
done
# What an app loads per entry (esbuild bundle, gzip -9) is measured by tests/package/entries.test.mjs.
