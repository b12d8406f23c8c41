/**
 * The {@link ServeBackend} of `fichier serve webdav|http [PATH]` over the account: a thin front end with no
 * 1fichier knowledge of its own. Browsing goes through the remote index (lookup.ts: the one resolver, listings
 * under the service's limits, served from the index while fresh), changes through the client whose changes the
 * index writes through (changes.ts), reads through the transfer layer's token URLs with Range (reader.ts), and
 * PUT through its streamed, journaled, verified upload (writer.ts). docs/serve.md, "Serving the account".
 */
import type { Readable } from "node:stream";
import type { OpenedIndex } from "../../remote-index/open.js";
import type { UploadJournal } from "../../transfer/upload-journal.js";
import {
  BackendError,
  type ByteRange,
  type Entry,
  type ServeBackend,
  type TransferOptions,
  type WriteOptions,
} from "../backend.js";
import { baseName, parentOf } from "../paths.js";
import { type ChangeContext, copyPath, movePath, removePath } from "./changes.js";
import { backendCall } from "./errors.js";
import { AccountPaths, type ServedRoot } from "./lookup.js";
import { AccountReader } from "./reader.js";
import { type WriteContext, writePath } from "./writer.js";

/** Options of {@link openAccountBackend}. */
export interface AccountBackendOptions {
  /** The remote folder served as `/`: a path (default `/`) or a folder id. */
  root?: string;
  /** The upload journal of the account (`openUploadJournal`): without it, no protection across restarts. */
  journal?: UploadJournal;
  /** Warnings (an upload waiting for another process, an answer lost). */
  onWarning?: (message: string) => void;
  /** How long end.pl is polled after a PUT (default 10 min). */
  endTimeoutMs?: number;
  /** First pause between end.pl polls (default 1 s). */
  endPollMs?: number;
}

/**
 * Opens the backend of one served folder of the account. The backend takes `index` over: its `close()` (called
 * by the server once stopped) closes the index.
 *
 * @throws NotFoundError when `root` does not exist; WrongKindError when it is a file (the CLI's exit 3 and 2)
 * @example
 * const index = await openIndex({ apiKey });
 * const backend = await openAccountBackend(index, { root: "/films", journal: openUploadJournal(apiKey) });
 * const server = await startServer({ backend, flavour: "webdav", port: 8080 });
 */
export async function openAccountBackend(
  index: OpenedIndex,
  options: AccountBackendOptions = {},
): Promise<AccountBackend> {
  const folder = await index.resolveFolder(options.root ?? "/");
  const path = folder.path ?? (await index.folderPath(folder.id));
  return new AccountBackend(index, { id: folder.id, path, since: new Date() }, options);
}

/**
 * The account, served.
 *
 * @example
 * const entries = await backend.list("/");
 */
export class AccountBackend implements ServeBackend {
  private readonly paths: AccountPaths;
  private readonly reader: AccountReader;
  private readonly changes: ChangeContext;
  private readonly writes: WriteContext;

  constructor(index: OpenedIndex, root: ServedRoot, options: AccountBackendOptions = {}) {
    this.paths = new AccountPaths(index, root);
    this.reader = new AccountReader(index.client);
    const forget = (url: string) => this.reader.forget(url);
    this.changes = { paths: this.paths, client: index.client, forget };
    this.writes = {
      ...this.changes,
      journal: options.journal,
      onWarning: options.onWarning ?? (() => {}),
      ...(options.endTimeoutMs !== undefined ? { endTimeoutMs: options.endTimeoutMs } : {}),
      ...(options.endPollMs !== undefined ? { endPollMs: options.endPollMs } : {}),
    };
  }

  /** The remote path served as `/`. */
  get rootPath(): string {
    return this.paths.root.path;
  }

  async stat(path: string): Promise<Entry> {
    const found = await this.paths.find(path);
    if (!found) throw new BackendError("not-found", `${path} does not exist`);
    return found.entry;
  }

  list(path: string): Promise<Entry[]> {
    return this.paths.list(path);
  }

  read(entry: Entry, range: ByteRange | undefined, signal: AbortSignal): Promise<Readable> {
    return this.reader.read(entry, range, signal);
  }

  write(path: string, body: Readable, options: WriteOptions): Promise<Entry> {
    return writePath(this.writes, path, body, options);
  }

  async mkdir(path: string): Promise<Entry> {
    const parent = await this.paths.folder(parentOf(path));
    const name = baseName(path);
    if ((await this.paths.namesIn(parent.id, path)).has(name))
      throw new BackendError("exists", `${path} already exists`);
    await backendCall(path, () => this.changes.client.folders.create({ name, parentId: parent.id }));
    return this.stat(path);
  }

  remove(path: string): Promise<void> {
    return removePath(this.changes, path);
  }

  move(from: string, to: string, options: TransferOptions): Promise<void> {
    return movePath(this.changes, from, to, options);
  }

  copy(from: string, to: string, options: TransferOptions): Promise<void> {
    return copyPath(this.changes, from, to, options);
  }

  /** Closes the index it was given (and the client the index made, if it made one). */
  close(): Promise<void> {
    return this.paths.index.close();
  }
}
