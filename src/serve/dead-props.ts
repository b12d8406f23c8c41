/**
 * Dead properties (PROPPATCH of a property the server does not compute, RFC 4918 §4): 1fichier cannot store
 * them, so they live in memory for the server's life, keyed by path, and follow MOVE, COPY and DELETE. Enough
 * for the clients that set them while writing (Windows' Win32 times, macOS' Finder data) and for litmus `props`;
 * gone when the server stops (docs/serve.md). Bounded: past `maxBytes` a PROPPATCH is answered 507.
 */
import { isSameOrInside } from "./paths.js";
import { HttpError } from "./status.js";

/** One stored property: its name and its element serialised on its own (src/serve/xml.ts `serializeElement`). */
export interface DeadProperty {
  ns: string;
  local: string;
  xml: string;
}

/** The key of a property name. */
export function propertyKey(ns: string, local: string): string {
  return `{${ns}}${local}`;
}

/**
 * The dead properties of one server.
 *
 * @example
 * const props = new DeadProperties();
 * props.apply("/a.txt", [{ op: "set", prop: { ns: "urn:x", local: "color", xml: '<color xmlns="urn:x">red</color>' } }]);
 * props.get("/a.txt").length; // 1
 */
export class DeadProperties {
  private readonly byPath = new Map<string, Map<string, DeadProperty>>();
  private readonly maxBytes: number;
  private bytes = 0;

  constructor(options: { maxBytes?: number } = {}) {
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  }

  /** The properties of `path`. */
  get(path: string): DeadProperty[] {
    return [...(this.byPath.get(path)?.values() ?? [])];
  }

  /**
   * Applies a PROPPATCH's instructions in document order, all or none: throws 507 (nothing changed) when they
   * would take the store past its bound.
   */
  apply(
    path: string,
    ops: ({ op: "set"; prop: DeadProperty } | { op: "remove"; ns: string; local: string })[],
  ): void {
    const next = new Map(this.byPath.get(path));
    for (const o of ops) {
      if (o.op === "set") next.set(propertyKey(o.prop.ns, o.prop.local), o.prop);
      else next.delete(propertyKey(o.ns, o.local));
    }
    const delta = sizeOf(next) - sizeOf(this.byPath.get(path));
    if (delta > 0 && this.bytes + delta > this.maxBytes) {
      throw new HttpError(507, "no room left for more properties on this server (they are kept in memory)");
    }
    this.bytes += delta;
    if (next.size === 0) this.byPath.delete(path);
    else this.byPath.set(path, next);
  }

  /** Forgets the properties of `path` and of everything inside it. */
  deleteTree(path: string): void {
    for (const p of [...this.byPath.keys()]) {
      if (isSameOrInside(p, path)) {
        this.bytes -= sizeOf(this.byPath.get(p));
        this.byPath.delete(p);
      }
    }
  }

  /** Copies the properties of `from` (and, with `deep`, of everything inside it) to `to`, replacing `to`'s. */
  copyTree(from: string, to: string, deep: boolean): void {
    this.deleteTree(to);
    for (const [p, props] of [...this.byPath]) {
      if (p !== from && !(deep && isSameOrInside(p, from))) continue;
      this.byPath.set(to + p.slice(from.length), new Map(props));
      this.bytes += sizeOf(props);
    }
  }

  /** Moves the properties of `from` and everything inside it to `to`. */
  moveTree(from: string, to: string): void {
    this.copyTree(from, to, true);
    this.deleteTree(from);
  }
}

function sizeOf(props: Map<string, DeadProperty> | undefined): number {
  let n = 0;
  for (const [k, v] of props ?? []) n += k.length + v.xml.length;
  return n;
}
