// One HTTP exchange with 1fichier: the auth header, JSON encoding and decoding, KO → typed error.
// No retry and no pacing here (governor.ts does both); no knowledge of endpoints (endpoints/ does that).
import { Agent, type Dispatcher, EnvHttpProxyAgent, request } from "undici";
import { redact, registerSecret } from "../redact.js";
import { AbortedError, classifyFailure, type FichierError, NetworkError, TimeoutError } from "./errors.js";

/**
 * The dispatcher every request goes through: a `proxy` URL if given, else `HTTPS_PROXY`/`HTTP_PROXY`
 * (honouring `NO_PROXY`), else direct. TLS certificates are always verified (no option turns that off).
 *
 * @example
 * ```ts
 * const dispatcher = createDispatcher({ proxy: "http://proxy.lan:3128" });
 * ```
 */
export function createDispatcher(opts: { proxy?: string; env?: NodeJS.ProcessEnv } = {}): Dispatcher {
  const env = opts.env ?? process.env;
  const common = { connect: { rejectUnauthorized: true }, keepAliveTimeout: 10_000 };
  if (opts.proxy) {
    return new EnvHttpProxyAgent({
      ...common,
      httpProxy: opts.proxy,
      httpsProxy: opts.proxy,
      noProxy: env.NO_PROXY ?? env.no_proxy ?? "",
    });
  }
  const anyProxy = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  if (anyProxy) {
    const o: ConstructorParameters<typeof EnvHttpProxyAgent>[0] = { ...common };
    const https = env.HTTPS_PROXY ?? env.https_proxy;
    const http = env.HTTP_PROXY ?? env.http_proxy;
    if (https) o.httpsProxy = https;
    if (http) o.httpProxy = http;
    o.noProxy = env.NO_PROXY ?? env.no_proxy ?? "";
    return new EnvHttpProxyAgent(o);
  }
  return new Agent(common);
}

export interface TransportOptions {
  apiUrl: string;
  apiKey: string;
  userAgent: string;
  dispatcher: Dispatcher;
  trace?: (line: string) => void;
  now?: () => number;
  /** Headers timeout per attempt; default 60 s. */
  timeoutMs?: number;
  /** Default flood lock duration when the server gives none. */
  defaultLockMs?: number;
}

/**
 * Reads a body up to `limit` bytes and drains the rest. spec §2.1: a listing holds up to 5,000 items
 * (a few MB of JSON), so the default is generous; error pages beyond it are cut.
 */
async function readText(body: Dispatcher.ResponseData["body"], limit = 64 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    if (size < limit) chunks.push(b);
    size += b.length;
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, limit);
}

/**
 * Converts a low-level failure (undici error, abort) into a fichier error. The key never appears: undici
 * errors carry no request headers.
 * @example
 * ```ts
 * try { await request(url); } catch (e) { throw networkFailure(e, "file/ls.cgi"); }
 * ```
 */
export function networkFailure(e: unknown, endpoint: string, signal?: AbortSignal): FichierError {
  if (signal?.aborted) return new AbortedError(`${endpoint}: aborted`, { endpoint, cause: e });
  const err = e as { name?: string; code?: string; message?: string };
  const code = err?.code ?? "";
  if (
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    code === "UND_ERR_CONNECT_TIMEOUT"
  ) {
    return new TimeoutError(`${endpoint}: no answer in time (${code})`, { endpoint, cause: e });
  }
  if (err?.name === "AbortError") return new AbortedError(`${endpoint}: aborted`, { endpoint, cause: e });
  const detail = [code, err?.message].filter(Boolean).join(" ");
  return new NetworkError(`${endpoint}: network failure${detail ? ` (${detail})` : ""}`, {
    endpoint,
    cause: e,
  });
}

const SECRET_FIELDS = new Set(["pass", "dpass", "password", "user_email", "headers"]);
function hideSecrets(key: string, value: unknown): unknown {
  return SECRET_FIELDS.has(key) ? "[redacted]" : value;
}

/** JSON.stringify replacer for answers: secrets, and the token URL of get_token (a bearer of its own). */
function traceHider(endpoint: string) {
  return (key: string, value: unknown): unknown => {
    if (SECRET_FIELDS.has(key)) return "[redacted]";
    if (key === "url" && endpoint === "download/get_token.cgi" && typeof value === "string") {
      try {
        return `${new URL(value).origin}/[token]`;
      } catch {
        return "[token]";
      }
    }
    return value;
  };
}

