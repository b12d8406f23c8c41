// Shared set-up of the remote index's integration tests: an emulator on loopback, clients on a virtual clock,
// listing counts read at the emulator, and a fast honest seed of many files through the emulator's own store.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createClient, type FichierClient } from "../../../src/api/client.js";
import type { Clock, GovernorOptions } from "../../../src/api/governor.js";
import type { TestEmulator } from "../../helpers/emulator.js";
import { FAST, virtualClock } from "../client/support.js";

export { uploadOne } from "../client/support.js";

/**
 * A client of the emulator's premium account on a virtual clock the test moves (`clock.slept` records the
 * governor's waits), paced by nothing unless `governor` says so.
 */
export function clientOn(
  emu: TestEmulator,
  governor: Partial<GovernorOptions> = {},
): { client: FichierClient; clock: Clock & { t: number; slept: number[] } } {
  const clock = virtualClock();
  const client = createClient({
    apiKey: emu.premium.apiKey,
    apiUrl: emu.apiUrl,
    governor: { ...FAST, clock, ...governor },
  });
  return { client, clock };
}

/** Calls the emulator answered so far, by endpoint part (`folder/ls`, `file/ls`, `mkdir`, ...). */
export function callsTo(emu: TestEmulator, part: string): number {
  return Object.entries(emu.admin.stats().byEndpoint)
    .filter(([k]) => k.includes(part))
    .reduce((n, [, v]) => n + v, 0);
}

/** Listings (`folder/ls.cgi` and `file/ls.cgi`) the emulator answered so far. */
export function listings(emu: TestEmulator): number {
  return callsTo(emu, "folder/ls") + callsTo(emu, "file/ls");
}

/**
 * Puts `count` files into an account's folder through the emulator's own SQLite store (the test helper access
 * docs/emulator.md allows): 12 000 uploads over HTTP would test the upload path, not the listing one. The files
 * are listed by the emulator exactly as uploaded ones (same table, same fields); their bytes are never read.
 * `perSecond` files share each upload second, starting at `start` (ms).
 */
export function seedFiles(
  emu: TestEmulator,
  opts: { owner: string; folder: number; count: number; perSecond: number; start: number; prefix: string },
): void {
  const db = new Database(join(emu.dataDir, "fichier-emulator.sqlite"));
  db.pragma("busy_timeout = 5000");
  const insert = db.prepare(
    `INSERT INTO files(id, owner, folder, name, size, checksum, mime, created, domain, description, pass, no_ssl,
     inline, cdn, acl, remove_code, blob, deleted, scanned) VALUES (?, ?, ?, ?, ?, ?, 'application/octet-stream',
     ?, 0, '', NULL, 0, 0, 0, NULL, NULL, 'seeded', NULL, NULL)`,
  );
  db.transaction(() => {
    for (let i = 0; i < opts.count; i++) {
      const id = randomBytes(10).toString("hex");
      const created = opts.start + Math.floor(i / opts.perSecond) * 1000;
      insert.run(
        id,
        opts.owner,
        opts.folder,
        `${opts.prefix}${String(i).padStart(6, "0")}.bin`,
        i,
        "0".repeat(128),
        created,
      );
    }
  })();
  db.close();
}
