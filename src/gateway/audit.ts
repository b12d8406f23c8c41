// The audit log: one JSON line per request in `<gateway dir>/audit.log` (mode 0600), rotated by size into
// audit.log.1 … audit.log.N. Records are built from names, ids and numbers only; the real key and the tokens
// never enter one, and every line still goes through the redactor as a last guard.
import { type FileHandle, mkdir, open, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { redactValue } from "../redact.js";

/** One request, as logged. */
export interface AuditRecord {
  /** ISO date the request arrived. */
  time: string;
  /** Token name, or null when no valid token was presented. */
  token: string | null;
  ip: string;
  method: string;
  /** `file/ls.cgi`, `upload.cgi`, `dl` (a relayed download), or the path asked for when unknown. */
  endpoint: string;
  /** File ids and folder ids the request named. */
  targets: { files?: string[]; folders?: number[] };
  /** HTTP status sent to the client. */
  status: number;
  /** The `#code` of a KO answer (1fichier's or the gateway's), else null. */
  code: number | null;
  /** Why the gateway refused or cut the request (`auth:unknown`, `scope`, `folder`, `ip`, ...). */
  reason?: string;
  ms: number;
}

export interface AuditLogOptions {
  /** Size at which the file is rotated; default 10 MiB. */
  maxBytes?: number;
  /** Rotated files kept; default 5. */
  keep?: number;
}

/** The log's file name in the gateway folder. */
export const AUDIT_FILE = "audit.log";

/** The most rotated files a reader looks for (`keep` is 5 by default). */
const MAX_ROTATED = 20;

/**
 * Appends records, one JSON line each, in order.
 * @example
 * const audit = new AuditLog(dir);
 * audit.write({ time, token: "nas", ip, method: "POST", endpoint: "file/ls.cgi", targets: {}, status: 200, code: null, ms: 12 });
 * await audit.close();
 */
export class AuditLog {
  private readonly path: string;
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private handle: FileHandle | undefined;
  private size = 0;
  private queue: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    dir: string,
    opts: AuditLogOptions = {},
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.dir = dir;
    this.path = join(dir, AUDIT_FILE);
    this.maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
    this.keep = opts.keep ?? 5;
  }

  /** Queues one record (the write order is the call order). */
  write(record: AuditRecord): void {
    const line = `${JSON.stringify(redactValue(record))}\n`;
    this.queue = this.queue.then(() => this.append(line)).catch((e: Error) => this.reportOnce(e));
  }

  /** Waits for queued writes and closes the file. */
  async close(): Promise<void> {
    await this.queue;
    await this.handle?.close();
    this.handle = undefined;
  }

  private reportOnce(e: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.warn(`the audit log ${this.path} cannot be written (${e.message}): requests go on unlogged`);
  }

  private async append(line: string): Promise<void> {
    const bytes = Buffer.byteLength(line);
    if (!this.handle) {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      this.handle = await open(this.path, "a", 0o600);
      this.size = (await this.handle.stat()).size;
    }
    if (this.size > 0 && this.size + bytes > this.maxBytes) await this.rotate();
    await (this.handle as FileHandle).appendFile(line);
    this.size += bytes;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    for (let i = this.keep - 1; i >= 1; i--) {
      await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => {});
    }
    await rename(this.path, `${this.path}.1`);
    this.handle = await open(this.path, "a", 0o600);
    this.size = 0;
  }
}

/** Options of {@link readAuditLog}. */
export interface ReadAuditOptions {
  /** Only this token's records. */
  token?: string;
  /** Keep reading new records until `signal` aborts. */
  follow?: boolean;
  signal?: AbortSignal;
  /** How often `follow` looks for new lines; default 500 ms. */
  pollMs?: number;
}

function matches(line: string, token: string | undefined): AuditRecord | undefined {
  try {
    const r = JSON.parse(line) as AuditRecord;
    return token === undefined || r.token === token ? r : undefined;
  } catch {
    return undefined; // a line cut by a crash mid-write
  }
}

