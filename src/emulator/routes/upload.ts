/** `upload/get_upload_server.cgi`, `upload.cgi` and `end.pl` (spec §7.2 to §7.4, DECISIONS "Transfers"). */

import { rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type BlobResult, BlobWriter } from "../blobs.js";
import type { ApiRoute, Ctx } from "../context.js";
import { ApiError, bearerKey, esc, KO, sendHtml, sendKo, sendText, sleep } from "../http.js";
import { ids } from "../ids.js";
import { boundaryOf, MultipartError, MultipartParser } from "../multipart.js";
import { fileUrl, isValidName, mimeOf, removeUrl } from "../names.js";
import type { AccountRow, FileRow } from "../store.js";
import { Pacer } from "../throttle.js";

const MAX_REQUEST = 500e9; // spec §7.3: 500 GB per upload request
const MAX_FILE = 300e9; // spec §7.3: 300 GB per file
const MAX_FILES = 500; // spec §7.3: 500 files per upload
const MAX_FIELD = 64 * 1024;
const RESULT_KEPT_MS = 2 * 3600_000; // spec §7.4: end.pl result kept 2 hours
const IDLE_MS = 120_000;

const getUploadServer: ApiRoute = {
  methods: ["GET", "POST"],
  auth: "optional",
  handle(ctx, call) {
    const id = ids.upload();
    ctx.store.insertUpload(id, call.account?.email ?? null, ctx.clock.now());
    return { url: ctx.publicUploadHost, id };
  },
};

/** The upload API route. */
export const uploadRoutes: Record<string, ApiRoute> = { "upload/get_upload_server.cgi": getUploadServer };

/** One stored link, as end.pl shows it. */
interface Link {
  id: string;
  download: string;
  filename: string;
  remove: string;
  removeCode: string;
  size: string;
  whirlpool: string;
  domain: number;
}

interface PendingFile {
  name: string;
  blob: BlobResult;
}

function htmlError(res: ServerResponse, status: number, title: string, text: string): void {
  sendHtml(res, status, title, `<h1>${esc(title)}</h1>\n<p>${esc(text)}</p>`);
}

/**
 * Handles `POST /upload.cgi?id=...`: streams every `file[]` part to disk with its Whirlpool, then answers
 * 302 to a relative `/end.pl?xid=<id>`. A client that goes away mid-body leaves nothing behind.
 * @example
 * await handleUpload(ctx, req, res, new URL(req.url, "http://x"));
 */
export async function handleUpload(
  ctx: Ctx,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (req.method !== "POST") {
    res.setHeader("Allow", "POST");
    sendKo(res, KO.methodNotAllowed());
    return;
  }
  if (ctx.closing) {
    htmlError(res, 503, "Shutting down", "The emulator is shutting down: no new upload is accepted.");
    return;
  }
  if (ctx.faults.roll("503")) {
    htmlError(res, 503, "Maintenance", "Our services are in maintenance. Please come back after");
    return;
  }
  const id = url.searchParams.get("id") ?? "";
  const upload = /^[A-Za-z0-9]{1,10}$/.test(id) ? ctx.store.upload(id) : undefined;
  if (!upload) {
    htmlError(
      res,
      404,
      "Invalid upload",
      "Unknown upload identifier. Ask upload/get_upload_server.cgi for a new one.",
    );
    return;
  }
  if (upload.finished !== null || upload.started !== null) {
    htmlError(res, 409, "Upload already done", "This upload identifier was already used. Ask for a new one.");
    return;
  }
  // spec §7.3: an exact Content-Length is required; chunked bodies are refused.
  const lengthHeader = req.headers["content-length"];
  if (
    req.headers["transfer-encoding"] !== undefined ||
    lengthHeader === undefined ||
    !/^\d+$/.test(lengthHeader)
  ) {
    sendKo(res, KO.lengthRequired(), { Connection: "close" });
    return;
  }
  if (Number(lengthHeader) > MAX_REQUEST) {
    sendKo(res, KO.tooLarge(), { Connection: "close" });
    return;
  }
  const boundary = boundaryOf(req.headers["content-type"]);
  if (!boundary) {
    sendKo(res, KO.badRequest(), { Connection: "close" });
    return;
  }
  let account: AccountRow | null = null;
  const key = bearerKey(req);
  if (key !== null) {
    account = ctx.store.accountByKey(key) ?? null;
    if (!account) {
      sendKo(res, KO.auth(), { Connection: "close" });
      return;
    }
  } else {
    // spec §7.3: legacy identifications, Basic e-mail:password or the website session cookie.
    account = legacyAccount(ctx, req);
  }
  if (!ctx.store.startUpload(id, ctx.clock.now())) {
    htmlError(res, 409, "Upload already running", "This upload identifier is in use.");
    return;
  }
  const job = receive(ctx, req, res, id, boundary, account ?? ownerOf(ctx, upload.owner));
  ctx.inflight.add(job);
  try {
    await job;
  } finally {
    ctx.inflight.delete(job);
  }
}

