// The transfer hosts (spec §7.2–§7.4, §7.1.1). Uploads always pass through the gateway: the node links an
// upload to the account by the key (spec §7.3), which only the gateway holds, and a confined token's `did`
// must be checked. Download tokens are bearer URLs of their own: passed through as they come, or, with
// --proxy-transfers, rewritten to the gateway, which relays the bytes (Range included), so that every byte
// leaves from one address (spec §2.1, `#887`). Transfer bodies are streamed, never held whole; the node's
// small answers (upload.cgi's redirect, end.pl's result) are read through the client's one HTTP exchange,
// within their caps.
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { FichierClient } from "../api/client.js";
import { type Answer, BODY_CAPS, jsonObject } from "../api/http.js";
import { DidGate, folderOfDids } from "./multipart-scan.js";
import { randomBase62 } from "./tokens.js";
import type { KeySource, RawAnswer } from "./upstream.js";
import { parseJson } from "./upstream.js";

/** spec §7.3: an upload may take 4 h; end.pl keeps its result 2 h after. */
const UPLOAD_KEPT_MS = 6 * 3_600_000;
/** spec §7.1: a token URL lives 5 min unused and 30 min after its first use; kept a little longer here. */
const DOWNLOAD_KEPT_MS = 3_600_000;

const RESPONSE_HEADERS = [
  "content-type",
  "content-length",
  "content-range",
  "accept-ranges",
  "content-disposition",
  "last-modified",
  "etag",
  "location",
  "retry-after",
];

/** Copies the headers worth passing on from an upstream answer. */
function passHeaders(from: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of RESPONSE_HEADERS) {
    const v = from[h];
    if (v !== undefined) out[h] = Array.isArray(v) ? (v[0] ?? "") : v;
  }
  return out;
}

/** Sends an answer read whole, with the length of what was read (an error page may have been cut). */
function sendRead(res: ServerResponse, a: Answer): void {
  const headers = passHeaders(a.headers);
  headers["content-length"] = String(Buffer.byteLength(a.text));
  res.writeHead(a.status, headers);
  res.end(a.text);
}

/** What the relays need from the gateway. */
export interface RelayDeps {
  client: FichierClient;
  key: KeySource;
  /** `https:` or `http:`: the scheme of the upload node, that of the upstream API (DECISIONS "Transfers"). */
  upstreamScheme: string;
  now: () => number;
}

/** Who asked for an upload id, and where the upload must stay. */
interface UploadSession {
  node: string;
  token: string;
  /** The confined root, or null for an unconfined token. */
  root: number | null;
  until: number;
  /** The gateway refused the upload (its folder was outside): end.pl says so instead of "not finished". */
  refused?: boolean;
  /** The folder the upload went to (its `did`), once the body was read. */
  folder?: number;
}

/** The result of a relayed request, for the audit log. */
export interface RelayOutcome {
  status: number;
  reason?: string;
  folder?: number;
  /** end.pl's JSON result and the upload's folder: the files it added (written through to the gateway's index). */
  added?: { folderId: number; result: Record<string, unknown> };
}

/**
 * Relays `upload.cgi` and `end.pl` for the upload ids the gateway handed out.
 * @example
 * const answer = uploads.adopt(raw, record, "gw.example:8443"); // get_upload_server's `url` → the gateway
 */
export class UploadRelay {
  private readonly sessions = new Map<string, UploadSession>();

  constructor(
    private readonly d: RelayDeps,
    private readonly isInside: (folderId: number, rootId: number) => Promise<boolean>,
  ) {}

  /** Rewrites a get_upload_server answer so the client uploads through the gateway. */
  adopt(
    answer: RawAnswer,
    token: { name: string; folder: { id: number } | null },
    publicHost: string,
  ): RawAnswer {
    const json = parseJson(answer);
    if (!json || typeof json.url !== "string" || typeof json.id !== "string") return answer;
    this.prune();
    this.sessions.set(json.id, {
      node: json.url,
      token: token.name,
      root: token.folder?.id ?? null,
      until: this.d.now() + UPLOAD_KEPT_MS,
    });
    return { ...answer, body: JSON.stringify({ ...json, url: publicHost }) };
  }

  /** The token an upload id was handed to, or undefined for an unknown or old id. */
  ownerOf(id: string): string | undefined {
    const s = this.sessions.get(id);
    return s && s.until > this.d.now() ? s.token : undefined;
  }

  /** The session of an id, when it was handed to this token. */
  session(id: string, token: string): UploadSession | undefined {
    const s = this.sessions.get(id);
    return s && s.token === token && s.until > this.d.now() ? s : undefined;
  }

