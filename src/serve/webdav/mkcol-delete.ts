/**
 * MKCOL (RFC 4918 §9.3) and DELETE (§9.6): a new folder (409 when the parent is missing, 405 when something is
 * already there, 415 with a body), and the deletion of a file or a whole folder, with the locks, properties,
 * empty files and lock-null resources that went with it.
 */
import { parentOf } from "../paths.js";
import { hasBody, isHeld, lookup, mustExist, type RequestContext, send } from "../request.js";
import { HttpError } from "../status.js";
import { assertWritable } from "./preconditions.js";

/** Handles MKCOL. */
export async function mkcol(ctx: RequestContext): Promise<void> {
  const path = ctx.target.path;
  if (hasBody(ctx.req)) throw new HttpError(415, "MKCOL takes no body");
  const existing = await lookup(ctx.state, path);
  if (existing && !existing.lockNull) throw new HttpError(405, `${path} already exists`);
  await assertWritable(ctx, [{ path }, { path: parentOf(path) }], existing);
  await ctx.state.backend.mkdir(path);
  ctx.state.locks.markMapped(path);
  send(ctx, 201, "");
}

/** Handles DELETE. */
export async function remove(ctx: RequestContext): Promise<void> {
  const path = ctx.target.path;
  if (path === "/") throw new HttpError(403, "the served root cannot be deleted");
  const entry = await mustExist(ctx.state, path);
  await assertWritable(ctx, [{ path, deep: true }, { path: parentOf(path) }], entry);
  if (!isHeld(entry)) await ctx.state.backend.remove(path);
  ctx.state.empty.removeTree(path);
  ctx.state.props.deleteTree(path);
  ctx.state.locks.removeTree(path);
  send(ctx, 204, "");
}
