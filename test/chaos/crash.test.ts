// Crash: the BUILT command (`node dist/cli/main.js`) is killed with SIGKILL at random moments during uploads
// and downloads, then run again with the same arguments and state folder. Every file must end correct, the
// server must hold no duplicate, and a resumed download must not request a byte range its journal recorded as
// complete (a logging proxy sits in front of the emulator's download URLs). The kill moments are seeded
// (FICHIER_CHAOS_SEED); FICHIER_CRASH_COUNT sets the number of kills (default 10, half uploads, half downloads).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FichierClient } from "../../src/api/client.js";
import { readDownloadJournal } from "../../src/transfer/download-journal.js";
import { type ByteRange, coveredBytes, normalizeRanges } from "../../src/transfer/segments.js";
import { workingFilesFor } from "../../src/transfer/working-files.js";
import { useEmulator } from "../helpers/emulator.js";
import { envInt, listTree, prng, randomFile, SOAK, sha256File, table } from "./support.js";

const BIN = resolve(import.meta.dirname, "../../dist/cli/main.js");
const KILLS = envInt("FICHIER_CRASH_COUNT", SOAK ? 20 : 10);
const SEED = envInt("FICHIER_CHAOS_SEED", 20261127);
const CANARY = "CrashCanaryKey_5f0c1e9a7b3d24680"; // fichier-scan:allow (test canary)
// Bytes/s per connection: slow enough that a kill lands mid-transfer, fast enough for CI.
const BANDWIDTH = 1024 * 1024;

let client: FichierClient;
let tmp: string;
let proxy: Server;
const ranges: (string | undefined)[] = [];
const outputs: string[] = [];

/** A pass-through proxy for /dl/<token> that logs each request's Range header. */
async function startProxy(target: () => string): Promise<Server> {
  const server = createServer((req, res) => {
    ranges.push(req.headers.range);
    const up = httpRequest(
      `${target()}${req.url}`,
      { method: req.method, headers: req.headers.range ? { range: req.headers.range } : {} },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.on("close", () => upRes.destroy());
        upRes.pipe(res);
        upRes.on("error", () => res.destroy());
      },
    );
    up.on("error", () => res.destroy());
    req.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    up.end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

function env(state: string): Record<string, string> {
  const home = join(tmp, "home");
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_DATA_HOME: join(home, "data"),
    NO_COLOR: "1",
    FICHIER_API_KEY: CANARY,
    FICHIER_API_URL: em.apiUrl,
    FICHIER_STATE_DIR: state,
  };
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Spawns the command. `kill.afterMs` sends SIGKILL that long after the spawn; with `kill.atBytes`, the clock
 * starts only once a --json progress event on stderr reports that many bytes done.
 */
async function fichier(
  args: string[],
  state: string,
  kill?: { afterMs: number; atBytes?: number },
): Promise<Run> {
  const t0 = Date.now();
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    env: env(state),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer ??= setTimeout(() => child.kill("SIGKILL"), kill?.afterMs);
  };
  if (kill && kill.atBytes === undefined) arm();
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    if (kill?.atBytes === undefined || timer) return;
    for (const m of d.matchAll(/"type":"progress".*?"bytes":(\d+)/g)) {
      if (Number(m[1]) >= kill.atBytes) arm();
    }
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), 240_000);
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  clearTimeout(guard);
  outputs.push(stdout, stderr);
  if (process.env.FICHIER_CRASH_TRACE)
    console.log(`${Date.now() - t0} ms ${signal ?? code} ${args.join(" ")}\n${stderr}`);
  return { code, signal, stdout, stderr };
}

function rangeOf(header: string | undefined, size: number): ByteRange {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header ?? "");
  if (!m) return { start: 0, end: size };
  return { start: Number(m[1]), end: m[2] === "" ? size : Number(m[2]) + 1 };
}

