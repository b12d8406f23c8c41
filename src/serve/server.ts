/**
 * The server of `fichier serve`: HTTP or HTTPS, one request log line each, the gate (loopback Host names when
 * there is no password, Basic authentication and its throttle when there is), bounded resources (a connection
 * cap, header and idle timeouts) and a clean stop that drains open transfers for a while before it cuts them.
 * The requests themselves go to src/serve/dispatch.ts.
 */
import { EventEmitter } from "node:events";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { type Credentials, FailureThrottle, parseBasicAuth, type ThrottleOptions } from "./auth.js";
import type { ServeBackend } from "./backend.js";
import { DeadProperties } from "./dead-props.js";
import { dispatch } from "./dispatch.js";
import { EmptyFiles } from "./empty-files.js";
import { LockManager } from "./locks.js";
import { parseRequestPath } from "./paths.js";
import { type RequestContext, type ServeState, sendError } from "./request.js";
import { HttpError, toHttpError } from "./status.js";

/** A line of the server's log: one per request, and notices. */
export type ServeLogEvent =
  | { type: "request"; method: string; path: string; status: number; bytes: number; ms: number; ip: string }
  | { type: "auth-failure"; ip: string; user: string; failures: number; waitMs: number }
  | { type: "server-error"; method: string; path: string; message: string };

/** Options of {@link startServer}. */
export interface ServerOptions {
  backend: ServeBackend;
  flavour: "webdav" | "http";
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  readOnly?: boolean;
  /** Basic authentication; none means anyone who reaches the port gets in (loopback only, see the CLI). */
  credentials?: Credentials;
  /** HTTPS with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Where log events go (the CLI writes them on stderr, NDJSON with --json). */
  log?: (event: ServeLogEvent) => void;
  /** The clock (ms) of locks and the password throttle; tests pass a virtual one. */
  now?: () => number;
  throttle?: Omit<ThrottleOptions, "now">;
  /** Most connections open at once (default 1024): past it new ones are closed at once. */
  maxConnections?: number;
  /** Time a client has to send its request headers (default 20 s). */
  headersTimeoutMs?: number;
  /** Time a connection may stay silent, mid-transfer or between requests (default 5 min). */
  idleTimeoutMs?: number;
}

/** A running server. */
export interface RunningServer {
  /** `http://127.0.0.1:8080/` (the address it listens on, `localhost`-free). */
  readonly url: string;
  readonly port: number;
  /** What its requests share (tests look at locks and properties). */
  readonly state: ServeState;
  /**
   * Stops accepting, lets open requests finish for up to `drainMs` (default 10 s), then cuts the rest.
   * Resolves with whether everything finished in time.
   */
  close(options?: { drainMs?: number }): Promise<{ drained: boolean }>;
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Starts a server.
 *
 * @example
 * const server = await startServer({ backend: new MemoryBackend(), flavour: "webdav", port: 0 });
 * console.log(server.url);
 * await server.close();
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const now = options.now ?? Date.now;
  const state: ServeState = {
    backend: options.backend,
    locks: new LockManager({ now }),
    props: new DeadProperties(),
    empty: new EmptyFiles({ now }),
    readOnly: options.readOnly === true,
    flavour: options.flavour,
  };
  const open = new OpenRequests();
  const host = options.host ?? "127.0.0.1";
  const onRequest = requestHandler(options, state, open, new FailureThrottle({ ...options.throttle, now }));
  const headersTimeout = options.headersTimeoutMs ?? 20_000;
  const serverOptions = {
    requestTimeout: 0, // uploads and downloads may take hours; the idle timeout catches a stalled one
    headersTimeout,
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: Math.max(50, Math.min(headersTimeout / 4, 5_000)),
  };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, onRequest)
    : createHttpServer(serverOptions, onRequest);
  // Without a listener Node answers 100 Continue itself; with it, PUT checks locks and paths before the body comes.
  server.on("checkContinue", onRequest);
  server.maxConnections = options.maxConnections ?? 1024;
  server.setTimeout(options.idleTimeoutMs ?? 300_000, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `${options.tls ? "https" : "http"}://${shown}:${address.port}/`;
  const close = async ({ drainMs = 10_000 } = {}): Promise<{ drained: boolean }> => {
    open.closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drained = await open.drain(drainMs);
    server.closeAllConnections();
    await stopped;
    await options.backend.close?.();
    return { drained };
  };
  return { url, port: address.port, state, close };
}

