/**
 * The checks every writing method makes before it touches the backend: `--read-only`, the `If` header
 * (RFC 4918 §10.4: 412 when no list holds) and the locks in the way (423 unless their token was submitted).
 */
import type { Entry } from "../backend.js";
import { etagOf } from "../conditional.js";
import { type IfList, parseIfHeader, submittedTokens } from "../if-header.js";
import { parseRequestPath } from "../paths.js";
import { header, lookup, type RequestContext } from "../request.js";
import { HttpError } from "../status.js";

/**
 * Refuses the request when the server is read-only.
 *
 * @example
 * assertNotReadOnly(ctx); // throws 403 under --read-only
 */
export function assertNotReadOnly(ctx: RequestContext): void {
  if (ctx.state.readOnly)
    throw new HttpError(403, "this server is read-only (--read-only): nothing can be changed");
}

/**
 * Evaluates the `If` header (412 when it is false) and returns the lock tokens it submits.
 *
 * @example
 * const tokens = await checkIfHeader(ctx, entry);
 */
export async function checkIfHeader(ctx: RequestContext, entry: Entry | undefined): Promise<Set<string>> {
  const value = header(ctx.req, "if");
  if (value === undefined) return new Set();
  const lists = parseIfHeader(value);
  for (const list of lists) if (await listHolds(ctx, list, entry)) return new Set(submittedTokens(lists));
  throw new HttpError(412, "the If header's conditions do not hold (stale ETag or lock token)");
}

async function listHolds(ctx: RequestContext, list: IfList, entry: Entry | undefined): Promise<boolean> {
  let path = ctx.target.path;
  let target = entry;
  if (list.resource !== undefined) {
    try {
      path = parseRequestPath(list.resource).path;
    } catch {
      return false;
    }
    target = path === ctx.target.path ? entry : await lookup(ctx.state, path);
  }
  const locks = ctx.state.locks.covering(path);
  for (const c of list.conditions) {
    const holds =
      c.token !== undefined
        ? locks.some((l) => l.token === c.token)
        : target !== undefined && etagOf(target) === c.etag;
    if (holds === c.not) return false;
  }
  return true;
}

/**
 * Everything a writing method checks first: not read-only, the `If` header, and the locks on `targets` (each a
 * path the request changes; `deep` for a folder deleted or moved with what is inside).
 *
 * @example
 * await assertWritable(ctx, [{ path: ctx.target.path }, { path: parentOf(ctx.target.path) }], entry);
 */
export async function assertWritable(
  ctx: RequestContext,
  targets: { path: string; deep?: boolean }[],
  entry: Entry | undefined,
): Promise<void> {
  assertNotReadOnly(ctx);
  const tokens = await checkIfHeader(ctx, entry);
  ctx.state.locks.assertCanWrite(targets, tokens);
}
