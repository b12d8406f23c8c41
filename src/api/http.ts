// The one HTTP exchange of the client, as rclone's lib/rest: every byte fichier sends to 1fichier (API
// calls, website reads, the upload POST and end.pl, raw transfer requests) goes through `HttpExchange`.
// It owns the dispatcher (proxy, TLS always verified, keep-alive), timeouts and the per-call deadline, the
// user agent, where the API key may go, the redacted --debug trace, capped body reads, and the reading of
// 1fichier's error bodies into `classifyFailure` input. It knows no endpoint: callers name theirs.
import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { Agent, type Dispatcher, EnvHttpProxyAgent } from "undici";
import { redact, registerSecret } from "../redact.js";
import { VERSION } from "../version.js";
import {
  AbortedError,
  classifyFailure,
  type FailedAnswer,
  FichierError,
  NetworkError,
  ServerError,
  TimeoutError,
} from "./errors.js";
import { MAX_TIMER_MS } from "./retry-policy.js";

const MIB = 1024 * 1024;

/** The most of a body fichier reads; past it the answer is refused (2xx) or cut (an error page). */
export interface BodyCap {
  bytes: number;
  /** What the cap is for, in the refusal's message: "an API answer", "a listing (5,000 items at most)". */
  what: string;
}

/** The caps, one per kind of answer (docs/client.md "The HTTP exchange"). */
export const BODY_CAPS = {
  /** Any API answer; none comes near it. */
  api: { bytes: 64 * MIB, what: "an API answer" },
  /**
   * spec §2.1: a listing holds 5,000 items at most, about 2 KB each at worst (a 250-character name escaped
   * as `\uXXXX`, a 128-hex Whirlpool): 10 MB. Past 16 MiB it is refused before parsing.
   */
  listing: { bytes: 16 * MIB, what: "a listing (5,000 items at most)" },
  /** A public share page (`/dir/`) or a `check_links.pl` answer. */
  page: { bytes: 64 * MIB, what: "a website page" },
  /** `end.pl`'s result: the links of one upload. */
  uploadResult: { bytes: 1 * MIB, what: "an upload result" },
  /** An error page or KO body: only its message and `#code` are read, the rest is cut. */
  error: { bytes: 16 * 1024, what: "an error page" },
} as const satisfies Record<string, BodyCap>;

/** Default idle timeout (headers, and between two body chunks) and per-call deadline. */
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_DEADLINE_MS = 60_000;

/**
 * The dispatcher every request goes through: a `proxy` URL if given, else `HTTPS_PROXY`/`HTTP_PROXY`
 * (honouring `NO_PROXY`), else direct. TLS certificates are always verified (no option turns that off).
 * Connections are kept alive, and an origin may hold 64 at once: 30 download segments (the service's
 * per-account maximum, spec §2.1) with room for a token refresh and the API calls beside them.
 *
 * @example
 * ```ts
 * const dispatcher = createDispatcher({ proxy: "http://proxy.lan:3128" });
 * ```
 */
export function createDispatcher(opts: { proxy?: string; env?: NodeJS.ProcessEnv } = {}): Dispatcher {
  const env = opts.env ?? process.env;
  const common = { connect: { rejectUnauthorized: true }, keepAliveTimeout: 10_000, connections: 64 };
  const noProxy = env.NO_PROXY ?? env.no_proxy ?? "";
  if (opts.proxy) {
    return new EnvHttpProxyAgent({ ...common, httpProxy: opts.proxy, httpsProxy: opts.proxy, noProxy });
  }
  const https = env.HTTPS_PROXY ?? env.https_proxy;
  const http = env.HTTP_PROXY ?? env.http_proxy;
  if (!https && !http) return new Agent(common);
  return new EnvHttpProxyAgent({
    ...common,
    ...(https ? { httpsProxy: https } : {}),
    ...(http ? { httpProxy: http } : {}),
    noProxy,
  });
}

/** Is this content HTML rather than JSON? */
export function looksLikeHtml(contentType: string, text: string): boolean {
  return /text\/html/i.test(contentType) || /^\s*<(?:!doctype|html|head|body|\?xml|[a-z])/i.test(text);
}

