import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core, for the tests that complete a real sign-in page.
 * Without /usr/bin/chromium the tests skip with a loud reason, unless ALEXA_LINK_REQUIRE_BROWSER=1
 * (CI sets it), which makes a missing browser a failure.
 */
export const CHROMIUM_PATH = process.env.ALEXA_LINK_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  return `Chromium not found at ${CHROMIUM_PATH} (install it with: apt-get install -y chromium)`;
}

export const browserRequired = (): boolean => process.env.ALEXA_LINK_REQUIRE_BROWSER === '1';

/**
 * Whether to skip the browser tests: false when Chromium is there, and false when it is missing
 * but required (the tests then fail in launchBrowser with the reason); otherwise true, with a loud
 * warning.
 */
export function skipWithoutBrowser(): boolean {
  const reason = browserUnavailable();
  if (!reason || browserRequired()) return false;
  console.warn(`\n*** SKIPPING BROWSER TESTS: ${reason}. Set ALEXA_LINK_REQUIRE_BROWSER=1 to fail instead. ***\n`);
  return true;
}

export async function launchBrowser(): Promise<Browser> {
  const reason = browserUnavailable();
  if (reason) throw new Error(`${reason}${browserRequired() ? '; ALEXA_LINK_REQUIRE_BROWSER=1 makes a missing browser a failure' : ''}.`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}
