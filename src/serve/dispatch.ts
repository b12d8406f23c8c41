/**
 * Which methods each flavour answers, and the handler of each: `webdav` answers class 1 and 2 WebDAV
 * (RFC 4918), `http` only GET, HEAD and OPTIONS. Any other method is 405 with `Allow`; under `--read-only`
 * the writing methods are left out of `Allow` and refused with 403.
 */
import { get } from "./get.js";
import { type RequestContext, type ServeState, send } from "./request.js";
import { HttpError } from "./status.js";
import { copyOrMove } from "./webdav/copy-move.js";
import { lock, unlock } from "./webdav/lock.js";
import { mkcol, remove } from "./webdav/mkcol-delete.js";
import { propfind } from "./webdav/propfind.js";
import { proppatch } from "./webdav/proppatch.js";
import { put } from "./webdav/put.js";

type Handler = (ctx: RequestContext) => Promise<void>;

const READING: Record<string, Handler> = { OPTIONS: options, GET: get, HEAD: get };
const WEBDAV_READING: Record<string, Handler> = { ...READING, PROPFIND: propfind };
const WEBDAV_WRITING: Record<string, Handler> = {
  PROPPATCH: proppatch,
  PUT: put,
  MKCOL: mkcol,
  DELETE: remove,
  COPY: copyOrMove,
  MOVE: copyOrMove,
  LOCK: lock,
  UNLOCK: unlock,
};

/**
 * The methods a server answers (for `Allow`).
 *
 * @example
 * allowedMethods({ flavour: "http", readOnly: false }); // ["OPTIONS", "GET", "HEAD"]
 */
export function allowedMethods(state: Pick<ServeState, "flavour" | "readOnly">): string[] {
  if (state.flavour === "http") return Object.keys(READING);
  return Object.keys(state.readOnly ? WEBDAV_READING : { ...WEBDAV_READING, ...WEBDAV_WRITING });
}

async function options(ctx: RequestContext): Promise<void> {
  const headers: Record<string, string> = { Allow: allowedMethods(ctx.state).join(", ") };
  if (ctx.state.flavour === "webdav") {
    headers.DAV = "1, 2";
    // Windows' WebDAV client (and Office) look for this before they offer to write.
    headers["MS-Author-Via"] = "DAV";
  }
  send(ctx, 200, "", headers);
}

/**
 * Runs the handler of the request's method.
 *
 * @example
 * await dispatch(ctx);
 */
export async function dispatch(ctx: RequestContext): Promise<void> {
  const allow = allowedMethods(ctx.state).join(", ");
  const reading = ctx.state.flavour === "http" ? READING : WEBDAV_READING;
  const handler =
    reading[ctx.method] ?? (ctx.state.flavour === "webdav" ? WEBDAV_WRITING[ctx.method] : undefined);
  if (!handler) {
    throw new HttpError(405, `${ctx.method} is not supported here (allowed: ${allow})`, {
      headers: { Allow: allow },
    });
  }
  if (ctx.state.readOnly && ctx.method in WEBDAV_WRITING) {
    throw new HttpError(403, "this server is read-only (--read-only): nothing can be changed", {
      headers: { Allow: allow },
    });
  }
  await handler(ctx);
}
