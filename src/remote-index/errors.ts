// The resolver's own refusal: a reference names the wrong kind of thing (a file where a folder is needed, a
// share where one of the account's folders is needed, ...). Retrying or creating cannot fix it; the argument
// must change, so it is a usage error (exit 2) like the other malformed references (InvalidUrlError).
import { InvalidUrlError, NotFoundError } from "../api/errors.js";

/** What a reference turned out to be, or was expected to be. */
export type ItemKind = "folder" | "file" | "share";

/**
 * A reference names a file where a folder is needed (a path through a file included), a folder where a file is
 * needed, or a public share where one of the account's folders is needed. A subclass of InvalidUrlError, so the
 * command line maps it to exit 2 (usage) with the other references it cannot use.
 *
 * @example
 * ```ts
 * if (e instanceof WrongKindError && e.found === "file") console.error(`${e.path} is a file`);
 * ```
 */
export class WrongKindError extends InvalidUrlError {
  override name = "WrongKindError";
  readonly expected: ItemKind;
  readonly found: ItemKind;
  /** The reference as given, or the path walked up to the item of the wrong kind. */
  readonly path: string;

  constructor(path: string, expected: ItemKind, found: ItemKind, hint: string) {
    super(`${path} is ${article(found)}, not ${article(expected)}`, { hint });
    this.path = path;
    this.expected = expected;
    this.found = found;
  }
}

function article(kind: ItemKind): string {
  return kind === "share" ? "a public share" : `a ${kind}`;
}

/**
 * A read with `cached: true` (no call at all) met a folder the index has never listed, or a path it cannot walk
 * without listing: the index does not know, which is not the same as "not there". A subclass of NotFoundError, so
 * the command line exits 3, with a hint to list it once without `--cached`.
 *
 * @example
 * ```ts
 * try { await index.list(42, { cached: true }); } catch (e) { if (e instanceof NotIndexedError) console.error(e.folder); }
 * ```
 */
export class NotIndexedError extends NotFoundError {
  override name = "NotIndexedError";
  /** The folder (path, or `folder N`) the index has never listed. */
  readonly folder: string;

  constructor(folder: string, hint: string) {
    super(`${folder} has never been listed: the index does not know what it holds`, { hint });
    this.folder = folder;
  }
}