  /**
   * Streams an upload body to the node with the real key; a confined token's `did` is checked on the way.
   * Resolves once the answer was sent.
   */
  async upload(req: IncomingMessage, res: ServerResponse, s: UploadSession, id: string, boundary: string) {
    const outcome: RelayOutcome = { status: 0 };
    const gate = new DidGate(boundary, async (dids) => {
      const folder = folderOfDids(dids);
      if (folder !== undefined) outcome.folder = folder;
      return s.root === null || (folder !== undefined && (await this.isInside(folder, s.root)));
    });
    const headers: Record<string, string> = {};
    for (const h of ["content-type", "content-length"]) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    // A client that goes away mid-body ends the relay too (pipe() alone would leave the node waiting).
    req.once("close", () => {
      if (!req.complete) gate.destroy(new Error("the client went away before the end of its upload"));
    });
    let answer: Answer;
    try {
      answer = await this.d.client.http.exchange({
        endpoint: "upload.cgi",
        url: this.nodeUrl(s.node, `/upload.cgi?id=${encodeURIComponent(id)}`),
        method: "POST",
        headers,
        stream: { body: req.pipe(gate), shown: "a relayed multipart body" },
        // spec §7.3: the key ties the files to the account; the exchange sends it to 1fichier nodes only.
        auth: true,
        key: this.d.key.current(),
        // The node answers with a redirect (or an error page): small.
        cap: BODY_CAPS.error,
        // Large uploads: the node answers only after the whole body arrived.
        deadlineMs: 0,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (e) {
      if (gate.stopped) s.refused = true;
      throw gate.stopped ?? e;
    }
    if (outcome.folder !== undefined) s.folder = outcome.folder;
    outcome.status = answer.status;
    sendRead(res, answer);
    return outcome;
  }

  /** Relays `end.pl` (the `JSON`/`EXPORT` format headers included, spec §7.4). */
  async end(req: IncomingMessage, res: ServerResponse, s: UploadSession, id: string): Promise<RelayOutcome> {
    const headers: Record<string, string> = {};
    for (const h of ["json", "export"]) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    const answer = await this.d.client.http.exchange({
      endpoint: "end.pl",
      url: this.nodeUrl(s.node, `/end.pl?xid=${encodeURIComponent(id)}`),
      method: "GET",
      headers,
      auth: true,
      key: this.d.key.current(),
      cap: BODY_CAPS.uploadResult,
      // Removal links (anonymous uploads) are secrets: a trace shows the answer's size and kind only.
      traceAnswer: "size",
    });
    sendRead(res, answer);
    const result = jsonObject(answer);
    const added =
      answer.status === 200 && s.folder !== undefined && result ? { folderId: s.folder, result } : undefined;
    return { status: answer.status, ...(added ? { added } : {}) };
  }

  private nodeUrl(node: string, path: string): string {
    return `${this.d.upstreamScheme}//${node}${path}`;
  }

  private prune(): void {
    const now = this.d.now();
    for (const [id, s] of this.sessions) if (s.until <= now) this.sessions.delete(id);
  }
}

/**
 * With --proxy-transfers: hands out gateway URLs for download tokens and relays their bytes.
 * @example
 * const answer = downloads.adopt(raw, "nas", "http://127.0.0.1:8443");
 */
export class DownloadRelay {
  private readonly links = new Map<string, { url: string; token: string; until: number }>();

  constructor(private readonly d: RelayDeps) {}

  /** Rewrites a get_token answer's `url` to `<base>/dl/<opaque id>`. */
  adopt(answer: RawAnswer, token: string, base: string): RawAnswer {
    const json = parseJson(answer);
    if (!json || typeof json.url !== "string") return answer;
    const now = this.d.now();
    for (const [id, l] of this.links) if (l.until <= now) this.links.delete(id);
    const id = randomBase62(32);
    this.links.set(id, { url: json.url, token, until: now + DOWNLOAD_KEPT_MS });
    return { ...answer, body: JSON.stringify({ ...json, url: `${base}/dl/${id}` }) };
  }

  /** The token that asked for a relayed link (to re-check it), or undefined for an unknown or old link. */
  owner(id: string): string | undefined {
    const l = this.links.get(id);
    return l && l.until > this.d.now() ? l.token : undefined;
  }

  /** Relays one GET or HEAD of a download link, Range and If-Range passed through. */
  async serve(req: IncomingMessage, res: ServerResponse, id: string): Promise<RelayOutcome> {
    const link = this.links.get(id);
    if (!link) return { status: 404 };
    const headers: Record<string, string> = {};
    for (const h of ["range", "if-range"]) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    const ac = new AbortController();
    res.once("close", () => ac.abort());
    const upstream = await this.d.client.http.request(link.url, {
      method: req.method === "HEAD" ? "HEAD" : "GET",
      headers,
      signal: ac.signal,
    });
    res.writeHead(upstream.statusCode, passHeaders(upstream.headers));
    await pipeline(upstream.body, res);
    return { status: upstream.statusCode };
  }
}
