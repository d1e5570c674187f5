# The two commands a new user runs are `make demo` and `make test` (see README.md).
# Both install what they need first (scripts/setup.sh), idempotently.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: demo test setup test-native lint wasm-check

## make demo: runs the main job on the embedded default and prints where to look.
demo: setup
	$(CARGO) run --quiet --example offline_tour

## make test: installs what is missing, then runs every test.
# Lint and the wasm32 check run first so the run closes on test results.
test: setup lint wasm-check test-native

setup:
	@scripts/setup.sh

test-native:
	$(CARGO) test --workspace --all-targets
	$(CARGO) test -p tsunagi --doc

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The core must compile for the browser/Worker target from day one.
wasm-check:
	$(CARGO) build -p tsunagi --lib --target wasm32-unknown-unknown
