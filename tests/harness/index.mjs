// The one test harness (tests/README.md): what every Node test starts its real parts with — the
// provider sandbox binary (sandbox.mjs), the Worker in workerd through Miniflare (worker.mjs),
// panva's oidc-provider on loopback (oidc.mjs), headless Debian Chromium (chromium.mjs) and free
// loopback ports (net.mjs).
export * from './sandbox.mjs';
export * from './worker.mjs';
export * from './oidc.mjs';
export * from './chromium.mjs';
export * from './net.mjs';