/** Is this content HTML rather than JSON? */
export function looksLikeHtml(contentType: string, text: string): boolean {
  return /text\/html/i.test(contentType) || /^\s*<(?:!doctype|html|head|body|\?xml|[a-z])/i.test(text);
}

/**
 * Posts JSON to one API endpoint and returns the decoded OK body, or throws the classified error
 * (spec §1.3–§1.12: KO can come with 2xx or an error status; check both).
 */
export class Transport {
  readonly apiUrl: string;
  private readonly o: TransportOptions;
  private readonly now: () => number;

  constructor(o: TransportOptions) {
    this.o = o;
    // The key is masked in every trace line by the one shared redactor, wherever it appears.
    registerSecret(o.apiKey);
    this.apiUrl = o.apiUrl.replace(/\/+$/, "");
    this.now = o.now ?? Date.now;
  }

  private trace(line: string): void {
    this.o.trace?.(redact(line));
  }

  /**
   * Calls `<apiUrl>/<endpoint>`.
   * @example
   * ```ts
   * const body = await transport.call("folder/ls.cgi", { folder_id: 0 });
   * ```
   */
  async call(
    endpoint: string,
    body: Record<string, unknown> | undefined,
    opts: { signal?: AbortSignal; method?: "GET" | "POST"; auth?: boolean } = {},
  ): Promise<Record<string, unknown>> {
    const method = opts.method ?? "POST";
    const url = `${this.apiUrl}/${endpoint}`;
    const headers: Record<string, string> = {
      // spec §1.3: every client sends this, even without a body.
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": this.o.userAgent,
    };
    if (opts.auth !== false) headers.authorization = `Bearer ${this.o.apiKey}`;
    const payload = method === "POST" ? JSON.stringify(body ?? {}) : undefined;
    const started = this.now();
    if (this.o.trace) {
      // Secrets never reach the trace: passwords, e-mails of voucher users, remote-upload headers (cookies).
      const shown = payload === undefined ? "" : ` ${JSON.stringify(body ?? {}, hideSecrets)}`;
      this.trace(`> ${method} ${url}${shown}`);
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        headers,
        body: payload,
        dispatcher: this.o.dispatcher,
        signal: opts.signal,
        headersTimeout: this.o.timeoutMs ?? 60_000,
        bodyTimeout: this.o.timeoutMs ?? 60_000,
      });
    } catch (e) {
      this.trace(`< ${method} ${url} failed: ${(e as Error).message}`);
      throw networkFailure(e, endpoint, opts.signal);
    }
    let text: string;
    try {
      text = await readText(res.body);
    } catch (e) {
      throw networkFailure(e, endpoint, opts.signal);
    }
    const ct = String(res.headers["content-type"] ?? "");
    const retryAfter = res.headers["retry-after"];
    let json: unknown;
    let parsed = false;
    if (!looksLikeHtml(ct, text)) {
      try {
        json = JSON.parse(text);
        parsed = true;
      } catch {
        parsed = false;
      }
    }
    const obj =
      parsed && typeof json === "object" && json !== null ? (json as Record<string, unknown>) : undefined;
    const ko = obj !== undefined && typeof obj.status === "string" && obj.status.toUpperCase() === "KO";
    if (this.o.trace) {
      const shown = obj ? JSON.stringify(obj, traceHider(endpoint)) : text;
      this.trace(
        `< ${res.statusCode} ${endpoint} (${this.now() - started} ms) ${shown.length > 300 ? `${shown.slice(0, 300)}...` : shown}`,
      );
    }
    if (res.statusCode >= 200 && res.statusCode < 300 && parsed && !ko) {
      return obj ?? { value: json };
    }
    throw classifyFailure({
      endpoint,
      httpStatus: res.statusCode,
      ...(obj && typeof obj.message === "string" ? { message: obj.message } : {}),
      ...(obj ? {} : { bodyText: text, html: looksLikeHtml(ct, text) }),
      retryAfter: Array.isArray(retryAfter) ? (retryAfter[0] ?? null) : (retryAfter ?? null),
      now: this.now(),
      ...(this.o.defaultLockMs !== undefined ? { defaultLockMs: this.o.defaultLockMs } : {}),
    });
  }
}
