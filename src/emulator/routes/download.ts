/** `download/get_token.cgi` (spec §7.1) and the token URL itself (spec §7.1.1, DECISIONS "Transfers"). */
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import { z } from "zod";
import { type ApiRoute, accountOf, type Ctx } from "../context.js";
import { clientIp, KO, sendHtml, sleep } from "../http.js";
import { ids } from "../ids.js";
import { contentDisposition, parseRange } from "../names.js";
import type { FileRow, TokenRow } from "../store.js";
import { Throttle } from "../throttle.js";
import { fileInFolder, flag, int, parse, readableFile } from "./common.js";

const UNUSED_LIFETIME_MS = 5 * 60_000;
const RESUME_WINDOW_MS = 30 * 60_000;

const schema = z.object({
  url: z.string().optional(),
  inline: flag.optional(),
  cdn: flag.optional(),
  restrict_ip: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  single: flag.optional(),
  pass: z.string().optional(),
  no_ssl: flag.optional(),
  folder_id: int.optional(),
  filename: z.string().optional(),
  sharing_user: z.string().optional(),
});

const getToken: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(schema, call.body);
    if (account.offer === 0) throw KO.customer();
    let file: FileRow;
    if (b.url !== undefined) {
      file = readableFile(ctx, account, b.url, b.pass, call.ip, true);
    } else if (b.folder_id !== undefined && b.filename !== undefined) {
      file = fileInFolder(ctx, account, b.folder_id, b.filename, b.sharing_user, b.pass);
    } else {
      throw KO.badRequest();
    }
    const token = ids.token();
    const row: TokenRow = {
      token,
      file: file.id,
      account: account.email,
      // spec §7.1: restrict_ip 2 = "no sub-requests at all", i.e. a single request.
      single: b.single === 1 || b.restrict_ip === 2 ? 1 : 0,
      inline: b.inline ?? file.inline,
      restrict_ip: b.restrict_ip ?? 0,
      issued: ctx.clock.now(),
      first_use: null,
      uses: 0,
      ip: null,
      expired: 0,
    };
    ctx.store.insertToken(row);
    // spec §7.1: no_ssl: 1 asks for an http:// link (only changes something when the public URL is https).
    const base = b.no_ssl === 1 ? ctx.publicDownloadUrl.replace(/^https:/, "http:") : ctx.publicDownloadUrl;
    return { status: "OK", url: `${base}/${token}` };
  },
};

/** The download API route. */
export const downloadRoutes: Record<string, ApiRoute> = { "download/get_token.cgi": getToken };

function errorPage(res: ServerResponse, status: number, title: string, text: string): void {
  sendHtml(res, status, title, `<h1>${title}</h1>\n<p>${text}</p>`);
}

/**
 * Whether a token is still usable at `now` (pure).
 * @example
 * tokenState(token, ctx.clock.now()); // "ok" | "expired" | "used"
 */
export function tokenState(t: TokenRow, now: number): "ok" | "expired" | "used" {
  if (t.expired) return "expired";
  if (t.single && t.uses >= 1) return "used";
  if (t.first_use === null) return now - t.issued > UNUSED_LIFETIME_MS ? "expired" : "ok";
  return now - t.first_use > RESUME_WINDOW_MS ? "expired" : "ok";
}

/**
 * Serves `GET|HEAD <publicDownloadUrl>/<token>`: bytes from disk with Range support, errors as HTML pages.
 * @example
 * await serveDownload(ctx, req, res, token);
 */
export async function serveDownload(
  ctx: Ctx,
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    errorPage(res, 405, "Method not allowed", "Use GET.");
    return;
  }
  if (ctx.faults.roll("503")) {
    errorPage(res, 503, "Maintenance", "Our services are in maintenance. Please come back after");
    return;
  }
  if (ctx.faults.roll("slow")) await sleep(ctx.faults.slowMs);
  if (ctx.faults.roll("forbid")) {
    errorPage(res, 403, "Forbidden", "You are not allowed to download this file.");
    return;
  }
  const t = ctx.store.token(token);
  if (!t) {
    errorPage(res, 404, "Invalid link", "This download link does not exist.");
    return;
  }
  const now = ctx.clock.now();
  const state = tokenState(t, now);
  if (state !== "ok" || ctx.faults.roll("expire")) {
    if (state === "ok") ctx.store.expireToken(token);
    errorPage(res, 410, "Link expired", "This download link has expired. Please request a new one.");
    return;
  }
  const ip = clientIp(req);
  if (t.restrict_ip === 1 && t.ip !== null && t.ip !== ip) {
    errorPage(
      res,
      403,
      "IP changed",
      "This download link is restricted to the IP address that first used it.",
    );
    return;
  }
  const file = ctx.store.file(t.file);
  if (!file) {
    errorPage(res, 404, "File not found", "The requested file could not be found.");
    return;
  }
  const range = parseRange(req.headers.range, file.size);
  if (range === "invalid") {
    res.writeHead(416, {
      "Content-Range": `bytes */${file.size}`,
      "Accept-Ranges": "bytes",
      "Content-Type": "text/html; charset=utf-8",
      "Content-Length": 0,
    });
    res.end();
    return;
  }
  if (!ctx.limiter.openDownload(t.account)) {
    errorPage(res, 429, "Too many connections", "You have too many simultaneous downloads (30 maximum).");
    return;
  }
  let closed = false;
  const release = (): void => {
    if (!closed) {
      closed = true;
      ctx.limiter.closeDownload(t.account);
    }
  };
  res.on("close", release);
  if (req.method === "GET") ctx.store.useToken(token, now, ip);
  const start = range === "none" ? 0 : range.start;
  const end = range === "none" ? file.size - 1 : range.end;
  const length = end - start + 1;
  const headers: Record<string, string | number> = {
    "Content-Type": file.mime,
    "Content-Length": length,
    "Accept-Ranges": "bytes",
    "Content-Disposition": contentDisposition(file.name, t.inline === 1),
  };
  if (range !== "none") headers["Content-Range"] = `bytes ${start}-${end}/${file.size}`;
  res.writeHead(range === "none" ? 200 : 206, headers);
  // Headers go out now, not with the first (possibly paced) body bytes.
  res.flushHeaders();
  if (req.method === "HEAD" || length === 0) {
    res.end();
    return;
  }
  const truncate = ctx.faults.roll("truncate");
  const reset = !truncate && ctx.faults.roll("reset");
  // Faults: send about half the bytes, then close (truncate) or reset (reset) the connection.
  const sendEnd = truncate || reset ? start + Math.max(0, Math.floor(length / 2) - 1) : end;
  const source = createReadStream(ctx.store.blobPath(file.blob), { start, end: sendEnd });
  const done = (): void => {
    if (truncate) req.socket.destroySoon();
    else if (reset) req.socket.resetAndDestroy();
  };
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      done();
      resolve();
    };
    if (truncate || reset) {
      // Keep the response open: the bytes written so far go out, then the socket is cut.
      const last = ctx.bandwidth > 0 ? source.pipe(new Throttle(ctx.bandwidth, ctx.pace)) : source;
      last.on("end", () => setTimeout(finish, 20));
      source.on("error", finish);
      last.pipe(res, { end: false });
      res.on("close", resolve);
      return;
    }
    const streams: NodeJS.ReadWriteStream[] =
      ctx.bandwidth > 0 ? [new Throttle(ctx.bandwidth, ctx.pace)] : [];
    pipeline([source, ...streams, res] as unknown as [NodeJS.ReadableStream, NodeJS.WritableStream], () => {
      resolve();
    });
  });
}
