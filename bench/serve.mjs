// `fichier serve` benchmark (docs/serve.md, "Last measured"): the built `fichier serve` as a process over the
// emulator, each figure beside its baseline from the same run.
//   1. a sequential read of a BENCH_SIZE_MIB (default 1024) file through `serve http` (curl) vs
//      `fichier download --connections 1` of the same file; target ratio >= 0.9;
//   2. 100 random 1 MiB Range reads (a player seeking): median and p95 latency, and the download tokens asked
//      for (counted at the emulator); target <= 2;
//   3. PROPFIND depth 1 on a folder of BENCH_SERVE_FILES (default 5 000) files: the first (listed) and the
//      second (from the index while fresh), time and listing calls;
//   4. peak RSS of the server during 4 parallel reads of the whole file; target <= 150 MiB.
// Run alone: `npm run build && node bench/serve.mjs`; or BENCH_SECTIONS=serve npm run bench.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import {
  asMiB,
  bearer,
  curl,
  MAIN,
  MiB,
  makeFile,
  mibps,
  peakRss,
  ROOT,
  saveResults,
  startEmulatorProcess,
  table,
  tempFolder,
} from "./lib.mjs";
import { curlUpload, refill, runCli, settle } from "./transfer.mjs";

/** Starts `fichier serve FLAVOUR PATH` on a free loopback port and waits for its URL. */
function startServe(flavour, path, env) {
  const child = spawn(MAIN, ["--json", "serve", flavour, path, "--addr", "127.0.0.1:0"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (c) => {
    stderr += c;
  });
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => reject(new Error(`fichier serve exited with ${code}: ${stderr.slice(-500)}`)));
    child.stdout.setEncoding("utf8").on("data", (c) => {
      stdout += c;
      const nl = stdout.indexOf("\n");
      if (nl < 0) return;
      const { url } = JSON.parse(stdout.slice(0, nl));
      resolve({
        url,
        pid: child.pid,
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners("exit");
            child.on("exit", done);
            child.kill("SIGINT");
          }),
      });
    });
  });
}

/** The emulator's count of answered calls whose endpoint contains `part`, from its admin API. */
async function emulatorCalls(emu, part) {
  const r = await fetch(`${emu.info.webUrl}/_emulator/stats`, {
    method: "POST",
    headers: { "X-Emulator-Admin": emu.info.adminToken, "Content-Type": "application/json" },
    body: "{}",
  });
  const stats = await r.json();
  return Object.entries(stats.byEndpoint)
    .filter(([k]) => k.includes(part))
    .reduce((n, [, v]) => n + v, 0);
}

/** One request through a keep-alive agent; resolves with its status, body size and latency to the last byte. */
function timedGet(url, headers, method = "GET", body) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { method, headers, agent: keepAlive }, (res) => {
      let bytes = 0;
      res.on("data", (c) => {
        bytes += c.length;
      });
      res.on("end", () => resolve({ status: res.statusCode, bytes, ms: performance.now() - t0 }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
let keepAlive;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (n) => Math.round(n * 10) / 10;

/** Polls a process's peak RSS while `fn` runs. */
async function peakDuring(pid, fn) {
  let peak = 0;
  const poll = setInterval(async () => {
    peak = Math.max(peak, (await peakRss(pid)) ?? 0);
  }, 25);
  try {
    const value = await fn();
    peak = Math.max(peak, (await peakRss(pid)) ?? 0);
    return { value, peak };
  } finally {
    clearInterval(poll);
  }
}

/**
 * Seeds `count` files into a folder through the emulator's own store (as test/integration/remote-index does):
 * 5 000 uploads over HTTP would measure uploads, not the listing.
 */
function seedFolder(dataDir, owner, folderId, count) {
  const db = new Database(join(dataDir, "fichier-emulator.sqlite"));
  db.pragma("busy_timeout = 5000");
  const insert = db.prepare(
    `INSERT INTO files(id, owner, folder, name, size, checksum, mime, created, domain, description, pass, no_ssl,
     inline, cdn, acl, remove_code, blob, deleted, scanned) VALUES (?, ?, ?, ?, ?, ?, 'application/octet-stream',
     ?, 0, '', NULL, 0, 0, 0, NULL, NULL, 'seeded', NULL, NULL)`,
  );
  const start = Date.UTC(2026, 0, 1);
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const name = `f${String(i).padStart(6, "0")}.bin`;
      insert.run(
        randomBytes(10).toString("hex"),
        owner,
        folderId,
        name,
        i + 1,
        "0".repeat(128),
        start + i * 100,
      );
    }
  })();
  db.close();
}