/**
 * One request through a dispatcher, by the dispatcher's own `request` rather than undici's top-level one: the
 * bundled command (rolldown.config.mjs) then needs only undici's dispatcher modules, not its fetch, WebSocket
 * and cache code, which cost every start of the command about 40 ms of CPU.
 * @example
 * ```ts
 * const res = await send(new Agent(), "http://127.0.0.1:8080/v1/user/info.cgi", { method: "POST" });
 * ```
 */
function send(
  dispatcher: Dispatcher,
  url: string,
  opts: Omit<Dispatcher.RequestOptions, "origin" | "path">,
): Promise<Dispatcher.ResponseData> {
  const u = new URL(url);
  return dispatcher.request({ ...opts, origin: u.origin, path: `${u.pathname}${u.search}` });
}

/**
 * Converts a failure before or during an answer (an undici error, an abort, the deadline) into a fichier
 * error. No `httpStatus` means no answer arrived at all: the governor gives such a call its rate-limit slot
 * back. The key never appears: undici errors carry no request headers.
 * @example
 * ```ts
 * try { await request(url); } catch (e) { throw networkFailure(e, "file/ls.cgi"); }
 * ```
 */
export function networkFailure(
  e: unknown,
  endpoint: string,
  ctx: { signal?: AbortSignal; deadlineMs?: number; deadline?: AbortSignal; httpStatus?: number } = {},
): FichierError {
  // Already classified (the exchange's own refusals, an error from the caller's body stream).
  if (e instanceof FichierError) return e;
  const status = ctx.httpStatus !== undefined ? { httpStatus: ctx.httpStatus } : {};
  if (ctx.signal?.aborted) return new AbortedError(`${endpoint}: aborted`, { endpoint, cause: e });
  if (ctx.deadline?.aborted) {
    const ms = ctx.deadlineMs ?? 0;
    const within = ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
    return new TimeoutError(`${endpoint}: no complete answer within ${within} (the per-call deadline)`, {
      endpoint,
      ...status,
      cause: e,
      hint: "The server answered too slowly, or not at all: try again later.",
    });
  }
  const err = e as { name?: string; code?: string; message?: string };
  const code = err?.code ?? "";
  if (/^UND_ERR_(HEADERS|BODY|CONNECT)_TIMEOUT$/.test(code)) {
    return new TimeoutError(`${endpoint}: no answer in time (${code})`, { endpoint, ...status, cause: e });
  }
  if (err?.name === "AbortError") return new AbortedError(`${endpoint}: aborted`, { endpoint, cause: e });
  const message = err?.message ?? "";
  const detail = code !== "" && message.includes(code) ? message : [code, message].filter(Boolean).join(" ");
  return new NetworkError(`${endpoint}: network failure${detail ? ` (${detail})` : ""}`, {
    endpoint,
    ...status,
    cause: e,
  });
}

/** One request of the exchange that is read whole (API calls, website pages, the upload POST, end.pl). */
export interface ExchangeRequest {
  /** Named in errors and traces: `file/ls.cgi`, `dir/<hash>`, `upload.cgi`, `end.pl`. */
  endpoint: string;
  url: string;
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  /** A JSON body (sent as `application/json`); `pass`, e-mails and remote-upload headers are hidden in traces. */
  json?: Record<string, unknown>;
  /** A form body (`application/x-www-form-urlencoded`), traced through the redactor. */
  form?: string;
  /** A streamed body (the upload), with what the trace shows instead of it. */
  stream?: { body: Readable; shown: string };
  /** Send `Authorization: Bearer <key>`: only to the API's host or a 1fichier upload node, else refused. */
  auth?: boolean;
  /**
   * With `auth`, this key instead of the exchange's own, under the same host rule: a gateway sends the key
   * its store holds now (after `fichier key rotate`), not the one it started with.
   */
  key?: string;
  signal?: AbortSignal;
  /** The most of a 2xx body read; other statuses are cut at `BODY_CAPS.error`. */
  cap: BodyCap;
  /** Headers plus body must arrive within this (ms); default the client's `deadlineMs`; 0 for none. */
  deadlineMs?: number;
  /** Idle timeouts (ms); default the client's `timeoutMs`; 0 for none. */
  headersTimeout?: number;
  bodyTimeout?: number;
  /** The answer in the trace: its text with secret fields hidden (default), or only its size and kind. */
  traceAnswer?: "body" | "size";
  /** Answer fields that hold a token URL (`download/get_token.cgi`'s `url`): traced as `origin/[token]`. */
  tokenFields?: readonly string[];
}

