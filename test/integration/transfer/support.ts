// Shared setup for the transfer tests: an emulator on loopback, a real client for its premium account,
// temp folders, and random files of exact sizes (written in chunks, never held whole in memory).
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createClient, type FichierClient } from "../../../src/api/client.js";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../../src/emulator/index.js";

export interface TransferHarness {
  em: RunningEmulator;
  key: string;
  client: FichierClient;
  tmp: string;
  close(): Promise<void>;
}

/** An emulator (limits off unless asked) plus a client on its premium account and a temp folder. */
export async function harness(opts: EmulatorOptions = {}): Promise<TransferHarness> {
  const em = await startEmulator({ limits: "off", ...opts });
  const premium = em.accounts.find((a) => a.offer === 1);
  if (!premium) throw new Error("no premium account");
  const client = createClient({ apiKey: premium.apiKey, apiUrl: em.apiUrl, governor: false });
  const tmp = await mkdtemp(join(tmpdir(), "fichier-transfer-"));
  return {
    em,
    key: premium.apiKey,
    client,
    tmp,
    async close() {
      await em.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** Writes `size` random bytes to `path`, 1 MiB at a time. */
export async function randomFile(path: string, size: number): Promise<void> {
  async function* chunks() {
    for (let left = size; left > 0; left -= 1024 * 1024) yield randomBytes(Math.min(left, 1024 * 1024));
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
}