function legacyAccount(ctx: Ctx, req: IncomingMessage): AccountRow | null {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? "");
  if (basic?.[1]) {
    const text = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = text.indexOf(":");
    const a = colon > 0 ? ctx.store.account(text.slice(0, colon)) : undefined;
    if (a && a.password === text.slice(colon + 1)) return a;
  }
  const sid = /(?:^|;\s*)SID=([a-f0-9]{32})/.exec(req.headers.cookie ?? "")?.[1];
  const email = sid ? ctx.sessions.get(sid) : undefined;
  return email ? (ctx.store.account(email) ?? null) : null;
}

function ownerOf(ctx: Ctx, email: string | null): AccountRow | null {
  return email ? (ctx.store.account(email) ?? null) : null;
}

async function receive(
  ctx: Ctx,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  boundary: string,
  account: AccountRow | null,
): Promise<void> {
  const parser = new MultipartParser(boundary);
  const fields = new Map<string, string>();
  const stored: PendingFile[] = [];
  let writer: BlobWriter | null = null;
  let skipping = false;
  let field: { name: string; chunks: Buffer[]; size: number } | null = null;
  let currentName = "";
  const pacer = ctx.bandwidth > 0 ? new Pacer(ctx.bandwidth) : null;
  const reset = ctx.faults.roll("reset");
  const lost = !reset && ctx.faults.roll("lost");
  const slow = ctx.faults.roll("slow");
  const socket = req.socket;
  // A stalled body must not hold the upload forever. The listener is removed when this upload ends, or a
  // keep-alive connection carrying many uploads would pile them up (MaxListenersExceededWarning).
  const onIdle = (): void => {
    socket.destroy();
  };
  socket.setTimeout(IDLE_MS, onIdle);
  try {
    if (slow) await sleep(ctx.faults.slowMs);
    let received = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (reset) {
        // Fault: cut the connection after the first chunk of the body.
        socket.resetAndDestroy();
        throw new Error("fault: reset");
      }
      if (pacer) {
        const wait = pacer.delayFor(chunk.length, ctx.pace.now());
        if (wait > 0) await ctx.pace.sleep(wait);
      }
      for (const ev of parser.push(chunk)) {
        if (ev.type === "part") {
          if (ev.filename !== undefined) {
            currentName = ev.filename;
            // Our choice (docs/emulator.md): a part with an invalid name, or beyond 500 files, is dropped.
            skipping = !isValidName(ev.filename) || stored.length >= MAX_FILES;
            writer = skipping ? null : await BlobWriter.create(ctx.store, ctx.hashes);
          } else {
            field = { name: ev.name, chunks: [], size: 0 };
          }
        } else if (ev.type === "data") {
          if (writer) {
            await writer.write(ev.chunk);
            if (writer.size > MAX_FILE) throw KO.tooLarge();
          } else if (field) {
            field.size += ev.chunk.length;
            if (field.size > MAX_FIELD) throw KO.badRequest();
            field.chunks.push(Buffer.from(ev.chunk));
          }
        } else {
          if (writer) {
            const w: BlobWriter = writer;
            writer = null;
            // DECISIONS: zero-byte file parts are dropped (no link for them).
            if (w.size === 0) await w.abort();
            else stored.push({ name: currentName, blob: await w.commit() });
          } else if (field) {
            fields.set(field.name, Buffer.concat(field.chunks).toString("utf8"));
            field = null;
          }
          skipping = false;
        }
      }
    }
    if (!req.complete || received !== Number(req.headers["content-length"]))
      throw new Error("client went away");
    parser.finish();
    if (ctx.closing && !ctx.store.db.open) throw new Error("emulator closed");
    if (lost) {
      // Fault: the client handed over the whole body, yet the connection is cut before any answer and
      // nothing is stored (as when the last bytes never left the client's socket buffer).
      socket.resetAndDestroy();
      throw new Error("fault: lost");
    }
    commit(ctx, id, account, fields, stored);
    res.writeHead(302, { Location: `/end.pl?xid=${id}`, "Content-Type": "text/html; charset=utf-8" });
    res.end(`<html><body><a href="/end.pl?xid=${id}">Upload done</a></body></html>\n`);
    ctx.log(`upload ${id}: ${stored.length} file(s) stored`);
  } catch (e) {
    await writer?.abort();
    for (const s of stored) await rm(ctx.store.blobPath(s.blob.blob), { force: true });
    try {
      if (ctx.store.db.open) ctx.store.resetUpload(id);
    } catch {
      // closing
    }
    if (e instanceof ApiError) sendKo(res, e, { Connection: "close" });
    else if (e instanceof MultipartError) sendKo(res, KO.badRequest(), { Connection: "close" });
    else if (!res.headersSent && !req.destroyed && req.socket && !req.socket.destroyed) {
      sendKo(res, KO.badRequest(), { Connection: "close" });
    }
    ctx.log(`upload ${id} failed: ${(e as Error).message}`);
  } finally {
    socket.setTimeout(0);
    socket.off("timeout", onIdle);
  }
}

