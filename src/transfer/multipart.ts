// multipart/form-data for upload.cgi (spec §7.3): the Content-Length must be exact and is computed before a
// byte is sent, so the body is laid out as fixed header/trailer strings around file parts of known size.
// Quirks from the spec: boundary NOT quoted in Content-Type, `filename` quoted, field names quoted,
// files under the field name `file[]`, `did`/`domain`/`dpass` as text fields.
import { randomBytes } from "node:crypto";

/** A text field of the form. */
export interface MultipartField {
  name: string;
  value: string;
}

/** A file part: its stored name, its exact size in bytes and its content as a stream of chunks. */
export interface MultipartFile {
  name: string;
  size: number;
  body: AsyncIterable<Uint8Array>;
}

/** The computed layout: what to send as headers, and how the body is framed. */
export interface MultipartLayout {
  boundary: string;
  contentType: string;
  contentLength: number;
  /** Bytes before each file's content (field parts are put before the first file, as rclone does). */
  heads: Buffer[];
  /** Bytes after the last file (closing boundary). */
  tail: Buffer;
}

/**
 * A random boundary: 32 hex characters after dashes, safe unquoted (spec §7.3: 1fichier wants it unquoted).
 *
 * @example
 * newBoundary(); // "----fichier5f1c..."
 */
export function newBoundary(): string {
  return `----fichier${randomBytes(16).toString("hex")}`;
}

// The header value is a quoted-string: a quote or a line break in a name would end it early, so they are
// percent-encoded the way browsers do (the WHATWG form encoding).
function quoteHeaderValue(s: string): string {
  return s.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * Lays out a multipart body and computes its exact length without touching any file content.
 *
 * @example
 * const l = multipartLayout([{ name: "did", value: "0" }], [{ name: "a.txt", size: 3 }]);
 * l.contentLength; // exact bytes of the whole body
 */
export function multipartLayout(
  fields: readonly MultipartField[],
  files: readonly { name: string; size: number }[],
  boundary: string = newBoundary(),
): MultipartLayout {
  const dash = `--${boundary}`;
  let fieldText = "";
  for (const f of fields) {
    fieldText += `${dash}\r\nContent-Disposition: form-data; name="${quoteHeaderValue(f.name)}"\r\n\r\n${f.value}\r\n`;
  }
  const heads = files.map((file, i) => {
    const head =
      `${dash}\r\nContent-Disposition: form-data; name="file[]"; filename="${quoteHeaderValue(file.name)}"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n";
    // Each file part after the first starts with the CRLF that ends the previous file's content.
    return Buffer.from((i === 0 ? fieldText : "\r\n") + head, "utf8");
  });
  const tail = Buffer.from(files.length > 0 ? `\r\n${dash}--\r\n` : `${fieldText}${dash}--\r\n`, "utf8");
  const contentLength =
    heads.reduce((n, h) => n + h.length, 0) + files.reduce((n, f) => n + f.size, 0) + tail.length;
  return { boundary, contentType: `multipart/form-data; boundary=${boundary}`, contentLength, heads, tail };
}

/**
 * Streams the multipart body for `layout`, checking that each file yields exactly its declared size
 * (a file that changed while uploading would otherwise corrupt the framing).
 *
 * @example
 * const body = multipartBody(layout, files); // pass to an HTTP request with layout.contentLength
 */
export async function* multipartBody(
  layout: MultipartLayout,
  files: readonly MultipartFile[],
): AsyncGenerator<Uint8Array> {
  for (const [i, file] of files.entries()) {
    yield layout.heads[i]!;
    let sent = 0;
    for await (const chunk of file.body) {
      sent += chunk.byteLength;
      if (sent > file.size) break;
      yield chunk;
    }
    if (sent !== file.size) {
      throw new Error(
        `${file.name} changed while uploading (${sent} bytes read, ${file.size} expected): upload it again`,
      );
    }
  }
  yield layout.tail;
}
