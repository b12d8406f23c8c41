/**
 * COPY and MOVE (RFC 4918 §9.8-9.9), done on the server side by the backend: the `Destination` header (an
 * absolute path, or a URL on this same host: another host is 502), `Overwrite` (T by default; F onto an
 * existing resource is 412), `Depth` (COPY: 0 or infinity; MOVE: infinity only). A resource onto itself is
 * 403, a folder into its own inside is 403, a missing destination folder is 409.
 */
import type { TransferOptions } from "../backend.js";
import { isSameOrInside, parentOf, parseRequestPath } from "../paths.js";
import { header, isHeld, lookup, mustExist, type RequestContext, type Resource, send } from "../request.js";
import { HttpError } from "../status.js";
import { assertWritable } from "./preconditions.js";
import { parseDepth } from "./propfind.js";

/**
 * The served path a `Destination` header names. A URL must be on the host the request came to (502 otherwise:
 * this server cannot copy to another one); `..`, encoded slashes and the like are 400, as in request paths.
 *
 * @example
 * destinationPath("http://127.0.0.1:8080/a%20b", "127.0.0.1:8080"); // "/a b"
 */
export function destinationPath(header: string | undefined, host: string | undefined): string {
  if (header === undefined || header.trim() === "")
    throw new HttpError(400, "a Destination header is needed");
  const value = header.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new HttpError(400, `the Destination "${value}" is not a valid URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new HttpError(400, "the Destination must be an http(s) URL");
    if (host === undefined || url.host.toLowerCase() !== host.toLowerCase()) {
      throw new HttpError(
        502,
        `the Destination is on another server (${url.host}): copy there with a client`,
      );
    }
    // The raw path, not url.pathname: URL would resolve "/a/../b" and hide the ".." from the path checks.
    return parseRequestPath(value.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "") || "/").path;
  }
  return parseRequestPath(value).path;
}

function overwriteOf(header: string | undefined): boolean {
  const v = (header ?? "T").trim().toUpperCase();
  if (v !== "T" && v !== "F") throw new HttpError(400, `Overwrite must be T or F, not "${header}"`);
  return v === "T";
}

/** Handles COPY and MOVE. */
export async function copyOrMove(ctx: RequestContext): Promise<void> {
  const move = ctx.method === "MOVE";
  const from = ctx.target.path;
  const to = destinationPath(header(ctx.req, "destination"), header(ctx.req, "host"));
  const depth = parseDepth(header(ctx.req, "depth"));
  if (depth === "1" || (move && depth !== "infinity")) {
    throw new HttpError(400, move ? "MOVE takes Depth: infinity only" : "COPY takes Depth 0 or infinity");
  }
  const overwrite = overwriteOf(header(ctx.req, "overwrite"));
  const source = await mustExist(ctx.state, from);
  if (source.lockNull) throw new HttpError(404, `${from} does not exist yet (it is only locked)`);
  if (to === from) throw new HttpError(403, "the source and the destination are the same");
  if (from === "/" && move) throw new HttpError(403, "the served root cannot be moved");
  if (isSameOrInside(to, from))
    throw new HttpError(403, `cannot ${move ? "move" : "copy"} ${from} into itself`);
  const existing = await lookup(ctx.state, to);
  if (existing && !existing.lockNull && !overwrite)
    throw new HttpError(412, `${to} exists and Overwrite is F`);
  const targets = [{ path: to, deep: true }, { path: parentOf(to) }];
  await assertWritable(
    ctx,
    move ? [{ path: from, deep: true }, { path: parentOf(from) }, ...targets] : targets,
    source,
  );
  await transfer(ctx, source, to, { overwrite, shallow: depth === "0", existing });
  ctx.state.locks.markMapped(to);
  send(ctx, existing && !existing.lockNull ? 204 : 201, "");
}

async function transfer(
  ctx: RequestContext,
  source: Resource,
  to: string,
  options: TransferOptions & { shallow: boolean; existing: Resource | undefined },
): Promise<void> {
  const { backend, props, locks, empty } = ctx.state;
  const move = ctx.method === "MOVE";
  if (source.empty) {
    // An empty file held in memory moves or copies in memory, but never over a stored file (put.ts holdEmpty).
    if (options.existing && !isHeld(options.existing)) {
      throw new HttpError(403, `an empty file cannot replace ${to} (1fichier cannot store empty files)`);
    }
    if (move) empty.moveTree(source.path, to);
    else empty.copyTree(source.path, to, false);
  } else if (move) {
    await backend.move(source.path, to, options);
    empty.remove(to);
    empty.moveTree(source.path, to);
  } else if (options.shallow && source.kind === "folder") {
    // Depth 0 copies the folder alone: a new empty folder, replacing what was there only when allowed.
    if (options.existing && !isHeld(options.existing)) await backend.remove(to);
    empty.remove(to);
    await backend.mkdir(to);
  } else {
    await backend.copy(source.path, to, options);
    empty.remove(to);
    empty.copyTree(source.path, to, true);
  }
  if (move) {
    props.moveTree(source.path, to);
    locks.removeTree(source.path);
  } else {
    props.copyTree(source.path, to, !options.shallow);
  }
}