/** Section 1 and 4: a sequential read vs `fichier download --connections 1`, then 4 reads at once. */
async function sequential(ctx) {
  const { server, file, bytes, env, tmp, url } = ctx;
  await settle();
  const one = await peakDuring(server.pid, () => curl(["-o", "/dev/null", `${server.url}bench.bin`]));
  if (one.value.status !== 200 || one.value.downloaded !== bytes) throw new Error("serve read came short");
  await refill();
  const dl = await runCli(["download", url, "-o", join(tmp.dir, "dl"), "--connections", "1"], env);
  await settle();
  const four = await peakDuring(server.pid, () =>
    Promise.all([0, 1, 2, 3].map(() => curl(["-o", "/dev/null", `${server.url}bench.bin`]))),
  );
  const fourSeconds = Math.max(...four.value.map((r) => r.seconds));
  return {
    rows: [
      ["serve http, one GET (curl)", mibps(bytes, one.value.seconds), null],
      ["fichier download --connections 1, whole command", mibps(bytes, dl.seconds), null],
      ["fichier download --connections 1, transfer phase", mibps(bytes, dl.phaseSeconds), null],
      ["serve / download (whole command)", null, ratio(dl.seconds, one.value.seconds)],
      ["serve / download (transfer phase)", null, ratio(dl.phaseSeconds, one.value.seconds)],
      ["4 parallel GETs through serve, total", mibps(4 * bytes, fourSeconds), null],
    ],
    memory: [
      ["serve peak RSS, one sequential read", asMiB(one.peak)],
      ["serve peak RSS, 4 parallel reads (VmHWM)", asMiB(four.peak)],
    ],
    file,
  };
}

/** Section 2: 100 random 1 MiB Range reads, as a player seeking. */
async function seeks(ctx) {
  const { emu, bytes } = ctx;
  // A fresh server: the token calls counted are those of this section alone.
  const server = await startServe("http", "/", ctx.env);
  try {
    const before = await emulatorCalls(emu, "download/get_token.cgi");
    const latencies = [];
    for (let i = 0; i < 100; i++) {
      const start = Math.floor(Math.random() * Math.max(1, bytes - MiB));
      const r = await timedGet(`${server.url}bench.bin`, { Range: `bytes=${start}-${start + MiB - 1}` });
      if (r.status !== 206 || r.bytes !== Math.min(MiB, bytes - start))
        throw new Error(`range read ${r.status}`);
      latencies.push(r.ms);
    }
    const tokens = (await emulatorCalls(emu, "download/get_token.cgi")) - before;
    return [
      ["median latency (ms)", ms(percentile(latencies, 50))],
      ["p95 latency (ms)", ms(percentile(latencies, 95))],
      ["download tokens asked for", tokens],
    ];
  } finally {
    await server.stop();
  }
}

