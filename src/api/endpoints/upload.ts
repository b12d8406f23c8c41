// Upload flow (spec §7.2–§7.4, §9.1): get a node, POST the multipart body once, then read end.pl.
import { Readable } from "node:stream";
import { type Dispatcher, request } from "undici";
import type { ClientContext } from "../context.js";
import { parseWith } from "../context.js";
import { classifyFailure, FichierError, HtmlResponseError } from "../errors.js";
import { planMultipart } from "../multipart.js";
import { encodeName } from "../names.js";
import { uploadResultSchema, uploadServerSchema } from "../schemas.js";
import { looksLikeHtml, networkFailure } from "../transport.js";
import type { UploadFile, UploadLink, UploadServer } from "../types.js";
import { domainId } from "../urls.js";

export interface UploadApi {
  /**
   * An upload node and upload id (`upload/get_upload_server.cgi`, spec §7.2); the id is checked to be
   * 1–10 characters `[A-Za-z0-9]`.
   * @example
   * ```ts
   * const server = await client.upload.getServer();
   * ```
   */
  getServer(opts?: { signal?: AbortSignal }): Promise<UploadServer>;
  /**
   * Streams files to the node (`upload.cgi`, spec §7.3): multipart with field `file[]` and text field
   * `did`, exact Content-Length computed up front. Never re-sent automatically; the 302 is not followed.
   * Names are encoded (spec §5). Resolves with the redirect `location` (`/end.pl?xid=...`).
   * @example
   * ```ts
   * const server = await client.upload.getServer();
   * const { size } = await stat(path);
   * await client.upload.send({ server, files: [{ name: "a.txt", size, body: createReadStream(path) }], folderId: 42 });
   * const { links } = await client.upload.finish({ server });
   * ```
   * @throws NetworkError / ServerError: the caller decides whether to start a new upload
   */
  send(opts: {
    server: UploadServer;
    files: UploadFile[];
    folderId?: number;
    /** Display domain id 0–10 or name (spec §3.2). */
    domain?: number | string;
    password?: string;
    signal?: AbortSignal;
  }): Promise<{ location: string }>;
  /**
   * The upload's result (`end.pl` with header `JSON: 1`, spec §7.4). An HTML answer (not processed yet,
   * or unknown id) throws HtmlResponseError, which is retryable: poll again after a short wait.
   * @example
   * ```ts
   * const { links } = await client.upload.finish({ server });
   * console.log(links[0]?.download, links[0]?.whirlpool);
   * ```
   */
  finish(opts: {
    server: UploadServer;
    signal?: AbortSignal;
  }): Promise<{ incoming: boolean; links: UploadLink[] }>;
}

