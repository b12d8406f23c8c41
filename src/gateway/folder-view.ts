// What the gateway must know about the account's tree to keep a token inside its folder, backed by the remote
// index (src/remote-index): one index per gateway, in its folder, fed by the listings 1fichier gives the gateway
// and by every change made through it. A check the index can answer with fresh knowledge costs no call; what
// is stale (older than the listing window) or unknown is asked upstream first, so the index never makes the
// gateway allow what 1fichier's current tree would refuse.
import type { ClientChange, ClientObserver, ListingEvent } from "../api/types.js";
import { parseFileUrl } from "../api/urls.js";
import { coverageOf } from "../remote-index/ingest.js";
import type { RemoteIndex } from "../remote-index/remote-index.js";

/**
 * The account's tree, as far as confinement needs it.
 *
 * Contract (for every implementation):
 * - `folderOf(url)` is the id of the folder holding the file, or `undefined` when the file is not one of the
 *   account's own (unknown, deleted, someone else's): an undefined answer is always refused.
 * - `isInside(folderId, rootId)` is true when `folderId` is `rootId` or one of its descendants, false for
 *   any other folder, including ids that do not exist.
 * - Both may throw (e.g. the upstream is busy); the caller then refuses or answers 429, never allows.
 * - `listed()` is told of every listing 1fichier gave the gateway; `changed()` of every change made through
 *   the gateway, before the client gets its answer (the client's observer events, src/api/types.ts).
 */
export interface FolderView extends ClientObserver {
  folderOf(fileUrl: string, signal?: AbortSignal): Promise<number | undefined>;
  isInside(folderId: number, rootId: number, signal?: AbortSignal): Promise<boolean>;
  /** Where `file/info.cgi` said a file is (an answer the gateway passed on). */
  fileSeen(url: string, folderId: number, at: number): void;
}

/** How the view asks 1fichier, through the gateway's paced upstream (listing-source.ts). */
export interface TreeSource {
  /** The ids of a folder's sub-folders (`folder/ls.cgi`); `[]` when there is no such folder of the account's. */
  subFolders(folderId: number, signal?: AbortSignal): Promise<number[]>;
  /** The folder of a file (`file/info.cgi`'s `folder_id`), undefined when the account has no such file. */
  folderOfFile(fileUrl: string, signal?: AbortSignal): Promise<number | undefined>;
}

/** The stable identity of a file URL (its id), whatever domain or suffix it was written with. */
function fileKey(url: string): string {
  try {
    return parseFileUrl(url).id;
  } catch {
    return url;
  }
}

/** Deepest folder chain followed (a loop in damaged rows must not hang a check). */
const MAX_DEPTH = 256;

/** Confirmations kept in memory before the stale ones are dropped. */
const PRUNE_AT = 10_000;

/**
 * A {@link FolderView} over a remote index. Knowledge is fresh for the index's listing window (`maxAgeMs`,
 * 30 s): a folder's sub-folders or files listed (or made by the gateway) within it, a file or folder the
 * gateway itself placed within it, a file `file/info.cgi` placed within it. A check built on fresh knowledge
 * makes no call; a stale link of the chain from a folder up to the token's root is listed again; an unknown
 * folder makes the root's subtree be walked (each stale folder listed once per window); a stale or unknown
 * file is asked with `file/info.cgi`.
 *
 * @example
 * const view = new IndexFolderView(index, treeSource(upstream), { now: clock.now });
 * await view.isInside(42, 7); // true when folder 42 is folder 7 or below it
 */
export class IndexFolderView implements FolderView {
  /** `d:<folder>` sub-folders listed, `f:<folder>` files listed, `pd:<folder>` / `pf:<file id>` placed. */
  private readonly seen = new Map<string, number>();
  /** `file/info.cgi`'s answers: the file's folder, and when. */
  private readonly infos = new Map<string, { folderId: number; at: number }>();
  private readonly now: () => number;
  private readonly windowMs: number;

  constructor(
    private readonly index: RemoteIndex,
    private readonly source: TreeSource,
    opts: { now: () => number },
  ) {
    this.now = opts.now;
    this.windowMs = index.maxAgeMs;
  }

  // listed() and changed() note what they learnt, then write it to the index: a write that fails calls forget()
  // (the gateway wires the index's write-failed warnings to it), so nothing is fresh that the index lacks.
  listed(e: ListingEvent): void {
    const cover = coverageOf(e);
    if (cover.subFolders) this.note(`d:${e.folderId}`, e.startedAt);
    if (cover.files) this.note(`f:${e.folderId}`, e.startedAt);
    this.index.listed(e);
  }

  changed(c: ClientChange): void {
    this.noteChange(c);
    this.index.changed(c);
  }

  /**
   * Drops every confirmation: the index could not record something, so each check asks 1fichier again.
   * @example
   * openIndex(client, { onEvent: (e) => e.type === "write-failed" && view.forget() });
   */
  forget(): void {
    this.seen.clear();
    this.infos.clear();
  }

  private noteChange(c: ClientChange): void {
    switch (c.type) {
      case "folder-created":
        // Made empty: its sub-folders and files are known in full.
        this.note(`d:${c.folderId}`, c.at);
        this.note(`f:${c.folderId}`, c.at);
        this.note(`pd:${c.folderId}`, c.at);
        break;
      case "folder-moved":
        if (c.parentId !== undefined) this.note(`pd:${c.folderId}`, c.at);
        break;
      case "files-added":
        for (const f of c.files) this.note(`pf:${fileKey(f.url)}`, c.at);
        break;
      case "files-moved":
        for (const u of c.urls) this.note(`pf:${fileKey(u)}`, c.at);
        break;
      case "files-copied":
        for (const { to } of c.copies) this.note(`pf:${fileKey(to)}`, c.at);
        break;
      case "files-removed":
        for (const u of c.urls) this.infos.delete(fileKey(u));
        break;
    }
  }