/**
 * Reads the complete lines of an open file from `start` to its end; returns the offset after the last
 * complete line (a line still being written is read on the next call).
 */
async function readLines(handle: FileHandle, start: number, each: (line: string) => void): Promise<number> {
  const buf = Buffer.alloc(64 * 1024);
  let carry = Buffer.alloc(0);
  let position = start;
  let consumed = start;
  for (;;) {
    const { bytesRead } = await handle.read(buf, 0, buf.length, position);
    if (bytesRead === 0) return consumed;
    position += bytesRead;
    const data = Buffer.concat([carry, buf.subarray(0, bytesRead)]);
    let from = 0;
    for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, from)) {
      each(data.subarray(from, nl).toString("utf8"));
      from = nl + 1;
    }
    consumed += from;
    carry = Buffer.from(data.subarray(from));
  }
}

async function readFile(path: string, each: (line: string) => void): Promise<void> {
  const handle = await open(path, "r").catch(() => undefined);
  if (!handle) return;
  try {
    await readLines(handle, 0, each);
  } finally {
    await handle.close();
  }
}

/**
 * Opens the files written after the one with inode `held`: the current file and the rotated ones, looked at
 * newest first (`audit.log`, `.1`, `.2`, ...) down to the held one, and returned oldest first. A rotation
 * while looking moves files the same way as the look (to higher numbers), so each file is seen at least once
 * (twice is caught by its inode), and a number missing in the middle of a rotation is stepped over.
 */
async function openNewerThan(path: string, held: number | undefined): Promise<FileHandle[]> {
  const found: FileHandle[] = [];
  const inodes = new Set<number>();
  for (let i = 0; i <= MAX_ROTATED; i++) {
    const handle = await open(i === 0 ? path : `${path}.${i}`, "r").catch(() => undefined);
    if (!handle) continue;
    const { ino } = await handle.stat();
    if (ino === held || inodes.has(ino)) {
      await handle.close();
      if (ino === held) break;
      continue;
    }
    inodes.add(ino);
    found.push(handle);
  }
  return found.reverse();
}

/**
 * Reads the audit log, oldest first (rotated files, then the current one), and with `follow` goes on with
 * the lines written afterwards until the signal aborts. A rotation while following loses nothing: the old
 * file is read to its end (through the handle still open on it) before the new one.
 * @example
 * await readAuditLog(dir, { token: "nas" }, (r) => console.log(r.endpoint, r.status));
 */
export async function readAuditLog(
  dir: string,
  opts: ReadAuditOptions,
  onRecord: (r: AuditRecord) => void,
): Promise<void> {
  const path = join(dir, AUDIT_FILE);
  const each = (line: string) => {
    const r = matches(line, opts.token);
    if (r) onRecord(r);
  };
  for (let i = MAX_ROTATED; i >= 1; i--) await readFile(`${path}.${i}`, each);
  if (!opts.follow) return readFile(path, each);
  let handle = await open(path, "r").catch(() => undefined);
  let offset = handle ? await readLines(handle, 0, each) : 0;
  try {
    while (!opts.signal?.aborted) {
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
      if (handle) offset = await readLines(handle, offset, each);
      const current = await stat(path).catch(() => undefined);
      const held = handle ? (await handle.stat()).ino : undefined;
      if (!current || current.ino === held) continue;
      // Rotated (maybe more than once): the held file's last lines (the writer may have added some since the
      // read above, before it renamed the file), then every file written after it, oldest first; the newest
      // is the one followed from now on.
      if (handle) await readLines(handle, offset, each);
      await handle?.close();
      const newer = await openNewerThan(path, held);
      handle = newer.pop();
      for (const older of newer) {
        await readLines(older, 0, each);
        await older.close();
      }
      offset = handle ? await readLines(handle, 0, each) : 0;
    }
  } finally {
    await handle?.close();
  }
}
