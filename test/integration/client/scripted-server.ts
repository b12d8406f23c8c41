// A small scripted HTTP server on loopback for the hostile-server cases the emulator will not play: endless
// or trickling bodies, impossible sizes, binary error pages, an upload node named by a stranger.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

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
