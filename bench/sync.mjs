// The "sync" table of `npm run bench` (issue 13 §4): `fichier sync` of a tree to an emulator with the real limits
// (--limits real: 3 calls/s, one listing per folder per 30 s, flood locks), three runs: the first sync, a re-sync
// with nothing changed, a re-sync after files changed and removed (with --delete). For each: the API calls made
// (the emulator's stats), the upload-node requests, flood locks, the wall time, and the least time the limits
// allow for that many calls. Then the same three runs with the stock rclone 1.60 `sync` (loopback TLS world,
// test/helpers/rclone-world.mjs) on a smaller tree, with fichier on that same tree beside it, and rclone's calls
// and time extrapolated to the large tree.
//
// Sizes (env): BENCH_SYNC_FILES (2000), BENCH_SYNC_FOLDERS (50), BENCH_SYNC_LARGE (5 files of
// BENCH_SYNC_LARGE_MIB, 8), BENCH_SYNC_CHANGED (20), BENCH_SYNC_REMOVED (10); rclone's tree: BENCH_SYNC_RCLONE_FILES
// (12) in BENCH_SYNC_RCLONE_FOLDERS (3); BENCH_SYNC_RCLONE=0 skips rclone. Run alone:
// `npm run build && node bench/sync.mjs`.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { MAIN, MiB, ROOT, saveResults, table, tempFolder } from "./lib.mjs";

const env = (name, dflt) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < 0)
    throw new Error(`${name} must be a whole number (got "${process.env[name]}")`);
  return v;
};

/** The governor's sustained rate and burst (src/api/governor.ts defaults: DECISIONS "Limits" with a margin). */
const RATE = 1;
const BURST = 3;
/** The per-folder listing spacing (DECISIONS "Limits"): runs 2 and 3 start after it, as a nightly job would. */
const LISTING_WINDOW_MS = 30_000;

/**
 * The least wall time the limits allow for `calls` API calls: the governor's bucket (BURST at once, then RATE a
 * second; the emulator's 3/s is looser), plus the time the bytes take at the measured throughput.
 */
function minimumSeconds(calls, bytes, bytesPerSecond) {
  return Math.max(0, calls - BURST) / RATE + bytes / bytesPerSecond;
}

/** A tree of `files` files in `folders` folders: `large` of `largeMiB`, the rest 1-16 KiB, random bytes. */
async function makeTree(dir, { files, folders, large, largeMiB }) {
  const paths = [];
  for (let i = 0; i < files; i++) {
    const folder = join(dir, `d${String(i % folders).padStart(3, "0")}`);
    await mkdir(folder, { recursive: true });
    const path = join(folder, `f${String(i).padStart(5, "0")}.bin`);
    const size = i < large ? largeMiB * MiB : 1024 + ((i * 7919) % (15 * 1024));
    await writeFile(path, randomBytes(size));
    paths.push(path);
  }
  return paths;
}

/** Changes `changed` files (new bytes, same size for half of them) and removes `removed` others. */
async function changeTree(paths, { changed, removed, large }) {
  const small = paths.slice(large);
  for (let i = 0; i < changed; i++) {
    const p = small[i];
    const size = 1024 + (((large + i) * 7919) % (15 * 1024));
    await writeFile(p, randomBytes(i % 2 === 0 ? size : size + 100));
  }
  for (const p of small.slice(changed, changed + removed)) await rm(p);
}

function runCommand(cmd, args, childEnv) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 }));
  });
}

