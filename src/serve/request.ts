/**
 * One request being served: its context (parsed path, the server's shared state, an abort signal for when the
 * client goes away), reading its body within bounds, and writing the answer. Every handler of src/serve/webdav
 * and src/serve/http works through these, so headers common to every answer and the byte count the request log
 * reports are set in one place.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Entry, isBackendError, type ServeBackend } from "./backend.js";
import type { DeadProperties } from "./dead-props.js";
import type { EmptyFiles } from "./empty-files.js";
import type { LockManager } from "./locks.js";
import { baseName, type RequestPath } from "./paths.js";
import { HttpError } from "./status.js";
import { parseXml, type XmlElement } from "./xml.js";

/** What every request of one server shares. */
export interface ServeState {
  backend: ServeBackend;
  locks: LockManager;
  props: DeadProperties;
  /** Empty files held in memory (0-byte PUTs: 1fichier cannot store them), src/serve/empty-files.ts. */
  empty: EmptyFiles;
  /** `--read-only`: every method that writes is refused. */
  readOnly: boolean;
  /** `webdav` answers every WebDAV method; `http` only GET, HEAD and OPTIONS. */
  flavour: "webdav" | "http";
}

/** One request being served. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly state: ServeState;
  readonly method: string;
  /** The request's path, once parsed (the server sets it before dispatching). */
  target: RequestPath;
  /** Aborted when the client goes away or the server gives up draining. */
  readonly signal: AbortSignal;
  /** Body bytes sent so far, for the request log. */
  bytesSent: number;
}

/** Largest XML body accepted (PROPFIND, PROPPATCH, LOCK): they are small; anything bigger is an attack. */
const MAX_XML_BODY = 1024 * 1024;

/**
 * Sends a complete answer (no body for HEAD, 204 and 304).
 *
 * @example
 * send(ctx, 201, "created\n", { "Content-Type": "text/plain; charset=utf-8" });
 */
export function send(
  ctx: RequestContext,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const bodyless = ctx.method === "HEAD" || status === 204 || status === 304;
  ctx.res.writeHead(status, {
    ...headers,
    ...(status === 204 || status === 304 ? {} : { "Content-Length": String(bytes.length) }),
  });
  if (bodyless) {
    ctx.res.end();
    return;
  }
  ctx.bytesSent += bytes.length;
  ctx.res.end(bytes);
}

/**
 * Sends an XML answer (207 Multi-Status and the like).
 *
 * @example
 * sendXml(ctx, 207, `<D:multistatus xmlns:D="DAV:">...</D:multistatus>`);
 */
export function sendXml(
  ctx: RequestContext,
  status: number,
  xml: string,
  headers: Record<string, string> = {},
): void {
  send(ctx, status, `<?xml version="1.0" encoding="utf-8"?>\n${xml}`, {
    "Content-Type": "application/xml; charset=utf-8",
    ...headers,
  });
}

/**
 * Answers a refusal: a WebDAV `<D:error>` body when it carries a precondition, else one line of text naming the
 * cause. A request whose body was not read gets `Connection: close`, so an unwanted upload is not read to its end.
 */
export function sendError(ctx: RequestContext, e: HttpError): void {
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  if (!ctx.req.complete && hasBody(ctx.req)) ctx.res.setHeader("Connection", "close");
  if (e.davError !== undefined) {
    sendXml(ctx, e.status, `<D:error xmlns:D="DAV:">${e.davError}</D:error>`, e.headers);
    return;
  }
  send(ctx, e.status, `${e.message}\n`, { "Content-Type": "text/plain; charset=utf-8", ...e.headers });
}

