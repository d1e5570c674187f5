#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets) for SECONDS each, seeded from fuzz/corpus
# (vendor-document examples). cargo fuzz needs nightly-only flags: RUSTC_BOOTSTRAP=1 lets the
# stable toolchain accept them. Prints total executions per target; exits non-zero on a crash
# (the reproducer is left in fuzz/artifacts/).
#   usage: scripts/fuzz.sh SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
export RUSTC_BOOTSTRAP=1
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^tsunagi-fuzz$')
cargo fuzz build --fuzz-dir fuzz >/dev/null 2>&1 || cargo fuzz build --fuzz-dir fuzz
total=0
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  work=$(mktemp -d)
  cp -r "fuzz/corpus/$t/." "$work/" 2>/dev/null || true
  out=$(cargo fuzz run --fuzz-dir fuzz "$t" "$work" -- -max_total_time="$secs" -print_final_stats=1 2>&1) || {
    printf '%s\n' "$out" | tail -40
    echo "fuzz: $t crashed (see fuzz/artifacts/$t)" >&2
    exit 1
  }
  runs=$(printf '%s\n' "$out" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -n1)
  rm -rf "$work"
  printf 'fuzz: %-16s %12s executions in %ss, no crash\n' "$t" "${runs:-?}" "$secs"
  total=$((total + ${runs:-0}))
done
echo "fuzz: ${total} executions in total"