  fileSeen(url: string, folderId: number, at: number): void {
    this.infos.set(fileKey(url), { folderId, at });
    this.prune();
  }

  async folderOf(fileUrl: string, signal?: AbortSignal): Promise<number | undefined> {
    const key = fileKey(fileUrl);
    const info = this.infos.get(key);
    const row = this.index.file(fileUrl);
    // The newest fresh knowledge wins: the index's row (a listing, or a change made here) or file/info.cgi's.
    const rowAt = row
      ? Math.max(this.at(`f:${row.folderId}`), this.at(`pf:${key}`))
      : Number.NEGATIVE_INFINITY;
    const infoAt = info?.at ?? Number.NEGATIVE_INFINITY;
    if (row && this.fresh(rowAt) && rowAt >= infoAt) return row.folderId;
    if (info && this.fresh(infoAt)) return info.folderId;
    const folderId = await this.source.folderOfFile(fileUrl, signal);
    if (folderId === undefined) this.infos.delete(key);
    return folderId;
  }

  async isInside(folderId: number, rootId: number, signal?: AbortSignal): Promise<boolean> {
    if (folderId === rootId) return true;
    const chain = this.chainUp(folderId);
    const reachesRoot = chain.includes(rootId);
    if (reachesRoot && (await this.confirmChain(chain.slice(0, chain.indexOf(rootId) + 1), signal))) {
      return true;
    }
    // Known to sit elsewhere, on fresh knowledge all the way up to the account's root: outside, no call.
    const top = chain.at(-1);
    if (!reachesRoot && top === 0 && this.chainFresh(chain)) return false;
    return this.walk(folderId, rootId, signal);
  }

  /** The ids from a folder up through the parents the index knows (the folder first; the root has none). */
  private chainUp(id: number): number[] {
    const chain = [id];
    for (
      let f = this.index.folder(id);
      f && f.id !== 0 && f.parentId !== null && chain.length < MAX_DEPTH;
    ) {
      if (chain.includes(f.parentId)) break;
      chain.push(f.parentId);
      f = this.index.folder(f.parentId);
    }
    return chain;
  }

  /** A link child → parent is fresh when the parent's sub-folders were listed, or the child placed, lately. */
  private linkFresh(child: number, parent: number): boolean {
    return this.fresh(Math.max(this.at(`d:${parent}`), this.at(`pd:${child}`)));
  }

  private chainFresh(chain: number[]): boolean {
    return chain.every((id, i) => i === chain.length - 1 || this.linkFresh(id, chain[i + 1] as number));
  }

  /** Confirms each link of a chain (the folder first, the root last), listing the parents of stale ones. */
  private async confirmChain(chain: number[], signal?: AbortSignal): Promise<boolean> {
    for (let i = 0; i + 1 < chain.length; i++) {
      const child = chain[i] as number;
      const parent = chain[i + 1] as number;
      if (this.linkFresh(child, parent)) continue;
      if (!(await this.source.subFolders(parent, signal)).includes(child)) return false;
    }
    return true;
  }

  /** Breadth-first through the root's subtree until the folder shows up; stale folders are listed again. */
  private async walk(folderId: number, rootId: number, signal?: AbortSignal): Promise<boolean> {
    const seen = new Set<number>([rootId]);
    const queue = [rootId];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const subs = await this.subFoldersOf(next, signal);
      if (subs.includes(folderId)) return true;
      for (const s of subs) {
        if (!seen.has(s)) {
          seen.add(s);
          queue.push(s);
        }
      }
    }
    return false;
  }

  /** A folder's sub-folders: from the index when it listed them lately, else from 1fichier. */
  private async subFoldersOf(id: number, signal?: AbortSignal): Promise<number[]> {
    if (this.fresh(this.at(`d:${id}`))) {
      // A listing the index could not record (a failed write) is asked again rather than trusted.
      const known = await this.index.list(id, { cached: true }).catch(() => undefined);
      if (known) return known.subFolders.map((s) => s.id);
    }
    return this.source.subFolders(id, signal);
  }

  /** When a fact was last confirmed (ms), `-Infinity` when never; a folder read in full by the index counts. */
  private at(key: string): number {
    const own = this.seen.get(key) ?? Number.NEGATIVE_INFINITY;
    if (!key.startsWith("d:") && !key.startsWith("f:")) return own;
    const age = this.index.ageOf(Number(key.slice(2)));
    return age === null ? own : Math.max(own, this.now() - age);
  }

  private fresh(at: number): boolean {
    return this.now() - at <= this.windowMs;
  }

  private note(key: string, at: number): void {
    if (at > (this.seen.get(key) ?? Number.NEGATIVE_INFINITY)) this.seen.set(key, at);
    this.prune();
  }

  /** Drops what is past the window (it proves nothing any more) once the maps grow large. */
  private prune(): void {
    if (this.seen.size + this.infos.size < PRUNE_AT) return;
    const before = this.now() - this.windowMs;
    for (const [k, at] of this.seen) if (at < before) this.seen.delete(k);
    for (const [k, v] of this.infos) if (v.at < before) this.infos.delete(k);
  }
}
