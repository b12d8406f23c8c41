// PUT: streamed to the backend with a known length; empty bodies, chunked bodies, bodies cut off midway.
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { put, rawExchange, serve } from "./support.js";

describe("PUT", () => {
  it("creates (201) then replaces (204) a file", async () => {
    const t = await serve();
    expect((await put(t, "/a.txt", "one")).status).toBe(201);
    expect((await put(t, "/a.txt", "two!")).status).toBe(204);
    expect((await t.call("GET", "/a.txt")).body).toBe("two!");
  });

  it("holds 0 bytes as an empty file in memory (Windows, Finder), refused onto a stored file", async () => {
    const t = await serve();
    const r = await put(t, "/empty.txt", "");
    expect(r.status).toBe(201);
    await expect(t.backend.stat("/empty.txt")).rejects.toThrow(/does not exist/);
    const got = await t.call("GET", "/empty.txt");
    expect([got.status, got.body]).toEqual([200, ""]);
    expect((await t.call("PROPFIND", "/", { headers: { Depth: "1" } })).body).toContain("/empty.txt");
    expect((await put(t, "/empty.txt", "")).status).toBe(204);
    expect((await put(t, "/empty.txt", "now with content")).status).toBe(204);
    expect((await t.backend.stat("/empty.txt")).size).toBe(16);
    const refused = await put(t, "/empty.txt", "");
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(
      /empty files cannot be stored \(1fichier refuses them\): the stored file was kept/,
    );
    expect((await t.call("GET", "/empty.txt")).body).toBe("now with content");
    await put(t, "/gone.txt", "");
    expect((await t.call("DELETE", "/gone.txt")).status).toBe(204);
    expect((await t.call("GET", "/gone.txt")).status).toBe(404);
  });

  it("takes a chunked body with X-Expected-Entity-Length (macOS Finder), refuses one without (411)", async () => {
    const t = await serve();
    const ok = await rawExchange(
      t.port,
      "PUT /f.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nX-Expected-Entity-Length: 11\r\nConnection: close\r\n\r\n" +
        "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",
    );
    expect(ok).toMatch(/^HTTP\/1\.1 201/);
    expect((await t.call("GET", "/f.txt")).body).toBe("hello world");
    const no = await rawExchange(
      t.port,
      "PUT /g.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    expect(no).toMatch(/^HTTP\/1\.1 411/);
    expect(no).toMatch(/length must be known/);
  });

  it("stores nothing when a chunked body is longer or shorter than announced", async () => {
    const t = await serve();
    const longer = await rawExchange(
      t.port,
      "PUT /l.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nX-Expected-Entity-Length: 3\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    expect(longer).toMatch(/^HTTP\/1\.1 400/);
    const shorter = await rawExchange(
      t.port,
      "PUT /s.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nX-Expected-Entity-Length: 30\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    expect(shorter).toMatch(/^HTTP\/1\.1 400/);
    expect((await t.call("GET", "/l.txt")).status).toBe(404);
    expect((await t.call("GET", "/s.txt")).status).toBe(404);
  });

  it("leaves nothing behind when the client goes away midway", async () => {
    const t = await serve();
    await rawExchange(
      t.port,
      `PUT /cut.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n${"x".repeat(300_000)}`,
      { endAfterWrite: true },
    );
    await expect.poll(() => t.log.some((e) => e.type === "request" && e.method === "PUT")).toBe(true);
    expect((await t.call("GET", "/cut.bin")).status).toBe(404);
    expect((await t.call("PROPFIND", "/", { headers: { Depth: "1" } })).body).not.toContain("cut.bin");
  });

  it("answers a refused upload before its body is sent (Expect: 100-continue)", async () => {
    const t = await serve();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: "127.0.0.1",
        port: t.port,
        method: "PUT",
        path: "/no-such-folder/a.bin",
        headers: { "Content-Length": "1000000", Expect: "100-continue", Connection: "close" },
      });
      req.on("continue", () => reject(new Error("the server asked for the body of a refused upload")));
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", () => {});
      req.flushHeaders();
    });
    expect(status).toBe(409);
  });

  it("refuses PUT on a folder (405), under a missing folder (409), a partial PUT (400)", async () => {
    const t = await serve();
    await t.call("MKCOL", "/d/");
    expect((await put(t, "/d", "x")).status).toBe(405);
    expect((await put(t, "/d/", "x")).status).toBe(405);
    expect((await put(t, "/missing/a.txt", "x")).status).toBe(409);
    const partial = await t.call("PUT", "/p.txt", {
      body: "x",
      headers: { "Content-Range": "bytes 0-0/10" },
    });
    expect(partial.status).toBe(400);
  });

  it("honours If-None-Match: * (no overwrite) and If-Match", async () => {
    const t = await serve();
    await put(t, "/a.txt", "one");
    expect((await t.call("PUT", "/a.txt", { body: "two", headers: { "If-None-Match": "*" } })).status).toBe(
      412,
    );
    expect((await t.call("PUT", "/a.txt", { body: "two", headers: { "If-Match": '"nope"' } })).status).toBe(
      412,
    );
    const etag = (await t.call("HEAD", "/a.txt")).headers.etag as string;
    expect((await t.call("PUT", "/a.txt", { body: "two", headers: { "If-Match": etag } })).status).toBe(204);
  });

  it("answers 507 when the backend is full, and stores nothing", async () => {
    const { MemoryBackend } = await import("../../src/serve/memory-backend.js");
    const t = await serve({ backend: new MemoryBackend({ maxBytes: 10 }) });
    const r = await put(t, "/big.txt", "x".repeat(11));
    expect(r.status).toBe(507);
    expect((await t.call("GET", "/big.txt")).status).toBe(404);
  });
});
