// A small scripted HTTP server on loopback for the hostile-server cases the emulator will not play: endless
// or trickling bodies, impossible sizes, gzip bombs, redirects, binary error pages, an upload node named by a
// stranger. The client-level suite (test/integration/client/hostile-server.test.ts) and the spawned-command
// suite (test/hardening/hostile-server.test.ts) both script it.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

/** What the server saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
}

export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Starts a server answering every request with `handler`; every request is recorded (method, URL, headers).
 * @example
 * const s = await scriptedServer((req, res) => res.end("{}"));
 */
export async function scriptedServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<ScriptedServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    // Drain the request body so the client's upload stream is not held up by back-pressure.
    req.resume();
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `chunk` again and again until the client goes away: an endless body. */
export function endless(res: ServerResponse, chunk: Buffer): void {
  let open = true;
  res.on("close", () => {
    open = false;
  });
  const pump = () => {
    while (open && res.write(chunk)) {
      // keep writing while the socket takes it
    }
    if (open) res.once("drain", pump);
  };
  pump();
}

/** Writes one byte every `everyMs` until the client goes away: a body that never ends nor stalls. */
export function trickle(res: ServerResponse, everyMs: number): void {
  const timer = setInterval(() => res.write(" "), everyMs);
  res.on("close", () => clearInterval(timer));
}

// One gzip member inflating to 16 MiB of zeros (16 KiB on the wire); members may follow one another in a
// gzip stream (RFC 1952 §2.2), so repeating it makes a bomb of any size without computing a large one.
let bombMember: Buffer | undefined;

/**
 * An endless gzip bomb: `Content-Encoding: gzip` and members of 16 MiB of zeros each, until the client goes
 * away (a client that inflated it would need 1 GiB per 1 MiB received).
 * @example
 * scriptedServer((_req, res) => gzipBomb(res, 200, "application/json"));
 */
export function gzipBomb(res: ServerResponse, status: number, contentType: string): void {
  bombMember ??= gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
  res.writeHead(status, { "content-type": contentType, "content-encoding": "gzip" });
  endless(res, Buffer.concat(Array.from({ length: 16 }, () => bombMember as Buffer)));
}

/**
 * Answers a GET of `data` as a 1fichier download link does (spec §7.1.1): 200 with the whole, or 206 with
 * the `Range` asked (`bytes=A-B` or `bytes=A-`), `Accept-Ranges: bytes` either way.
 * @example
 * scriptedServer((req, res) => serveBytes(req, res, Buffer.from("hello")));
 */
export function serveBytes(req: IncomingMessage, res: ServerResponse, data: Buffer): void {
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  if (!m) {
    res.writeHead(200, { "content-length": data.length, "accept-ranges": "bytes" });
    res.end(data);
    return;
  }
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), data.length - 1) : data.length - 1;
  res.writeHead(206, {
    "content-length": end - start + 1,
    "content-range": `bytes ${start}-${end}/${data.length}`,
    "accept-ranges": "bytes",
  });
  res.end(data.subarray(start, end + 1));
}
