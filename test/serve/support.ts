/**
 * Helpers of the serve tests: a server over the memory backend on a loopback port, and raw HTTP requests to it
 * (node:http, so methods, paths and headers go out exactly as written: no URL normalisation hides a "..").
 */
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterEach } from "vitest";
import { MemoryBackend } from "../../src/serve/memory-backend.js";
import {
  type RunningServer,
  type ServeLogEvent,
  type ServerOptions,
  startServer,
} from "../../src/serve/server.js";

/** An answer. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bytes: Buffer;
}

/** A test server and what it logged. */
export interface TestServer {
  server: RunningServer;
  backend: MemoryBackend;
  port: number;
  url: string;
  log: ServeLogEvent[];
  call(
    method: string,
    path: string,
    o?: { headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<Reply>;
}

const open: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close({ drainMs: 100 })));
});

/**
 * Starts a server on a free loopback port over a fresh memory backend (closed after each test).
 *
 * @example
 * const t = await serve();
 * const r = await t.call("PROPFIND", "/", { headers: { Depth: "1" } });
 */
export async function serve(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const backend = (options.backend as MemoryBackend | undefined) ?? new MemoryBackend();
  const log: ServeLogEvent[] = [];
  const server = await startServer({
    flavour: "webdav",
    ...options,
    backend,
    port: 0,
    host: "127.0.0.1",
    log: (e) => log.push(e),
  });
  open.push(server);
  return {
    server,
    backend,
    port: server.port,
    url: server.url,
    log,
    call: (method, path, o = {}) => call(server.port, method, path, o),
  };
}

/**
 * One request with a raw path.
 *
 * @example
 * await call(port, "GET", "/a%20b");
 */
export function call(
  port: number,
  method: string,
  path: string,
  o: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body);
    const headers: Record<string, string> = { Connection: "close", ...(o.headers ?? {}) };
    if (body && !Object.keys(headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h))) {
      headers["Content-Length"] = String(body.length);
    }
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString("utf8"), bytes });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Writes raw bytes on a new connection and returns everything the server sent before closing (or after
 * `waitMs` of silence).
 *
 * @example
 * await rawExchange(port, "GET /%2e%2e/x HTTP/1.1\r\nHost: localhost\r\n\r\n");
 */
export function rawExchange(
  port: number,
  data: string | Buffer,
  o: { endAfterWrite?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let out = "";
    socket.on("data", (d) => (out += d.toString("latin1")));
    socket.on("close", () => resolve(out));
    socket.on("error", reject);
    socket.write(data, () => {
      if (o.endAfterWrite) socket.end();
    });
  });
}

/**
 * Puts a file through the server.
 *
 * @example
 * await put(t, "/a.txt", "hello");
 */
export async function put(t: TestServer, path: string, body: string | Buffer): Promise<Reply> {
  return t.call("PUT", path, { body });
}