async function drain(body: Dispatcher.ResponseData["body"], limit = 256 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    const b = c as Buffer;
    if (size < limit) chunks.push(b);
    size += b.length;
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function uploadApi(ctx: ClientContext): UploadApi {
  const nodeUrl = (server: UploadServer, path: string) => `${ctx.scheme}//${server.host}${path}`;
  return {
    async getServer(opts = {}) {
      // spec §7.2: GET works everywhere (rclone); the key is optional but ties nothing here.
      return ctx.call("upload/get_upload_server.cgi", undefined, uploadServerSchema, {
        method: "GET",
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    },

    async send(opts) {
      const endpoint = "upload.cgi";
      const fields: [string, string][] = [["did", String(opts.folderId ?? 0)]];
      if (opts.domain !== undefined) fields.push(["domain", String(domainId(opts.domain))]);
      if (opts.password !== undefined) fields.push(["dpass", opts.password]);
      const plan = planMultipart(
        fields,
        opts.files.map((f) => ({ filename: encodeName(f.name), size: f.size, body: f.body })),
      );
      const url = nodeUrl(opts.server, `/upload.cgi?id=${encodeURIComponent(opts.server.id)}`);
      const signal = ctx.signal(opts.signal);
      ctx.trace?.(`> POST ${url} multipart ${plan.contentLength} bytes, ${opts.files.length} file(s)`);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method: "POST",
          dispatcher: ctx.dispatcher,
          headers: {
            authorization: `Bearer ${ctx.apiKey}`,
            "content-type": plan.contentType,
            "content-length": String(plan.contentLength),
            "user-agent": ctx.userAgent,
          },
          body: Readable.from(plan.body(), { objectMode: false }),
          signal,
          // Large uploads: the node answers only after the whole body arrived.
          headersTimeout: 0,
          bodyTimeout: 0,
        });
      } catch (e) {
        if (e instanceof FichierError) throw e;
        // planMultipart refuses a body that differs from its declared size (the file changed meanwhile).
        const range = e instanceof RangeError ? e : (e as { cause?: unknown })?.cause;
        if (range instanceof RangeError) {
          throw new FichierError(`${endpoint}: ${range.message}`, {
            endpoint,
            retryable: false,
            hint: "The file changed while it was being sent: upload it again once it is stable.",
            cause: e,
          });
        }
        throw networkFailure(e, endpoint, signal);
      } finally {
        ctx.mutated("files");
      }
      const location = res.headers.location;
      const text = await drain(res.body).catch(() => "");
      ctx.trace?.(`< ${res.statusCode} ${endpoint} location=${String(location ?? "")}`);
      if (res.statusCode >= 300 && res.statusCode < 400 && location) {
        return { location: Array.isArray(location) ? (location[0] ?? "") : location };
      }
      let message: string | undefined;
      try {
        const j = JSON.parse(text) as { message?: unknown };
        if (typeof j.message === "string") message = j.message;
      } catch {
        message = undefined;
      }
      const err = classifyFailure({
        endpoint,
        httpStatus: res.statusCode,
        ...(message !== undefined
          ? { message }
          : { bodyText: text, html: looksLikeHtml(String(res.headers["content-type"] ?? ""), text) }),
        now: ctx.now(),
      });
      // A 2xx without the redirect is not a success we can use (spec §7.3).
      throw err;
    },

    async finish(opts) {
      const endpoint = "end.pl";
      const url = nodeUrl(opts.server, `/end.pl?xid=${encodeURIComponent(opts.server.id)}`);
      const signal = ctx.signal(opts.signal);
      ctx.trace?.(`> GET ${url} (JSON: 1)`);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method: "GET",
          dispatcher: ctx.dispatcher,
          // spec §7.4: the format is chosen by the `JSON: 1` request header.
          headers: { json: "1", authorization: `Bearer ${ctx.apiKey}`, "user-agent": ctx.userAgent },
          signal,
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        });
      } catch (e) {
        throw networkFailure(e, endpoint, signal);
      }
      const text = await drain(res.body, 8 * 1024 * 1024);
      const ct = String(res.headers["content-type"] ?? "");
      // Removal links (anonymous uploads) are secrets: the trace shows the shape only.
      ctx.trace?.(
        `< ${res.statusCode} ${endpoint} ${looksLikeHtml(ct, text) ? "HTML" : `${text.length} bytes of JSON`}`,
      );
      let json: unknown;
      if (!looksLikeHtml(ct, text)) {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      if (json === undefined) {
        if (res.statusCode >= 500)
          throw classifyFailure({
            endpoint,
            httpStatus: res.statusCode,
            bodyText: text,
            html: true,
            now: ctx.now(),
          });
        // spec §7.4 (rclone #4382, #7971): HTML with JSON: 1 means not processed yet, or unknown xid.
        throw new HtmlResponseError(
          `${endpoint}: the upload result is not available yet (web page instead of JSON)`,
          {
            endpoint,
            httpStatus: res.statusCode,
            hint: "The upload may still be processing: poll again in a few seconds; after 2 hours the result is gone.",
          },
        );
      }
      const obj = json as { status?: unknown; message?: unknown };
      if (res.statusCode >= 400 || (typeof obj.status === "string" && obj.status.toUpperCase() === "KO")) {
        throw classifyFailure({
          endpoint,
          httpStatus: res.statusCode,
          ...(typeof obj.message === "string" ? { message: obj.message } : {}),
          now: ctx.now(),
        });
      }
      return parseWith(uploadResultSchema, json, endpoint);
    },
  };
}
