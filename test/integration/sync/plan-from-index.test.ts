// The pure parts together against the emulator: the index's tree of a remote folder, a local tree hashed through
// the index's cache, the filter, and the plan. A second plan over unchanged trees within the listing window makes
// no listing and hashes nothing.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openIndex } from "../../../src/remote-index/open.js";
import { buildFilter, type Filter } from "../../../src/sync/filter.js";
import { hashLocal, type LocalHashCache } from "../../../src/sync/local-hash.js";
import type { SyncEntry } from "../../../src/sync/march.js";
import { hashesNeeded, planSync, type SyncSide } from "../../../src/sync/plan.js";
import { remoteSide } from "../../../src/sync/sides.js";
import { useEmulator } from "../../helpers/emulator.js";
import { clientOn, listings, uploadOne } from "../remote-index/support.js";

const emu = useEmulator();
let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "fichier-plan-"));
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
});

/** The local side: a plain walk, filtered (the run's walker is next wave's). */
function localSide(dir: string, filter: Filter): SyncSide {
  const entries: SyncEntry[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const path = relative(dir, full);
      if (statSync(full).isDirectory()) {
        if (!filter.includesDir(path)) continue;
        entries.push({ path, kind: "dir" });
        walk(full);
      } else if (filter.includesFile(path)) entries.push({ path, kind: "file", size: statSync(full).size });
    }
  };
  walk(dir);
  return { entries };
}

async function plan(
  index: LocalHashCache,
  local: SyncSide,
  remote: SyncSide,
): Promise<{ plan: ReturnType<typeof planSync>; hashed: number }> {
  let hashed = 0;
  const need = new Set(hashesNeeded(local, remote, { direction: "upload", delete: true }));
  for (const e of local.entries) {
    if (!need.has(e.path)) continue;
    const h = await hashLocal(index, join(root, e.path));
    if (!h.cached) hashed++;
    e.whirlpool = h.whirlpool;
  }
  return { plan: planSync(local, remote, { direction: "upload", delete: true }), hashed };
}

describe("a sync plan from the index", () => {
  it("plans uploads, a replacement and a deletion; the re-plan lists nothing and hashes nothing", async () => {
    mkdirSync(join(root, "docs"));
    mkdirSync(join(root, "cache"));
    writeFileSync(join(root, "docs/same.txt"), "same content");
    writeFileSync(join(root, "docs/changed.txt"), "new content!");
    writeFileSync(join(root, "docs/new.txt"), "brand new");
    writeFileSync(join(root, "cache/skip.tmp"), "excluded");
    const { client } = clientOn(emu);
    const index = await openIndex(client, { memory: true });
    const dest = await index.resolveFolder("/plan-dst/docs", { create: true });
    const top = await index.resolveFolder("/plan-dst");
    await uploadOne(client, "same.txt", "same content", dest.id);
    await uploadOne(client, "changed.txt", "old content!", dest.id);
    await uploadOne(client, "gone.txt", "not in source", dest.id);
    await index.list(dest.id, { refresh: true });

    const filter = buildFilter({ exclude: ["cache/"] });
    const remote = () =>
      index
        .tree(top.id, { includeDir: (p) => filter.includesDir(p) })
        .then((t) => remoteSide(t, (p) => filter.includesFile(p)));
    const first = await plan(index, localSide(root, filter), await remote());
    expect(first.hashed).toBe(2);
    expect(first.plan.transfers.map((t) => [t.path, t.replaces.length])).toEqual([
      ["docs/changed.txt", 1],
      ["docs/new.txt", 0],
    ]);
    expect(first.plan.skips.map((s) => s.path)).toEqual(["docs/same.txt"]);
    expect(first.plan.deletions.map((d) => d.path)).toEqual(["docs/gone.txt"]);
    expect(first.plan.mkdirs).toEqual([]);
    expect(first.plan.verdict).toMatchObject({ deletions: "allowed", count: 1 });
    expect(filter.unmatched()).toEqual([]);

    const n0 = listings(emu);
    const again = await plan(index, localSide(root, filter), await remote());
    expect(again.hashed).toBe(0);
    expect(listings(emu) - n0).toBe(0);
    expect(again.plan).toEqual(first.plan);
    await index.close();
    await client.close();
  });
});