/** Section 3: PROPFIND depth 1 on a big folder, listed, then from the index. */
async function bigFolder(ctx) {
  const { emu, env, data, count } = ctx;
  const made = await curl(
    [
      "-X",
      "POST",
      "-H",
      "Content-Type: application/json",
      "--data-binary",
      JSON.stringify({ name: "big", folder_id: 0 }),
      `${emu.info.apiUrl}/folder/mkdir.cgi`,
    ],
    [bearer(emu.account(1).apiKey)],
  );
  const folder = { id: JSON.parse(made.body).folder_id };
  if (!Number.isInteger(folder.id)) throw new Error(`mkdir answered ${made.body.slice(0, 200)}`);
  seedFolder(data, emu.account(1).email, folder.id, count);
  const server = await startServe("webdav", "/big", env);
  try {
    const rows = [];
    for (const label of ["first (listed)", "second (from the index)"]) {
      const before = (await emulatorCalls(emu, "folder/ls")) + (await emulatorCalls(emu, "file/ls"));
      const r = await timedGet(server.url, { Depth: "1" }, "PROPFIND");
      if (r.status !== 207) throw new Error(`PROPFIND answered ${r.status}`);
      const after = (await emulatorCalls(emu, "folder/ls")) + (await emulatorCalls(emu, "file/ls"));
      rows.push([`PROPFIND depth 1, ${count} files, ${label}`, ms(r.ms), after - before, asMiB(r.bytes)]);
    }
    return rows;
  } finally {
    await server.stop();
  }
}

const ratio = (a, b) => (a != null && b != null && b > 0 ? Math.round((a / b) * 100) / 100 : null);

/**
 * Runs the serve benchmark; returns its tables.
 *
 * @example
 * const { tables } = await serveBench({ sizeMiB: 256 });
 */
export async function serveBench({
  sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024),
  count = Number(process.env.BENCH_SERVE_FILES ?? 5000),
  kind = process.env.BENCH_FILE ?? "random",
  log = (m) => console.error(m),
} = {}) {
  const { Agent } = await import("node:http");
  keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  const tmp = await tempFolder("fichier-bench-serve-");
  const data = join(tmp.dir, "data");
  let emu;
  let server;
  try {
    const bytes = Math.round(sizeMiB * MiB);
    const file = join(tmp.dir, "bench.bin");
    log(`serve bench: making a ${sizeMiB} MiB ${kind} file`);
    await makeFile(file, bytes, kind);
    emu = await startEmulatorProcess(["--limits", "off", "--data", data]);
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: tmp.dir,
      FICHIER_API_URL: emu.info.apiUrl,
      FICHIER_API_KEY: emu.account(1).apiKey,
      FICHIER_STATE_DIR: join(tmp.dir, "state"),
      NO_COLOR: "1",
    };
    const up = await curlUpload(emu, file);
    const url = up.value.link.download;
    // curl uploads it as curl.bin: rename it so the server reads the name the rows say.
    await runCli(["rename", url, "bench.bin"], env);
    server = await startServe("http", "/", env);
    const ctx = { emu, env, tmp, file, bytes, url, server, data, count };
    log("serve bench: sequential read through serve vs fichier download --connections 1");
    const seq = await sequential(ctx);
    log("serve bench: 100 random 1 MiB range reads");
    const seek = await seeks(ctx);
    log(`serve bench: PROPFIND depth 1 on ${count} files`);
    const big = await bigFolder(ctx);
    const tables = [
      {
        title: `serve: sequential reads of ${sizeMiB} MiB`,
        columns: ["measure", "MiB/s", "ratio"],
        rows: seq.rows,
      },
      { title: "serve: 100 random 1 MiB range reads", columns: ["measure", "value"], rows: seek },
      {
        title: "serve: PROPFIND depth 1",
        columns: ["request", "ms", "listing calls", "answer MiB"],
        rows: big,
      },
      { title: "serve: memory (target <= 150 MiB)", columns: ["measure", "MiB"], rows: seq.memory },
    ];
    await saveResults(join(ROOT, "bench", "out", "serve.json"), {
      date: new Date().toISOString(),
      node: process.version,
      sizeMiB,
      files: count,
      tables,
    });
    return { tables };
  } finally {
    keepAlive.destroy();
    await server?.stop();
    await emu?.stop().catch(() => undefined);
    await tmp.remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { tables } = await serveBench();
  for (const t of tables) {
    console.log(table(t.title, t.columns, t.rows));
    console.log();
  }
}
