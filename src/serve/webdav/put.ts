/**
 * PUT: streams the request body to the backend, which makes it visible only once complete and verified. The
 * length must be known up front (1fichier needs an exact Content-Length): `Content-Length`, or for a chunked body
 * the `X-Expected-Entity-Length` macOS Finder sends; a chunked body without either is refused with 411. An
 * empty body makes an empty file held in memory (1fichier refuses empty files, and Windows and Finder create
 * every file that way), refused onto a stored file. A body cut off midway leaves nothing behind.
 */
import type { IncomingMessage } from "node:http";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Entry } from "../backend.js";
import { etagOf, ifMatchAllows, ifNoneMatchAllows } from "../conditional.js";
import { parentOf } from "../paths.js";
import {
  continueIfAsked,
  heldAt,
  isHeld,
  lookup,
  type RequestContext,
  type Resource,
  send,
} from "../request.js";
import { HttpError } from "../status.js";
import { assertWritable } from "./preconditions.js";

/**
 * The length a PUT announces: `Content-Length`, else `X-Expected-Entity-Length` on a chunked body.
 *
 * @example
 * bodyLength({ "content-length": "5" }); // 5
 */
export function bodyLength(headers: IncomingMessage["headers"]): number {
  const raw =
    headers["transfer-encoding"] !== undefined
      ? headers["x-expected-entity-length"]
      : headers["content-length"];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) {
    throw new HttpError(
      411,
      "the upload's length must be known: send Content-Length (or X-Expected-Entity-Length)",
    );
  }
  if (!/^\d{1,15}$/.test(value.trim()))
    throw new HttpError(400, `the length "${value}" is not a number of bytes`);
  return Number(value.trim());
}

/** Handles PUT. */
export async function put(ctx: RequestContext): Promise<void> {
  const path = ctx.target.path;
  if (path === "/" || ctx.target.slash) throw new HttpError(405, "PUT needs a file path, not a folder");
  if (ctx.req.headers["content-range"] !== undefined) {
    throw new HttpError(400, "partial PUT (Content-Range) is not supported: send the whole file");
  }
  const size = bodyLength(ctx.req.headers);
  const existing = await lookup(ctx.state, path);
  if (existing?.kind === "folder") throw new HttpError(405, `${path} is a folder: PUT needs a file path`);
  const real = isHeld(existing) ? undefined : existing;
  await assertWritable(ctx, real ? [{ path }] : [{ path }, { path: parentOf(path) }], existing);
  if (!existing) {
    // Checked before the body is asked for (Expect: 100-continue): a doomed upload is never sent.
    const parent = await lookup(ctx.state, parentOf(path));
    if (parent?.kind !== "folder") throw new HttpError(409, `the folder ${parentOf(path)} does not exist`);
  }
  checkEntityTags(ctx, existing);
  if (size === 0) {
    holdEmpty(ctx, path, existing);
    return;
  }
  continueIfAsked(ctx);
  const entry = await ctx.state.backend.write(path, exactly(ctx.req, size), { size, signal: ctx.signal });
  ctx.state.empty.remove(path);
  ctx.state.locks.markMapped(path);
  // An empty file held in memory existed (204); a lock-null resource did not (201).
  send(ctx, existing && !existing.lockNull ? 204 : 201, "", { ETag: etagOf(entry) });
}

/**
 * An empty PUT: 1fichier cannot store empty files, but Windows Explorer and macOS Finder create every file with
 * one before they send its content, so the server holds a 0-byte placeholder in memory (empty-files.ts). Onto a
 * stored file it is refused: the placeholder would hide the file, and the stored file is never given up for an
 * empty one.
 */
function holdEmpty(ctx: RequestContext, path: string, existing: Resource | undefined): void {
  if (existing && !isHeld(existing)) {
    throw new HttpError(
      403,
      "empty files cannot be stored (1fichier refuses them): the stored file was kept; send its content instead",
    );
  }
  ctx.state.empty.add(path);
  ctx.state.locks.markMapped(path);
  const held = heldAt(ctx.state, path);
  send(ctx, existing ? 204 : 201, "", held ? { ETag: etagOf(held) } : {});
}

function checkEntityTags(ctx: RequestContext, existing: Entry | undefined): void {
  if (!ifMatchAllows(ctx.req.headers["if-match"], existing))
    throw new HttpError(412, "If-Match does not hold");
  if (!ifNoneMatchAllows(ctx.req.headers["if-none-match"], existing)) {
    throw new HttpError(412, "If-None-Match does not hold: the file exists");
  }
}

/**
 * The request body as a stream that errors unless exactly `size` bytes arrive: fewer (the client went away or
 * the chunked body ended early) or more (a chunked body longer than announced).
 */
function exactly(req: IncomingMessage, size: number): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > size) done(new HttpError(400, `the body is longer than the ${size} bytes announced`));
      else done(null, chunk);
    },
    flush(done) {
      done(seen === size ? null : new HttpError(400, `the body ended after ${seen} of ${size} bytes`));
    },
  });
  pipeline(req, counter).catch(() => {
    // pipeline has destroyed `counter` with the error: the backend's read of it fails and it stores nothing.
  });
  return counter;
}
