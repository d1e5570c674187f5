#!/usr/bin/env bash
# Builds the npm package `tsunagi` into pkg/ and prints its gzip -9 size (wasm + JS).
#
#   cargo build --release --target wasm32-unknown-unknown --features js
#   → wasm-bindgen --target web (the exact version pinned in Cargo.toml / Cargo.lock), which also
#     writes the wasm layer's declarations (tsunagi_wasm.d.ts, shipped beside the glue)
#   → wasm-opt -Oz from the npm package binaryen@132 (never Debian's binaryen: its modules crash)
#   → the hand-written ESM wrapper (index.js for browsers and bundlers, node.js and workerd.js
#     selected by export conditions, api.js the export list they share), the React adapter (react.js,
#     the "./react" export: plain JS, no second wasm), types, package.json and README.md from js/;
#     CHANGELOG.md and the licence texts from the root.
#
# Honours CARGO_TARGET_DIR. TSUNAGI_PKG_FEATURES (default `js`) and TSUNAGI_PKG_OUT (default `pkg`)
# build a variant elsewhere: `make bench` weighs the `gloo-net` feature this way (BENCHMARKS.md). Run scripts/setup.sh first (it installs wasm-bindgen-cli and npm deps).
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

cargo build --quiet --release --lib --target wasm32-unknown-unknown --features "$FEATURES"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
wasm-bindgen --target web --out-dir "$stage" --out-name "$NAME" \
  "$TARGET_DIR/wasm32-unknown-unknown/release/tsunagi.wasm"
"$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$stage/${NAME}_bg.wasm" -o "$stage/${NAME}_bg.opt.wasm"

rm -rf "$OUT"
mkdir -p "$OUT"
cp "$stage/${NAME}.js" "$OUT/${NAME}.js"
# The wasm layer's TypeScript, written by wasm-bindgen (tests/types checks js/core.js against it).
cp "$stage/${NAME}.d.ts" "$OUT/${NAME}.d.ts"
cp "$stage/${NAME}_bg.opt.wasm" "$OUT/${NAME}_bg.wasm"
cp js/index.js js/node.js js/workerd.js js/api.js js/core.js js/errors.js js/client.js js/broker.js js/broker.d.ts js/react.js js/react.d.ts js/index.d.ts js/package.json js/README.md "$OUT/"
cp CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$OUT/"
# The npm version is the root crate's (js/package.json says 0.0.0); make test-package checks that the
# workspace crates, pkg/package.json and CHANGELOG.md's top entry agree.
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
sed -i "s/\"version\": \"0.0.0\"/\"version\": \"${version}\"/" "$OUT/package.json"
if ! grep -q "\"version\": \"${version}\"" "$OUT/package.json"; then
  log "pkg/package.json did not take the version ${version}: js/package.json must say \"version\": \"0.0.0\""
  exit 1
fi

gz() { gzip -9 -c "$@" | wc -c; }
wasm_gz=$(gz "$OUT/${NAME}_bg.wasm")
js_gz=0
for f in "$OUT"/*.js; do js_gz=$((js_gz + $(gz "$f"))); done
# What a browser app downloads: the wasm, the glue and the wrapper (not node.js or workerd.js).
app_gz=$(( wasm_gz + $(gz "$OUT/${NAME}.js") + $(gz "$OUT/index.js") + $(gz "$OUT/api.js") + $(gz "$OUT/core.js") + $(gz "$OUT/errors.js") + $(gz "$OUT/client.js") + $(gz "$OUT/broker.js") ))
printf 'build-pkg: pkg/ built: wasm %s bytes (%s gz), JS %s bytes (%s gz, all files gzipped one by one)\n' \
  "$(wc -c <"$OUT/${NAME}_bg.wasm")" "$wasm_gz" "$(cat "$OUT"/*.js | wc -c)" "$js_gz"
printf 'build-pkg: gzip -9 size of what a browser loads (wasm + glue + wrapper): %s bytes (%.1f KB)\n' \
  "$app_gz" "$(echo "$app_gz / 1024" | bc -l)"
