// Headless Chromium (Debian's, driven by playwright-core) for the browser tests, launched one way for all of them:
// a fresh profile, no network but loopback, one page.
import fs from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.EDGECLASS_CHROMIUM ?? '/usr/bin/chromium';
/** .ci/run installs Debian's chromium; elsewhere the browser tests say they are skipped rather than failing. */
export const CHROMIUM_AVAILABLE = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);

export async function launchChromium(profileDir: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}
