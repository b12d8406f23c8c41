// Path → folder id for the client (spec §9.6), through the one resolver (src/remote-index/resolver.ts) over an
// index kept in memory for the client's life: fed by the client's listings and changes, a folder listed within
// the listing window is not listed again. docs/index.md has the rules; openIndex gives a persistent index.
//
// This is the api layer's one door into src/remote-index (its pure part: no SQLite, no client): the client
// resolves paths the same way every other part of fichier does.
import { createMemoryIndex } from "../../remote-index/memory-store.js";
import type { RemoteIndex } from "../../remote-index/remote-index.js";
import type { ClientEvent, ClientObserver } from "../types.js";
import type { FilesApi } from "./files.js";
import type { FoldersApi } from "./folders.js";

export interface PathsApi {
  /**
   * Resolves `/backups/2026` (or `backups/2026`, or a numeric id like `"1234"`) to a folder id, by the rules of
   * docs/index.md. With `create`, missing folders are made (`mkdir -p`). A file URL, a `/dir/<hash>` share URL,
   * or a path naming a file is refused with a WrongKindError (an InvalidUrlError).
   * @example
   * ```ts
   * const id = await client.paths.resolveFolder("/backups/2026", { create: true });
   * ```
   * @throws NotFoundError naming the first missing folder (without `create`)
   */
  resolveFolder(pathOrId: string, opts?: { create?: boolean; signal?: AbortSignal }): Promise<number>;
}

/** What the paths group needs of the client. */
export interface PathsDeps {
  folders: FoldersApi;
  files: FilesApi;
  /** Subscribes the memory index to the client's listings and changes. */
  observe(observer: ClientObserver): () => void;
  now: () => number;
  /** The index's warnings (a stale entry listed again) go out as `warning` client events. */
  onEvent?: (e: ClientEvent) => void;
}

/** Builds the `paths` group; its memory index is made on first use. */
export function pathsApi(deps: PathsDeps): PathsApi {
  let index: RemoteIndex | undefined;
  const indexOf = (): RemoteIndex => {
    if (!index) {
      index = createMemoryIndex(deps, {
        now: deps.now,
        onEvent: (e) => deps.onEvent?.({ type: "warning", message: e.message }),
      });
      deps.observe(index);
    }
    return index;
  };
  return {
    async resolveFolder(pathOrId, opts = {}) {
      const r = await indexOf().resolveFolder(pathOrId, {
        ...(opts.create ? { create: true } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return r.id;
    },
  };
}
