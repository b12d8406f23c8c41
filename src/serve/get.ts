/**
 * GET and HEAD, for both flavours: a file's bytes (one Range at most; 206, 416; validators and conditional
 * requests), streamed from the backend to the client with back-pressure, never buffered whole; a folder's HTML
 * page (src/serve/index-page.ts).
 */
import { pipeline } from "node:stream/promises";
import type { Entry } from "./backend.js";
import { etagOf, lastModifiedOf, notModified, rangeStillValid } from "./conditional.js";
import { INDEX_CSP, parseSort, renderIndex } from "./index-page.js";
import { contentTypeFor } from "./mime.js";
import { hrefOf } from "./paths.js";
import { parseRange } from "./ranges.js";
import { childrenOf, header, mustExist, type RequestContext, send } from "./request.js";
import { HttpError } from "./status.js";

/** Handles GET and HEAD. */
export async function get(ctx: RequestContext): Promise<void> {
  const entry = await mustExist(ctx.state, ctx.target.path);
  if (entry.kind === "folder") return folderPage(ctx, entry);
  return file(ctx, entry);
}

async function folderPage(ctx: RequestContext, entry: Entry): Promise<void> {
  // Links on the page are absolute, but a browser resolves "?sort=" against the URL: keep it the folder's own.
  if (!ctx.target.slash) {
    send(ctx, 301, "", { Location: hrefOf(entry.path, true) });
    return;
  }
  const children = await childrenOf(ctx.state, entry.path);
  const query = (ctx.req.url ?? "").includes("?")
    ? (ctx.req.url ?? "").slice((ctx.req.url ?? "").indexOf("?"))
    : "";
  send(ctx, 200, renderIndex(entry, children, parseSort(query)), {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": INDEX_CSP,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
  });
}

async function file(ctx: RequestContext, entry: Entry): Promise<void> {
  const headers: Record<string, string> = {
    "Accept-Ranges": "bytes",
    ETag: etagOf(entry),
    "Last-Modified": lastModifiedOf(entry),
    "Content-Type": contentTypeFor(entry.name),
    // A stored HTML or SVG file opened in a browser must not run script on this server's origin (it could
    // reach every other file with the user's credentials): sandbox it.
    "Content-Security-Policy": "sandbox",
  };
  if (notModified(ctx.req.headers, entry)) {
    send(ctx, 304, "", headers);
    return;
  }
  const ifRange = header(ctx.req, "if-range");
  const asked = rangeStillValid(ifRange, entry)
    ? parseRange(ctx.req.headers.range, entry.size)
    : { kind: "whole" as const };
  if (asked.kind === "unsatisfiable") {
    throw new HttpError(416, `Range not satisfiable: ${asked.reason}`, {
      headers: { "Content-Range": `bytes */${entry.size}` },
    });
  }
  const range = asked.kind === "range" ? asked.range : undefined;
  const length = range ? range.end - range.start + 1 : entry.size;
  if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end}/${entry.size}`;
  headers["Content-Length"] = String(length);
  if (ctx.method === "HEAD" || length === 0) {
    ctx.res.writeHead(range ? 206 : 200, headers);
    ctx.res.end();
    return;
  }
  const body = await ctx.state.backend.read(entry, range, ctx.signal);
  ctx.res.writeHead(range ? 206 : 200, headers);
  body.on("data", (chunk: Buffer) => {
    ctx.bytesSent += chunk.length;
  });
  try {
    await pipeline(body, ctx.res);
  } catch {
    // The client went away, or the backend's stream failed: the response is cut short (its Content-Length
    // tells the client), and the request log shows the bytes that did go out.
  }
}
