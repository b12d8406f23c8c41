// Shared helpers for the benchmarks: start the built emulator as a process, make test files, run curl with
// its timing variables, read peak memory, print aligned tables and save results. Later benchmarks add
// their own tables with these same pieces.
import { spawn } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const MAIN = join(ROOT, "dist", "cli", "main.js");

/**
 * The Node options the command runs with (src/cli/node-flags.ts), read from the built command's first line
 * (`#!/usr/bin/env -S node ...`, which a test keeps equal to that list): the bundle has no node-flags module.
 */
export function nodeFlags() {
  const first = readFileSync(MAIN, "utf8").split("\n", 1)[0];
  return first.split(" ").filter((w) => w.startsWith("--"));
}
export const MiB = 1024 * 1024;

/**
 * A fresh temporary folder and its remover.
 *
 * @example
 * const tmp = await tempFolder(); try { ... } finally { await tmp.remove(); }
 */
export async function tempFolder(prefix = "fichier-bench-") {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Start `fichier emulator --json` (the built CLI) and wait for its one JSON line.
 * The result holds the parsed line, the process id (for /proc readings) and `stop()` (SIGTERM, waits for exit 0).
 *
 * @example
 * const emu = await startEmulatorProcess(["--limits", "off", "--data", dir]);
 * console.log(emu.info.apiUrl); await emu.stop();
 */
export function startEmulatorProcess(args = []) {
  // The file itself, as a user's shell runs it, so its first line's Node options apply (node-flags.ts).
  const child = spawn(MAIN, ["emulator", "--json", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the emulator printed no JSON line within 30 s; stderr: ${stderr.trim()}`));
    }, 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited early (code ${code}); stderr: ${stderr.trim()}`));
    });
    child.stdout.on("data", (c) => {
      stdout += c;
      const nl = stdout.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      let info;
      try {
        info = JSON.parse(stdout.slice(0, nl));
      } catch {
        reject(new Error(`the emulator's first stdout line is not JSON: ${stdout.slice(0, 200)}`));
        return;
      }
      resolve({
        info,
        pid: child.pid,
        account: (offer) => {
          const a = info.accounts.find((x) => x.offer === offer);
          if (!a) throw new Error(`the emulator has no account with offer ${offer}`);
          return a;
        },
        async stop() {
          if (child.exitCode !== null) return child.exitCode;
          child.kill("SIGTERM");
          const { code } = await exited;
          return code;
        },
      });
    });
  });
}

/**
 * Peak resident memory of a process in bytes, from `VmHWM` in /proc/<pid>/status (Linux only; null elsewhere).
 *
 * @example
 * const peak = await peakRss(emu.pid);
 */
export async function peakRss(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Write a test file of `bytes` bytes: "sparse" (a hole, instant, reads as zeros) or "random" (written in 4 MiB
 * chunks, never held whole in memory).
 *
 * @example
 * await makeFile("/tmp/big.bin", 1024 * MiB, "random");
 */
export async function makeFile(path, bytes, kind = "random") {
  if (kind === "sparse") {
    await writeFile(path, "");
    await truncate(path, bytes);
    return path;
  }
  const out = createWriteStream(path);
  const chunk = Buffer.allocUnsafe(4 * MiB);
  let left = bytes;
  while (left > 0) {
    const n = Math.min(left, chunk.length);
    randomFillSync(chunk, 0, n);
    // Copy: the stream may still hold the previous buffer when the next fill happens.
    if (!out.write(Buffer.from(chunk.subarray(0, n)))) await new Promise((r) => out.once("drain", r));
    left -= n;
  }
  await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
  return path;
}

const CURL_FORMAT =
  "%{http_code} %{time_total} %{size_upload} %{size_download} %{speed_upload} %{speed_download}";

/**
 * Run curl with `args`, plus `config` lines fed on stdin (`-K -`) so secrets such as the Authorization header
 * never appear in argv. Returns the body (unless `-o` sends it elsewhere) and curl's timing variables.
 *
 * @example
 * const r = await curl(["-H", "JSON: 1", url], [`header = "Authorization: Bearer ${key}"`]);
 */
export function curl(args, config = []) {
  const marker = "\n@@curl@@ ";
  return new Promise((resolve, reject) => {
    const child = spawn("curl", ["-sS", "-K", "-", "-w", `${marker}${CURL_FORMAT}`, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out = [];
    let err = "";
    child.stdout.on("data", (c) => out.push(c));
    child.stderr.on("data", (c) => {
      err += c;
    });
    child.on("error", (e) => reject(new Error(`cannot run curl (${e.message}); install curl`)));
    child.on("exit", (code) => {
      const text = Buffer.concat(out).toString("utf8");
      const at = text.lastIndexOf(marker);
      if (code !== 0 || at < 0) {
        reject(new Error(`curl exited with ${code}: ${err.trim()}`));
        return;
      }
      const [status, total, up, down, speedUp, speedDown] = text
        .slice(at + marker.length)
        .trim()
        .split(" ")
        .map(Number);
      resolve({
        body: text.slice(0, at),
        status,
        seconds: total,
        uploaded: up,
        downloaded: down,
        speedUpload: speedUp,
        speedDownload: speedDown,
      });
    });
    child.stdin.end(`${config.join("\n")}\n`);
  });
}

/** curl config line carrying the Bearer key (fed on stdin, never in argv). */
export const bearer = (key) => `header = "Authorization: Bearer ${key}"`;

/**
 * Time an async function.
 *
 * @example
 * const { value, seconds } = await timed(() => work());
 */
export async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** Bytes per second as MiB/s with one decimal. */
export const mibps = (bytes, seconds) => (seconds > 0 ? Math.round((bytes / MiB / seconds) * 10) / 10 : null);

/** Bytes as MiB with one decimal. */
export const asMiB = (bytes) => (bytes == null ? null : Math.round((bytes / MiB) * 10) / 10);

/**
 * Format rows as an aligned text table: numbers right-aligned, text left-aligned.
 *
 * @example
 * console.log(table("Transfers", ["step", "MiB/s"], [["upload", 512.3]]));
 */
export function table(title, columns, rows) {
  const cells = rows.map((r) => r.map((c) => (c == null ? "-" : String(c))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? "").length)));
  const numeric = columns.map((_, i) => rows.every((r) => r[i] == null || typeof r[i] === "number"));
  const line = (r) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [title, line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/**
 * Save the results as JSON (creates the folder).
 *
 * @example
 * await saveResults(join(ROOT, "bench/out/latest.json"), { tables });
 */
export async function saveResults(path, results) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}
