/**
 * Whirlpool off the main thread: one worker per emulator hashes every upload, so parsing, disk writes and hashing
 * overlap (Whirlpool is the costliest step of an upload). Falls back to hashing in-thread if the worker fails.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { createWhirlpool } from "hash-wasm";

/** An incremental hash of one file. */
export interface FileHasher {
  update(chunk: Buffer): Promise<void>;
  digest(): Promise<string>;
  abort(): void;
}

// Plain CommonJS run with `eval: true`, so it works the same from the TypeScript sources (vitest) and from dist/.
// node:crypto's Whirlpool (about 270 MiB/s, almost twice hash-wasm) exists only when Node was started with
// OpenSSL's legacy provider, as the fichier command is: then the worker uses it, else hash-wasm.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const crypto = require("node:crypto");
let native = crypto.getHashes().includes("whirlpool");
try { if (native) crypto.createHash("whirlpool"); } catch { native = false; }
async function fresh() {
  if (native) {
    const h = crypto.createHash("whirlpool");
    return { update: (b) => h.update(b), digest: () => h.digest("hex") };
  }
  const h = await require(workerData.hashWasm).createWhirlpool();
  h.init();
  return { update: (b) => h.update(b), digest: () => h.digest("hex") };
}
const states = new Map();
let chain = Promise.resolve();
async function handle(m) {
  if (m.t === "u") {
    let h = states.get(m.id);
    if (!h) { h = await fresh(); states.set(m.id, h); }
    h.update(new Uint8Array(m.b));
    parentPort.postMessage({ t: "a", id: m.id, n: m.b.byteLength });
  } else if (m.t === "d") {
    let h = states.get(m.id);
    if (!h) h = await fresh();
    states.delete(m.id);
    parentPort.postMessage({ t: "d", id: m.id, hex: h.digest() });
  } else if (m.t === "x") {
    states.delete(m.id);
  }
}
parentPort.on("message", (m) => {
  chain = chain.then(() => handle(m)).catch((e) => parentPort.postMessage({ t: "e", id: m.id, message: String(e) }));
});
`;

const MAX_IN_FLIGHT = 4 * 1024 * 1024;

interface Pending {
  inFlight: number;
  waiter: (() => void) | null;
  done: ((hex: string) => void) | null;
  fail: (e: Error) => void;
}

/**
 * Hands out {@link FileHasher}s backed by one shared worker.
 * @example
 * const pool = new HashPool(); const h = pool.create(); await h.update(buf); const hex = await h.digest(); pool.close();
 */
export class HashPool {
  private worker: Worker | null = null;
  private broken = false;
  private next = 1;
  private readonly files = new Map<number, Pending>();

  /** A new hasher: in the worker when it runs, in-thread otherwise. */
  create(): FileHasher {
    const worker = this.ensureWorker();
    return worker ? this.workerHasher(worker) : inThreadHasher();
  }

  /** Stops the worker. */
  close(): void {
    const w = this.worker;
    this.worker = null;
    this.broken = true;
    if (w) void w.terminate();
    for (const p of this.files.values()) p.fail(new Error("hasher closed"));
    this.files.clear();
  }

  private ensureWorker(): Worker | null {
    if (this.broken) return null;
    if (this.worker) return this.worker;
    try {
      const hashWasm = createRequire(import.meta.url).resolve("hash-wasm");
      // No options for the worker: the source is CommonJS whatever the parent's --input-type.
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { hashWasm }, execArgv: [] });
      w.unref();
      w.on("message", (m: { t: string; id: number; n?: number; hex?: string; message?: string }) => {
        const p = this.files.get(m.id);
        if (!p) return;
        if (m.t === "a") {
          p.inFlight -= m.n ?? 0;
          if (p.inFlight <= MAX_IN_FLIGHT / 2 && p.waiter) {
            const go = p.waiter;
            p.waiter = null;
            go();
          }
        } else if (m.t === "d") {
          this.files.delete(m.id);
          p.done?.(m.hex ?? "");
        } else if (m.t === "e") {
          this.files.delete(m.id);
          p.fail(new Error(`whirlpool worker: ${m.message}`));
        }
      });
      w.on("error", (e) => {
        this.broken = true;
        this.worker = null;
        for (const p of this.files.values()) p.fail(e);
        this.files.clear();
      });
      this.worker = w;
      return w;
    } catch {
      this.broken = true;
      return null;
    }
  }

  private workerHasher(worker: Worker): FileHasher {
    const id = this.next++;
    let failure: Error | null = null;
    const p: Pending = {
      inFlight: 0,
      waiter: null,
      done: null,
      fail: (e) => {
        failure = e;
        const w = p.waiter;
        p.waiter = null;
        w?.();
      },
    };
    this.files.set(id, p);
    return {
      update: async (chunk) => {
        if (failure) throw failure;
        // A private copy is transferred: the chunk may be a view into a buffer the parser reuses.
        const copy = new Uint8Array(chunk.length);
        copy.set(chunk);
        p.inFlight += copy.byteLength;
        worker.postMessage({ t: "u", id, b: copy.buffer }, [copy.buffer]);
        if (p.inFlight > MAX_IN_FLIGHT) {
          await new Promise<void>((resolve) => {
            p.waiter = resolve;
          });
          if (failure) throw failure;
        }
      },
      digest: () =>
        new Promise<string>((resolve, reject) => {
          if (failure) {
            reject(failure);
            return;
          }
          p.done = resolve;
          p.fail = reject;
          worker.postMessage({ t: "d", id });
        }),
      abort: () => {
        if (this.files.delete(id)) worker.postMessage({ t: "x", id });
      },
    };
  }
}

function inThreadHasher(): FileHasher {
  const ready = createWhirlpool().then((h) => {
    h.init();
    return h;
  });
  return {
    update: async (chunk) => {
      (await ready).update(chunk);
    },
    digest: async () => (await ready).digest("hex"),
    abort: () => {},
  };
}
