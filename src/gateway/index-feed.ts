// What the gateway's own traffic tells its index, in the client's observer events (src/api/types.ts): the
// listings 1fichier really gave it, and the changes made through it, read from each call's body and answer
// (spec §7). Pure: nothing here calls anything. Calls about another user's share say nothing of this account
// and are skipped; an answer of an unexpected shape is skipped too (the index then asks again when it needs to).
import { parseWith } from "../api/context.js";
import { folderListingEvent } from "../api/endpoints/folders.js";
import { decodeName } from "../api/names.js";
import {
  copySchema,
  fileInfoSchema,
  fileListSchema,
  folderListingSchema,
  mkdirSchema,
  moveSchema,
  uploadResultSchema,
} from "../api/schemas.js";
import type { ClientChange, ListingEvent } from "../api/types.js";

type Body = Record<string, unknown>;

/** One API call that 1fichier answered OK. */
export interface AnsweredCall {
  endpoint: string;
  body: Body | undefined;
  json: Body;
  /** When the call was sent (ms): its answer shows the account at or after it. */
  at: number;
}

/** A folder id as the body gives it (spec §7: numbers, or numeric strings); undefined for anything else. */
function idOf(v: unknown, fallback?: number): number | undefined {
  if (v === undefined || v === null) return fallback;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d{1,15}$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

/** A call about another user's share (spec §7.13, §7.9, §7.11): nothing in it is this account's tree. */
function foreign(body: Body): boolean {
  return ["sharing_user", "destination_user"].some((k) => body[k] !== undefined && body[k] !== "");
}

/** Runs a reader; an answer of another shape than the client expects tells nothing. */
function tolerant<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * The listing event of a `folder/ls.cgi` or `file/ls.cgi` answer, as the client's observers would get it.
 * @example
 * const e = listingOf({ endpoint: "folder/ls.cgi", body: { folder_id: 7 }, json, at: Date.now() });
 * if (e) index.listed(e);
 */
export function listingOf(c: AnsweredCall): ListingEvent | undefined {
  const body = c.body ?? {};
  if (foreign(body)) return undefined;
  const asked = idOf(body.folder_id, 0);
  if (asked === undefined || asked < 0) return undefined;
  return tolerant(() => {
    if (c.endpoint === "folder/ls.cgi") {
      const l = parseWith(folderListingSchema, c.json, c.endpoint);
      // A sub-folder without a usable id (the root, or the folder itself) would bend the tree: not this answer.
      if (l.folderId !== asked || l.subFolders.some((f) => f.id <= 0 || f.id === asked)) return undefined;
      // spec §7.13: `items` only with `files: 1`.
      return folderListingEvent(l, c.at, body.files ? (l.items ?? []) : undefined);
    }
    if (c.endpoint !== "file/ls.cgi") return undefined;
    const files = parseWith(fileListSchema, c.json, c.endpoint);
    const bound = (k: string) => (typeof body[k] === "string" ? { [k]: body[k] as string } : {});
    const { sent_after: sentAfter, sent_before: sentBefore } = {
      ...bound("sent_after"),
      ...bound("sent_before"),
    };
    return {
      endpoint: "file/ls.cgi",
      folderId: asked,
      startedAt: c.at,
      files,
      ...(sentAfter !== undefined ? { sentAfter } : {}),
      ...(sentBefore !== undefined ? { sentBefore } : {}),
    };
  });
}

/**
 * Where `file/info.cgi` says a file is.
 * @example
 * fileSeenOf({ endpoint: "file/info.cgi", body: { url }, json, at }); // { url, folderId: 42 }
 */
export function fileSeenOf(c: AnsweredCall): { url: string; folderId: number } | undefined {
  if (c.endpoint !== "file/info.cgi" || foreign(c.body ?? {})) return undefined;
  return tolerant(() => {
    const info = parseWith(fileInfoSchema, c.json, c.endpoint);
    return { url: info.url, folderId: info.folderId };
  });
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((u): u is string => typeof u === "string") : [];

/** What each changing endpoint did, from its body and answer (the index needs where things are). */
const CHANGES: Record<string, (b: Body, json: Body, at: number) => ClientChange | undefined> = {
  "folder/mkdir.cgi": (b, json, at) => {
    const parentId = idOf(b.folder_id, 0);
    const made = parseWith(mkdirSchema, json, "folder/mkdir.cgi");
    if (parentId === undefined || made.folder_id <= 0 || made.folder_id === parentId) return undefined;
    return { type: "folder-created", parentId, folderId: made.folder_id, name: decodeName(made.name), at };
  },
  "folder/mv.cgi": (b, _json, at) => {
    const folderId = idOf(b.folder_id);
    if (folderId === undefined || folderId <= 0) return undefined;
    const name = typeof b.rename === "string" ? decodeName(b.rename) : undefined;
    // spec §7.16 (DECISIONS): no destination means the root, unless only `rename` is given (in place).
    const parentId = idOf(b.destination_folder_id, name === undefined ? 0 : undefined);
    if (parentId === folderId) return undefined;
    return {
      type: "folder-moved",
      folderId,
      ...(parentId !== undefined ? { parentId } : {}),
      ...(name !== undefined ? { name } : {}),
      at,
    };
  },
  "folder/rm.cgi": (b, _json, at) => {
    const folderId = idOf(b.folder_id);
    return folderId === undefined ? undefined : { type: "folder-removed", folderId, at };
  },
  "file/mv.cgi": (b, json, at) => {
    const folderId = idOf(b.destination_folder_id, 0);
    // The answer's list, when it gives one, is what really moved.
    const urls = parseWith(moveSchema, json, "file/mv.cgi").urls ?? strings(b.urls);
    if (folderId === undefined || urls.length === 0) return undefined;
    const name = typeof b.rename === "string" ? { name: decodeName(b.rename) } : {};
    return { type: "files-moved", folderId, urls, ...name, at };
  },
  "file/cp.cgi": (b, json, at) => {
    const folderId = idOf(b.folder_id, 0);
    const copies = (parseWith(copySchema, json, "file/cp.cgi").urls ?? []).map((u) => ({
      from: u.from_url,
      to: u.to_url,
    }));
    if (folderId === undefined || copies.length === 0) return undefined;
    const name = typeof b.rename === "string" ? { name: decodeName(b.rename) } : {};
    return { type: "files-copied", folderId, copies, ...name, at };
  },
  "file/rm.cgi": (b, _json, at) => {
    const files = Array.isArray(b.files) ? b.files : [];
    const urls = strings(files.map((f) => (f as Body | null)?.url));
    return urls.length ? { type: "files-removed", urls, at } : undefined;
  },
};

/**
 * The change a successful call made through the gateway, for the index's write-through; undefined for calls
 * that change nothing the index keeps (or about another user's share).
 * @example
 * changeOf({ endpoint: "folder/rm.cgi", body: { folder_id: 42 }, json: { status: "OK" }, at: Date.now() });
 * // { type: "folder-removed", folderId: 42, at: ... }
 */
export function changeOf(c: AnsweredCall): ClientChange | undefined {
  const read = CHANGES[c.endpoint];
  const body = c.body ?? {};
  if (!read || foreign(body)) return undefined;
  return tolerant(() => read(body, c.json, c.at));
}

/**
 * The files an upload added, from its `end.pl` result, into the folder its body named.
 * @example
 * uploadAdded(42, { incoming: 0, links: [{ download, filename, remove, size, whirlpool }] }, Date.now());
 */
export function uploadAdded(folderId: number, result: Body, at: number): ClientChange | undefined {
  return tolerant(() => {
    const { links } = parseWith(uploadResultSchema, result, "end.pl");
    if (links.length === 0) return undefined;
    const files = links.map((l) => ({
      url: l.download,
      name: l.filename,
      size: l.size,
      whirlpool: l.whirlpool,
    }));
    return { type: "files-added", folderId, files, at };
  });
}
