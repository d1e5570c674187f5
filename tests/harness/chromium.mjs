// Headless Debian Chromium for the browser tests, launched one way for every test
// (../shared/design/toolchain.md): /usr/bin/chromium through playwright-core, a fresh profile, kept off the network.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's Chromium (`CHROMIUM_BIN` overrides). */
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/** The flags every launch passes (`headless: true` is Playwright's --headless). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Headless Debian Chromium with a fresh profile, kept off the network, as a Playwright
 * BrowserContext (`launchPersistentContext` is how Playwright takes a fresh --user-data-dir; it adds
 * --headless). `options` go to Playwright (a viewport, say). `close()` also removes the profile.
 */
export async function launchChromium(options = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'tsunagi-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
  const close = ctx.close.bind(ctx);
  ctx.close = async (...args) => {
    await close(...args);
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  };
  return ctx;
}
