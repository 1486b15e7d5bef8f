import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, installed by `npm test`'s pretest step when missing (no browser download). */
const CHROMIUM = '/usr/bin/chromium';

// headless as root, and nothing that reaches for the network: this machine has none
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** A real headless Chromium; rejects (the test fails, never skips) when none starts. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