/** An answer read whole, within its cap. */
export interface Answer {
  endpoint: string;
  status: number;
  headers: IncomingHttpHeaders;
  contentType: string;
  /** The body as UTF-8 text; "" for a binary body. */
  text: string;
  /** Bytes read (at most the cap). */
  size: number;
  /** Not text: compressed, NUL bytes, or not UTF-8. Error messages then show its size and type only. */
  binary: boolean;
  /** An error body cut at its cap. */
  truncated: boolean;
  /** The parsed JSON, when the body is JSON (`parsed` tells apart a body that is JSON `null`). */
  json: unknown;
  parsed: boolean;
}

/** Options of a raw request for transfers: the body is the caller's to consume. */
export interface StreamRequest {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: Dispatcher.DispatchOptions["body"];
  signal?: AbortSignal;
  headersTimeout?: number;
  bodyTimeout?: number;
}

/** Options of {@link HttpExchange}. */
export interface HttpOptions {
  /** The API base URL: its host is where the key goes. */
  apiUrl: string;
  apiKey: string;
  /** Default `fichier/<version>`. */
  userAgent?: string;
  proxy?: string;
  /** A custom dispatcher (advanced; replaces the proxy logic). */
  dispatcher?: Dispatcher;
  /** Redacted --debug lines. */
  trace?: (line: string) => void;
  now?: () => number;
  timeoutMs?: number;
  deadlineMs?: number;
}

// Secret request fields: passwords, the e-mail of a voucher's user, remote-upload headers (cookies).
const SECRET_FIELDS = new Set(["pass", "dpass", "password", "user_email", "headers"]);

/** A URL shown without its path: download tokens are bearers of their own. */
export function tokenUrl(url: string): string {
  try {
    return `${new URL(url).origin}/[token]`;
  } catch {
    return "[token]";
  }
}

/** spec §3.4: upload nodes are `<node>.1fichier.com`. */
const UPLOAD_NODE = /^[a-z0-9-]+\.1fichier\.com$/i;

