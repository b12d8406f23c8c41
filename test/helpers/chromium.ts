// The one headless Chromium of the test suites (Debian's /usr/bin/chromium driven by playwright-core, which
// brings no browser of its own): the console-rotation and folder-page tests launch it here.
import { type Browser, chromium } from "playwright-core";
import { has } from "./system-deps.js";

/** Debian's Chromium (`.ci/system-deps` installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is on this machine; suites skip with `titled(..., "chromium")` when it is not. */
export const chromiumPresent = has("chromium");

/**
 * Launches headless Chromium with nothing that reaches out (no sync, updates, QUIC or background requests):
 * the pages under test are on loopback and a request elsewhere is a finding. Close it in `afterAll`.
 * @example
 * let browser: Browser;
 * beforeAll(async () => { browser = await launchChromium(); });
 * afterAll(() => browser?.close());
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
