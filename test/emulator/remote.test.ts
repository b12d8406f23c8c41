// Remote upload (spec §7.19): request, ls and info shapes; both `headers` forms are accepted.
import { describe, expect, it } from "vitest";
import { expectKo, PARIS_DATE, useHarness } from "./support/http.js";

const h = useHarness();

describe("remote/*.cgi", () => {
  it("request answers {status, id: int, urls} and the job shows in ls and info", async () => {
    const urls = ["http://example.invalid/file.bin"];
    const r = await h.raw.api("remote/request.cgi", { urls, folder_id: 0 }, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");
    expect(Number.isInteger(r.json.id)).toBe(true);
    expect(r.json.urls).toEqual(urls);
    const id: number = r.json.id;

    const ls = await h.raw.ok("remote/ls.cgi", {}, h.premium);
    expect(Array.isArray(ls.data)).toBe(true);
    const job = ls.data.find((j: { id: number }) => j.id === id);
    expect(job).toBeDefined();
    expect(job.request_date).toMatch(PARIS_DATE);
    expect(typeof job.execution_date).toBe("string");

    for (const asked of [id, String(id)]) {
      const info = await h.raw.ok("remote/info.cgi", { id: asked }, h.premium);
      expect(info.id).toBe(id);
      expect(info.request_date).toMatch(PARIS_DATE);
      expect(typeof info.execution_date).toBe("string");
      expect(info.links).toEqual(urls);
      expect(Array.isArray(info.result)).toBe(true);
    }
  });

  it("accepts headers as an object map and as a list of 'Name: value' strings (§7.19)", async () => {
    for (const headers of [{ Cookie: "a=1" }, ["Cookie: a=1"]]) {
      const r = await h.raw.api(
        "remote/request.cgi",
        { urls: ["http://example.invalid/h"], headers },
        h.premium,
      );
      expect(r.status).toBe(200);
      expect(r.json.status).toBe("OK");
    }
  });

  it("keeps each account's jobs to itself", async () => {
    const r = await h.raw.ok("remote/request.cgi", { urls: ["http://example.invalid/private"] }, h.premium);
    const other = await h.raw.ok("remote/ls.cgi", {}, h.gold);
    expect(other.data.map((j: { id: number }) => j.id)).not.toContain(r.id);
    const info = await h.raw.api("remote/info.cgi", { id: r.id }, h.gold);
    expect(info.json.status).toBe("KO");
  });

  it("refuses a request without urls with 400 #9005", async () => {
    const r = await h.raw.api("remote/request.cgi", { urls: "not-a-list" }, h.premium);
    expectKo(r, 400, { status: "KO", message: "Bad request #9005" });
  });
});