function firstHeader(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

/**
 * Not text: a content encoding (gzip, br: fichier never asks for one), a NUL byte, or more than a tenth of
 * undecodable or control characters (a page in Latin-1 with a few accents is still text).
 */
function isBinary(bytes: Buffer, text: string, headers: IncomingHttpHeaders): boolean {
  const encoding = firstHeader(headers["content-encoding"]).trim().toLowerCase();
  if (encoding !== "" && encoding !== "identity") return true;
  if (bytes.includes(0)) return true;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: counting control characters is the point
  const junk = text.match(/[\ufffd\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/g)?.length ?? 0;
  return junk > text.length / 10;
}

/** "412 bytes of binary data (application/gzip, gzip)": what an error line shows instead of the bytes. */
function binaryDescription(a: Answer): string {
  const kind = [a.contentType, firstHeader(a.headers["content-encoding"])].filter(Boolean).join(", ");
  return `${a.size}${a.truncated ? "+" : ""} bytes of binary data${kind ? ` (${kind})` : ""}`;
}

/**
 * What `classifyFailure` needs from an answer: the KO `message` of a JSON body, else the body's text (or,
 * for binary junk, its size and type) and whether it is HTML; the Retry-After header. The one place that
 * reads 1fichier's error bodies.
 * @example
 * ```ts
 * throw classifyFailure(failedAnswer(answer, Date.now()));
 * ```
 */
export function failedAnswer(a: Answer, now: number): FailedAnswer {
  const obj = jsonObject(a);
  const retryAfter = firstHeader(a.headers["retry-after"]);
  let body: Partial<FailedAnswer>;
  // A server's text goes into error messages: one that echoes the key (or a password) must not carry it on.
  if (obj) body = typeof obj.message === "string" ? { message: redact(obj.message) } : {};
  else if (a.binary) body = { bodyText: binaryDescription(a) };
  else body = { bodyText: redact(a.text), html: looksLikeHtml(a.contentType, a.text) };
  return {
    endpoint: a.endpoint,
    httpStatus: a.status,
    ...body,
    retryAfter: retryAfter === "" ? null : retryAfter,
    now,
  };
}

/** The answer's JSON when it is an object (1fichier's answers and KO bodies are). */
export function jsonObject(a: Answer): Record<string, unknown> | undefined {
  return a.parsed && typeof a.json === "object" && a.json !== null && !Array.isArray(a.json)
    ? (a.json as Record<string, unknown>)
    : undefined;
}

/** Reads a body up to `cap` bytes; past it, stops the transfer (an endless body costs neither memory nor time). */
async function readCapped(
  body: Dispatcher.ResponseData["body"],
  cap: number,
): Promise<{ bytes: Buffer; over: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    if (size + b.length > cap) {
      chunks.push(b.subarray(0, cap - size));
      body.destroy();
      return { bytes: Buffer.concat(chunks, cap), over: true };
    }
    chunks.push(b);
    size += b.length;
  }
  return { bytes: Buffer.concat(chunks, size), over: false };
}

function mib(bytes: number): string {
  return bytes >= MIB ? `${Math.round(bytes / MIB)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/** A 2xx answer over its cap: refused unread (a retry would get the same). */
function overCap(endpoint: string, status: number, cap: BodyCap): ServerError {
  return new ServerError(
    `${endpoint}: the answer is larger than ${mib(cap.bytes)}, the most fichier reads for ${cap.what}; it was refused unread`,
    {
      endpoint,
      httpStatus: status,
      retryable: false,
      hint: "The server sent an impossible answer: try again later, and report it with the output of --debug if it persists.",
    },
  );
}

/** A deadline for one exchange, or none. */
function deadlineSignal(ms: number): AbortSignal | undefined {
  return ms > 0 ? AbortSignal.timeout(Math.min(ms, MAX_TIMER_MS)) : undefined;
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length > 1 ? AbortSignal.any(present) : present[0];
}

/**
 * The one HTTP exchange: built once per client, used by the transport (API calls), the website calls, the
 * upload endpoints and `client.http.request`.
 *
 * @example
 * ```ts
 * const http = new HttpExchange({ apiUrl: "https://api.1fichier.com/v1", apiKey });
 * const answer = await http.exchange({ endpoint: "user/info.cgi", url: `${http.apiUrl}/user/info.cgi`,
 *   method: "POST", json: {}, auth: true, cap: BODY_CAPS.api });
 * ```
 */
export class HttpExchange {
  readonly apiUrl: string;
  readonly userAgent: string;
  readonly dispatcher: Dispatcher;
  private readonly apiHost: string;
  private readonly o: HttpOptions;
  private readonly ownDispatcher: boolean;
  readonly now: () => number;

  constructor(o: HttpOptions) {
    this.o = o;
    // The key is masked in every trace line and error by the one shared redactor, wherever it appears.
    registerSecret(o.apiKey);
    this.apiUrl = o.apiUrl.replace(/\/+$/, "");
    this.apiHost = new URL(this.apiUrl).host.toLowerCase();
    this.userAgent = o.userAgent ?? `fichier/${VERSION}`;
    this.ownDispatcher = o.dispatcher === undefined;
    this.dispatcher = o.dispatcher ?? createDispatcher(o.proxy ? { proxy: o.proxy } : {});
    this.now = o.now ?? Date.now;
  }

  private trace(line: string): void {
    this.o.trace?.(redact(line));
  }

  /**
   * Sends one request and reads its answer whole, within its cap and the deadline. Resolves with any HTTP
   * status (the caller decides what is a failure, with {@link HttpExchange.failure}); throws a
   * NetworkError/TimeoutError/AbortedError when no complete answer came, a ServerError for a 2xx over its cap.
   * @example
   * ```ts
   * const a = await http.exchange({ endpoint: "check_links.pl", url, method: "POST", form, cap: BODY_CAPS.page });
   * if (a.status >= 400) throw http.failure(a);
   * ```
   */
  async exchange(req: ExchangeRequest): Promise<Answer> {
    const started = this.now();
    const deadlineMs = req.deadlineMs ?? this.o.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const deadline = deadlineSignal(deadlineMs);
    const failure = {
      deadlineMs,
      ...(req.signal ? { signal: req.signal } : {}),
      ...(deadline ? { deadline } : {}),
    };
    const signal = anySignal(req.signal, deadline);
    const method = req.method ?? (req.json || req.form || req.stream ? "POST" : "GET");
    this.traceRequest(req, method);
    let res: Dispatcher.ResponseData;
    try {
      res = await send(this.dispatcher, req.url, {
        method,
        headers: this.headersOf(req),
        ...this.bodyOf(req),
        ...(signal ? { signal } : {}),
        headersTimeout: req.headersTimeout ?? this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        bodyTimeout: req.bodyTimeout ?? this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
    } catch (e) {
      this.trace(`< ${method} ${req.endpoint} failed: ${(e as Error).message}`);
      throw networkFailure(e, req.endpoint, failure);
    }
    try {
      const answer = await this.read(req, res);
      this.traceAnswer(req, answer, started);
      return answer;
    } catch (e) {
      throw networkFailure(e, req.endpoint, { ...failure, httpStatus: res.statusCode });
    }
  }

  /**
   * The typed error for an answer that is not a success (KO body, error status, HTML or binary junk).
   * @example
   * ```ts
   * if (answer.status >= 400) throw http.failure(answer);
   * ```
   */
  failure(answer: Answer): FichierError {
    return classifyFailure(failedAnswer(answer, this.now()));
  }

  /**
   * A raw request for transfers (token URLs, Range): no cap, no deadline (transfers are long by nature and
   * detect stalls themselves), never the key. The caller consumes or discards `body`.
   * @example
   * ```ts
   * const res = await http.stream(tokenUrl, { headers: { range: "bytes=0-1023" } });
   * ```
   */
  async stream(url: string, opts: StreamRequest = {}): Promise<Dispatcher.ResponseData> {
    const method = opts.method ?? "GET";
    const range = opts.headers?.range;
    this.trace(`> ${method} ${tokenUrl(url)}${range ? ` range=${range}` : ""}`);
    try {
      const res = await send(this.dispatcher, url, {
        method,
        headers: { "user-agent": this.userAgent, ...(opts.headers ?? {}) },
        ...(opts.body !== undefined ? { body: opts.body } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        headersTimeout: opts.headersTimeout ?? this.o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        bodyTimeout: opts.bodyTimeout ?? 120_000,
      });
      this.trace(`< ${res.statusCode} ${tokenUrl(url)}`);
      return res;
    } catch (e) {
      throw networkFailure(e, "download", opts.signal ? { signal: opts.signal } : {});
    }
  }

  /**
   * Closes the connections of the dispatcher this exchange created (a given one is the caller's).
   * @example
   * ```ts
   * await http.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.ownDispatcher) await this.dispatcher.close();
  }

  private headersOf(req: ExchangeRequest): Record<string, string> {
    const headers: Record<string, string> = { "user-agent": this.userAgent, ...(req.headers ?? {}) };
    if (req.json) headers["content-type"] = "application/json";
    if (req.form !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    if (req.auth) headers.authorization = `Bearer ${this.keyFor(req)}`;
    return headers;
  }

  private bodyOf(req: ExchangeRequest): { body?: Dispatcher.DispatchOptions["body"] } {
    if (req.json) return { body: JSON.stringify(req.json) };
    if (req.form !== undefined) return { body: req.form };
    if (req.stream) return { body: req.stream.body };
    return {};
  }

  /**
   * The key, for a request to the API's own host or to a 1fichier upload node (spec §3.4, §7.2); any other
   * destination is refused before a byte is sent. `get_upload_server.cgi` names the node: a hostile or
   * broken answer must not make the client hand the key to a stranger.
   */
  private keyFor(req: ExchangeRequest): string {
    const url = new URL(req.url);
    if (url.host.toLowerCase() === this.apiHost || UPLOAD_NODE.test(url.hostname)) {
      if (req.key === undefined) return this.o.apiKey;
      registerSecret(req.key);
      return req.key;
    }
    throw new ServerError(
      `${req.endpoint}: the host ${JSON.stringify(url.host)} is neither a 1fichier host (<node>.1fichier.com) nor the API's own host, so the API key is not sent there; nothing was sent`,
      {
        endpoint: req.endpoint,
        retryable: false,
        hint: `An upload node must be a 1fichier host, or the host of the API URL (${this.apiHost}) when it points at your own server: report it with the output of --debug.`,
      },
    );
  }

  private async read(req: ExchangeRequest, res: Dispatcher.ResponseData): Promise<Answer> {
    const success = res.statusCode >= 200 && res.statusCode < 300;
    const cap = success ? req.cap : BODY_CAPS.error;
    const declared = Number(firstHeader(res.headers["content-length"]));
    if (success && Number.isFinite(declared) && declared > cap.bytes) {
      res.body.destroy();
      throw overCap(req.endpoint, res.statusCode, cap);
    }
    const { bytes, over } = await readCapped(res.body, cap.bytes);
    if (success && over) throw overCap(req.endpoint, res.statusCode, cap);
    const contentType = firstHeader(res.headers["content-type"]);
    const decoded = bytes.toString("utf8");
    const binary = isBinary(bytes, decoded, res.headers);
    const text = binary ? "" : decoded;
    let json: unknown;
    let parsed = false;
    if (!binary && !looksLikeHtml(contentType, text)) {
      try {
        json = JSON.parse(text);
        parsed = true;
      } catch {
        parsed = false;
      }
    }
    const { statusCode: status, headers } = res;
    return {
      endpoint: req.endpoint,
      status,
      headers,
      contentType,
      text,
      size: bytes.length,
      binary,
      truncated: over,
      json,
      parsed,
    };
  }

  private traceRequest(req: ExchangeRequest, method: string): void {
    if (!this.o.trace) return;
    const hide = (k: string, v: unknown) => (SECRET_FIELDS.has(k) ? "[redacted]" : v);
    let shown = "";
    if (req.json) shown = ` ${JSON.stringify(req.json, hide)}`;
    else if (req.form !== undefined) shown = ` ${req.form}`;
    else if (req.stream) shown = ` ${req.stream.shown}`;
    this.trace(`> ${method} ${req.url}${shown}`);
  }

  private traceAnswer(req: ExchangeRequest, a: Answer, started: number): void {
    if (!this.o.trace) return;
    const head = `< ${a.status} ${req.endpoint} (${this.now() - started} ms)`;
    const location = firstHeader(a.headers.location);
    const kind = a.binary
      ? "binary"
      : a.parsed
        ? "JSON"
        : looksLikeHtml(a.contentType, a.text)
          ? "HTML"
          : "text";
    let shown: string;
    if (a.binary) shown = binaryDescription(a);
    else if (req.traceAnswer === "size") shown = `${a.size} bytes of ${kind}`;
    else if (a.parsed) {
      const tokens = new Set(req.tokenFields ?? []);
      shown = JSON.stringify(a.json, (k, v) =>
        SECRET_FIELDS.has(k) ? "[redacted]" : tokens.has(k) && typeof v === "string" ? tokenUrl(v) : v,
      );
    } else shown = a.text;
    if (shown.length > 300) shown = `${shown.slice(0, 300)}...`;
    this.trace(`${head}${location ? ` location=${location}` : ""} ${shown}`);
  }
}
