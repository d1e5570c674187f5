#!/usr/bin/env bash
# Builds the Cloudflare Worker (wrangler.toml `main`) into build/worker/ without worker-build and
# without downloading anything: cargo (release, wasm32) → wasm-bindgen (the locked CLI version)
# → wasm-opt -Oz (npm binaryen, never Debian's) → a small ES-module entry (worker/shim.mjs).
#
#   scripts/build-worker.sh            # release build
#   TSUNAGI_WORKER_NO_OPT=1 scripts/…  # skip wasm-opt (faster local iterations)
#   TSUNAGI_WORKER_NAMES=1 scripts/…   # keep function names (wasm-opt -g), for bench/profile-worker.mjs
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'build-worker: %s\n' "$*" >&2; }
# Concurrent runs (two `make test`s) take turns, and each builds into a fresh directory that
# replaces build/worker in one rename, so a reader never sees a half-written build.
exec 9>"${TMPDIR:-/tmp}/tsunagi-build-worker.lock"
flock 9
FINAL=build/worker
OUT=build/worker.tmp.$$
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
WASM_OPT="${WASM_OPT_BIN:-node_modules/.bin/wasm-opt}"

want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p' | head -n1)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ -z "$want" ] || [ "$have" != "$want" ]; then
  log "wasm-bindgen CLI ${have:-missing} does not match Cargo.lock ${want:-?}: run scripts/setup.sh"
  exit 1
fi

log "cargo build --release --target wasm32-unknown-unknown -p tsunagi-worker"
cargo build --quiet --release --lib --target wasm32-unknown-unknown -p tsunagi-worker
rm -rf "$OUT" && mkdir -p "$OUT"
trap 'rm -rf "$OUT"' EXIT
wasm-bindgen --target module --out-dir "$OUT" --out-name index --no-typescript \
  "$TARGET_DIR/wasm32-unknown-unknown/release/tsunagi_worker.wasm"
# --target module loads the wasm with a source-phase import (`import source m from "….wasm"`);
# workerd's CompiledWasm modules give the same WebAssembly.Module through a default import.
sed -i 's|^import source wasmModule from "./index_bg.wasm";$|import wasmModule from "./index_bg.wasm";|' "$OUT/index.js"
grep -q '^import wasmModule from "./index_bg.wasm";$' "$OUT/index.js" || { log "unexpected wasm-bindgen output"; exit 1; }
if [ -z "${TSUNAGI_WORKER_NO_OPT:-}" ]; then
  if [ ! -x "$WASM_OPT" ]; then
    log "$WASM_OPT missing: run npm install (binaryen from npm; Debian's binaryen breaks the module)"
    exit 1
  fi
  "$WASM_OPT" -Oz ${TSUNAGI_WORKER_NAMES:+-g} --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue \
    -o "$OUT/index_bg.opt.wasm" "$OUT/index_bg.wasm"
  mv "$OUT/index_bg.opt.wasm" "$OUT/index_bg.wasm"
fi
cp worker/shim.mjs "$OUT/shim.mjs"
raw=$(wc -c < "$OUT/index_bg.wasm")
gz=$(gzip -9 -c "$OUT/index_bg.wasm" | wc -c)
rm -rf "$FINAL.old"
if [ -d "$FINAL" ]; then mv "$FINAL" "$FINAL.old"; fi
mv "$OUT" "$FINAL"
rm -rf "$FINAL.old"
log "wrote $FINAL (index_bg.wasm: $raw bytes, $gz gzip -9)"
