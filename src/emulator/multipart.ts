/**
 * A small streaming multipart/form-data parser (RFC 7578). Pure: `push(chunk)` returns events; the caller
 * awaits its own writes between chunks, so backpressure comes from the reading loop. Never buffers a part body.
 */

/** One parser event. */
export type MultipartEvent =
  | { type: "part"; name: string; filename: string | undefined; contentType: string | undefined }
  | { type: "data"; chunk: Buffer }
  | { type: "end" };

const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Thrown on a malformed body.
 * @example
 * throw new MultipartError("multipart body truncated");
 */
export class MultipartError extends Error {}

/**
 * Extracts the boundary of a `multipart/form-data` content type (quoted or not, spec §7.3), or null.
 * @example
 * boundaryOf('multipart/form-data; boundary="abc"'); // "abc"
 */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,200})"|([^\s;"]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

function param(header: string, name: string): string | undefined {
  const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i");
  const m = re.exec(header);
  if (!m) return undefined;
  if (m[1] !== undefined) return m[1].replace(/\\(.)/g, "$1");
  return m[2];
}

/**
 * Incremental parser of one multipart body.
 * @example
 * const p = new MultipartParser("XyZ");
 * const events = [...p.push(chunk), ...p.finish()];
 */
export class MultipartParser {
  private readonly delimiter: Buffer;
  private buf: Buffer;
  private state: "preamble" | "after" | "headers" | "body" | "done" = "preamble";

  constructor(boundary: string) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
    // The first boundary has no leading CRLF: prepend one so every delimiter looks the same.
    this.buf = Buffer.from("\r\n", "latin1");
  }

  /** True once the closing boundary was seen. */
  get done(): boolean {
    return this.state === "done";
  }

  /** Feeds a chunk; returns the events it completes. */
  push(chunk: Buffer): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    if (this.state === "done") return events;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.state === "preamble") {
        const found = this.findDelimiter();
        if (found.at < 0 || found.wait) {
          const keep = found.at >= 0 ? found.at : Math.max(0, this.buf.length - this.delimiter.length + 1);
          this.buf = this.buf.subarray(keep);
          return events;
        }
        this.buf = this.buf.subarray(found.at + this.delimiter.length);
        this.state = "after";
      } else if (this.state === "after") {
        if (this.buf.length < 2) return events;
        if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
          this.state = "done";
          this.buf = Buffer.alloc(0);
          return events;
        }
        const eol = this.buf.indexOf("\r\n");
        if (eol < 0) {
          if (this.buf.length > 256) throw new MultipartError("garbage after a boundary");
          return events;
        }
        // RFC 2046 allows transport padding (spaces) between the boundary and its CRLF.
        if (this.buf.subarray(0, eol).toString("latin1").trim() !== "") {
          throw new MultipartError("garbage after a boundary");
        }
        this.buf = this.buf.subarray(eol + 2);
        this.state = "headers";
      } else if (this.state === "headers") {
        let headerText: string;
        if (this.buf.length >= 2 && this.buf[0] === 0x0d && this.buf[1] === 0x0a) {
          headerText = "";
          this.buf = this.buf.subarray(2);
        } else {
          const end = this.buf.indexOf("\r\n\r\n");
          if (end < 0) {
            if (this.buf.length > MAX_HEADER_BYTES) throw new MultipartError("part headers too large");
            return events;
          }
          headerText = this.buf.subarray(0, end).toString("utf8");
          this.buf = this.buf.subarray(end + 4);
        }
        events.push(this.parseHeaders(headerText));
        this.state = "body";
      } else if (this.state === "body") {
        const found = this.findDelimiter();
        if (found.at < 0 || found.wait) {
          const safe = found.at >= 0 ? found.at : this.buf.length - this.delimiter.length + 1;
          if (safe > 0) {
            events.push({ type: "data", chunk: this.buf.subarray(0, safe) });
            this.buf = this.buf.subarray(safe);
          }
          return events;
        }
        const i = found.at;
        if (i > 0) events.push({ type: "data", chunk: this.buf.subarray(0, i) });
        events.push({ type: "end" });
        this.buf = this.buf.subarray(i + this.delimiter.length);
        this.state = "after";
      } else {
        return events;
      }
    }
  }

  /**
   * Finds the next real delimiter: CRLF--boundary followed by `--`, or by optional spaces and CRLF (RFC 2046).
   * `--boundaryX` in the data is not one. `wait` means the bytes after a candidate have not all arrived yet.
   */
  private findDelimiter(): { at: number; wait: boolean } {
    let from = 0;
    for (;;) {
      const at = this.buf.indexOf(this.delimiter, from);
      if (at < 0) return { at: -1, wait: false };
      let j = at + this.delimiter.length;
      if (j + 2 > this.buf.length) return { at, wait: true };
      if (this.buf[j] === 0x2d && this.buf[j + 1] === 0x2d) return { at, wait: false };
      while (j < this.buf.length && (this.buf[j] === 0x20 || this.buf[j] === 0x09)) j++;
      if (j + 2 > this.buf.length) {
        if (j - at > 512) throw new MultipartError("garbage after a boundary");
        return { at, wait: true };
      }
      if (this.buf[j] === 0x0d && this.buf[j + 1] === 0x0a) return { at, wait: false };
      from = at + 1;
    }
  }

  /** Call at the end of the stream: throws when the closing boundary never came. */
  finish(): void {
    if (this.state !== "done") throw new MultipartError("multipart body truncated");
  }

  private parseHeaders(text: string): MultipartEvent {
    let disposition = "";
    let contentType: string | undefined;
    for (const line of text.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === "content-disposition") disposition = value;
      else if (key === "content-type") contentType = value;
    }
    if (!/^form-data\b/i.test(disposition)) throw new MultipartError("part without form-data disposition");
    const name = param(disposition, "name");
    if (name === undefined) throw new MultipartError("part without a name");
    const star = param(disposition, "filename\\*");
    let filename = param(disposition, "filename");
    if (star !== undefined) {
      const m = /^utf-8''(.*)$/i.exec(star);
      if (m?.[1] !== undefined) {
        try {
          filename = decodeURIComponent(m[1]);
        } catch {
          // keep the plain filename
        }
      }
    }
    return { type: "part", name, filename, contentType };
  }
}
