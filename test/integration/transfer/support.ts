// Shared setup for the transfer tests: an emulator of the one harness (test/helpers/emulator.ts), a real
// client for its premium account and a temp folder, opened and closed around a test file.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createClient, type FichierClient } from "../../../src/api/client.js";
import type { EmulatorOptions } from "../../../src/emulator/index.js";
import { type TestEmulator, useEmulator } from "../../helpers/emulator.js";

export { randomFile } from "../../helpers/files.js";

export interface TransferHarness {
  em: TestEmulator;
  key: string;
  client: FichierClient;
  tmp: string;
}

/**
 * A test file's opening: an emulator (limits off unless asked), a client on its premium account (no governor)
 * and a temp folder, made before the file's tests and closed or removed after them. Options known only once
 * earlier `beforeAll` hooks ran (a proxy's port) are given as a function.
 *
 * @example
 * const h = useTransferHarness({ bandwidth: 4 * 1024 * 1024 });
 * it("uploads", async () => { await uploadFile(h.client, { path: join(h.tmp, "a.bin") }); });
 */
export function useTransferHarness(opts: EmulatorOptions | (() => EmulatorOptions) = {}): TransferHarness {
  const em = useEmulator(opts);
  let client: FichierClient | undefined;
  let tmp: string | undefined;
  beforeAll(async () => {
    client = createClient({ apiKey: em.premium.apiKey, apiUrl: em.apiUrl, governor: false });
    tmp = await mkdtemp(join(tmpdir(), "fichier-transfer-"));
  });
  afterAll(async () => {
    await client?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined)
      throw new Error("useTransferHarness: used outside the tests of the file that opened it");
    return v;
  };
  return {
    em,
    get key() {
      return em.premium.apiKey;
    },
    get client() {
      return ready(client);
    },
    get tmp() {
      return ready(tmp);
    },
  };
}
