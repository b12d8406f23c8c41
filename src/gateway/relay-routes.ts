// The transfer pages the gateway serves in place of 1fichier's hosts: `upload.cgi` and `end.pl` for the
// upload ids it handed out, `/dl/<id>` for the download links it rewrote (--proxy-transfers).
import type { IncomingMessage, ServerResponse } from "node:http";
import { GatewayKo } from "./answers.js";
import { type Exchange, type GatewayContext, refuse } from "./context.js";
import { uploadAdded } from "./index-feed.js";
import { boundaryOf, FolderRefusedError, MultipartShapeError } from "./multipart-scan.js";
import { NODE_PAGES, type Scope } from "./scopes.js";

/**
 * `POST /upload.cgi?id=` and `GET /end.pl?xid=`: relayed to the node with the real key.
 * @example
 * await handleNodePage(g, req, res, "upload.cgi", ex);
 */
export async function handleNodePage(
  g: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  page: "upload.cgi" | "end.pl",
  ex: Exchange,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://gateway");
  const id = url.searchParams.get(page === "upload.cgi" ? "id" : "xid") ?? "";
  const owner = g.uploads.ownerOf(id);
  const checked = await g.guard.checkOwner(req, ex.ip, owner);
  ex.token = checked.ok ? checked.record.name : checked.token;
  if (!checked.ok) return refuse(ex, res, checked.answer, checked.reason);
  const scope = NODE_PAGES[page] as Scope;
  if (!checked.record.scopes.includes(scope)) {
    return refuse(ex, res, GatewayKo.notAllowed(`this token lacks the "${scope}" scope`), "scope");
  }
  const session = g.uploads.session(id, checked.record.name);
  if (!session)
    return refuse(ex, res, GatewayKo.notAllowed("unknown or expired upload id"), "transfer-owner");
  if (page === "end.pl") {
    // A refused upload has no result: a KO ends the client's polling at once (it waits out HTML answers).
    if (session.refused)
      return refuse(ex, res, GatewayKo.notAllowed("this upload was refused"), "refused-upload");
    ex.code = null;
    const outcome = await g.uploads.end(req, res, session, id);
    const change = outcome.added && uploadAdded(outcome.added.folderId, outcome.added.result, g.now());
    if (change) g.view.changed(change);
    return;
  }
  const boundary = boundaryOf(req.headers["content-type"]);
  if (req.method !== "POST") return refuse(ex, res, GatewayKo.methodNotAllowed(["POST"]), "method");
  if (!boundary) return refuse(ex, res, GatewayKo.badRequest(), "bad-body");
  try {
    const outcome = await g.uploads.upload(req, res, session, id, boundary);
    if (outcome.folder !== undefined) ex.targets = { folders: [outcome.folder] };
    ex.code = null;
    g.governor.invalidate("listings");
  } catch (e) {
    // The client may still be sending: answer, then close the connection rather than read the rest.
    res.setHeader("Connection", "close");
    if (e instanceof FolderRefusedError) refuse(ex, res, GatewayKo.notAllowed(), "folder: upload outside");
    else if (e instanceof MultipartShapeError) refuse(ex, res, GatewayKo.badRequest(), "bad-body");
    else if (!res.headersSent) refuse(ex, res, GatewayKo.upstreamDown(), "upstream-down");
    else res.destroy();
  }
}

/**
 * `GET|HEAD /dl/<id>`: a download link rewritten by --proxy-transfers, relayed with Range.
 * @example
 * await handleDownload(g, req, res, "AbC...", ex);
 */
export async function handleDownload(
  g: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  ex: Exchange,
): Promise<void> {
  const downloads = g.downloads;
  const owner = downloads?.owner(id);
  if (!downloads || owner === undefined) {
    ex.reason = "unknown-link";
    res.writeHead(410, { "content-type": "text/plain; charset=utf-8" });
    res.end("This download link is unknown or expired: ask for a new one (download/get_token.cgi).\n");
    return;
  }
  const checked = await g.guard.checkOwner(req, ex.ip, owner);
  ex.token = checked.ok ? checked.record.name : checked.token;
  if (!checked.ok) return refuse(ex, res, checked.answer, checked.reason);
  if (req.method !== "GET" && req.method !== "HEAD") {
    return refuse(ex, res, GatewayKo.methodNotAllowed(["GET", "HEAD"]), "method");
  }
  try {
    await downloads.serve(req, res, id);
    ex.code = null;
  } catch {
    if (!res.headersSent) refuse(ex, res, GatewayKo.upstreamDown(), "upstream-down");
    else res.destroy();
  }
}
