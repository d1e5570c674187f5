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
