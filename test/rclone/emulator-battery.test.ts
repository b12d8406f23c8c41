// Stock rclone (Debian's 1.60, its fichier backend unchanged) against the emulator, through the loopback TLS world
// of test/helpers/rclone-world.mjs: a client nobody here wrote, checking the emulator's faithfulness end to end.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.js";
import { rcloneBattery } from "../helpers/rclone-battery.js";
import {
  type RcloneWorld,
  rcloneWorldAvailable,
  startRcloneWorld,
  WORLD_DOWNLOAD_URL,
  WORLD_UPLOAD_HOST,
} from "../helpers/rclone-world.mjs";
import { titled } from "../helpers/system-deps.js";

const available = await rcloneWorldAvailable();

describe.skipIf(!available)(
  titled("stock rclone against the emulator (fichier backend)", "rclone", "openssl"),
  () => {
    const emu = useEmulator({ publicUploadHost: WORLD_UPLOAD_HOST, publicDownloadUrl: WORLD_DOWNLOAD_URL });
    let world: RcloneWorld;
    let dir: string;
    const rc = async (...args: string[]) => {
      const r = await world.rclone(args, emu.premium.apiKey, { cwd: dir });
      if (r.code !== 0) throw new Error(`rclone ${args.join(" ")} exited ${r.code}: ${r.stderr.slice(-500)}`);
      return r.stdout;
    };

    beforeAll(async () => {
      world = await startRcloneWorld({ apiOrigin: new URL(emu.apiUrl).origin });
      dir = await mkdtemp(join(tmpdir(), "fichier-rclone-battery-"));
    });
    afterAll(async () => {
      await world?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("mkdir, copy up, lsjson, hashsum whirlpool, copy down, moveto, link, delete, rmdir, about", async () => {
      await rcloneBattery(rc, dir);
      expect(await rc("about", "fx:")).toMatch(/Used:/);
    });
  },
);
