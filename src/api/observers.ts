// The observers of one client: every listing and every change the client makes is told to them after a
// successful answer, so a model of the account (src/remote-index) stays true without the api layer knowing it.
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
