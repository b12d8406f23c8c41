// Chaos: uploads and downloads of random sizes against an emulator that injects HTTP 500s, connection resets
// mid-body, flood locks, end.pl HTML answers and download-token expiry, seeded so a run replays
// (FICHIER_CHAOS_SEED). Every transfer must complete with its Whirlpool verified, the server must hold no
// duplicate, and no final path may hold a corrupt or partial file. The fault counts are printed at the end.
//
// Counts: FICHIER_CHAOS_COUNT (uploads, and as many downloads); default 20, or 50 under `npm run soak`.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FichierClient } from "../../src/api/client.js";
import type { ClientEvent } from "../../src/api/types.js";
import { type DownloadResult, downloadFile } from "../../src/transfer/download.js";
import { type UploadResult, uploadFile } from "../../src/transfer/upload.js";
import { openUploadJournal } from "../../src/transfer/upload-journal.js";
import { whirlpoolFile } from "../../src/transfer/whirlpool.js";
import { useEmulator } from "../helpers/emulator.js";
import { envInt, listTree, pool, prng, randomFile, SOAK, sha256File, table } from "./support.js";

const COUNT = envInt("FICHIER_CHAOS_COUNT", SOAK ? 50 : 20);
const SEED = envInt("FICHIER_CHAOS_SEED", 20261127);
// CI: up to 3 MiB a file (a few segments each); soak: up to 24 MiB.
const MAX_SIZE = SOAK ? 24 * 1024 * 1024 : 3 * 1024 * 1024;
// The rates: 5% HTTP 500, 2% resets mid-body, 1% flood locks, 5% end.pl HTML, 5% token expiry.
const FAULTS = `500=0.05,reset=0.02,flood=0.01,endhtml=0.05,expire=0.05,seed=${SEED}`;

// lockSeconds 1: a flood answer still says "come back later", but the run does not sit 30 s per lock.
const em = useEmulator({ lockSeconds: 1, faults: FAULTS });
let client: FichierClient;
let key: string;
let tmp: string;
const events: ClientEvent[] = [];
const warnings: string[] = [];

beforeAll(async () => {
  key = em.premium.apiKey;
  tmp = await mkdtemp(join(tmpdir(), "fichier-chaos-"));
  client = createClient({
    apiKey: key,
    apiUrl: em.apiUrl,
    // The real retry policy, only faster pacing (limits are off) and enough retries for the injected rates.
    governor: {
      rate: 100,
      burst: 100,
      retry: { attempts: 9, baseMs: 50, maxMs: 1_000 },
      floodRetries: 8,
      floodLockMs: 1_000,
      shared: false,
    },
    onEvent: (e) => events.push(e),
  });
});

afterAll(async () => {
  await client?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe(`chaos: ${COUNT} uploads and ${COUNT} downloads under "${FAULTS}"`, () => {
  it("completes every transfer verified, with no duplicate and nothing corrupt or partial", async () => {
    const random = prng(SEED);
    const src = join(tmp, "src");
    const out = join(tmp, "out");
    await mkdir(src);
    await mkdir(out);
    const files = Array.from({ length: COUNT }, (_, i) => {
      // Mostly small files, some spanning several download segments, a few of one byte.
      const r = random();
      const size = r < 0.1 ? 1 : Math.max(1, Math.floor(random() ** 2 * MAX_SIZE));
      return { name: `chaos-${String(i).padStart(3, "0")}.bin`, size };
    });
    for (const f of files) await randomFile(join(src, f.name), f.size);
    const sums = new Map<string, string>();
    for (const f of files) sums.set(f.name, await sha256File(join(src, f.name)));

    const folderId = await client.paths.resolveFolder("/chaos", { create: true });
    const journal = openUploadJournal(key, { dir: join(tmp, "state") });

    const uploaded = await pool(files, 3, async (f): Promise<UploadResult> => {
      return uploadFile(client, {
        path: join(src, f.name),
        folderId,
        journal,
        endPollMs: 100,
        // A lost answer (a reset once the body was in the socket) is settled by the listing after 5 s.
        lostAnswerTimeoutMs: 5_000,
        onWarning: (m) => warnings.push(m),
      });
    });
    for (const [i, u] of uploaded.entries()) {
      const f = files[i]!;
      expect(u.filename).toBe(f.name);
      expect(u.size).toBe(f.size);
      expect(u.whirlpool).toBe(await whirlpoolFile(join(src, f.name)));
    }

    // Token expiry in the middle of downloads: besides the "expire" fault (a token refused when a request
    // starts), every token is expired at intervals while segments are in flight.
    let expirySweeps = 0;
    const sweeper = setInterval(() => {
      em.admin.expireTokens();
      expirySweeps++;
    }, 100);
    const downloaded = await pool(uploaded, 2, async (u): Promise<DownloadResult> => {
      return downloadFile(client, {
        url: u.url,
        dir: out,
        connections: 3,
        minSegmentBytes: 256 * 1024,
        stallMs: 5_000,
        onWarning: (m) => warnings.push(m),
      });
    });

    clearInterval(sweeper);
    // Counted before the checks below, which run without faults.
    const stats = em.admin.stats();
    em.admin.setFaults("");

    for (const d of downloaded) {
      expect(d.verified, `${d.filename} was not verified`).toBe(true);
      expect(await sha256File(d.path), `${d.filename} differs from its source`).toBe(sums.get(d.filename));
    }
    // Nothing but the final files at the destination: no NAME.part, no journal left behind.
    expect(await listTree(out)).toEqual(files.map((f) => f.name).sort());

    // Zero duplicates on the server: one file per name, exactly the uploaded set.
    const remote = await client.files.list({ folderId });
    const names = remote.map((r) => r.filename).sort();
    expect(names).toEqual(files.map((f) => f.name).sort());

    const faults = stats.faults;
    const retries = events.filter((e) => e.type === "retry").length;
    const floods = events.filter((e) => e.type === "flood").length;
    const report = table(`chaos seed ${SEED}: ${COUNT} uploads + ${COUNT} downloads, all survived`, [
      ["HTTP 500 (API)", faults["500"] ?? 0],
      ["connection resets mid-body", faults.reset ?? 0],
      ["flood locks", faults.flood ?? 0],
      ["end.pl HTML answers", faults.endhtml ?? 0],
      ["download tokens expired (fault)", faults.expire ?? 0],
      ["expiry sweeps during downloads", expirySweeps],
      ["client retries", retries],
      ["client flood pauses", floods],
      ["requests served", stats.requests],
      ["warnings", warnings.length],
    ]);
    console.log(report);
    // A run that met no fault proves nothing: the rates and counts must make every kind appear in a soak, and
    // at least resets, 500s and expiries in the small CI run.
    const met = ["500", "reset", "endhtml", "expire"].filter((k) => (faults[k] ?? 0) > 0);
    expect(met.length, `faults met: ${JSON.stringify(faults)}`).toBeGreaterThanOrEqual(SOAK ? 4 : 2);
  });
});