function commit(
  ctx: Ctx,
  id: string,
  keyAccount: AccountRow | null,
  fields: Map<string, string>,
  stored: PendingFile[],
): void {
  let owner = keyAccount;
  let incoming = 0;
  const user = fields.get("user");
  if (!owner && user) {
    // spec §7.3: `user` without authentication: the files land in that user's account ("incoming").
    // Our choice: the root of that account, and end.pl says incoming: 1.
    const target = ctx.store.account(user);
    if (target) {
      owner = target;
      incoming = 1;
    }
  }
  const didText = fields.get("did") ?? "0";
  let did = /^\d+$/.test(didText.trim()) ? Number(didText.trim()) : 0;
  // spec §7.3: an invalid did stores the file at the root.
  if (!owner || (did !== 0 && !ctx.store.folder(owner.email, did))) did = 0;
  if (incoming) did = 0;
  const domainText = (fields.get("domain") ?? "0").trim();
  const domainNum = /^\d+$/.test(domainText) ? Number(domainText) : 0;
  const domain = domainNum >= 0 && domainNum <= 10 ? domainNum : 0;
  const dpass = fields.get("dpass") || null;
  const now = ctx.clock.now();
  const links: Link[] = [];
  ctx.store.tx(() => {
    for (const s of stored) {
      const fid = ids.file();
      const code = owner ? "" : ids.removeCode();
      const row: FileRow = {
        id: fid,
        owner: owner?.email ?? null,
        folder: did,
        name: s.name,
        size: s.blob.size,
        checksum: s.blob.checksum,
        mime: mimeOf(s.name),
        created: now,
        domain,
        description: "",
        pass: dpass,
        no_ssl: 0,
        inline: 0,
        cdn: 0,
        acl: null,
        remove_code: code || null,
        blob: s.blob.blob,
        deleted: null,
        scanned: null,
      };
      ctx.store.insertFile(row);
      links.push({
        id: fid,
        download: fileUrl(fid, domain),
        filename: s.name,
        // spec §7.4: `remove` is not filled when the upload is linked to an account.
        remove: code ? removeUrl(fid, code, domain) : "",
        removeCode: code,
        size: String(s.blob.size),
        whirlpool: s.blob.checksum,
        domain,
      });
    }
    ctx.store.finishUpload(id, now, incoming, JSON.stringify(links));
  });
}

