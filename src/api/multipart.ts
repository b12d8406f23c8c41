// Streaming multipart/form-data with an exact Content-Length computed up front (spec §7.3: required;
// chunked bodies are refused). Pure framing here; the bytes of each file are streamed, never buffered.
import { randomBytes } from "node:crypto";
import { InvalidNameError } from "./errors.js";

export interface MultipartFile {
  /** Name as sent (already encoded for 1fichier). */
  filename: string;
  size: number;
  body: AsyncIterable<Uint8Array>;
}

export interface MultipartPlan {
  boundary: string;
  /** Value of the Content-Type header: spec §7.3, the boundary must NOT be quoted. */
  contentType: string;
  contentLength: number;
  /** Yields the body; throws if a file yields more or fewer bytes than its declared size. */
  body(): AsyncGenerator<Uint8Array>;
}

const enc = new TextEncoder();

/**
 * Plans a multipart body: text fields first (as rclone does), then one `file[]` part per file.
 * @example
 * ```ts
 * const plan = planMultipart([["did", "0"]], [{ filename: "a.txt", size: 3, body: oneChunk("abc") }]);
 * plan.contentLength; // exact byte count of plan.body()
 * ```
 */
export function planMultipart(
  fields: [string, string][],
  files: MultipartFile[],
  boundary = `----fichier${randomBytes(12).toString("hex")}`,
): MultipartPlan {
  const heads: Uint8Array[] = [];
  const texts: Uint8Array[] = fields.map(([name, value]) =>
    enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
  );
  for (const f of files) {
    if (/["\r\n]/.test(f.filename)) {
      // encodeName turns these into look-alikes; reaching here means the name skipped the encoder.
      throw new InvalidNameError(
        `The name ${JSON.stringify(f.filename)} cannot be put in a multipart header.`,
      );
    }
    if (!Number.isSafeInteger(f.size) || f.size < 0)
      throw new RangeError(`invalid size ${f.size} for ${f.filename}`);
    // spec §7.3: the filename parameter must be quoted; the field name is `file[]`.
    heads.push(
      enc.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="file[]"; filename="${f.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    );
  }
  const crlf = enc.encode("\r\n");
  const tail = enc.encode(`--${boundary}--\r\n`);
  let contentLength = tail.length;
  for (const t of texts) contentLength += t.length;
  files.forEach((f, i) => {
    contentLength += heads[i]!.length + f.size + crlf.length;
  });
  return {
    boundary,
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength,
    async *body() {
      for (const t of texts) yield t;
      for (let i = 0; i < files.length; i++) {
        const f = files[i]!;
        yield heads[i]!;
        let sent = 0;
        for await (const chunk of f.body) {
          sent += chunk.length;
          if (sent > f.size) throw new RangeError(`${f.filename}: more bytes than the declared ${f.size}`);
          yield chunk;
        }
        if (sent !== f.size) throw new RangeError(`${f.filename}: ${sent} bytes read, ${f.size} declared`);
        yield crlf;
      }
      yield tail;
    },
  };
}
