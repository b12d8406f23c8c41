// PROPPATCH: dead properties in memory, all or none, protected live properties, following MOVE/COPY/DELETE.
import { describe, expect, it } from "vitest";
import { put, serve, type TestServer } from "./support.js";

const update = (inner: string) =>
  `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">${inner}</D:propertyupdate>`;
const named =
  '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><Z:color xmlns:Z="urn:z"/></D:prop></D:propfind>';

async function color(t: TestServer, path: string): Promise<string> {
  const r = await t.call("PROPFIND", path, { headers: { Depth: "0" }, body: named });
  return r.body;
}

describe("PROPPATCH", () => {
  it("sets, reads back and removes a dead property with a namespaced value", async () => {
    const t = await serve();
    await put(t, "/a.txt", "x");
    const set = await t.call("PROPPATCH", "/a.txt", {
      body: update('<D:set><D:prop><Z:color>red <b xmlns="urn:b">bold</b></Z:color></D:prop></D:set>'),
    });
    expect(set.status).toBe(207);
    expect(set.body).toContain("HTTP/1.1 200 OK");
    expect(await color(t, "/a.txt")).toContain('<color xmlns="urn:z">red <b xmlns="urn:b">bold</b></color>');
    await t.call("PROPPATCH", "/a.txt", { body: update("<D:remove><D:prop><Z:color/></D:prop></D:remove>") });
    expect(await color(t, "/a.txt")).toContain("404 Not Found");
  });

  it("refuses a live property with 403 and changes nothing else (424)", async () => {
    const t = await serve();
    await put(t, "/a.txt", "x");
    const r = await t.call("PROPPATCH", "/a.txt", {
      body: update("<D:set><D:prop><Z:color>red</Z:color><D:getetag>x</D:getetag></D:prop></D:set>"),
    });
    expect(r.status).toBe(207);
    expect(r.body).toMatch(/<D:getetag\/><\/D:prop><D:status>HTTP\/1.1 403 Forbidden/);
    expect(r.body).toContain("424 Failed Dependency");
    expect(await color(t, "/a.txt")).toContain("404 Not Found");
  });

  it("moves properties with MOVE, copies them with COPY and forgets them with DELETE", async () => {
    const t = await serve();
    await put(t, "/a.txt", "x");
    await t.call("PROPPATCH", "/a.txt", {
      body: update("<D:set><D:prop><Z:color>blue</Z:color></D:prop></D:set>"),
    });
    await t.call("MOVE", "/a.txt", { headers: { Destination: "/b.txt" } });
    expect(await color(t, "/b.txt")).toContain(">blue<");
    await t.call("COPY", "/b.txt", { headers: { Destination: "/c.txt" } });
    expect(await color(t, "/c.txt")).toContain(">blue<");
    await t.call("DELETE", "/c.txt");
    await put(t, "/c.txt", "again");
    expect(await color(t, "/c.txt")).toContain("404 Not Found");
  });

  it("404s a missing resource and 400s a body that is not a propertyupdate", async () => {
    const t = await serve();
    expect((await t.call("PROPPATCH", "/missing", { body: update("") })).status).toBe(404);
    await put(t, "/a.txt", "x");
    expect((await t.call("PROPPATCH", "/a.txt", { body: '<D:propfind xmlns:D="DAV:"/>' })).status).toBe(400);
  });
});