function wants(req: IncomingMessage, url: URL, name: string): boolean {
  const h = req.headers[name.toLowerCase()];
  if (typeof h === "string" && h.trim() !== "" && h.trim() !== "0") return true;
  // spec §13: [SW] gives JSON/Export as query parameters; accepted too.
  for (const [k, v] of url.searchParams) if (k.toLowerCase() === name.toLowerCase() && v !== "0") return true;
  return false;
}

/**
 * Handles `GET /end.pl?xid=...`: JSON with header `JSON: 1`, text with `EXPORT: 1`, HTML otherwise (spec §7.4).
 * @example
 * handleEnd(ctx, req, res, new URL(req.url, "http://x"));
 */
export function handleEnd(ctx: Ctx, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET");
    sendKo(res, KO.methodNotAllowed());
    return;
  }
  const xid = url.searchParams.get("xid") ?? "";
  const upload = /^[A-Za-z0-9]{1,10}$/.test(xid) ? ctx.store.upload(xid) : undefined;
  const now = ctx.clock.now();
  // DECISIONS: unknown, expired (2 h) or unfinished xid → HTML, the real-world failure mode (spec §7.4).
  if (!upload || (upload.finished !== null && now - upload.finished > RESULT_KEPT_MS)) {
    htmlError(res, 404, "Upload not found", "No upload with this identifier, or its result has expired.");
    return;
  }
  if (upload.finished === null) {
    htmlError(res, 200, "Upload in progress", "This upload is not finished yet. Please come back later.");
    return;
  }
  const links = JSON.parse(upload.links) as Link[];
  const endHtml = ctx.faults.roll("endhtml");
  if (!endHtml && wants(req, url, "JSON")) {
    const body = {
      incoming: upload.incoming,
      links: links.map((l) => ({
        download: l.download,
        filename: l.filename,
        remove: l.remove,
        size: l.size,
        whirlpool: l.whirlpool,
      })),
    };
    // spec §7.4: [SW] says `JSON: 2` gives a human-readable JSON.
    const text = req.headers.json === "2" ? JSON.stringify(body, null, 2) : JSON.stringify(body);
    res.writeHead(200, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(text),
    });
    res.end(text);
    return;
  }
  if (!endHtml && wants(req, url, "EXPORT")) {
    // spec §7.4: filename;size;download_id;remove_id;domain_id
    sendText(
      res,
      200,
      links.map((l) => `${l.filename};${l.size};${l.id};${l.removeCode};${l.domain}\n`).join(""),
    );
    return;
  }
  const rows = links
    .map(
      (l) =>
        `<tr><td class="normal">${esc(l.filename)}</td><td class="normal">${esc(l.size)}</td>` +
        `<td class="normal"><a href="${esc(l.download)}">${esc(l.download)}</a></td>` +
        `<td class="normal">${l.remove ? `<a href="${esc(l.remove)}">${esc(l.remove)}</a>` : "--"}</td></tr>`,
    )
    .join("\n");
  sendHtml(
    res,
    200,
    "Upload result",
    `<h1>Upload result</h1>\n<table class="premium">\n<tr><th>File name</th><th>Size</th><th>Download link</th><th>Remove link</th></tr>\n${rows}\n</table>`,
  );
}
