// node --test: browser.test.mjs's LawVu flow (login, refresh, the multi-tab race, 401/429, logout)
// again in headless Chromium, through the `tsunagi/lawvu` entry and its LawVu-only wasm module.
process.env.TSUNAGI_TEST_ENTRY = 'lawvu';
await import('./browser.test.mjs');
