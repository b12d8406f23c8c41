// `npm run bench`: transfer throughput of the emulator with curl (upload.cgi multipart, end.pl, get_token,
// GET of the token URL) and the emulator's peak memory. Size: BENCH_SIZE_MIB (default 1024); file content:
// BENCH_FILE=random|sparse (default random). Results are printed and saved to bench/out/latest.json.
// Then, in the same run, the later tables: API call overhead vs curl (bench/api-overhead.mjs), transfers
// through fichier beside curl (bench/transfer.mjs), `fichier serve` (bench/serve.mjs), the governor's
// workload under real limits, many small files batched vs one per request under real limits (bench/batch.mjs),
// the gateway under load (bench/gateway.mjs), and `fichier sync` beside rclone's under real limits
// (bench/sync.mjs, the longest), and the command's start-up beside Node's own (bench/startup.mjs). BENCH_SECTIONS
// picks them (default "baseline,api,transfer,serve,workload,batch,gateway,sync,startup").
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
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
  timed,
} from "./lib.mjs";

const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const kind = process.env.BENCH_FILE ?? "random";
if (!Number.isFinite(sizeMiB) || sizeMiB <= 0) {
  console.error(`BENCH_SIZE_MIB must be a positive number of MiB (got "${process.env.BENCH_SIZE_MIB}")`);
  process.exit(2);
}
if (kind !== "random" && kind !== "sparse") {
  console.error(`BENCH_FILE must be "random" or "sparse" (got "${kind}")`);
  process.exit(2);
}
if (!existsSync(MAIN)) {
  console.error(`${MAIN} is missing: run "npm run build" first (npm run bench does it)`);
  process.exit(2);
}

/** One upload then one download of a `bytes`-byte file, all through curl. */
async function transfer(emu, file, bytes) {
  const key = emu.account(1).apiKey;
  const auth = [bearer(key)];
  const api = (path, body) =>
    curl(
      [
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        JSON.stringify(body),
        `${emu.info.apiUrl}/${path}`,
      ],
      auth,
    );

  const server = JSON.parse((await api("upload/get_upload_server.cgi", {})).body);
  const up = await curl(
    [
      "-o",
      "/dev/null",
      "-F",
      `file[]=@${file};filename=bench.bin`,
      "-F",
      "did=0",
      `http://${server.url}/upload.cgi?id=${server.id}`,
    ],
    auth,
  );
  if (up.status !== 302) throw new Error(`upload.cgi answered ${up.status}, expected 302`);

  const end = await curl(["-H", "JSON: 1", `http://${server.url}/end.pl?xid=${server.id}`], auth);
  const link = JSON.parse(end.body).links?.[0];
  if (!link || Number(link.size) !== bytes)
    throw new Error(`end.pl did not report the ${bytes}-byte file: ${end.body.slice(0, 200)}`);

  const token = JSON.parse((await api("download/get_token.cgi", { url: link.download, single: 1 })).body);
  if (token.status !== "OK") throw new Error(`get_token.cgi failed: ${JSON.stringify(token)}`);
  const down = await curl(["-o", "/dev/null", token.url]);
  if (down.status !== 200 || down.downloaded !== bytes) {
    throw new Error(
      `download answered ${down.status} with ${down.downloaded} bytes, expected 200 with ${bytes}`,
    );
  }
  return { up, end, down };
}

