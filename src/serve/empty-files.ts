/**
 * Empty files held in memory for the server's life. Windows Explorer and macOS Finder create a file with an
 * empty PUT, then LOCK it and PUT the content; 1fichier refuses empty files, so refusing the first PUT would
 * make both fail to copy anything. Instead the server holds a 0-byte placeholder at that path: listed, readable
 * (empty), lockable, movable, deletable, and replaced by the real upload when the content comes. One that never
 * gets content is lost when the server stops (docs/serve.md, "Empty files"). A placeholder never replaces a
 * stored file: an empty PUT (or MOVE/COPY of a placeholder) onto one is refused, and the stored file kept.
 */
import { isSameOrInside, parentOf } from "./paths.js";
import { HttpError } from "./status.js";

/** Options of {@link EmptyFiles}. */
export interface EmptyFilesOptions {
  /** Most placeholders held at once (default 10 000): a bound on memory; past it an empty PUT is 507. */
  max?: number;
  now?: () => number;
}

/**
 * The placeholders of one server, by served path.
 *
 * @example
 * const empty = new EmptyFiles();
 * empty.add("/New Text Document.txt");
 * empty.get("/New Text Document.txt"); // its date
 */
export class EmptyFiles {
  private readonly files = new Map<string, Date>();
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: EmptyFilesOptions = {}) {
    this.max = options.max ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * When the placeholder at `path` was made, undefined when there is none.
   * @example
   * empty.get("/a.txt")?.toISOString();
   */
  get(path: string): Date | undefined {
    return this.files.get(path);
  }

  /**
   * Holds (or touches) the placeholder at `path`.
   *
   * @throws HttpError 507 past the bound
   * @example
   * empty.add("/New Text Document.txt");
   */
  add(path: string): void {
    if (!this.files.has(path) && this.files.size >= this.max) {
      throw new HttpError(
        507,
        `this server already holds ${this.max} empty files (1fichier cannot store them)`,
      );
    }
    this.files.set(path, new Date(this.now()));
  }

  /**
   * Drops the placeholder at `path` (its real file was stored, or it was deleted).
   * @example
   * empty.remove("/a.txt");
   */
  remove(path: string): void {
    this.files.delete(path);
  }

  /**
   * Drops the placeholders at `path` and inside it.
   * @example
   * empty.removeTree("/old");
   */
  removeTree(path: string): void {
    for (const p of [...this.files.keys()]) if (isSameOrInside(p, path)) this.files.delete(p);
  }

  /**
   * Copies the placeholders at `from` (and, with `deep`, inside it) to the same places under `to`.
   * @example
   * empty.copyTree("/a", "/b", true);
   */
  copyTree(from: string, to: string, deep: boolean): void {
    for (const [p, date] of [...this.files]) {
      if (p === from || (deep && isSameOrInside(p, from))) this.files.set(to + p.slice(from.length), date);
    }
  }

  /**
   * Moves the placeholders at `from` and inside it to `to`.
   * @example
   * empty.moveTree("/a", "/b");
   */
  moveTree(from: string, to: string): void {
    const moved = [...this.files].filter(([p]) => isSameOrInside(p, from));
    this.removeTree(from);
    for (const [p, date] of moved) this.files.set(to + p.slice(from.length), date);
  }

  /**
   * The paths of the placeholders directly inside the folder `path`.
   * @example
   * empty.childrenOf("/docs"); // ["/docs/new.txt"]
   */
  childrenOf(path: string): string[] {
    return [...this.files.keys()].filter((p) => p !== "/" && parentOf(p) === path);
  }
}