let webUrl = "";
beforeAll(async () => {
  expect(existsSync(BIN), `${BIN} is missing: run \`npm run build\` first`).toBe(true);
  proxy = await startProxy(() => webUrl);
});
// Started once the proxy listens: the download links lead through it.
const em = useEmulator(() => ({
  bandwidth: BANDWIDTH,
  publicDownloadUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/dl`,
}));
beforeAll(async () => {
  webUrl = em.webUrl;
  em.admin.createAccount({ email: "crash@emulator.local", offer: 1, apiKey: CANARY });
  client = createClient({ apiKey: CANARY, apiUrl: em.apiUrl, governor: false });
  tmp = await mkdtemp(join(tmpdir(), "fichier-crash-"));
});

afterAll(async () => {
  proxy?.closeAllConnections();
  proxy?.close();
  await client?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe(`crash: ${KILLS} SIGKILLs during uploads and downloads, each followed by a rerun`, () => {
  it("ends with every file correct, no duplicate, and no re-fetch of journaled ranges", async () => {
    const random = prng(SEED + 1);
    const uploads = Math.ceil(KILLS / 2);
    const downloads = KILLS - uploads;
    const src = join(tmp, "src");
    await mkdir(src, { recursive: true });
    const tally = {
      killedMidUpload: 0,
      uploadFinishedFirst: 0,
      killedMidDownload: 0,
      downloadFinishedFirst: 0,
      resumedBytes: 0,
    };

    // Uploads: kill, rerun, then the folder must hold the file once, with the right Whirlpool.
    const sent: { name: string; url: string; sha: string; size: number }[] = [];
    for (let i = 0; i < uploads; i++) {
      const size = Math.floor((3 + random() * 4) * 1024 * 1024);
      const name = `crash-up-${i}.bin`;
      const path = join(src, name);
      await randomFile(path, size);
      // Node start-up plus a few paced API calls take ~1 s; the body then takes size / BANDWIDTH.
      const killAfter = Math.floor(600 + random() * (size / BANDWIDTH) * 1000);
      // One state folder per round (journal and governor state shared by the killed run and its rerun only), so
      // a round does not wait out the 30 s folder-listing spacing of the round before.
      const state = join(tmp, `state-up-${i}`);
      const killed = await fichier(["upload", path], state, { afterMs: killAfter });
      if (killed.signal === "SIGKILL") tally.killedMidUpload++;
      else tally.uploadFinishedFirst++;
      const again = await fichier(["--json", "upload", path], state);
      expect(again.code, again.stderr).toBe(0);
      const result = JSON.parse(again.stdout) as { uploaded: { filename: string; url: string }[] };
      const up = result.uploaded[0];
      expect(up?.filename).toBe(name);
      sent.push({ name, url: up?.url ?? "", sha: await sha256File(path), size });
    }
    const remote = await client.files.list({ folderId: 0 });
    expect(remote.map((r) => r.filename).sort(), "duplicate or missing files on the server").toEqual(
      sent.map((s) => s.name).sort(),
    );

    // Downloads: kill, read the journal left behind, rerun, and check what the rerun asked for.
    for (let i = 0; i < downloads; i++) {
      const file = sent[i % sent.length]!;
      const out = join(tmp, `out-${i}`);
      await mkdir(out);
      const state = join(tmp, `state-down-${i}`);
      const args = ["--json", "download", file.url, "-o", out, "--connections", "2"];
      // A random point between 20% and 60% of the bytes, then up to 0.8 s more (the journal is written every
      // second, so some kills land just before a journal write and some just after).
      const atBytes = Math.floor((0.2 + random() * 0.4) * file.size);
      const killed = await fichier(args, state, { atBytes, afterMs: Math.floor(random() * 800) });
      expect(killed.signal === "SIGKILL" || killed.code === 0, killed.stderr).toBe(true);
      if (killed.signal !== "SIGKILL") {
        tally.downloadFinishedFirst++;
        expect(await sha256File(join(out, file.name))).toBe(file.sha);
        continue;
      }
      const journal = await readDownloadJournal(workingFilesFor(join(out, file.name)).journal);
      const done = journal.state === "ok" ? normalizeRanges(journal.journal.completed) : [];
      tally.killedMidDownload++;

      ranges.length = 0;
      const again = await fichier(args, state);
      expect(again.code, again.stderr).toBe(0);
      const result = JSON.parse(again.stdout) as {
        downloaded: { path: string; resumedBytes: number; verified: boolean }[];
      };
      const d = result.downloaded[0];
      expect(d?.verified).toBe(true);
      expect(d?.resumedBytes).toBe(coveredBytes(done));
      tally.resumedBytes += coveredBytes(done);
      for (const header of ranges) {
        const asked = rangeOf(header, file.size);
        const overlap = coveredBytes(
          done.map((r) => ({ start: Math.max(r.start, asked.start), end: Math.min(r.end, asked.end) })),
        );
        expect(overlap, `the rerun asked ${header ?? "the whole file"} again`).toBe(0);
      }
      expect(await sha256File(join(out, file.name))).toBe(file.sha);
      expect(await listTree(out)).toEqual([file.name]);
    }

    console.log(
      table(`crash seed ${SEED}: ${KILLS} kills`, [
        ["killed mid-upload", tally.killedMidUpload],
        ["upload finished before the kill", tally.uploadFinishedFirst],
        ["killed mid-download", tally.killedMidDownload],
        ["download finished before the kill", tally.downloadFinishedFirst],
        ["bytes resumed, not fetched again", tally.resumedBytes],
      ]),
    );
    // Most kills must land mid-transfer, or the suite tests nothing.
    expect(tally.killedMidUpload + tally.killedMidDownload).toBeGreaterThanOrEqual(Math.ceil(KILLS * 0.7));
    for (const text of outputs) expect(text).not.toContain(CANARY);
  });
});
