// Incremental Whirlpool of a file written out of order by parallel segments. Whirlpool must see the bytes in
// order, so the hasher keeps a "hashed up to" frontier and, whenever the completed prefix of the file grows,
// reads the new contiguous bytes back from the .part file (they are still in the page cache) and feeds
// them. The hash is therefore ready a moment after the last byte lands, instead of costing a second full
// read of the file. On resume, the completed prefix is hashed once from the .part.
//
// Whirlpool is CPU-bound (about 150 MiB/s with hash-wasm), slower than a loopback or fast link, so for
// large files the frontier is hashed off the main thread (a helper process with node:crypto when OpenSSL's
// legacy provider is there, else a worker thread with hash-wasm): the main thread keeps receiving and
// writing while another core hashes. Small files are hashed in the main thread (a helper costs ~50 ms).
import { type ChildProcess, spawn } from "node:child_process";
import type { FileHandle } from "node:fs/promises";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { withoutSecrets } from "../redact.js";
import { createWhirlpoolHasher, type WhirlpoolHasher, whirlpoolBackend } from "./whirlpool.js";

const READ_CHUNK = 1024 * 1024;
/** Files from this size up are hashed in a worker thread. */
export const WORKER_THRESHOLD = 16 * 1024 * 1024;
/** The worker is told about frontier moves in steps of at least this much (fewer messages). */
const ADVANCE_STEP = 4 * 1024 * 1024;

/** Hashes the completed prefix of a .part file as it grows. */
export interface FrontierHash {
  /** Tells the hasher the completed prefix may have grown; hashing runs in the background. */
  poke(): void;
  /** Hashes up to `size` (the whole file must be complete) and returns the hex digest. */
  finish(size: number): Promise<string>;
  /** Stops background hashing (abort, error). */
  close(): Promise<void>;
}

/**
 * Creates the frontier hasher for a .part file: a worker thread for large files, else in this thread.
 *
 * @example
 * const fh = await createFrontierHash(partPath, fd, size, () => contiguousEnd(completed, 0));
 * fh.poke(); // after each write
 * const hex = await fh.finish(size);
 */
export async function createFrontierHash(
  path: string,
  fd: FileHandle,
  size: number,
  prefixEnd: () => number,
): Promise<FrontierHash> {
  if (size >= WORKER_THRESHOLD) return createBackgroundFrontierHash(path, prefixEnd);
  return new FrontierHasher(await createWhirlpoolHasher(), fd, prefixEnd);
}

/**
 * A frontier hasher off the main thread, for large files: a helper process with OpenSSL's legacy
 * provider (node:crypto Whirlpool, about twice hash-wasm's speed) when this Node has it, else a worker
 * thread with hash-wasm. Used by downloads (frontier = completed prefix) and uploads (frontier = bytes
 * read for sending).
 *
 * @example
 * const fh = await createBackgroundFrontierHash("big.iso", () => bytesSent);
 */
export async function createBackgroundFrontierHash(
  path: string,
  prefixEnd: () => number,
): Promise<FrontierHash> {
  if (whirlpoolBackend() === "hash-wasm" && legacyProviderWorks !== false) {
    const p = await ProcessFrontierHasher.start(path, prefixEnd);
    if (p) return p;
  }
  return new WorkerFrontierHasher(path, prefixEnd);
}

/**
 * In-thread frontier hasher (small files).
 *
 * @example
 * const fh = new FrontierHasher(hasher, fd, () => contiguousEnd(completed, 0));
 */
export class FrontierHasher implements FrontierHash {
  private hashed = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly hasher: WhirlpoolHasher,
    private readonly fd: FileHandle,
    private readonly prefixEnd: () => number,
  ) {}

  poke(): void {
    if (this.closed || this.failure) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pump().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running?.catch(() => {});
  }

  async finish(size: number): Promise<string> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
    if (this.hashed < size) {
      if (this.prefixEnd() < size)
        throw new Error(`internal: hashing asked at ${this.prefixEnd()} of ${size}`);
      await this.pump();
    }
    if (this.failure) throw this.failure;
    return this.hasher.digest();
  }

  private async pump(): Promise<void> {
    try {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      for (;;) {
        if (this.closed) return;
        const end = this.prefixEnd();
        if (end <= this.hashed) return;
        const want = Math.min(READ_CHUNK, end - this.hashed);
        const { bytesRead } = await this.fd.read(buf, 0, want, this.hashed);
        if (bytesRead <= 0) throw new Error(`short read of the .part file at ${this.hashed}`);
        this.hasher.update(buf.subarray(0, bytesRead));
        this.hashed += bytesRead;
      }
    } catch (e) {
      this.failure = e;
    }
  }
}

