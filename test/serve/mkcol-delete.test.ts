// MKCOL and DELETE.
import { describe, expect, it } from "vitest";
import { put, serve } from "./support.js";

describe("MKCOL", () => {
  it("creates a folder (201), refuses it again (405), under a missing parent (409), with a body (415)", async () => {
    const t = await serve();
    expect((await t.call("MKCOL", "/a/")).status).toBe(201);
    expect((await t.call("MKCOL", "/a/")).status).toBe(405);
    expect((await t.call("MKCOL", "/x/y/")).status).toBe(409);
    const body = await t.call("MKCOL", "/b/", {
      body: "<x/>",
      headers: { "Content-Type": "application/xml" },
    });
    expect(body.status).toBe(415);
    await put(t, "/f.txt", "x");
    expect((await t.call("MKCOL", "/f.txt")).status).toBe(405);
    expect((await t.call("MKCOL", "/f.txt/sub/")).status).toBe(409);
  });
});

describe("DELETE", () => {
  it("deletes a file and a folder with what is inside; 404 when missing; 403 on the root", async () => {
    const t = await serve();
    await t.call("MKCOL", "/d/");
    await t.call("MKCOL", "/d/e/");
    await put(t, "/d/e/f.txt", "x");
    await put(t, "/g.txt", "x");
    expect((await t.call("DELETE", "/g.txt")).status).toBe(204);
    expect((await t.call("DELETE", "/d/")).status).toBe(204);
    expect((await t.call("GET", "/d/e/f.txt")).status).toBe(404);
    expect((await t.call("DELETE", "/d/")).status).toBe(404);
    expect((await t.call("DELETE", "/")).status).toBe(403);
  });
});
