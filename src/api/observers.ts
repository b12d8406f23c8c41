// The observers of one client: every listing and every change the client makes is told to them after a
// successful answer, so a model of the account (src/remote-index) stays true without the api layer knowing it.
import type { UploadApi } from "./endpoints/upload.js";
import type { ClientChange, ClientObserver, ListingEvent } from "./types.js";

/**
 * The set of a client's observers. An observer that throws is skipped: the call's answer stands, and the
 * index's own observer catches its failures itself (it marks the folder for a new listing and warns).
 *
 * @example
 * ```ts
 * const observers = new Observers();
 * const off = observers.add({ listed: (l) => console.log(l.folderId), changed: (c) => console.log(c.type) });
 * off();
 * ```
 */
export class Observers implements ClientObserver {
  private readonly all = new Set<ClientObserver>();

  constructor(first?: ClientObserver) {
    if (first) this.all.add(first);
  }

  /** Adds an observer; returns the function that removes it. */
  add(observer: ClientObserver): () => void {
    this.all.add(observer);
    return () => {
      this.all.delete(observer);
    };
  }

  listed(event: ListingEvent): void {
    for (const o of this.all) tell(() => o.listed(event));
  }

  changed(change: ClientChange): void {
    for (const o of this.all) tell(() => o.changed(change));
  }
}

function tell(fn: () => void): void {
  try {
    fn();
  } catch {
    // An observer's failure is its own: it must not turn a call the service accepted into an error.
  }
}

/**
 * The upload group, telling observers of each upload's files once `end.pl` gives them (`files-added`, in the
 * folder `send` was given). A wrapper so the upload endpoint itself stays as it is this cycle; a `finish` whose
 * `send` another client made (a rerun after a crash) tells nothing: the index lists that folder when it needs to.
 *
 * @example
 * ```ts
 * const upload = observeUploads(uploadApi(ctx), observers, Date.now);
 * ```
 */
export function observeUploads(api: UploadApi, observer: ClientObserver, now: () => number): UploadApi {
  const folderOf = new Map<string, number>();
  return {
    getServer: (opts) => api.getServer(opts),
    async send(opts) {
      const r = await api.send(opts);
      folderOf.set(opts.server.id, opts.folderId ?? 0);
      return r;
    },
    async finish(opts) {
      const r = await api.finish(opts);
      const folderId = folderOf.get(opts.server.id);
      if (folderId !== undefined && r.links.length > 0) {
        folderOf.delete(opts.server.id);
        const files = r.links.map((l) => ({
          url: l.download,
          name: l.filename,
          size: l.size,
          whirlpool: l.whirlpool,
        }));
        observer.changed({ type: "files-added", folderId, files, at: now() });
      }
      return r;
    },
  };
}