/** The requests being served, so a stop can wait for them (and abort them when the wait is over). */
class OpenRequests {
  /** Set once the server stops: answers then close their connection. */
  closing = false;
  private readonly active = new Set<AbortController>();
  private readonly idle = new EventEmitter();

  add(ac: AbortController): void {
    this.active.add(ac);
  }

  delete(ac: AbortController): void {
    this.active.delete(ac);
    if (this.active.size === 0) this.idle.emit("idle");
  }

  /** Waits up to `ms` for every request to end; aborts those still open after it. True when none was left. */
  async drain(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.active.size === 0
        ? Promise.resolve(true)
        : new Promise<boolean>((r) => this.idle.once("idle", () => r(true))),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), ms);
      }),
    ]);
    clearTimeout(timer);
    if (!drained) for (const ac of this.active) ac.abort(new Error("the server is stopping"));
    return drained;
  }
}

/** The handler of every request: context, log line, the gate, then the method's handler; failures answered. */
function requestHandler(
  options: ServerOptions,
  state: ServeState,
  open: OpenRequests,
  throttle: FailureThrottle,
): (req: IncomingMessage, res: ServerResponse) => void {
  const host = options.host ?? "127.0.0.1";
  const serve = async (ctx: RequestContext): Promise<void> => {
    checkHost(ctx.req, options.credentials !== undefined, host);
    if (options.credentials) await authenticate(ctx.req, options.credentials, throttle, options.log);
    ctx.target = parseRequestPath(ctx.req.url ?? "/");
    await dispatch(ctx);
  };
  return (req, res) => {
    const ac = new AbortController();
    open.add(ac);
    const started = performance.now();
    const ip = req.socket?.remoteAddress ?? "";
    const method = (req.method ?? "GET").toUpperCase();
    const ctx: RequestContext = {
      req,
      res,
      state,
      method,
      target: { path: "/", slash: true },
      signal: ac.signal,
      bytesSent: 0,
    };
    res.on("close", () => {
      if (!res.writableFinished) ac.abort(new Error("the client went away"));
      open.delete(ac);
      const ms = Math.round(performance.now() - started);
      options.log?.({
        type: "request",
        method,
        path: logPath(req.url),
        status: res.statusCode,
        bytes: ctx.bytesSent,
        ms,
        ip,
      });
    });
    if (open.closing) res.setHeader("Connection", "close");
    res.setHeader("X-Content-Type-Options", "nosniff");
    serve(ctx).catch((e: unknown) => {
      const http = toHttpError(e, method);
      if (http.status === 500) {
        const message = String((e as Error)?.message ?? e);
        options.log?.({ type: "server-error", method, path: logPath(req.url), message });
      }
      sendError(ctx, http);
    });
  };
}

/** The path of a request for the log: no query string (it could carry anything), at most 300 characters. */
function logPath(url: string | undefined): string {
  const path = (url ?? "").split("?")[0] ?? "";
  return path.length > 300 ? `${path.slice(0, 300)}...` : path;
}

/**
 * Without a password, only requests addressed to a loopback name get in: a web page cannot then reach the
 * server through a domain of its own pointed at 127.0.0.1 (DNS rebinding).
 */
function checkHost(req: IncomingMessage, authenticated: boolean, bound: string): void {
  if (authenticated || req.headers.host === undefined) return;
  const name = req.headers.host.replace(/:\d+$/, "");
  if (LOOPBACK_HOST.test(name) || name === bound || name === `[${bound}]`) return;
  throw new HttpError(
    403,
    `requests for the host "${name}" are refused: without --user only loopback names are served`,
  );
}

async function authenticate(
  req: IncomingMessage,
  credentials: Credentials,
  throttle: FailureThrottle,
  log: ServerOptions["log"],
): Promise<void> {
  const ip = req.socket?.remoteAddress ?? "";
  const wait = throttle.waitMs(ip);
  if (wait > 0) {
    throw new HttpError(429, "too many wrong passwords from this address: wait before trying again", {
      headers: { "Retry-After": String(Math.ceil(wait / 1000)) },
    });
  }
  const given = parseBasicAuth(req.headers.authorization);
  if (given && (await credentials.verify(given.user, given.password))) {
    throttle.success(ip);
    return;
  }
  if (given) {
    const { failures, waitMs } = throttle.failure(ip);
    log?.({ type: "auth-failure", ip, user: given.user.slice(0, 64), failures, waitMs });
  }
  throw new HttpError(401, given ? "wrong user name or password" : "a user name and password are needed", {
    headers: { "WWW-Authenticate": 'Basic realm="fichier", charset="UTF-8"' },
  });
}
