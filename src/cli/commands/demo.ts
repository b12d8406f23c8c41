/**
 * `fichier demo`: the README quick start. Writes a ~32 MiB random file, then runs the real commands a user would
 * type, `fichier --emulator upload` and `fichier --emulator download`, each in its own process against the
 * embedded emulator (its persistent data folder, so the second process finds what the first uploaded), and checks
 * that the bytes and the Whirlpool came back identical. Steps on stderr, one result line on stdout.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { withoutSecrets } from "../../redact.js";
import { ChecksumMismatchError } from "../../transfer/errors.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { NODE_FLAGS } from "../node-flags.js";
import { parseIntOption } from "../options.js";
import { formatBytes } from "../output.js";
import { SUMMARIES } from "../summaries.js";

/** Demo file size: 32 MiB plus an odd tail, so no segment or part boundary lines up by luck. */
export const DEMO_BYTES = 32 * 1024 * 1024 + 12_345;

/** Writes `size` random bytes to `path` in 1 MiB chunks (never the whole file in memory). */
async function writeRandomFile(path: string, size: number): Promise<void> {
  async function* chunks(): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      const n = Math.min(left, 1 << 20);
      yield randomBytes(n);
      left -= n;
    }
  }
  await pipeline(chunks(), createWriteStream(path));
}

/**
 * True when two files have the same bytes, compared as streams.
 *
 * @example
 * await sameBytes("a.bin", "b.bin"); // true
 */
export async function sameBytes(a: string, b: string): Promise<boolean> {
  const ra = createReadStream(a, { highWaterMark: 1 << 20 })[Symbol.asyncIterator]();
  const rb = createReadStream(b, { highWaterMark: 1 << 20 })[Symbol.asyncIterator]();
  let bufA: Buffer = Buffer.alloc(0);
  let bufB: Buffer = Buffer.alloc(0);
  let doneA = false;
  let doneB = false;
  try {
    for (;;) {
      if (bufA.length === 0 && !doneA) {
        const r = await ra.next();
        if (r.done) doneA = true;
        else bufA = r.value as Buffer;
      }
      if (bufB.length === 0 && !doneB) {
        const r = await rb.next();
        if (r.done) doneB = true;
        else bufB = r.value as Buffer;
      }
      if (bufA.length === 0 || bufB.length === 0)
        return bufA.length === 0 && bufB.length === 0 && doneA && doneB;
      const n = Math.min(bufA.length, bufB.length);
      if (!bufA.subarray(0, n).equals(bufB.subarray(0, n))) return false;
      bufA = bufA.subarray(n);
      bufB = bufB.subarray(n);
    }
  } finally {
    await ra.return?.();
    await rb.return?.();
  }
}

/** What a child `fichier` printed and how it ended. */
interface ChildRun {
  code: number;
  stdout: string;
}

/**
 * Runs this same `fichier` binary with `args` (plus `--json`), passing its human stderr lines through to ours
 * (the emulator notice, warnings) and dropping its NDJSON progress events, which the demo summarises itself.
 */
