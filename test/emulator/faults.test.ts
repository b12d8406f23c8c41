// Fault injection (contract `faults` / `admin.setFaults`): at probability 1 each kind has its visible effect,
// "" turns them off, a seed replays the same draws, and stats() counts them.
import { request as httpRequest } from "node:http";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { withEmulator } from "../helpers/emulator.js";
import { header, ko, rawHarness, type Uploaded, useHarness } from "./support/http.js";

const h = useHarness();
let file: Uploaded;
const data = Buffer.alloc(256 * 1024, 5);

beforeAll(async () => {
  file = await h.raw.upload(h.premium, "faulty.bin", data);
});
afterEach(() => h.em.admin.setFaults(""));

/** GET a URL with node:http and report how it ended: status, bytes received, announced length, error. */
function download(url: string) {
  return new Promise<{ status: number; bytes: number; length: number; error?: string }>((resolve) => {
    let status = 0;
    let bytes = 0;
    let length = -1;
    const req = httpRequest(url, { agent: false }, (res) => {
      status = res.statusCode ?? 0;
      length = Number(res.headers["content-length"] ?? -1);
      res.on("data", (c: Buffer) => {
        bytes += c.length;
      });
      res.on("end", () => resolve({ status, bytes, length }));
      res.on("error", (e) => resolve({ status, bytes, length, error: e.message }));
      res.on("aborted", () => resolve({ status, bytes, length, error: "aborted" }));
    });
    req.on("error", (e) => resolve({ status, bytes, length, error: e.message }));
    req.end();
  });
}

describe("faults at probability 1", () => {
  it("500: API calls answer HTTP 500 with a KO body", async () => {
    h.em.admin.setFaults("500=1");
    const r = await h.raw.api("folder/ls.cgi", {}, h.premium);
    expect(r.status).toBe(500);
    expect(r.json?.status).toBe("KO");
  });

  it("503: API calls answer 503 (maintenance)", async () => {
    h.em.admin.setFaults("503=1");
    const r = await h.raw.api("folder/ls.cgi", {}, h.premium);
    expect(r.status).toBe(503);
  });

  it("flood: API calls answer 403 #374, and the lock is real until lockSeconds have passed", async () => {
    h.em.admin.setFaults("flood=1");
    const r = await h.raw.api("folder/ls.cgi", {}, h.premium);
    expect(r.status).toBe(403);
    expect(r.json).toEqual(ko("Flood detected: IP Locked #374"));
    expect(header(r, "retry-after")).toBe("30");
    // With the fault off, the lock still holds: retrying at once is refused again, as on 1fichier.
    h.em.admin.setFaults("");
    expect((await h.raw.api("folder/ls.cgi", {}, h.premium)).status).toBe(403);
    h.em.admin.advanceClock(30_000);
    expect((await h.raw.api("folder/ls.cgi", {}, h.premium)).status).toBe(200);
  });

  it("endhtml: end.pl answers HTML even with JSON: 1", async () => {
    const s = await h.raw.uploadServer(h.premium);
    expect(
      (await h.raw.postUpload(s.url, s.id, [{ name: "e.txt", data: "e" }], { key: h.premium })).status,
    ).toBe(302);
    h.em.admin.setFaults("endhtml=1");
    const r = await h.raw.endpl(s.url, s.id, "json");
    expect(header(r, "content-type")).toMatch(/^text\/html/);
    expect(r.json).toBeUndefined();
    h.em.admin.setFaults("");
    expect((await h.raw.endpl(s.url, s.id, "json")).json.links[0].filename).toBe("e.txt");
  });

  it("expire: a token URL answers 410", async () => {
    const url = await h.raw.token(h.premium, file.url);
    h.em.admin.setFaults("expire=1");
    expect((await h.raw.fetch(url)).status).toBe(410);
  });

  it("truncate: a download stops short of its Content-Length", async () => {
    const url = await h.raw.token(h.premium, file.url);
    h.em.admin.setFaults("truncate=1");
    const r = await download(url);
    expect(r.length).toBe(data.length);
    expect(r.bytes).toBeLessThan(data.length);
  });

  it("reset: a download is cut before the end", async () => {
    const url = await h.raw.token(h.premium, file.url);
    h.em.admin.setFaults("reset=1");
    const r = await download(url);
    expect(r.bytes).toBeLessThan(data.length);
  });

  it("reset: an upload is cut and stores nothing", async () => {
    const s = await h.raw.uploadServer(h.premium);
    h.em.admin.setFaults("reset=1");
    let failed = false;
    try {
      const r = await h.raw.postUpload(s.url, s.id, [{ name: "reset.bin", data }], { key: h.premium });
      failed = r.status !== 302;
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    h.em.admin.setFaults("");
    const all = await h.raw.ok("file/ls.cgi", { folder_id: -1 }, h.premium);
    expect(all.items.map((i: { filename: string }) => i.filename)).not.toContain("reset.bin");
  });

  it("lost: the whole body is read, then the connection is cut with no answer, and nothing is stored", async () => {
    const s = await h.raw.uploadServer(h.premium);
    h.em.admin.setFaults("lost=1");
    const before = h.em.admin.stats().faults.lost ?? 0;
    await expect(
      h.raw.postUpload(s.url, s.id, [{ name: "lost.bin", data }], { key: h.premium }),
    ).rejects.toThrow();
    expect((h.em.admin.stats().faults.lost ?? 0) - before).toBe(1);
    h.em.admin.setFaults("");
    const end = await h.raw.endpl(s.url, s.id, "json");
    expect(end.json).toBeUndefined();
    const all = await h.raw.ok("file/ls.cgi", { folder_id: -1 }, h.premium);
    expect(all.items.map((i: { filename: string }) => i.filename)).not.toContain("lost.bin");
  });

  it("counts injected faults in stats().faults", async () => {
    const before = h.em.admin.stats().faults["500"] ?? 0;
    h.em.admin.setFaults("500=1");
    await h.raw.api("folder/ls.cgi", {}, h.premium);
    await h.raw.api("folder/ls.cgi", {}, h.premium);
    expect((h.em.admin.stats().faults["500"] ?? 0) - before).toBe(2);
  });

  it('setFaults("") turns every fault off', async () => {
    h.em.admin.setFaults("500=1");
    h.em.admin.setFaults("");
    expect((await h.raw.api("folder/ls.cgi", {}, h.premium)).status).toBe(200);
  });
});

describe("seeded draws", () => {
  it("replay the same faults for the same spec and the same requests", async () => {
    const pattern = async () => {
      h.em.admin.setFaults("500=0.5,seed=7");
      const out: number[] = [];
      for (let i = 0; i < 24; i++) out.push((await h.raw.api("folder/ls.cgi", {}, h.premium)).status);
      return out;
    };
    const a = await pattern();
    const b = await pattern();
    expect(a).toEqual(b);
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it("take the startEmulator option too", async () => {
    const f = rawHarness(await withEmulator({ faults: "flood=1" }));
    try {
      expect((await f.raw.api("folder/ls.cgi", {}, f.premium)).status).toBe(403);
    } finally {
      await f.close();
    }
  });
});
