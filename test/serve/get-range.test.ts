// GET and HEAD of files: single ranges (206, 416), validators, conditional requests, content types, streaming.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { put, serve } from "./support.js";

describe("GET and HEAD with Range", () => {
  it("serves the whole file with its validators and type", async () => {
    const t = await serve();
    const data = randomBytes(300_000);
    expect((await put(t, "/film.mkv", data)).status).toBe(201);
    const r = await t.call("GET", "/film.mkv");
    expect(r.status).toBe(200);
    expect(r.bytes.equals(data)).toBe(true);
    expect(r.headers["accept-ranges"]).toBe("bytes");
    expect(r.headers["content-length"]).toBe(String(data.length));
    expect(r.headers["content-type"]).toBe("video/x-matroska");
    expect(r.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(r.headers["last-modified"]).toMatch(/GMT$/);
    expect(r.headers["content-security-policy"]).toBe("sandbox");
  });

  it("answers a single range with 206 and Content-Range, and suffix and open ranges", async () => {
    const t = await serve();
    const data = randomBytes(100_000);
    await put(t, "/a.bin", data);
    const mid = await t.call("GET", "/a.bin", { headers: { Range: "bytes=1000-1999" } });
    expect(mid.status).toBe(206);
    expect(mid.headers["content-range"]).toBe("bytes 1000-1999/100000");
    expect(mid.bytes.equals(data.subarray(1000, 2000))).toBe(true);
    const tail = await t.call("GET", "/a.bin", { headers: { Range: "bytes=-10" } });
    expect(tail.bytes.equals(data.subarray(99_990))).toBe(true);
    const open = await t.call("GET", "/a.bin", { headers: { Range: "bytes=99000-" } });
    expect(open.headers["content-range"]).toBe("bytes 99000-99999/100000");
    const clamped = await t.call("GET", "/a.bin", { headers: { Range: "bytes=99990-200000" } });
    expect(clamped.headers["content-range"]).toBe("bytes 99990-99999/100000");
    const head = await t.call("HEAD", "/a.bin", { headers: { Range: "bytes=0-9" } });
    expect(head.status).toBe(206);
    expect(head.headers["content-length"]).toBe("10");
    expect(head.body).toBe("");
  });

  it.each([
    ["bytes=100000-", "past the end"],
    ["bytes=500-100", "reversed"],
    ["bytes=abc", "malformed"],
  ])("refuses %s (%s) with 416 and Content-Range: bytes */size", async (range) => {
    const t = await serve();
    await put(t, "/a.bin", randomBytes(100_000));
    const r = await t.call("GET", "/a.bin", { headers: { Range: range } });
    expect(r.status).toBe(416);
    expect(r.headers["content-range"]).toBe("bytes */100000");
    expect(r.body).toMatch(/Range not satisfiable: /);
  });

  it("ignores several ranges and another unit (whole file, 200)", async () => {
    const t = await serve();
    await put(t, "/a.bin", randomBytes(1000));
    expect((await t.call("GET", "/a.bin", { headers: { Range: "bytes=0-1,5-6" } })).status).toBe(200);
    expect((await t.call("GET", "/a.bin", { headers: { Range: "items=0-1" } })).status).toBe(200);
  });

  it("answers 304 to If-None-Match and If-Modified-Since, and drops a Range whose If-Range is stale", async () => {
    const t = await serve();
    await put(t, "/a.txt", "hello world");
    const first = await t.call("GET", "/a.txt");
    const etag = first.headers.etag as string;
    expect((await t.call("GET", "/a.txt", { headers: { "If-None-Match": etag } })).status).toBe(304);
    expect((await t.call("GET", "/a.txt", { headers: { "If-None-Match": '"other"' } })).status).toBe(200);
    const later = new Date(Date.now() + 60_000).toUTCString();
    expect((await t.call("GET", "/a.txt", { headers: { "If-Modified-Since": later } })).status).toBe(304);
    const fresh = await t.call("GET", "/a.txt", { headers: { Range: "bytes=0-4", "If-Range": etag } });
    expect(fresh.status).toBe(206);
    const stale = await t.call("GET", "/a.txt", { headers: { Range: "bytes=0-4", "If-Range": '"changed"' } });
    expect(stale.status).toBe(200);
    expect(stale.body).toBe("hello world");
  });

  it("streams a range of a 16 MiB file and logs the bytes sent", async () => {
    const t = await serve();
    const data = randomBytes(16 * 1024 * 1024);
    await put(t, "/big.bin", data);
    const r = await t.call("GET", "/big.bin", { headers: { Range: "bytes=8388608-" } });
    expect(r.status).toBe(206);
    expect(r.bytes.equals(data.subarray(8_388_608))).toBe(true);
    const logged = t.log.find((e) => e.type === "request" && e.method === "GET");
    expect(logged).toMatchObject({ status: 206, bytes: 8_388_608 });
  });

  it("404s a missing file", async () => {
    const t = await serve();
    const r = await t.call("GET", "/nope.txt");
    expect(r.status).toBe(404);
    expect(r.body).toMatch(/\/nope\.txt does not exist/);
  });
});
