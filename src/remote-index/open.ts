// Opening a remote index: persistent (SQLite in the state folder, loaded by a dynamic import so the library's
// main entry never loads the native module) or in memory, subscribed to its client's listings and changes.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { defaultStateDir } from "../api/budget-store.js";
import { type ClientOptions, createClient, type FichierClient } from "../api/client.js";
import { MemoryIndexStore } from "./memory-store.js";
import { type IndexOptions, RemoteIndex } from "./remote-index.js";
import type { IndexStore } from "./store.js";

/** Options of `openIndex`. */
export interface OpenIndexOptions extends IndexOptions {
  /** Folder of the index file: this, else `FICHIER_STATE_DIR`, else the user's cache dir (as the governor's). */
  stateDir?: string;
  /** Keep the rows in memory, for this process only (no file). */
  memory?: boolean;
  /**
   * What names the service in the file's name, instead of the API URL: for a service whose URL changes while
   * its data stays (the command line's embedded emulator, on a new port each run).
   */
  service?: string;
}

/** A RemoteIndex with the client it reads through. */
export type OpenedIndex = RemoteIndex & { readonly client: FichierClient };

/**
 * Opens the account's remote index. Given a client, the index reads through it and is told of its listings and
 * changes until `close()`; given client options, it makes that client (and closes it with the index). The file
 * is `<stateDir>/index-<key fingerprint>-<service>.sqlite` (mode 0600, never named after the key itself),
 * shared by every fichier process of the machine using that key and service.
 *
 * @example
 * ```ts
 * import { openIndex } from "fichier";
 * const index = await openIndex({ apiKey: process.env.FICHIER_API_KEY! });
 * const f = await index.resolveFile("/backups/db.sql");
 * await index.client.download.getToken({ url: f.url });
 * await index.close();
 * ```
 */
export async function openIndex(
  source: FichierClient | ClientOptions,
  options: OpenIndexOptions = {},
): Promise<OpenedIndex> {
  const owned = !isClient(source);
  const client = isClient(source) ? source : createClient(source);
  try {
    const store = options.memory ? new MemoryIndexStore() : await openFileStore(client, options);
    const governor = client.governor;
    const now = options.now ?? (governor ? () => governor.now() : Date.now);
    const index = new RemoteIndex(store, client, { ...options, now }) as OpenedIndex;
    Object.defineProperty(index, "client", { value: client, enumerable: true });
    const off = client.observe(index);
    index.onClose(async () => {
      off();
      if (owned) await client.close();
    });
    return index;
  } catch (e) {
    if (owned) await client.close();
    throw e;
  }
}

/**
 * The path of an account's index file (`service` names the service instead of the client's API URL).
 * @example
 * ```ts
 * indexFile(client, "/home/me/.cache/fichier"); // "/home/me/.cache/fichier/index-3f1c9a0b7d2e4c51-6c1f09a2.sqlite"
 * ```
 */
export function indexFile(
  client: Pick<FichierClient, "keyFingerprint" | "apiUrl">,
  stateDir?: string,
  service?: string,
): string {
  // The service is part of the name: the emulator and 1fichier never share an index, even with one key.
  const hash = createHash("sha256")
    .update(service ?? client.apiUrl)
    .digest("hex")
    .slice(0, 8);
  return join(defaultStateDir(stateDir), `index-${client.keyFingerprint}-${hash}.sqlite`);
}

async function openFileStore(client: FichierClient, options: OpenIndexOptions): Promise<IndexStore> {
  const { SqliteIndexStore } = await import("./sqlite-store.js");
  return SqliteIndexStore.open(indexFile(client, options.stateDir, options.service), (why) =>
    options.onEvent?.({ type: "rebuilt", message: why }),
  );
}

function isClient(s: FichierClient | ClientOptions): s is FichierClient {
  return typeof (s as FichierClient).observe === "function";
}
