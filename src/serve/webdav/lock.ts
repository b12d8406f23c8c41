/**
 * LOCK and UNLOCK (RFC 4918 §9.10-9.11): new locks (exclusive or shared, depth 0 or infinity, with the owner
 * echoed), refreshes (a LOCK without a body, naming the lock in its If header, even from inside a locked
 * folder), lock-null resources (a LOCK on an unmapped URL: 201), and releases. The locks themselves live in
 * src/serve/locks.ts.
 */

import type { Lock, LockRequest } from "../locks.js";
import { lockTimeout } from "../locks.js";
import { parentOf } from "../paths.js";
import { header, lookup, type RequestContext, readXmlBody, send, sendXml } from "../request.js";
import { HttpError } from "../status.js";
import { childElements, DAV, innerXml, type XmlElement } from "../xml.js";
import { assertNotReadOnly, checkIfHeader } from "./preconditions.js";
import { parseDepth } from "./propfind.js";
import { lockDiscovery } from "./props.js";

function parseLockInfo(body: XmlElement): Omit<LockRequest, "depth" | "timeoutSeconds" | "lockNull"> {
  if (body.ns !== DAV || body.local !== "lockinfo")
    throw new HttpError(400, "the body must be a DAV:lockinfo element");
  const scope = childElements(childElements(body, DAV, "lockscope")[0] ?? body, DAV)[0]?.local;
  if (scope !== "exclusive" && scope !== "shared")
    throw new HttpError(400, "lockscope must be exclusive or shared");
  const type = childElements(childElements(body, DAV, "locktype")[0] ?? body, DAV)[0]?.local;
  if (type !== "write") throw new HttpError(400, "only write locks exist (locktype write)");
  const owner = childElements(body, DAV, "owner")[0];
  return { scope, owner: owner ? innerXml(owner) : "" };
}

function answer(ctx: RequestContext, status: number, lock: Lock): void {
  sendXml(ctx, status, `<D:prop xmlns:D="DAV:">${lockDiscovery([lock])}</D:prop>`, {
    "Lock-Token": `<${lock.token}>`,
  });
}

/** Handles LOCK. */
export async function lock(ctx: RequestContext): Promise<void> {
  assertNotReadOnly(ctx);
  const path = ctx.target.path;
  const body = await readXmlBody(ctx);
  const existing = await lookup(ctx.state, path);
  const tokens = await checkIfHeader(ctx, existing);
  const timeoutSeconds = lockTimeout(header(ctx.req, "timeout"));
  if (!body) {
    const held = ctx.state.locks.covering(path).find((l) => tokens.has(l.token));
    if (!held) throw new HttpError(412, "a LOCK without a body refreshes a lock: name it in the If header");
    answer(ctx, 200, ctx.state.locks.refresh(held, timeoutSeconds));
    return;
  }
  const info = parseLockInfo(body);
  const depth = parseDepth(header(ctx.req, "depth"));
  if (depth === "1") throw new HttpError(400, "LOCK takes Depth 0 or infinity");
  if (!existing) {
    const parent = await lookup(ctx.state, parentOf(path));
    if (parent?.kind !== "folder") throw new HttpError(409, `the folder ${parentOf(path)} does not exist`);
  }
  const created = ctx.state.locks.create(path, {
    ...info,
    depth,
    timeoutSeconds,
    lockNull: !existing || existing.lockNull === true,
  });
  answer(ctx, existing ? 200 : 201, created);
}

/** Handles UNLOCK. */
export async function unlock(ctx: RequestContext): Promise<void> {
  const m = /^\s*<([^>]+)>\s*$/.exec(header(ctx.req, "lock-token") ?? "");
  if (!m) throw new HttpError(400, "UNLOCK needs a Lock-Token header: <opaquelocktoken:...>");
  const token = m[1] as string;
  if (!ctx.state.locks.covering(ctx.target.path).some((l) => l.token === token)) {
    throw new HttpError(409, "no lock with that token covers this resource", {
      davError: "<D:lock-token-matches-request-uri/>",
    });
  }
  ctx.state.locks.remove(token);
  send(ctx, 204, "");
}