const sections = new Set(
  (process.env.BENCH_SECTIONS ?? "baseline,api,transfer,serve,workload,batch,gateway,sync,startup").split(
    ",",
  ),
);
if (sections.has("baseline")) {
  const tmp = await tempFolder();
  let emu;
  try {
    const file = join(tmp.dir, "bench.bin");
    const bytes = Math.round(sizeMiB * MiB);
    const made = await timed(() => makeFile(file, bytes, kind));
    console.error(`made a ${sizeMiB} MiB ${kind} file in ${made.seconds.toFixed(1)} s`);
    if ((await stat(file)).size !== bytes) throw new Error("the test file has the wrong size");

    emu = await startEmulatorProcess(["--limits", "off", "--data", join(tmp.dir, "data")]);
    const idleRss = await peakRss(emu.pid);
    const { up, end, down } = await transfer(emu, file, bytes);
    const peak = await peakRss(emu.pid);
    const exitCode = await emu.stop();

    const rows = [
      ["upload (upload.cgi)", sizeMiB, round3(up.seconds), mibps(bytes, up.seconds)],
      ["upload result (end.pl)", null, round3(end.seconds), null],
      ["download (token URL)", sizeMiB, round3(down.seconds), mibps(bytes, down.seconds)],
    ];
    const memory = [
      ["emulator peak RSS before transfers", asMiB(idleRss)],
      ["emulator peak RSS after transfers (VmHWM)", asMiB(peak)],
    ];
    console.log(table(`Transfers through curl (${kind} file)`, ["step", "MiB", "seconds", "MiB/s"], rows));
    console.log();
    console.log(table("Memory", ["measure", "MiB"], memory));

    const out = join(ROOT, "bench", "out", "latest.json");
    await saveResults(out, {
      date: new Date().toISOString(),
      node: process.version,
      sizeMiB,
      file: kind,
      transfers: rows.map(([step, mib, seconds, rate]) => ({ step, mib, seconds, mibPerSecond: rate })),
      memory: { idlePeakRssMiB: asMiB(idleRss), peakRssMiB: asMiB(peak) },
      emulatorExitCode: exitCode,
    });
    console.error(`saved ${out}`);
    if (exitCode !== 0) throw new Error(`the emulator exited with ${exitCode} on SIGTERM, expected 0`);
  } catch (e) {
    console.error(`bench failed: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
  } finally {
    await emu?.stop().catch(() => undefined);
    await tmp.remove();
  }
}

function round3(n) {
  return Math.round(n * 1000) / 1000;
}

if (sections.has("api")) await import("./api-overhead.mjs");
/** Runs a bench that returns tables, prints them; a failure is said and makes the run exit 1. */
async function printTables(name, bench) {
  try {
    const { tables } = await bench();
    for (const t of tables) {
      console.log(table(t.title, t.columns, t.rows));
      console.log();
    }
  } catch (e) {
    console.error(`${name} bench failed: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
  }
}
if (sections.has("transfer")) {
  const { transferBench } = await import("./transfer.mjs");
  await printTables("transfer", () => transferBench({ sizeMiB }));
}
if (sections.has("serve")) {
  const { serveBench } = await import("./serve.mjs");
  await printTables("serve", () => serveBench({ sizeMiB }));
}
if (sections.has("workload")) {
  // The workload runs in real time (about 75 s) in its own process; it exits 1 on any flood error.
  const { spawnSync } = await import("node:child_process");
  const run = spawnSync(process.execPath, [join(ROOT, "bench", "api-overhead.mjs"), "--workload"], {
    stdio: "inherit",
  });
  if (run.status !== 0) process.exitCode = 1;
}
if (sections.has("batch")) {
  // Real time under real limits: about 15 s batched, about 1 s per file one per request.
  const { batchBench } = await import("./batch.mjs");
  await printTables("batch", async () => ({ tables: [await batchBench()] }));
}
if (sections.has("gateway")) {
  // The gateway under load runs in real time (about 10 min: the mix is bound by the 30 s listing spacing) in its
  // own process; it exits 1 on a flood lock, a lost call, or an elapsed time over 1.2 × the limits' minimum.
  const { spawnSync } = await import("node:child_process");
  const run = spawnSync(process.execPath, [join(ROOT, "bench", "gateway.mjs")], { stdio: "inherit" });
  if (run.status !== 0) process.exitCode = 1;
}
if (sections.has("sync")) {
  const { syncBench } = await import("./sync.mjs");
  await printTables("sync", syncBench);
}
if (sections.has("startup")) {
  const { startupBench } = await import("./startup.mjs");
  await printTables("startup", startupBench);
}
