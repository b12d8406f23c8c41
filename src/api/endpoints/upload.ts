// Upload flow (spec §7.2–§7.4, §9.1): get a node, POST the multipart body once, then read end.pl.
import { Readable } from "node:stream";
import type { ClientContext } from "../context.js";
import { parseWith } from "../context.js";
import { FichierError, HtmlResponseError } from "../errors.js";
import { type Answer, BODY_CAPS, jsonObject } from "../http.js";
import { planMultipart } from "../multipart.js";
import { encodeName } from "../names.js";
import { uploadResultSchema, uploadServerSchema } from "../schemas.js";
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

/**
 * planMultipart refuses a body that differs from its declared size (the file changed meanwhile): that is
 * the user's file, not the network, and sending again would not help.
 */
function changedWhileSent(e: unknown, endpoint: string): FichierError | undefined {
  let range: unknown = e;
  for (let i = 0; i < 4 && range && !(range instanceof RangeError); i++) {
    range = (range as { cause?: unknown }).cause;
  }
  if (!(range instanceof RangeError)) return undefined;
  return new FichierError(`${endpoint}: ${range.message}`, {
    endpoint,
    retryable: false,
    hint: "The file changed while it was being sent: upload it again once it is stable.",
    cause: e,
  });
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
      let answer: Answer;
      try {
        answer = await ctx.http.exchange({
          endpoint,
          url,
          method: "POST",
          headers: { "content-type": plan.contentType, "content-length": String(plan.contentLength) },
          stream: {
            body: Readable.from(plan.body(), { objectMode: false }),
            shown: `multipart ${plan.contentLength} bytes, ${opts.files.length} file(s)`,
          },
          // spec §7.3: the key ties the files to the account; the exchange sends it to 1fichier nodes only.
          auth: true,
          cap: BODY_CAPS.error,
          ...(signal ? { signal } : {}),
          // Large uploads: the node answers only after the whole body arrived.
          deadlineMs: 0,
          headersTimeout: 0,
          bodyTimeout: 0,
        });
      } catch (e) {
        throw changedWhileSent(e, endpoint) ?? e;
      } finally {
        ctx.mutated("files");
      }
      const location = answer.headers.location;
      if (answer.status >= 300 && answer.status < 400 && location) {
        return { location: Array.isArray(location) ? (location[0] ?? "") : location };
      }
      // A 2xx without the redirect is not a success we can use (spec §7.3).
      throw ctx.http.failure(answer);
    },

    async finish(opts) {
      const endpoint = "end.pl";
      const url = nodeUrl(opts.server, `/end.pl?xid=${encodeURIComponent(opts.server.id)}`);
      const signal = ctx.signal(opts.signal);
      const answer = await ctx.http.exchange({
        endpoint,
        url,
        method: "GET",
        // spec §7.4: the format is chosen by the `JSON: 1` request header.
        headers: { json: "1" },
        auth: true,
        cap: BODY_CAPS.uploadResult,
        // Removal links (anonymous uploads) are secrets: the trace shows the answer's size and kind only.
        traceAnswer: "size",
        ...(signal ? { signal } : {}),
      });
      const obj = jsonObject(answer);
      if (!obj) {
        if (answer.status >= 500) throw ctx.http.failure(answer);
        // spec §7.4 (rclone #4382, #7971): HTML with JSON: 1 means not processed yet, or unknown xid.
        throw new HtmlResponseError(
          `${endpoint}: the upload result is not available yet (web page instead of JSON)`,
          {
            endpoint,
            httpStatus: answer.status,
            hint: "The upload may still be processing: poll again in a few seconds; after 2 hours the result is gone.",
          },
        );
      }
      if (answer.status >= 400 || (typeof obj.status === "string" && obj.status.toUpperCase() === "KO")) {
        throw ctx.http.failure(answer);
      }
      return parseWith(uploadResultSchema, obj, endpoint);
    },
  };
}
