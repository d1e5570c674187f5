// The one test harness every Node test imports (tests/README.md): the provider sandbox binary
// (sandbox.mjs), the built Worker in workerd (worker.mjs), panva's oidc-provider (oidc.mjs),
// headless Chromium (chromium.mjs), the packed package (package.mjs) and free loopback ports (net.mjs). Each starts real parts,
// always stopped; Miniflare, oidc-provider and playwright-core load only when a test starts them.
export * from './chromium.mjs';
export * from './net.mjs';
export * from './oidc.mjs';
export * from './package.mjs';
export * from './sandbox.mjs';
export * from './worker.mjs';