/**
 * A request header as one string (the first, when a client sent it twice).
 *
 * @example
 * header(ctx.req, "depth"); // "1"
 */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** True when the request announces a body (a length above 0, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers["content-length"];
  return (len !== undefined && len !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/**
 * Tells a client that sent `Expect: 100-continue` to send its body: called once the request passed its checks,
 * so a refused upload is never sent at all.
 *
 * @example
 * continueIfAsked(ctx);
 */
export function continueIfAsked(ctx: RequestContext): void {
  if (ctx.req.headers.expect?.toLowerCase() === "100-continue" && !ctx.res.headersSent)
    ctx.res.writeContinue();
}

/**
 * Reads a small request body as text; 413 past `limit` bytes.
 *
 * @example
 * const text = await readBody(ctx);
 */
export async function readBody(ctx: RequestContext, limit = MAX_XML_BODY): Promise<string> {
  if (!hasBody(ctx.req)) return "";
  continueIfAsked(ctx);
  if (Number(ctx.req.headers["content-length"] ?? 0) > limit) {
    throw new HttpError(413, `the request body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of ctx.req) {
    n += (c as Buffer).length;
    if (n > limit) throw new HttpError(413, `the request body is larger than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Reads and parses an XML request body; undefined when there is none.
 *
 * @example
 * const body = await readXmlBody(ctx); // a PROPFIND's <propfind>, or undefined for allprop
 */
export async function readXmlBody(ctx: RequestContext): Promise<XmlElement | undefined> {
  const text = await readBody(ctx);
  if (text.trim() === "") return undefined;
  return parseXml(text);
}

/**
 * An entry as the layer sees it: the backend's, or one only this server holds (not in the backend): the empty
 * placeholder of a lock-null resource (`lockNull`), or an empty file kept in memory (`empty`).
 */
export type Resource = Entry & { lockNull?: true; empty?: true };

/**
 * True when the resource lives only in this server (the backend has nothing at its path).
 *
 * @example
 * if (!isHeld(entry)) await ctx.state.backend.remove(entry.path);
 */
export function isHeld(r: Resource | undefined): boolean {
  return r?.lockNull === true || r?.empty === true;
}

/**
 * The entry at `path`, or undefined when nothing is there. What the backend has comes first; then an empty
 * file held in memory; then a lock-null resource (a LOCK on an unmapped URL). Both show as empty files.
 *
 * @example
 * const entry = await lookup(ctx.state, "/a.txt");
 */
export async function lookup(state: ServeState, path: string): Promise<Resource | undefined> {
  try {
    const found = await state.backend.stat(path);
    // Stored since (by another client of the account): the placeholder is no longer needed.
    state.empty.remove(path);
    return found;
  } catch (e) {
    if (!isBackendError(e, "not-found")) throw e;
  }
  return heldAt(state, path);
}

/**
 * The resource only this server holds at `path` (an empty file, a lock-null resource), if any. Its ETag is
 * strong (its content is always empty): davfs2 strips `W/` from a weak ETag and sends it back in `If-Match`,
 * which a weak one could never satisfy.
 *
 * @example
 * heldAt(ctx.state, "/new.txt")?.empty; // true after an empty PUT
 */
export function heldAt(state: ServeState, path: string): Resource | undefined {
  const made = state.empty.get(path);
  const lock = made ? undefined : state.locks.lockNullAt(path);
  const modified = made ?? (lock ? new Date(lock.expiresAt - lock.timeoutSeconds * 1000) : undefined);
  if (!modified) return undefined;
  const entry = {
    path,
    name: baseName(path),
    kind: "file" as const,
    size: 0,
    modified,
    etag: `empty-${modified.getTime().toString(16)}`,
  };
  return made ? { ...entry, empty: true } : { ...entry, lockNull: true };
}

/**
 * The children of a folder: the backend's, with the empty files and lock-null resources held inside it.
 *
 * @example
 * const entries = await childrenOf(ctx.state, "/music");
 */
export async function childrenOf(state: ServeState, path: string): Promise<Resource[]> {
  const listed: Resource[] = await state.backend.list(path);
  const names = new Set(listed.map((e) => e.path));
  for (const p of [...state.empty.childrenOf(path), ...state.locks.lockNullChildren(path)]) {
    if (names.has(p)) continue;
    names.add(p);
    const held = heldAt(state, p);
    if (held) listed.push(held);
  }
  return listed;
}

/**
 * The entry at `path`, or 404.
 *
 * @example
 * const entry = await mustExist(ctx.state, ctx.target.path);
 */
export async function mustExist(state: ServeState, path: string): Promise<Resource> {
  const entry = await lookup(state, path);
  if (!entry) throw new HttpError(404, `${path} does not exist`);
  return entry;
}
