/**
 * Helpers of the tests of `fichier serve` over the account: a server with the account backend over an emulator
 * on loopback (limits off, no pacing), through the real index, client, journal and transfer layer; and the
 * emulator's own counts of the calls it answered.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { createClient, type FichierClient } from "../../src/api/client.js";
import { type OpenedIndex, openIndex } from "../../src/remote-index/open.js";
import { type AccountBackend, openAccountBackend } from "../../src/serve/account/backend.js";
import {
  type RunningServer,
  type ServeLogEvent,
  type ServerOptions,
  startServer,
} from "../../src/serve/server.js";
import { openUploadJournal, type UploadJournal } from "../../src/transfer/upload-journal.js";
import type { TestEmulator } from "../helpers/emulator.js";
import { FAST } from "../integration/client/support.js";
import { call, type Reply } from "./support.js";

export { callsTo, listings } from "../integration/remote-index/support.js";

/** A server over the account, and what stands behind it. */
export interface AccountServer {
  server: RunningServer;
  backend: AccountBackend;
  index: OpenedIndex;
  client: FichierClient;
  journal: UploadJournal;
  url: string;
  port: number;
  log: ServeLogEvent[];
  warnings: string[];
  call(
    method: string,
    path: string,
    o?: { headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<Reply>;
}

const open: AccountServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.server.close({ drainMs: 100 })));
});

/**
 * Serves the folder `root` of the emulator's premium account (made when missing), closed after each test.
 *
 * @example
 * const t = await serveAccount(emu, { root: "/propfind" });
 * await t.call("PROPFIND", "/", { headers: { Depth: "1" } });
 */
export async function serveAccount(
  emu: TestEmulator,
  o: { root?: string; stateDir?: string; server?: Partial<ServerOptions>; maxAgeMs?: number } = {},
): Promise<AccountServer> {
  const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), "fichier-serve-state-"));
  const client = createClient({ apiKey: emu.premium.apiKey, apiUrl: emu.apiUrl, governor: FAST });
  const warnings: string[] = [];
  const index = await openIndex(client, {
    stateDir,
    ...(o.maxAgeMs !== undefined ? { maxAgeMs: o.maxAgeMs } : {}),
    onEvent: (e) => warnings.push(e.message),
  });
  index.onClose(() => client.close());
  if (o.root && o.root !== "/") await index.resolveFolder(o.root, { create: true });
  const journal = openUploadJournal(emu.premium.apiKey, { dir: stateDir });
  const backend = await openAccountBackend(index, {
    root: o.root ?? "/",
    journal,
    onWarning: (m) => warnings.push(m),
    endPollMs: 20,
  });
  const log: ServeLogEvent[] = [];
  const server = await startServer({
    flavour: "webdav",
    ...o.server,
    backend,
    port: 0,
    host: "127.0.0.1",
    log: (e) => log.push(e),
  });
  const t: AccountServer = {
    server,
    backend,
    index,
    client,
    journal,
    url: server.url,
    port: server.port,
    log,
    warnings,
    call: (method, path, opts = {}) => call(server.port, method, path, opts),
  };
  open.push(t);
  return t;
}
