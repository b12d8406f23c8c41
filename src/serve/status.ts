/**
 * The one place where a failure becomes an HTTP status: protocol errors the layer raises ({@link HttpError}),
 * bad paths, bad XML and bad `If` headers (400), and every {@link BackendError} kind. Anything else is a bug or an unexpected
 * failure: 500, with its message kept out of the response (it is logged, redacted).
 */
import { isBackendError } from "./backend.js";

/** A protocol-level refusal: a status, a one-line reason, extra headers, and a WebDAV precondition element. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly status: number;
  readonly headers: Record<string, string>;
  /** An element of the `DAV:` namespace put inside `<D:error>` (RFC 4918 §16), e.g. `<D:propfind-finite-depth/>`. */
  readonly davError: string | undefined;
  constructor(
    status: number,
    message: string,
    options: { headers?: Record<string, string>; davError?: string } = {},
  ) {
    super(message);
    this.status = status;
    this.headers = options.headers ?? {};
    this.davError = options.davError;
  }
}

const BY_KIND = {
  "not-found": 404,
  exists: 412,
  conflict: 409,
  forbidden: 403,
  "insufficient-storage": 507,
  busy: 503,
  upstream: 502,
} as const;

/**
 * The HTTP form of any failure met while serving `method`.
 *
 * @example
 * toHttpError(new BackendError("busy", "wait", { retryAfterMs: 1500 }), "GET").headers; // { "Retry-After": "2" }
 */
export function toHttpError(e: unknown, method: string): HttpError {
  if (e instanceof HttpError) return e;
  const name = (e as { name?: unknown } | null)?.name;
  if (name === "BadPathError" || name === "XmlError" || name === "IfHeaderError")
    return new HttpError(400, (e as Error).message);
  if (isBackendError(e)) {
    // MKCOL on something that exists is 405 (RFC 4918 §9.3.1); MOVE/COPY onto it without overwrite is 412.
    const status = e.kind === "exists" && method === "MKCOL" ? 405 : BY_KIND[e.kind];
    const headers: Record<string, string> = {};
    if (e.kind === "busy")
      headers["Retry-After"] = String(Math.max(1, Math.ceil((e.retryAfterMs ?? 1000) / 1000)));
    return new HttpError(status, e.message, { headers });
  }
  return new HttpError(500, "internal error: the server's log has the details");
}
