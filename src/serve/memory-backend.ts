/**
 * A {@link ServeBackend} in memory: the tree lives as long as the server. It serves `fichier serve webdav
 * :memory:` (try a WebDAV client without touching the account, as rclone's `:memory:` remote does) and the
 * protocol tests. It keeps 1fichier's rules that a client can meet: empty files are refused, a write becomes
 * visible only once complete, and the total size is bounded (507 past it).
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  BackendError,
  type ByteRange,
  type Entry,
  type ServeBackend,
  type TransferOptions,
  type WriteOptions,
} from "./backend.js";
import { baseName, childPath, isSameOrInside, parentOf } from "./paths.js";

interface FileNode {
  kind: "file";
  chunks: Buffer[];
  size: number;
  modified: Date;
  hash: string;
}
interface FolderNode {
  kind: "folder";
  children: Map<string, Node>;
  modified: Date;
}
type Node = FileNode | FolderNode;

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /** Most bytes stored in all (default 256 MiB); a write past it is `insufficient-storage`. */
  maxBytes?: number;
  /** The clock for modification dates. */
  now?: () => Date;
}

/** Chunk size of reads: small enough that a slow client never holds much. */
const READ_CHUNK = 64 * 1024;

/**
 * The in-memory backend.
 *
 * @example
 * const backend = new MemoryBackend({ maxBytes: 64 * 1024 * 1024 });
 * await backend.mkdir("/music");
 */
export class MemoryBackend implements ServeBackend {
  private readonly root: FolderNode;
  private readonly maxBytes: number;
  private readonly now: () => Date;
  private used = 0;

  constructor(options: MemoryBackendOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.now = options.now ?? (() => new Date());
    this.root = { kind: "folder", children: new Map(), modified: this.now() };
  }

  async stat(path: string): Promise<Entry> {
    return entryOf(path, this.find(path));
  }

  async list(path: string): Promise<Entry[]> {
    const node = this.find(path);
    if (node.kind !== "folder") throw new BackendError("conflict", `${path} is a file, not a folder`);
    return [...node.children].map(([name, child]) => entryOf(childPath(path, name), child));
  }

  async read(entry: Entry, range: ByteRange | undefined, _signal: AbortSignal): Promise<Readable> {
    const node = this.find(entry.path);
    if (node.kind !== "file") throw new BackendError("conflict", `${entry.path} is a folder`);
    const start = range?.start ?? 0;
    const end = range?.end ?? node.size - 1;
    return Readable.from(slices(node.chunks, start, end), { objectMode: false });
  }