// The worker is plain CommonJS given as a string, so it runs the same from dist/ and from the TypeScript
// sources under the test runner; hash-wasm is loaded by absolute path resolved here.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
let hasher;
let failed;
const ready = (async () => {
  if (workerData.backend === "node:crypto") {
    const h = require("node:crypto").createHash("whirlpool");
    hasher = { update: (b) => h.update(b), digest: () => h.digest("hex") };
  } else {
    const h = await require(workerData.hashWasm).createWhirlpool();
    h.init();
    hasher = { update: (b) => h.update(b), digest: () => h.digest("hex") };
  }
})();
const fd = fs.openSync(workerData.path, "r");
const buf = Buffer.allocUnsafe(${READ_CHUNK});
let hashed = 0;
function pumpTo(target) {
  while (hashed < target) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, target - hashed), hashed);
    if (n <= 0) throw new Error("short read of the .part file at " + hashed);
    hasher.update(buf.subarray(0, n));
    hashed += n;
  }
}
parentPort.on("message", async (m) => {
  try {
    await ready;
    if (failed) return;
    pumpTo(m.to);
    if (m.type === "finish") {
      fs.closeSync(fd);
      parentPort.postMessage({ type: "digest", hex: hasher.digest(), hashed });
    }
  } catch (e) {
    failed = e;
    parentPort.postMessage({ type: "error", message: String(e && e.message ? e.message : e) });
  }
});
`;

let hashWasmPath: string | undefined;

/**
 * Frontier hasher in a worker thread (large files): the worker reads the .part through its own descriptor.
 *
 * @example
 * const fh = new WorkerFrontierHasher("a.bin.part", () => contiguousEnd(completed, 0));
 */
export class WorkerFrontierHasher implements FrontierHash {
  private readonly worker: Worker;
  private sent = 0;
  private failure: Error | undefined;
  private digest: ((hex: string) => void) | undefined;
  private closed = false;

  constructor(
    path: string,
    private readonly prefixEnd: () => number,
  ) {
    hashWasmPath ??= createRequire(import.meta.url).resolve("hash-wasm");
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // The source is plain CommonJS and needs no option: a parent's --input-type=module must not make it
      // ESM (the process-wide ones, like OpenSSL's legacy provider, apply anyway).
      execArgv: [],
      workerData: { path, backend: whirlpoolBackend(), hashWasm: hashWasmPath },
    });
    this.worker.on("message", (m: { type: string; hex?: string; message?: string }) => {
      if (m.type === "digest" && m.hex) this.digest?.(m.hex);
      if (m.type === "error") this.fail(new Error(`hashing the download failed: ${m.message}`));
    });
    this.worker.on("error", (e) => this.fail(e));
    // Not unref'd: while the digest is awaited, the worker is the only thing keeping the process alive
    // (the download's finally always calls close(), which terminates it).
  }

  private rejectFinish: ((e: Error) => void) | undefined;

  private fail(e: Error): void {
    this.failure ??= e;
    this.rejectFinish?.(this.failure);
  }

  poke(): void {
    if (this.closed || this.failure) return;
    const end = this.prefixEnd();
    if (end - this.sent >= ADVANCE_STEP) {
      this.sent = end;
      this.worker.postMessage({ type: "advance", to: end });
    }
  }

  finish(size: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.prefixEnd() < size) {
      return Promise.reject(new Error(`internal: hashing asked at ${this.prefixEnd()} of ${size}`));
    }
    return new Promise<string>((resolve, reject) => {
      this.digest = resolve;
      this.rejectFinish = reject;
      this.worker.postMessage({ type: "finish", to: size });
    }).finally(() => void this.close());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }
}

// The helper process: CommonJS given with -e, the file path as its argument, IPC for the frontier moves.
const PROCESS_SOURCE = `
const fs = require("node:fs");
let h;
try {
  h = require("node:crypto").createHash("whirlpool");
} catch {
  h = undefined;
}
const fd = h ? fs.openSync(process.argv[1], "r") : -1;
const buf = Buffer.allocUnsafe(${READ_CHUNK});
let hashed = 0;
let failed = false;
process.on("message", (m) => {
  if (failed) return;
  try {
    while (hashed < m.to) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, m.to - hashed), hashed);
      if (n <= 0) throw new Error("short read at " + hashed);
      h.update(buf.subarray(0, n));
      hashed += n;
    }
    if (m.type === "finish") process.send({ type: "digest", hex: h.digest("hex") });
  } catch (e) {
    failed = true;
    process.send({ type: "error", message: String(e && e.message ? e.message : e) });
  }
});
process.on("disconnect", () => process.exit(0));
if (h) process.send({ type: "ready" });
else process.send({ type: "unavailable" }, () => process.exit(0));
`;

/** Whether `node --openssl-legacy-provider` gave node:crypto Whirlpool here (undefined: not tried yet). */
let legacyProviderWorks: boolean | undefined;

/**
 * Frontier hasher in a helper Node process started with `--openssl-legacy-provider`; it reads the file
 * through its own descriptor. `start` resolves undefined when that Node has no Whirlpool.
 *
 * @example
 * const fh = await ProcessFrontierHasher.start("a.bin.part", () => contiguousEnd(completed, 0));
 */
export class ProcessFrontierHasher implements FrontierHash {
  private sent = 0;
  private failure: Error | undefined;
  private settle: { resolve: (hex: string) => void; reject: (e: Error) => void } | undefined;
  private closed = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly prefixEnd: () => number,
  ) {
    child.on("message", (m: { type: string; hex?: string; message?: string }) => {
      if (m.type === "digest" && m.hex) this.settle?.resolve(m.hex);
      if (m.type === "error") this.fail(new Error(`hashing failed: ${m.message}`));
    });
    child.on("exit", () => {
      if (!this.closed) this.fail(new Error("the hashing helper process ended early"));
    });
  }

  /** Starts the helper; undefined when it cannot hash Whirlpool (then use a worker thread). */
  static start(path: string, prefixEnd: () => number): Promise<ProcessFrontierHasher | undefined> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(process.execPath, ["--openssl-legacy-provider", "-e", PROCESS_SOURCE, path], {
          stdio: ["ignore", "ignore", "ignore", "ipc"],
          // Options meant for the parent (e.g. a test runner's loaders) must not reach the helper, nor the
          // key or passphrase: it hashes a file and needs neither.
          env: { ...withoutSecrets(process.env), NODE_OPTIONS: "" },
        });
      } catch {
        legacyProviderWorks = false;
        resolve(undefined);
        return;
      }
      const give = (ok: boolean) => {
        child.removeAllListeners("message");
        child.removeAllListeners("exit");
        child.removeAllListeners("error");
        if (ok) {
          legacyProviderWorks = true;
          resolve(new ProcessFrontierHasher(child, prefixEnd));
        } else {
          legacyProviderWorks = false;
          child.kill();
          resolve(undefined);
        }
      };
      child.once("message", (m: { type: string }) => give(m.type === "ready"));
      child.once("exit", () => give(false));
      child.once("error", () => give(false));
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.settle?.reject(this.failure);
  }

  poke(): void {
    if (this.closed || this.failure) return;
    const end = this.prefixEnd();
    if (end - this.sent >= ADVANCE_STEP) {
      this.sent = end;
      this.child.send({ type: "advance", to: end });
    }
  }

  finish(size: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.prefixEnd() < size) {
      return Promise.reject(new Error(`internal: hashing asked at ${this.prefixEnd()} of ${size}`));
    }
    return new Promise<string>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.child.send({ type: "finish", to: size });
    }).finally(() => void this.close());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise((r) => this.child.once("exit", r));
      this.child.disconnect?.();
      this.child.kill();
      await gone;
    }
  }
}
