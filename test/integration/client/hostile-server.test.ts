// The client against a hostile server (a scripted one on loopback, not the emulator): every body read is
// capped, every API call has a deadline, binary junk never reaches an error line, and the key goes to the
// API's host and to 1fichier upload nodes only. No error or trace line holds the key.
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { Agent } from "undici";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createClient, type FichierClient } from "../../../src/api/client.js";
import { FichierError, ServerError, TimeoutError } from "../../../src/api/errors.js";
import { endless, type ScriptedServer, scriptedServer, trickle } from "../../helpers/scripted-server.js";
import { bytes, FAST } from "./support.js";

const KEY = randomBytes(24).toString("base64url");
const seen: string[] = [];
let server: ScriptedServer | undefined;
let client: FichierClient | undefined;

function clientOf(s: ScriptedServer, extra: Parameters<typeof createClient>[0] | object = {}): FichierClient {
  client = createClient({
    apiKey: KEY,
    apiUrl: `${s.origin}/v1`,
    governor: { ...FAST, retry: { attempts: 1 } },
    trace: (line) => seen.push(line),
    ...extra,
  });
  return client;
}

async function failure(p: Promise<unknown>): Promise<FichierError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FichierError);
  const err = e as FichierError;
  seen.push(err.message, err.hint);
  return err;
}

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

describe("capped bodies", () => {
  it("an endless share page (/dir/) is cut at 64 MiB and refused, never read whole", async () => {
    server = await scriptedServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      endless(res, Buffer.alloc(1024 * 1024, "["));
    });
    const e = await failure(clientOf(server).shares.listPublic("AbCd1234"));
    expect(e).toBeInstanceOf(ServerError);
    expect(e.message).toMatch(
      /dir\/AbCd1234: the answer is larger than 64 MiB, the most fichier reads for a website page/,
    );
    expect(e.retryable).toBe(false);
  });

  it("a declared 10 GiB API answer is refused before a byte of it is read", async () => {
    server = await scriptedServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(10 * 2 ** 30) });
      res.write('{"status":"OK"');
    });
    const e = await failure(clientOf(server).user.info());
    expect(e.message).toMatch(
      /user\/info\.cgi: the answer is larger than 64 MiB, the most fichier reads for an API answer/,
    );
  });

  it("a listing far beyond 5,000 items is refused before parsing (16 MiB)", async () => {
    server = await scriptedServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":"OK","items":[');
      endless(res, Buffer.from(`${JSON.stringify({ filename: "x".repeat(1000) })},`.repeat(64)));
    });
    const e = await failure(clientOf(server).folders.list({ folderId: 0, files: true }));
    expect(e.message).toMatch(
      /folder\/ls\.cgi: the answer is larger than 16 MiB, .*a listing \(5,000 items at most\)/,
    );
  });

  it("an endless error page is cut at 16 KiB and still classified", async () => {
    server = await scriptedServer((_req, res) => {
      res.writeHead(503, { "content-type": "text/html" });
      res.write("<html><body><h1>Maintenance</h1> Our services are in maintenance. ");
      endless(res, Buffer.alloc(64 * 1024, "a"));
    });
    const e = await failure(clientOf(server).remote.list());
    expect(e).toBeInstanceOf(ServerError);
    expect(e.message).toMatch(/in maintenance/);
  });
});

describe("the per-call deadline", () => {
  it("a body trickling one byte at a time ends at the deadline with a TimeoutError naming it", async () => {
    server = await scriptedServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      trickle(res, 50);
    });
    const e = await failure(clientOf(server, { deadlineMs: 400 }).user.info());
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toBe("user/info.cgi: no complete answer within 400 ms (the per-call deadline)");
    expect(e.httpStatus).toBe(200);
  });

  it("no headers before the deadline is a TimeoutError without status (no answer: no rate-limit slot spent)", async () => {
    server = await scriptedServer(() => {
      // never answers
    });
    const e = await failure(clientOf(server, { deadlineMs: 300 }).remote.list());
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.httpStatus).toBeUndefined();
  });

  it("refuses a deadline a Node timer cannot hold", () => {
    expect(() => createClient({ apiKey: KEY, deadlineMs: 2 ** 31 })).toThrow(RangeError);
  });
});