  async write(path: string, body: Readable, options: WriteOptions): Promise<Entry> {
    if (options.size <= 0) throw new BackendError("forbidden", "1fichier cannot store empty files");
    const parent = this.parentFolder(path);
    const existing = parent.children.get(baseName(path));
    if (existing?.kind === "folder") throw new BackendError("conflict", `${path} is a folder`);
    const freed = existing?.size ?? 0;
    if (this.used - freed + options.size > this.maxBytes) {
      throw new BackendError(
        "insufficient-storage",
        `the in-memory store is full (${this.maxBytes} bytes at most)`,
      );
    }
    const chunks: Buffer[] = [];
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of body) {
      const b = chunk as Buffer;
      chunks.push(b);
      hash.update(b);
      size += b.length;
    }
    // The layer guarantees the length; a backend still never stores what it did not fully receive.
    if (size !== options.size || options.signal.aborted) {
      throw new BackendError("conflict", `received ${size} of ${options.size} bytes; nothing was stored`);
    }
    // Checked again: another write may have filled the store while this one streamed.
    const now = this.parentFolder(path).children.get(baseName(path));
    this.used += size - (now?.kind === "file" ? now.size : 0);
    const node: FileNode = { kind: "file", chunks, size, modified: this.now(), hash: hash.digest("hex") };
    this.parentFolder(path).children.set(baseName(path), node);
    return entryOf(path, node);
  }

  async mkdir(path: string): Promise<Entry> {
    const parent = this.parentFolder(path);
    if (parent.children.has(baseName(path))) throw new BackendError("exists", `${path} already exists`);
    const node: FolderNode = { kind: "folder", children: new Map(), modified: this.now() };
    parent.children.set(baseName(path), node);
    return entryOf(path, node);
  }

  async remove(path: string): Promise<void> {
    if (path === "/") throw new BackendError("forbidden", "the served root cannot be deleted");
    const node = this.find(path);
    this.parentFolder(path).children.delete(baseName(path));
    this.used -= bytesIn(node);
  }

  async move(from: string, to: string, options: TransferOptions): Promise<void> {
    const node = this.find(from);
    this.place(to, node, options, from);
    this.parentFolder(from).children.delete(baseName(from));
  }

  async copy(from: string, to: string, options: TransferOptions): Promise<void> {
    const node = this.find(from);
    const copy = clone(node);
    if (this.used + bytesIn(copy) - this.bytesAt(to) > this.maxBytes) {
      throw new BackendError("insufficient-storage", "the in-memory store is full");
    }
    this.place(to, copy, options);
    this.used += bytesIn(copy);
  }

  /** Puts `node` at `to`, replacing what is there when allowed. */
  private place(to: string, node: Node, options: TransferOptions, from?: string): void {
    if (from !== undefined && isSameOrInside(to, from))
      throw new BackendError("forbidden", "cannot move into itself");
    const parent = this.parentFolder(to);
    const existing = parent.children.get(baseName(to));
    if (existing && !options.overwrite) throw new BackendError("exists", `${to} already exists`);
    if (existing) this.used -= bytesIn(existing);
    parent.children.set(baseName(to), node);
  }

  private bytesAt(path: string): number {
    try {
      return bytesIn(this.find(path));
    } catch {
      return 0;
    }
  }

  private find(path: string): Node {
    let node: Node = this.root;
    if (path === "/") return node;
    for (const name of path.slice(1).split("/")) {
      const next: Node | undefined = node.kind === "folder" ? node.children.get(name) : undefined;
      if (!next) throw new BackendError("not-found", `${path} does not exist`);
      node = next;
    }
    return node;
  }

  private parentFolder(path: string): FolderNode {
    if (path === "/") throw new BackendError("forbidden", "the served root has no parent");
    let parent: Node;
    try {
      parent = this.find(parentOf(path));
    } catch {
      throw new BackendError("conflict", `the folder ${parentOf(path)} does not exist`);
    }
    if (parent.kind !== "folder")
      throw new BackendError("conflict", `${parentOf(path)} is a file, not a folder`);
    return parent;
  }
}

function entryOf(path: string, node: Node): Entry {
  const base = { path, name: path === "/" ? "" : baseName(path), modified: node.modified };
  if (node.kind === "folder") return { ...base, kind: "folder", size: 0 };
  return { ...base, kind: "file", size: node.size, etag: node.hash };
}

function bytesIn(node: Node): number {
  if (node.kind === "file") return node.size;
  let n = 0;
  for (const c of node.children.values()) n += bytesIn(c);
  return n;
}

function clone(node: Node): Node {
  if (node.kind === "file") return { ...node, chunks: [...node.chunks] };
  return {
    kind: "folder",
    modified: node.modified,
    children: new Map([...node.children].map(([k, v]) => [k, clone(v)])),
  };
}

/** The bytes `start..end` (inclusive) of a file's chunks, in pieces of at most {@link READ_CHUNK}. */
function* slices(chunks: Buffer[], start: number, end: number): Generator<Buffer> {
  let offset = 0;
  for (const c of chunks) {
    const from = Math.max(start, offset);
    const to = Math.min(end + 1, offset + c.length);
    for (let p = from; p < to; p += READ_CHUNK)
      yield c.subarray(p - offset, Math.min(to, p + READ_CHUNK) - offset);
    offset += c.length;
    if (offset > end) return;
  }
}
