/** Small HTTP helpers shared by the routes: JSON/KO/HTML answers, bounded body reading. */
import type { IncomingMessage, ServerResponse } from "node:http";

const JSON_TYPE = "application/json; charset=utf-8";

/**
 * A KO answer thrown by a handler and turned into `{"status":"KO","message":...}` by the server.
 * @example
 * throw new ApiError(403, "Resource not allowed #631");
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** DECISIONS error table, one place. Codes from 9000 up are ours. */
export const KO = {
  auth: () => new ApiError(401, "Not authenticated #247"),
  customer: () => new ApiError(403, "Must be a customer (Premium, Access) #200"),
  notFound: () => new ApiError(404, "Resource not found #469"),
  notAllowed: () => new ApiError(403, "Resource not allowed #631"),
  notRenamed: () => new ApiError(200, "No file has been renamed #312"),
  folderNotFound: () => new ApiError(404, "Folder not found #9001"),
  folderExists: () => new ApiError(200, "Folder already exists #9002"),
  folderNotEmpty: () => new ApiError(200, "Folder not empty #9003"),
  invalidName: () => new ApiError(200, "Invalid name #9004"),
  badRequest: () => new ApiError(400, "Bad request #9005"),
  lengthRequired: () => new ApiError(411, "Length required #9006"),
  tooLarge: () => new ApiError(413, "Request too large #9007"),
  invalidPassword: () => new ApiError(200, "Invalid password, 6 characters minimum #9008"),
  invalidDestination: () => new ApiError(200, "Invalid destination folder #9009"),
  scanTooBig: () => new ApiError(200, "File too big for scan, 5 GB maximum #9010"),
  voucherNotFound: () => new ApiError(404, "Voucher not found #9011"),
  ftpUserExists: () => new ApiError(200, "FTP user already exists #9012"),
  ftpUserNotFound: () => new ApiError(404, "FTP user not found #9013"),
  remoteNotFound: () => new ApiError(404, "Remote upload request not found #9014"),
  internal: () => new ApiError(500, "Internal server error #9500"),
  methodNotAllowed: () => new ApiError(405, "Method not allowed #9405"),
  unknownPath: () => new ApiError(404, "Unknown endpoint #9404"),
};

/**
 * Sends a JSON answer (pretty-printed when the request asked `"pretty": 1`, spec §1.8).
 * @example
 * sendJson(res, 200, { status: "OK", items: [] });
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, pretty = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body);
  res.writeHead(status, { "Content-Type": JSON_TYPE, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Sends a KO envelope (spec §8).
 * @example
 * sendKo(res, KO.notFound()); // 404 {"status":"KO","message":"Resource not found #469"}
 */
export function sendKo(res: ServerResponse, err: ApiError, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  if (err.retryAfter !== undefined) res.setHeader("Retry-After", String(err.retryAfter));
  sendJson(res, err.status, { status: "KO", message: err.message });
}

/**
 * Escapes text for HTML.
 * @example
 * esc("<a>"); // "&lt;a&gt;"
 */
export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

/**
 * Sends an HTML page (the website, end.pl without `JSON: 1`, download errors).
 * @example
 * sendHtml(res, 410, "Link expired", "<h1>Link expired</h1>");
 */
export function sendHtml(
  res: ServerResponse,
  status: number,
  title: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const html = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${esc(title)}</title></head>\n<body>\n${body}\n</body></html>\n`;
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(html),
    ...headers,
  });
  res.end(html);
}

/**
 * Sends plain text.
 * @example
 * sendText(res, 200, "a.txt;5;abc;;0\n");
 */
export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Thrown by {@link readBody} when the client stalls or goes away before the end of the body.
 * @example
 * if (e instanceof BodyAborted) res.destroy();
 */
export class BodyAborted extends Error {}

/**
 * Thrown by {@link readBody} when the body exceeds its limit.
 * @example
 * if (e instanceof BodyTooLarge) sendKo(res, KO.tooLarge());
 */
export class BodyTooLarge extends Error {}

/**
 * Reads a small request body (JSON or form) with a size limit and a stall timeout.
 * @example
 * const buf = await readBody(req, 1024 * 1024, 30_000);
 */
export function readBody(req: IncomingMessage, limit: number, stallMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let timer = setTimeout(onStall, stallMs);
    function onStall(): void {
      cleanup();
      req.destroy();
      reject(new BodyAborted("request body stalled"));
    }
    function cleanup(): void {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    }
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(onStall, stallMs);
    }
    function onEnd(): void {
      cleanup();
      resolve(Buffer.concat(chunks));
    }
    function onError(err: Error): void {
      cleanup();
      reject(new BodyAborted(err.message));
    }
    function onClose(): void {
      if (!req.complete) {
        cleanup();
        reject(new BodyAborted("client closed the connection"));
      }
    }
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/**
 * Remote IP of a request, without the IPv4-mapped prefix.
 * @example
 * clientIp(req); // "127.0.0.1"
 */
export function clientIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
}

/**
 * The bearer key of a request, or null. Never logged.
 * @example
 * bearerKey(req); // the key of "Authorization: Bearer <key>", or null
 */
export function bearerKey(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1] ?? null;
}

/**
 * Sleeps (used for the `slow` fault and bandwidth pacing).
 * @example
 * await sleep(2000);
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
