// Many small files under the real limits: a tree of BENCH_BATCH_FILES (default 500) files of 1-100 KiB in 5
// folders, uploaded by the library (uploadTree, the command's engine) against `fichier emulator --limits real`,
// batched (the default: small files of one folder share requests) and one file per request (`batch: false`).
// For each: the calls the emulator saw (admin `stats()`), flood locks, wall time, and the least time the limits
// allow for that many API calls (the emulator's 3 per second after a burst of 3; fichier's own pace, 1 per
// second after 3). Every file is verified (end.pl's Whirlpool) and then checked in the folder listings.
//
//   node bench/batch.mjs                 the table (each row in a fresh process and a fresh emulator)
//   node bench/batch.mjs --child ...     one row (internal)
//
// Env: BENCH_BATCH_FILES (500), BENCH_BATCH_UNBATCHED_FILES (same; the unbatched row takes ~1 s per file).
// Needs `npm run build`. Results are printed and saved to bench/out/batch.json.
import { spawn } from "node:child_process";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { makeFile, nodeFlags, ROOT, saveResults, startEmulatorProcess, table, tempFolder } from "./lib.mjs";

const DIST = join(ROOT, "dist");
const FOLDERS = 5;

/** Admin call to a spawned emulator. */
async function admin(info, method) {
  const res = await fetch(`${info.webUrl}/_emulator/${method}`, {
    method: "POST",
    headers: { "X-Emulator-Admin": info.adminToken, "Content-Type": "application/json" },
    body: "{}",
  });
  return res.json();
}

/** Sizes of 1 to 100 KiB from a seeded generator (mulberry32), so every run uploads the same tree. */
function sizes(n, seed = 13) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => 1024 + Math.floor(next() * 99 * 1024));
}

async function makeTree(dir, n) {
  let bytes = 0;
  for (const [i, size] of sizes(n).entries()) {
    const folder = join(dir, `d${i % FOLDERS}`);
    await mkdir(folder, { recursive: true });
    await makeFile(join(folder, `f${String(i).padStart(4, "0")}.bin`), size);
    bytes += size;
  }
  return bytes;
}

/** API calls (paced by the limits) among the emulator's counts: the node's upload.cgi and end.pl are not. */
function apiCalls(byEndpoint) {
  return Object.entries(byEndpoint)
    .filter(([k]) => k.includes("/") && k.endsWith(".cgi"))
    .reduce((n, [, v]) => n + v, 0);
}

/** One row, in this process: upload, the emulator's counts, then the listing check. */
async function child([apiUrl, dir, infoJson, optionsJson]) {
  const info = JSON.parse(infoJson);
  const { createClient } = await import(pathToFileURL(join(DIST, "api", "client.js")).href);
  const { uploadTree } = await import(pathToFileURL(join(DIST, "transfer", "upload-tree.js")).href);
  const { openUploadJournal } = await import(pathToFileURL(join(DIST, "transfer", "upload-journal.js")).href);
  const { whirlpoolFile } = await import(pathToFileURL(join(DIST, "transfer", "whirlpool.js")).href);
  const apiKey = process.env.FICHIER_API_KEY;
  // The default governor, as the command has it (1 call per second after a burst of 3, shared file).
  const client = createClient({ apiKey, apiUrl });
  const t0 = performance.now();
  const r = await uploadTree(client, {
    paths: [`${dir}/`],
    to: "/bench",
    journal: openUploadJournal(apiKey),
    ...JSON.parse(optionsJson),
  });
  const seconds = (performance.now() - t0) / 1000;
  const stats = await admin(info, "stats");
  // Checked after the counts: one listing per folder, every file once with its Whirlpool.
  let listed = 0;
  for (const sub of await readdir(dir)) {
    const folderId = await client.paths.resolveFolder(`/bench/${sub}`);
    for (const item of await client.files.list({ folderId })) {
      const local = join(dir, sub, item.filename);
      if (item.checksum === (await whirlpoolFile(local))) listed++;
    }
  }
  await client.close();
  const failed = r.failed.map((f) => `${f.path}: ${f.error}`);
  console.log(JSON.stringify({ seconds, uploaded: r.uploaded.length, failed, listed, stats }));
}

async function row(label, n, options) {
  const tmp = await tempFolder("fichier-bench-batch-");
  let emu;
  try {
    const dir = join(tmp.dir, "tree");
    const bytes = await makeTree(dir, n);
    emu = await startEmulatorProcess(["--limits", "real", "--data", join(tmp.dir, "data")]);
    const NODE_FLAGS = nodeFlags();
    const env = {
      ...process.env,
      FICHIER_API_KEY: emu.account(1).apiKey,
      FICHIER_STATE_DIR: join(tmp.dir, "state"),
    };
    const args = [
      ...NODE_FLAGS,
      new URL(import.meta.url).pathname,
      "--child",
      emu.info.apiUrl,
      dir,
      JSON.stringify(emu.info),
      JSON.stringify(options),
    ];
    const out = await new Promise((resolve, reject) => {
      const c = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "inherit"] });
      let stdout = "";
      c.stdout.setEncoding("utf8").on("data", (d) => {
        stdout += d;
      });
      c.on("error", reject);
      c.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${label}: exited ${code}`))));
    });
    const r = JSON.parse(out.trim().split("\n").pop());
    const calls = apiCalls(r.stats.byEndpoint);
    const by = r.stats.byEndpoint;
    const round = (x) => Math.round(x * 10) / 10;
    return {
      label,
      files: n,
      mib: round(bytes / 1024 / 1024),
      apiCalls: calls,
      uploadCgi: by["upload.cgi"] ?? 0,
      endPl: by["end.pl"] ?? 0,
      floodLocks: r.stats.floodLocks,
      seconds: round(r.seconds),
      minEmulator: round(Math.max(0, (calls - 3) / 3)),
      minFichier: round(Math.max(0, calls - 3)),
      verified: `${r.listed}/${n}${r.failed.length ? `, ${r.failed.length} failed` : ""}`,
      byEndpoint: by,
    };
  } finally {
    await emu?.stop().catch(() => undefined);
    await tmp.remove();
  }
}

/**
 * The table: batched and one file per request, each in a fresh process against a fresh emulator.
 *
 * @example
 * const { rows } = await batchBench();
 */
export async function batchBench() {
  const n = Number(process.env.BENCH_BATCH_FILES ?? 500);
  const unbatched = Number(process.env.BENCH_BATCH_UNBATCHED_FILES ?? n);
  const rows = [
    await row("batched (default: 100 files / 64 MiB)", n, {}),
    await row("one file per request (batch: false)", unbatched, { batch: false }),
  ];
  const title = `${n} small files (1-100 KiB, ${FOLDERS} folders), uploadTree against --limits real`;
  const columns = [
    "how",
    "files",
    "MiB",
    "API calls",
    "upload.cgi",
    "end.pl",
    "flood locks",
    "seconds",
    "min s (3/s)",
    "min s (1/s)",
    "verified",
  ];
  const cells = rows.map((r) => [
    r.label,
    r.files,
    r.mib,
    r.apiCalls,
    r.uploadCgi,
    r.endPl,
    r.floodLocks,
    r.seconds,
    r.minEmulator,
    r.minFichier,
    r.verified,
  ]);
  await saveResults(join(ROOT, "bench", "out", "batch.json"), { date: new Date().toISOString(), rows });
  return { title, columns, rows: cells };
}

if (process.argv[2] === "--child") {
  await child(process.argv.slice(3));
} else if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t = await batchBench();
  console.log(table(t.title, t.columns, t.rows));
}
