// Stock rclone (Debian's 1.60, its fichier backend unchanged) through the gateway: the loopback TLS world of
// test/helpers/rclone-world.mjs routes api.1fichier.com to a gateway in front of the emulator, and rclone holds
// a gateway token of scope read+download+upload+manage as its "API key". The gateway hands out
// api.1fichier.com as the upload host (--public-url https://api.1fichier.com), so rclone's
// `https://<url>/upload.cgi` comes back to it. Downloads: passed through (the token URL is a 1fichier host of
// the world, served by the emulator), or relayed by the gateway with --proxy-transfers.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../src/gateway/audit.js";
import { type RunningGateway, startGateway } from "../../src/gateway/server.js";
import { TokenStore } from "../../src/gateway/token-store.js";
import { type TestEmulator, withEmulator } from "../helpers/emulator.js";
import { rcloneBattery } from "../helpers/rclone-battery.js";
import {
  type RcloneWorld,
  rcloneWorldAvailable,
  startRcloneWorld,
  WORLD_DOWNLOAD_URL,
} from "../helpers/rclone-world.mjs";
import { FAST } from "../integration/client/support.js";

const available = await rcloneWorldAvailable();

for (const proxyTransfers of [false, true]) {
  describe.skipIf(!available)(
    `stock rclone through the gateway${proxyTransfers ? " (--proxy-transfers)" : ""}`,
    () => {
      let emu: TestEmulator;
      let gw: RunningGateway;
      let world: RcloneWorld;
      let dir: string;
      let work: string;
      const tokens = { rclone: "", withAccount: "" };
      const records: AuditRecord[] = [];

      const run = (token: string, args: string[]) => world.rclone(args, token, { cwd: work });
      const rc = async (...args: string[]) => {
        const r = await run(tokens.rclone, args);
        if (r.code !== 0)
          throw new Error(`rclone ${args.join(" ")} exited ${r.code}: ${r.stderr.slice(-500)}`);
        return r.stdout;
      };

      beforeAll(async () => {
        // Passed through, a download token URL must be a 1fichier name the world routes to the emulator; relayed,
        // the gateway itself fetches it, so it stays the emulator's own.
        emu = await withEmulator(proxyTransfers ? {} : { publicDownloadUrl: WORLD_DOWNLOAD_URL });
        dir = await mkdtemp(join(tmpdir(), "fichier-gw-rclone-"));
        work = await mkdtemp(join(tmpdir(), "fichier-gw-rclone-work-"));
        gw = await startGateway({
          key: { current: () => emu.premium.apiKey, refresh: async () => false },
          dir,
          apiUrl: emu.apiUrl,
          port: 0,
          governor: FAST,
          publicUrl: "https://api.1fichier.com",
          proxyTransfers,
          onRequest: (r) => records.push(r),
        });
        const store = new TokenStore(dir);
        const spec = { folder: null, allowIps: [] as string[], expires: null };
        tokens.rclone = (
          await store.add({ name: "rclone", scopes: ["read", "download", "upload", "manage"], ...spec })
        ).token;
        tokens.withAccount = (
          await store.add({
            name: "rclone-about",
            scopes: ["read", "download", "upload", "manage", "account"],
            ...spec,
          })
        ).token;
        world = await startRcloneWorld({ apiOrigin: gw.url, webOrigin: new URL(emu.webUrl).origin });
      });
      afterAll(async () => {
        await world?.close();
        await gw?.close();
        await emu?.close();
        await rm(dir, { recursive: true, force: true });
        await rm(work, { recursive: true, force: true });
      });

      it("mkdir, copy up, lsjson, hashsum whirlpool, copy down, moveto, link, delete, rmdir", async () => {
        await rcloneBattery(rc, work);
        // Every byte of the upload, and with --proxy-transfers of the download, went through the gateway.
        const mine = records.filter((r) => r.token === "rclone");
        expect(mine.some((r) => r.endpoint === "upload.cgi" && r.status < 400)).toBe(true);
        expect(mine.some((r) => r.endpoint === "end.pl" && r.status === 200)).toBe(true);
        expect(mine.some((r) => r.endpoint === "dl")).toBe(proxyTransfers);
        expect(records.filter((r) => r.status >= 400 && r.token === "rclone")).toEqual([]);
      });

      it("about: refused without the account scope (the API's #631 shape), answered with it", async () => {
        // rclone retries every 403 (its fichier backend's habit, 5 s apart): once is enough here.
        const refused = await run(tokens.rclone, ["about", "fx:", "--low-level-retries", "1"]);
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toMatch(
          /HTTP error 403 .*Resource not allowed: this token lacks the \\+"account\\+" scope #631/,
        );
        expect(records.at(-1)).toMatchObject({ endpoint: "user/info.cgi", status: 403, code: 631 });
        const about = await run(tokens.withAccount, ["about", "fx:"]);
        expect(about.code, about.stderr).toBe(0);
        expect(about.stdout).toMatch(/Used:/);
      });

      it("the key and the tokens appear in no audit record", async () => {
        const text = await readFile(join(dir, "audit.log"), "utf8");
        expect(text.split("\n").filter(Boolean).length).toBeGreaterThan(10);
        for (const secret of [emu.premium.apiKey, tokens.rclone, tokens.withAccount]) {
          expect(text).not.toContain(secret);
        }
      });
    },
  );
}
