// Shared set-up of the client's integration tests: an emulator on loopback and a client for it.
import type { Readable } from "node:stream";
import { type ClientOptions, createClient, type FichierClient } from "../../../src/api/client.js";
import { AbortedError } from "../../../src/api/errors.js";
import type { Clock, GovernorOptions } from "../../../src/api/governor.js";

/** A governor that paces nothing (the emulator runs with limits off) and keeps no shared file. */
export const FAST: GovernorOptions = {
  shared: false,
  rate: 10_000,
  burst: 10_000,
  userInfoIntervalMs: 0,
  folderListIntervalMs: 0,
  allFilesListIntervalMs: 0,
  retry: { baseMs: 10, maxMs: 50 },
};

/**
 * A virtual clock for the governor (and, where passed, the emulator's limits): time moves only when
 * something sleeps, so minutes of pacing run in milliseconds and waits can be asserted exactly.
 */
export function virtualClock(start = Date.UTC(2026, 0, 5, 9)): Clock & { t: number; slept: number[] } {
  const c = {
    t: start,
    slept: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.slept.push(ms);
      c.t += Math.max(0, ms);
    },
  };
  return c;
}

/**
 * A clock running `factor` times faster than real time, from a fixed start: unlike `virtualClock`, its time
 * moves on its own, so concurrent calls and a live emulator see one consistent time, while a 2 s lock lasts
 * 2000 / factor ms of real time.
 */
export function scaledClock(factor: number, start = Date.UTC(2026, 0, 5, 9)): Clock {
  const realStart = performance.now();
  return {
    now: () => start + Math.floor((performance.now() - realStart) * factor),
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(new AbortedError());
        const t = setTimeout(resolve, Math.max(0, ms) / factor);
        signal?.addEventListener("abort", () => {
          clearTimeout(t);
          reject(new AbortedError());
        });
      }),
  };
}

export function clientFor(
  emu: { apiUrl: string },
  apiKey: string,
  extra: Partial<ClientOptions> = {},
): FichierClient {
  return createClient({ apiKey, apiUrl: emu.apiUrl, governor: FAST, ...extra });
}

/** An in-memory body for small test files (streams of a few chunks). */
export function bytes(
  text: string | Uint8Array,
  chunk = 7,
): { size: number; body: AsyncIterable<Uint8Array> } {
  const buf = typeof text === "string" ? Buffer.from(text) : Buffer.from(text);
  async function* gen() {
    for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
  }
  return { size: buf.length, body: gen() };
}

/** Uploads one small file and returns its link. */
export async function uploadOne(client: FichierClient, name: string, content: string, folderId = 0) {
  const server = await client.upload.getServer();
  await client.upload.send({ server, files: [{ name, ...bytes(content) }], folderId });
  for (let i = 0; i < 50; i++) {
    try {
      const r = await client.upload.finish({ server });
      if (r.links[0]) return r.links[0];
    } catch (e) {
      if ((e as Error).name !== "HtmlResponseError") throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("upload never finished");
}

export async function readAll(body: Readable | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}
