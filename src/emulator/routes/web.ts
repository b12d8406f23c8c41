/** Website endpoints clients rely on (spec §7.22): shared folders, check_links.pl, removal pages. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Ctx } from "../context.js";
import { esc, readBody, sendHtml, sendJson, sendText } from "../http.js";
import { fileUrl, parseFileUrl } from "../names.js";
import { removeFile } from "./common.js";

const FORM_LIMIT = 1024 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  if (req.method !== "POST") return new URLSearchParams();
  const body = await readBody(req, FORM_LIMIT, 30_000);
  return new URLSearchParams(body.toString("utf8"));
}

/**
 * `GET|POST /dir/<hash>` (also `/en/dir/...`): `?json=1` → JSON array, `?e=1` → text export, else HTML.
 * @example
 * await handleDir(ctx, req, res, url, "GwAVeQxR");
 */
export async function handleDir(
  ctx: Ctx,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  hash: string,
): Promise<void> {
  const form = await readForm(req);
  const json = url.searchParams.get("json") === "1" || form.get("json") === "1";
  const exportText = url.searchParams.get("e") === "1";
  const folder = /^[A-Za-z0-9]{1,64}$/.test(hash) ? ctx.store.folderByShare(hash) : undefined;
  if (!folder) {
    // spec §7.22: the export answers `bad` (and we send 404) for a folder that does not exist.
    // With json=1 the caller asked for JSON: the KO envelope of the API (our choice, the real answer is unknown).
    if (exportText) sendText(res, 404, "bad");
    else if (json) sendJson(res, 404, { status: "KO", message: "Resource not found #469" });
    else sendHtml(res, 404, "Folder not found", "<h1>Folder not found</h1>");
    return;
  }
  const pass = form.get("pass") ?? url.searchParams.get("pass");
  if (folder.share_pass && pass !== folder.share_pass) {
    if (json) {
      sendJson(res, 403, { status: "KO", message: "Resource not allowed #631" });
      return;
    }
    const body = `<h1>Password protected folder</h1>\n<form method="post"><input type="password" name="pass" id="pass"><input type="hidden" name="json" value="${json ? 1 : 0}"><button type="submit">Send</button></form>`;
    sendHtml(res, 403, "Password required", body);
    return;
  }
  const files = ctx.store.filesIn(folder.owner, folder.id).filter((f) => !f.pass && !f.acl);
  if (json) {
    // spec §7.22: a JSON array of { filename, link, size }.
    sendJson(
      res,
      200,
      files.map((f) => ({ filename: f.name, link: fileUrl(f.id, f.domain), size: f.size })),
    );
    return;
  }
  if (exportText && req.method === "GET") {
    sendText(res, 200, files.map((f) => `${fileUrl(f.id, f.domain)};${f.name};${f.size}\n`).join(""));
    return;
  }
  const rows = files
    .map(
      (f) =>
        `<tr><td><a href="${esc(fileUrl(f.id, f.domain))}">${esc(f.name)}</a></td><td>${f.size}</td></tr>`,
    )
    .join("\n");
  sendHtml(res, 200, folder.name, `<h1>${esc(folder.name)}</h1>\n<table class="premium">\n${rows}\n</table>`);
}

/**
 * `POST /check_links.pl` with `links[]=...` (up to 100): one text line per link (spec §7.22).
 * @example
 * await handleCheckLinks(ctx, req, res);
 */
export async function handleCheckLinks(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "POST") {
    res.setHeader("Allow", "POST");
    sendHtml(res, 405, "Method not allowed", "<p>POST links[]=...</p>");
    return;
  }
  const form = await readForm(req);
  const links = [...form.getAll("links[]"), ...form.getAll("links")].slice(0, 100);
  const lines = links.map((link) => {
    const id = parseFileUrl(link);
    const f = id ? ctx.store.fileEvenDeleted(id) : undefined;
    if (!f) return `${link};;;BAD LINK`;
    if (f.deleted !== null) return `${link};;;NOT FOUND`;
    if (f.pass || f.acl) return `${link};;;PRIVATE`;
    return `${link};${f.name};${f.size}`;
  });
  sendText(res, 200, lines.map((l) => `${l}\n`).join(""));
}

/**
 * `/remove/<id>/<code>` (and `/en/remove/...`): GET shows a confirmation form, POST `force=1` deletes (spec §3.1).
 * @example
 * await handleRemove(ctx, req, res, "abcde12345abcde12345", "CODE");
 */
export async function handleRemove(
  ctx: Ctx,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  code: string,
): Promise<void> {
  const f = ctx.store.file(id.toLowerCase());
  if (!f?.remove_code || f.remove_code !== code) {
    sendHtml(
      res,
      404,
      "Invalid link",
      "<h1>Invalid removal link</h1>\n<p>The file does not exist or was already removed.</p>",
    );
    return;
  }
  const form = await readForm(req);
  if (req.method === "POST" && form.get("force") === "1") {
    await removeFile(ctx, f.id);
    sendHtml(res, 200, "File removed", "<h1>The file has been destroyed</h1>");
    return;
  }
  sendHtml(
    res,
    200,
    "Remove a file",
    `<h1>Remove ${esc(f.name)}</h1>\n<form method="post"><input type="hidden" name="force" value="1"><button type="submit" id="remove">Remove the file</button></form>`,
  );
}
