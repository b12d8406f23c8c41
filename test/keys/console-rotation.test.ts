// The full rotation flow as a user lives it: `fichier key set`, then in a real headless Chromium log in to the
// emulator's console, click "Get my API key", copy the key shown, give it to `fichier key rotate`, which
// confirms the old key is refused. Then "Disable API usage" revokes the new key, and `fichier key check` says so.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPresent, launchChromium } from "../helpers/chromium.js";
import { useEmulator } from "../helpers/emulator.js";
import { titled } from "../helpers/system-deps.js";

const TITLE = titled("key rotation through the emulator's console in Chromium", "chromium");
const MAIN = resolve("dist/cli/main.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe.skipIf(!chromiumPresent)(TITLE, () => {
  const emu = useEmulator();
  let browser: Browser;
  let root: string;
  const outputs: string[] = [];

  const run = (args: string[], input = ""): Promise<Run> =>
    new Promise((done, fail) => {
      const state = join(root, "state", randomBytes(6).toString("hex"));
      const child = spawn(process.execPath, [MAIN, ...args], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: root,
          FICHIER_CONFIG_DIR: join(root, "config"),
          FICHIER_CACHE_DIR: join(state, "cache"),
          FICHIER_STATE_DIR: state,
          FICHIER_API_URL: emu.apiUrl,
          FICHIER_KEYCHAIN: "off",
          FICHIER_PASSPHRASE: "console-test",
          NO_COLOR: "1",
        },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", fail);
      child.on("close", (code) => {
        outputs.push(stdout, stderr);
        done({ code, stdout, stderr });
      });
      child.stdin.end(input);
    });

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error("dist/cli/main.js is missing: run `npm run build` first");
    root = await mkdtemp(join(tmpdir(), "fichier-console-"));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("set, regenerate in the console, rotate, then revoke with Disable API usage", async () => {
    const account = emu.admin.createAccount({
      email: `console-${randomBytes(3).toString("hex")}@example.org`,
      offer: 1,
    });
    expect(account.password).toBeTruthy();
    const oldKey = account.apiKey;
    expect((await run(["key", "set"], oldKey)).code).toBe(0);

    // `key rotate` prints where to go; the page is the emulator's console.
    const page = await browser.newPage();
    await page.goto(`${emu.webUrl}/console/params.pl`);
    expect(new URL(page.url()).pathname).toBe("/login.pl");
    await page.fill("#mail", account.email);
    await page.fill("#pass", account.password ?? "");
    await Promise.all([page.waitForURL(/\/console\/params\.pl$/), page.click("#login")]);
    await Promise.all([page.waitForLoadState("load"), page.click("#get-api-key")]);
    const newKey = (await page.textContent("#api-key"))?.trim() ?? "";
    expect(newKey).toMatch(/^[A-Za-z0-9_=-]{32}$/);
    expect(newKey).not.toBe(oldKey);

    const rotated = await run(["--json", "key", "rotate"], `${newKey}\n`);
    expect(rotated.stderr).toContain(`Open ${emu.webUrl}/console/params.pl`);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({
      oldKeyRefused: true,
      account: { email: account.email },
    });

    const status = JSON.parse((await run(["--json", "key", "status"])).stdout);
    expect(status).toMatchObject({ source: "file", key: `****${newKey.slice(-4)}`, ageDays: 0 });
    expect((await run(["key", "check"])).code).toBe(0);

    // Revocation is done in the console, not locally: after "Disable API usage" the stored key is refused.
    await Promise.all([page.waitForLoadState("load"), page.click("#disable-api")]);
    expect(await page.textContent("#note")).toMatch(/revoked/);
    const check = await run(["key", "check"]);
    expect(check.code, check.stderr).toBe(4);
    expect(check.stderr).toMatch(/1fichier refused the API key.*console\/params\.pl/);

    for (const text of outputs) {
      expect(text).not.toContain(oldKey);
      expect(text).not.toContain(newKey);
    }
    await page.close();
  });
});