describe("binary junk", () => {
  it("a gzip error body shows its length and type in the message, not its bytes", async () => {
    const junk = gzipSync(Buffer.from(JSON.stringify({ status: "KO", message: "zipped" }).repeat(50)));
    server = await scriptedServer((_req, res) => {
      res.writeHead(500, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(junk);
    });
    const e = await failure(clientOf(server).remote.list());
    expect(e).toBeInstanceOf(ServerError);
    expect(e.message).toBe(`remote/ls.cgi: ${junk.length} bytes of binary data (application/json, gzip)`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none reach the message
    expect(e.message).not.toMatch(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ufffd]/);
  });
});

describe("binary or not", () => {
  it("random bytes without any Content-Encoding are binary too", async () => {
    const junk = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), randomBytes(600)]);
    server = await scriptedServer((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end(junk);
    });
    const e = await failure(clientOf(server).remote.list());
    expect(e.message).toBe(`remote/ls.cgi: ${junk.length} bytes of binary data (text/html)`);
  });

  it("a Latin-1 maintenance page with a few accents is still read as text", async () => {
    const page = Buffer.from(
      "<html><body>Nos services sont en maintenance. Our services are in maintenance. Please come back after 20 minutes. Désolé.</body></html>",
      "latin1",
    );
    server = await scriptedServer((_req, res) => {
      res.writeHead(503, { "content-type": "text/html" });
      res.end(page);
    });
    const e = await failure(clientOf(server).remote.list());
    expect(e).toBeInstanceOf(ServerError);
    expect(e.hint).toBe("1fichier is in maintenance or failing: try again in 20 minutes.");
  });
});

describe("a server echoing the key", () => {
  it("gets it masked in the error message (the key is registered with the one redactor)", async () => {
    server = await scriptedServer((req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ status: "KO", message: `Not authenticated: ${req.headers.authorization} #247` }),
      );
    });
    const e = await failure(clientOf(server).remote.list());
    expect(e.message).toBe(`remote/ls.cgi: Not authenticated: Bearer ****${KEY.slice(-4)} #247`);
  });
});

describe("where the key goes", () => {
  const file = () => [{ name: "a.txt", ...bytes("hello") }];

  it("an upload node outside 1fichier and the API host gets nothing: the upload is refused in one line", async () => {
    const stranger = await scriptedServer((_req, res) => res.end("thanks"));
    try {
      server = await scriptedServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ url: `127.0.0.1:${stranger.port}`, id: "AbCdE12345" }));
      });
      const c = clientOf(server);
      const node = await c.upload.getServer();
      const e = await failure(c.upload.send({ server: node, files: file() }));
      expect(e).toBeInstanceOf(ServerError);
      expect(e.message).toMatch(
        /^upload\.cgi: the host "127\.0\.0\.1:\d+" is neither a 1fichier host \(<node>\.1fichier\.com\) nor the API's own host, so the API key is not sent there/,
      );
      await failure(c.upload.finish({ server: node }));
      expect(stranger.requests).toEqual([]);
      // get_upload_server itself goes to the API host, with the key (spec §7.2: optional, harmless).
      expect(server.requests.map((r) => r.url)).toEqual(["/v1/upload/get_upload_server.cgi"]);
    } finally {
      await stranger.close();
    }
  });

  it("a <node>.1fichier.com upload node gets the key (spec §3.4, §7.3), the API host too", async () => {
    server = await scriptedServer((req, res) => {
      if (req.url?.startsWith("/v1/")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ url: `up-7.1fichier.com:${server?.port}`, id: "AbCdE12345" }));
        return;
      }
      res.writeHead(302, { location: "/end.pl?xid=AbCdE12345" });
      res.end();
    });
    // Every host name resolves to this loopback server: a real exchange with the Host a 1fichier node has.
    const loopback = { address: "127.0.0.1", family: 4 };
    const lookup = (_host: string, o: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) =>
      o.all ? cb(null, [loopback]) : cb(null, loopback.address, loopback.family);
    const dispatcher = new Agent({ connect: { lookup } as never });
    try {
      const c = clientOf(server, { dispatcher });
      const node = await c.upload.getServer();
      await expect(c.upload.send({ server: node, files: file() })).resolves.toEqual({
        location: "/end.pl?xid=AbCdE12345",
      });
      const upload = server.requests.find((r) => r.url.startsWith("/upload.cgi"));
      expect(upload?.headers.host).toBe(`up-7.1fichier.com:${server.port}`);
      expect(upload?.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(upload?.headers["user-agent"]).toMatch(/^fichier\/\d+\.\d+\.\d+$/);
    } finally {
      await dispatcher.close();
    }
  });
});

afterAll(() => {
  // Every message, hint and --debug trace line of this file: the key is in none of them.
  expect(seen.length).toBeGreaterThan(10);
  for (const line of seen) expect(line).not.toContain(KEY);
});