/** API calls (every `.cgi` of /v1), upload-node requests and flood locks since `before`. */
function callsSince(emu, before) {
  const now = emu.admin.stats();
  let api = 0;
  let node = 0;
  let listings = 0;
  for (const [k, v] of Object.entries(now.byEndpoint)) {
    const d = v - (before.byEndpoint[k] ?? 0);
    if (k === "upload.cgi" || k === "end.pl") node += d;
    else if (k.endsWith(".cgi")) api += d;
    if (k.endsWith("/ls.cgi")) listings += d;
  }
  return { api, node, listings, floodLocks: now.floodLocks - before.floodLocks };
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** One tool's three runs on one tree; `run(label)` runs the tool's sync once and returns its wall time. */
async function threeRuns(emu, tree, sizes, run) {
  const rows = [];
  const bytesOf = (r) => r.bytes ?? 0;
  const paths = await makeTree(tree, sizes);
  for (const [label, prepare] of [
    ["first sync", async () => {}],
    ["re-sync, nothing changed", async () => {}],
    [`re-sync, ${sizes.changed} changed, ${sizes.removed} removed`, () => changeTree(paths, sizes)],
  ]) {
    await prepare();
    const before = emu.admin.stats();
    const r = await run(label);
    const c = callsSince(emu, before);
    console.error(
      `sync bench: ${tree}: ${label}: ${c.api} API calls, ${c.floodLocks} flood locks, ${round1(r.seconds)} s`,
    );
    rows.push({ label, ...c, seconds: r.seconds, bytes: bytesOf(r), hashed: r.hashed, summary: r.summary });
    // The next run starts once every folder's listing window has passed, as a nightly job would.
    await pause(LISTING_WINDOW_MS + 1000);
  }
  return rows;
}

/** `fichier sync TREE/ fichier:/DEST --delete --json` against the emulator. */
function fichierRunner(emu, tree, dest, state) {
  const key = emu.accounts.find((a) => a.offer === 1).apiKey;
  const childEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: state,
    FICHIER_API_KEY: key,
    FICHIER_API_URL: emu.apiUrl,
    FICHIER_STATE_DIR: state,
    FICHIER_KEYCHAIN: "off",
  };
  return async () => {
    const r = await runCommand(MAIN, ["--json", "sync", `${tree}/`, `fichier:${dest}`, "--delete"], childEnv);
    if (r.code !== 0) throw new Error(`fichier sync exited ${r.code}: ${r.stderr.slice(-600)}`);
    const out = JSON.parse(r.stdout);
    return {
      seconds: r.seconds,
      bytes: out.bytes,
      hashed: out.hashed,
      summary: `${out.uploaded} up, ${out.replaced} repl, ${out.deleted} del, ${out.skipped} same`,
    };
  };
}

/**
 * Bytes per second of an upload through fichier, limits off: the time of a `mib` MiB upload minus that of a
 * 1 KiB one (start-up and the calls), so the transfer time's yardstick is the bytes' own time.
 */
async function measureThroughput(startEmulator, dir, mib) {
  const emu = await startEmulator({ limits: "off" });
  try {
    const key = emu.accounts.find((a) => a.offer === 1).apiKey;
    const upload = async (name, bytes) => {
      const file = join(dir, name);
      await writeFile(file, randomBytes(bytes));
      const r = await runCommand(MAIN, ["upload", file], {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        FICHIER_API_KEY: key,
        FICHIER_API_URL: emu.apiUrl,
        FICHIER_STATE_DIR: join(dir, `tp-state-${name}`),
      });
      if (r.code !== 0) throw new Error(`the throughput upload failed: ${r.stderr.slice(-300)}`);
      await rm(file);
      return r.seconds;
    };
    const small = await upload("tp-small.bin", 1024);
    const big = await upload("tp-big.bin", mib * MiB);
    return (mib * MiB) / Math.max(big - small, 0.001);
  } finally {
    await emu.close();
  }
}

function fichierRows(title, rows, bps) {
  return {
    title,
    columns: [
      "run",
      "API calls",
      "listings",
      "node requests",
      "flood locks",
      "wall s",
      "limits' min s",
      "ratio",
      "hashed",
      "what",
    ],
    rows: rows.map((r) => {
      const min = minimumSeconds(r.api, r.bytes, bps);
      return [
        r.label,
        r.api,
        r.listings,
        r.node,
        r.floodLocks,
        round1(r.seconds),
        round1(min),
        round2(r.seconds / Math.max(min, 0.001)),
        r.hashed,
        r.summary,
      ];
    }),
  };
}

const round1 = (n) => Math.round(n * 10) / 10;
const round2 = (n) => Math.round(n * 100) / 100;

/** rclone's three runs on the small tree, through the loopback TLS world. */
async function rcloneRows(dist, dir, sizes) {
  const { startRcloneWorld, rcloneWorldAvailable, WORLD_UPLOAD_HOST, WORLD_DOWNLOAD_URL } = await import(
    pathToFileURL(join(ROOT, "test", "helpers", "rclone-world.mjs")).href
  );
  if (!(await rcloneWorldAvailable())) return undefined;
  const emu = await dist.startEmulator({
    limits: "real",
    publicUploadHost: WORLD_UPLOAD_HOST,
    publicDownloadUrl: WORLD_DOWNLOAD_URL,
  });
  const world = await startRcloneWorld({ apiOrigin: new URL(emu.apiUrl).origin });
  try {
    const key = emu.accounts.find((a) => a.offer === 1).apiKey;
    const tree = join(dir, "rclone-tree");
    return await threeRuns(emu, tree, sizes, async () => {
      const t0 = performance.now();
      const r = await world.rclone(["sync", tree, "fx:bench-rclone", "--stats", "0"], key, {
        timeoutMs: 4 * 3600_000,
      });
      if (r.code !== 0) throw new Error(`rclone sync exited ${r.code}: ${r.stderr.slice(-600)}`);
      return { seconds: (performance.now() - t0) / 1000, summary: "rclone sync" };
    });
  } finally {
    // The world's close waits for its tunnels to drain, which rclone's last connections may never do.
    await Promise.race([world.close(), pause(5000)]);
    await emu.close();
  }
}