function runFichier(args: string[], onLine: (line: string) => void): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const main = process.argv[1] ?? "";
    const child = spawn(process.execPath, [...NODE_FLAGS, main, "--json", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      // The children use the embedded emulator's account: no real key or passphrase has any business there.
      env: withoutSecrets(process.env),
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    // The children run with --json: every stderr line is an event. Progress is not shown; warnings and
    // the closing error are, as text, so that a failed step has its cause on the line above.
    createInterface({ input: child.stderr }).on("line", (line) => {
      let ev: { type?: unknown; message?: unknown; hint?: unknown; file?: unknown };
      try {
        ev = JSON.parse(line) as typeof ev;
      } catch {
        onLine(line);
        return;
      }
      if (ev.type === "warning" && typeof ev.message === "string") onLine(`fichier: warning: ${ev.message}`);
      else if (ev.type === "error" && ev.file === undefined && typeof ev.message === "string") {
        onLine(`fichier: ${ev.message}${typeof ev.hint === "string" ? ` ${ev.hint}` : ""}`);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
  });
}

/** Registers `demo`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description(SUMMARIES.demo.description)
    .option(
      "--size <bytes>",
      "size of the test file",
      parseIntOption("--size", 1, Number.MAX_SAFE_INTEGER),
      DEMO_BYTES,
    )
    .option("--keep", "keep the temporary folder with the local files")
    .addHelpText(
      "after",
      "\nNeeds no account and no network: both commands run against the embedded emulator (--emulator),\n" +
        "whose data stays in your user data folder, so `fichier --emulator ls /demo` shows the file afterwards.\n" +
        "JSON: {ok, size, url, whirlpool, identical, uploadMs, downloadMs}",
    )
    .action((opts: { size: number; keep?: boolean }) => runDemo(ctx, opts));
}

/** The demo's steps share these. */
interface Demo {
  out: CliContext["out"];
  /** The local file and its Whirlpool. */
  local: string;
  name: string;
  whirlpool: string;
  step(n: number, msg: string): void;
  relay(line: string): void;
}

/**
 * `fichier demo`: writes the file, runs `fichier --emulator upload` then `download` in their own processes,
 * and checks the bytes and the Whirlpool came back identical.
 *
 * @example
 * await runDemo(ctx, { size: 1 << 20 });
 */
export async function runDemo(ctx: CliContext, opts: { size: number; keep?: boolean }): Promise<void> {
  const out = ctx.out;
  const work = await mkdtemp(join(tmpdir(), "fichier-demo-"));
  try {
    const name = `demo-${new Date().toISOString().replace(/[:.]/g, "-")}.bin`;
    const local = join(work, name);
    const step = (n: number, msg: string): void => out.info(`[${n}/4] ${msg}`);
    step(1, `writing ${formatBytes(opts.size)} of random bytes to ${local}`);
    await writeRandomFile(local, opts.size);
    const { whirlpoolFile } = await import("../../transfer/whirlpool.js");
    const whirlpool = await whirlpoolFile(local);
    out.info(`      Whirlpool ${whirlpool.slice(0, 32)}...`);
    const demo: Demo = { out, local, name, whirlpool, step, relay: (line) => out.info(`      ${line}`) };
    const up = await uploadStep(demo);
    const down = await downloadStep(demo, up.url, join(work, "downloaded"));
    const identical = await compareStep(demo, down.path, down.whirlpool);
    out.result(
      `demo ok: ${formatBytes(opts.size)} uploaded and downloaded back, byte-identical, Whirlpool ${whirlpool.slice(0, 16)}...`,
      { ok: true, size: opts.size, url: up.url, whirlpool, identical, uploadMs: up.ms, downloadMs: down.ms },
    );
  } finally {
    if (opts.keep) out.info(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

/**
 * Runs one step's command in its own process. A failed child already printed its one-line error (cause and
 * fix) on the line above: the demo fails with its exit code.
 */
async function childStep(
  d: Demo,
  n: number,
  what: string,
  args: string[],
): Promise<{ stdout: string; ms: number }> {
  d.step(n, `fichier ${args.join(" ")}`);
  const t0 = Date.now();
  const run = await runFichier(args, d.relay);
  if (run.code !== 0) {
    throw new CliError(
      `${what} failed (exit ${run.code})`,
      "see the line above; run `fichier demo --debug` for details",
      run.code,
    );
  }
  return { stdout: run.stdout, ms: Date.now() - t0 };
}

/** Step 2: `fichier --emulator upload FILE --to /demo`, and the server's Whirlpool checked. */
async function uploadStep(d: Demo): Promise<{ url: string; ms: number }> {
  const { stdout, ms } = await childStep(d, 2, "the upload", [
    "--emulator",
    "upload",
    d.local,
    "--to",
    "/demo",
  ]);
  const uploaded = (JSON.parse(stdout) as { uploaded: { url: string; whirlpool: string }[] }).uploaded[0];
  if (!uploaded) throw new Error("the upload command reported no file");
  d.out.info(`      uploaded in ${ms} ms: ${uploaded.url}`);
  if (uploaded.whirlpool !== d.whirlpool) {
    throw new ChecksumMismatchError(
      `the server's Whirlpool of ${d.name} differs from the local one`,
      { expected: d.whirlpool, actual: uploaded.whirlpool, remoteUrl: uploaded.url, localPath: d.local },
      { hint: "the upload was corrupted on the way; run the demo again" },
    );
  }
  return { url: uploaded.url, ms };
}

/** Step 3: `fichier --emulator download URL -o DIR`. */
async function downloadStep(d: Demo, url: string, into: string) {
  const { stdout, ms } = await childStep(d, 3, "the download", ["--emulator", "download", url, "-o", into]);
  const got = (JSON.parse(stdout) as { downloaded: { path: string; whirlpool: string }[] }).downloaded[0];
  if (!got) throw new Error("the download command reported no file");
  d.out.info(`      downloaded in ${ms} ms to ${got.path}`);
  return { ...got, ms };
}

/** Step 4: the downloaded file has the uploaded bytes and Whirlpool (exit 8 otherwise). */
async function compareStep(d: Demo, path: string, reported: string): Promise<true> {
  d.step(4, "comparing bytes and Whirlpool");
  const identical = await sameBytes(d.local, path);
  const { whirlpoolFile } = await import("../../transfer/whirlpool.js");
  const whirlpool = reported || (await whirlpoolFile(path));
  if (!identical || whirlpool !== d.whirlpool) {
    throw new ChecksumMismatchError(
      "the downloaded file differs from the uploaded one",
      { expected: d.whirlpool, actual: whirlpool, localPath: path },
      { hint: "this is a bug in fichier or the emulator; run again with --debug and report it" },
    );
  }
  d.out.info("      byte-identical, Whirlpool identical");
  return true;
}
