// Reading the destination folder (`did`, spec §7.3) out of an upload's multipart body while it streams
// through the gateway, so a confined token cannot upload outside its folder. The body passes through
// unchanged, but its last bytes (the closing delimiter) are held back until the folder is known to be
// inside: a refused upload reaches the node incomplete, and the node keeps nothing of it.
import { Transform, type TransformCallback } from "node:stream";

const MAX_HEADERS = 16 * 1024;
const MAX_VALUE = 64;

/**
 * The body is not the multipart the API takes (no boundary, oversized part headers, a huge `did`).
 * @example
 * throw new MultipartShapeError("a part's headers are too long");
 */
export class MultipartShapeError extends Error {
  override readonly name = "MultipartShapeError";
}

/**
 * The upload was refused: its folder is outside the token's.
 * @example
 * if (e instanceof FolderRefusedError) sendKo(res, GatewayKo.notAllowed());
 */
export class FolderRefusedError extends Error {
  override readonly name = "FolderRefusedError";
}

/**
 * The boundary of a `multipart/form-data` content type, quoted or not; undefined when absent.
 * @example
 * boundaryOf("multipart/form-data; boundary=abc"); // "abc"
 */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /^multipart\/form-data\s*;.*?\bboundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(
    contentType ?? "",
  );
  return m ? (m[1] ?? m[2]) : undefined;
}

type State = "scan" | "after-delimiter" | "headers" | "value" | "done";

/**
 * Finds the values of one form field in a multipart stream fed chunk by chunk (pure, no I/O).
 * @example
 * const f = new FieldFinder("abc", "did");
 * f.feed(Buffer.from('--abc\r\nContent-Disposition: form-data; name="did"\r\n\r\n42\r\n--abc--\r\n'));
 * f.values; // ["42"]
 */
export class FieldFinder {
  readonly values: string[] = [];
  private readonly delimiter: Buffer;
  private state: State = "scan";
  // The body starts with "--boundary": a virtual CRLF before it makes every delimiter look the same.
  private carry = Buffer.from("\r\n");

  constructor(
    boundary: string,
    private readonly field: string,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  /** Reads one more chunk. @throws MultipartShapeError */
  feed(chunk: Buffer): void {
    let data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    for (;;) {
      const rest = this.step(data);
      if (rest === undefined) return;
      data = rest;
    }
  }

  /** One state transition; the unread remainder, or undefined when more bytes are needed. */
  private step(data: Buffer): Buffer | undefined {
    if (this.state === "done") {
      this.carry = Buffer.alloc(0);
      return undefined;
    }
    if (this.state === "after-delimiter") {
      if (data.length < 2) return this.keep(data);
      this.state = data[0] === 0x2d && data[1] === 0x2d ? "done" : "headers";
      return data.subarray(2);
    }
    if (this.state === "headers") {
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) {
        if (data.length > MAX_HEADERS) throw new MultipartShapeError("a part's headers are too long");
        return this.keep(data);
      }
      const disposition = /content-disposition:[^\r\n]*?\bname="?([^";\r\n]+)"?/i.exec(
        data.subarray(0, end).toString("latin1"),
      );
      this.state = disposition?.[1] === this.field ? "value" : "scan";
      return data.subarray(end + 4);
    }
    const at = data.indexOf(this.delimiter);
    if (this.state === "value") {
      if (at < 0 && data.length > MAX_VALUE + this.delimiter.length) {
        throw new MultipartShapeError(`the "${this.field}" field is too long`);
      }
      if (at >= 0) this.values.push(data.subarray(0, at).toString("utf8"));
    }
    if (at < 0) {
      // Keep what could be the start of a delimiter split across chunks (or the whole short value).
      return this.keep(this.state === "value" ? data : data.subarray(-(this.delimiter.length - 1)));
    }
    this.state = "after-delimiter";
    return data.subarray(at + this.delimiter.length);
  }

  private keep(data: Buffer): undefined {
    this.carry = Buffer.from(data);
    return undefined;
  }
}

/**
 * A pass-through stream that reads `did` from an upload body and holds back its last bytes until
 * `verdict(dids)` allows the destination; a refusal ends the stream with {@link FolderRefusedError}.
 * @example
 * const scan = new DidGate(boundary, async (dids) => view.isInside(folderOfDid(dids), root, undefined));
 * await client.http.request(nodeUrl, { method: "POST", body: req.pipe(scan), headers });
 */
export class DidGate extends Transform {
  /** Set when the gate stopped the body (refused folder or malformed multipart). */
  stopped: Error | undefined;
  private readonly finder: FieldFinder;
  private held = Buffer.alloc(0);
  private readonly hold: number;

  constructor(
    boundary: string,
    private readonly verdict: (dids: string[]) => Promise<boolean>,
  ) {
    super();
    this.finder = new FieldFinder(boundary, "did");
    // The closing delimiter, its "--" and CRLF: without them the node never sees a complete body.
    this.hold = boundary.length + 8;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.finder.feed(chunk);
    } catch (e) {
      this.stopped = e as Error;
      done(this.stopped);
      return;
    }
    if (chunk.length >= this.hold) {
      if (this.held.length) this.push(this.held);
      this.push(chunk.subarray(0, chunk.length - this.hold));
      this.held = Buffer.from(chunk.subarray(chunk.length - this.hold));
    } else {
      const all = Buffer.concat([this.held, chunk]);
      const cut = Math.max(0, all.length - this.hold);
      if (cut > 0) this.push(all.subarray(0, cut));
      this.held = all.subarray(cut);
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.verdict(this.finder.values).then(
      (ok) => {
        if (!ok) {
          this.stopped = new FolderRefusedError("the upload's folder is outside the token's folder");
          return done(this.stopped);
        }
        this.push(this.held);
        done();
      },
      (e: Error) => done(e),
    );
  }
}

/**
 * The folder an upload lands in, as the node reads `did` (spec §7.3, DECISIONS: an invalid or missing `did`
 * means the root); undefined when the body names more than one (ambiguous: refused).
 * @example
 * folderOfDids(["42"]); // 42
 * folderOfDids([]); // 0
 */
export function folderOfDids(dids: string[]): number | undefined {
  if (dids.length > 1) return undefined;
  const v = (dids[0] ?? "").trim();
  return /^\d{1,15}$/.test(v) ? Number(v) : 0;
}