/**
 * rclone's first sync of the large tree, two ways. From its code (backend/fichier, rclone 1.60): one folder/ls
 * and one file/ls per folder read, then per file a listing of its folder before the upload (to find the file it
 * replaces) and get_upload_server: 2 per folder + 2 per file, at the least; the listing before each upload waits
 * for the folder's 30 s spacing (refused with #374 and tried again when sooner), so a folder's files go one per
 * 30 s at best. And from the small tree's measured calls and seconds per file, scaled.
 */
function extrapolate(measured, small, big) {
  const first = measured[0];
  const fromCode = 2 * big.folders + 2 * big.files;
  const perFolderHours = (Math.ceil(big.files / big.folders) * 30) / 3600;
  const measuredCalls = Math.round((first.api / small.files) * big.files);
  const measuredHours = ((first.seconds / small.files) * big.files) / 3600;
  return [
    [
      `from rclone's code: 2 per folder + 2 per file; ${Math.ceil(big.files / big.folders)} files per folder at 30 s`,
      fromCode,
      round1(perFolderHours),
    ],
    [
      `scaled from ${small.files} files: ${round1(first.api / small.files)} calls and ${round1(first.seconds / small.files)} s per file`,
      measuredCalls,
      round1(measuredHours),
    ],
  ];
}

/**
 * Runs the three fichier runs on the large tree, then rclone and fichier on the small one.
 *
 * @example
 * const { tables } = await syncBench();
 */
export async function syncBench() {
  const dist = await import(pathToFileURL(join(ROOT, "dist", "emulator", "index.js")).href);
  const big = {
    files: env("BENCH_SYNC_FILES", 2000),
    folders: env("BENCH_SYNC_FOLDERS", 50),
    large: env("BENCH_SYNC_LARGE", 5),
    largeMiB: env("BENCH_SYNC_LARGE_MIB", 8),
    changed: env("BENCH_SYNC_CHANGED", 20),
    removed: env("BENCH_SYNC_REMOVED", 10),
  };
  const small = {
    files: env("BENCH_SYNC_RCLONE_FILES", 12),
    folders: env("BENCH_SYNC_RCLONE_FOLDERS", 3),
    large: 0,
    largeMiB: 0,
    changed: 2,
    removed: 1,
  };
  const tmp = await tempFolder("fichier-bench-sync-");
  const tables = [];
  try {
    const bps = await measureThroughput(dist.startEmulator, tmp.dir, 256);
    const emu = await dist.startEmulator({ limits: "real" });
    try {
      const measure = async (sizes, name, title) => {
        const tree = join(tmp.dir, name);
        const state = join(tmp.dir, `state-${name}`);
        const rows = await threeRuns(emu, tree, sizes, fichierRunner(emu, tree, `/${name}`, state));
        tables.push(fichierRows(title, rows, bps));
      };
      await measure(
        big,
        "bench",
        `fichier sync, ${big.files} files in ${big.folders} folders (--limits real; ${round1(bps / MiB)} MiB/s measured)`,
      );
      if (process.env.BENCH_SYNC_RCLONE !== "0") {
        await measure(
          small,
          "small",
          `fichier sync, ${small.files} files in ${small.folders} folders (rclone's tree)`,
        );
      }
    } finally {
      await emu.close();
    }
    if (process.env.BENCH_SYNC_RCLONE !== "0") {
      const rc = await rcloneRows(dist, tmp.dir, small);
      if (rc) {
        tables.push({
          title: `rclone 1.60 sync, ${small.files} files in ${small.folders} folders (--limits real)`,
          columns: ["run", "API calls", "listings", "node requests", "flood locks", "wall s"],
          rows: rc.map((r) => [r.label, r.api, r.listings, r.node, r.floodLocks, round1(r.seconds)]),
        });
        tables.push({
          title: "rclone, extrapolated",
          columns: ["run", "API calls", "hours"],
          rows: extrapolate(rc, small, big),
        });
      } else
        tables.push({
          title: "rclone: not available here (rclone or openssl missing)",
          columns: ["-"],
          rows: [],
        });
    }
  } finally {
    await tmp.remove();
  }
  await saveResults(join(ROOT, "bench", "out", "sync.json"), {
    date: new Date().toISOString(),
    big,
    small,
    tables,
  });
  return { tables };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { tables } = await syncBench();
  for (const t of tables) console.log(`${table(t.title, t.columns, t.rows)}\n`);
}
