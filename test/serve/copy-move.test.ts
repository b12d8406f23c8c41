// COPY and MOVE: Destination parsing, Overwrite, Depth, moves onto or into themselves, other hosts.
import { describe, expect, it } from "vitest";
import { put, serve, type TestServer } from "./support.js";

async function tree(t: TestServer): Promise<void> {
  await t.call("MKCOL", "/src/");
  await t.call("MKCOL", "/src/sub/");
  await put(t, "/src/a.txt", "A");
  await put(t, "/src/sub/b.txt", "B");
}

describe("COPY and MOVE", () => {
  it("moves a file to a percent-encoded destination (absolute path or same-host URL)", async () => {
    const t = await serve();
    await put(t, "/a.txt", "x");
    expect((await t.call("MOVE", "/a.txt", { headers: { Destination: "/caf%C3%A9%20b.txt" } })).status).toBe(
      201,
    );
    expect((await t.call("GET", "/caf%C3%A9%20b.txt")).body).toBe("x");
    const url = `http://127.0.0.1:${t.port}/c.txt`;
    const r = await t.call("MOVE", "/caf%C3%A9%20b.txt", {
      headers: { Destination: url, Host: `127.0.0.1:${t.port}` },
    });
    expect(r.status).toBe(201);
    expect((await t.call("GET", "/a.txt")).status).toBe(404);
  });

  it("copies a folder deeply, or alone with Depth 0", async () => {
    const t = await serve();
    await tree(t);
    expect((await t.call("COPY", "/src/", { headers: { Destination: "/deep/" } })).status).toBe(201);
    expect((await t.call("GET", "/deep/sub/b.txt")).body).toBe("B");
    expect(
      (await t.call("COPY", "/src/", { headers: { Destination: "/shallow/", Depth: "0" } })).status,
    ).toBe(201);
    expect(
      (await t.call("PROPFIND", "/shallow/", { headers: { Depth: "1" } })).body.match(/<D:response>/g),
    ).toHaveLength(1);
    expect((await t.call("GET", "/src/a.txt")).body).toBe("A");
  });

  it("honours Overwrite: F with 412 and replaces with Overwrite: T (204)", async () => {
    const t = await serve();
    await put(t, "/a.txt", "a");
    await put(t, "/b.txt", "b");
    expect(
      (await t.call("COPY", "/a.txt", { headers: { Destination: "/b.txt", Overwrite: "F" } })).status,
    ).toBe(412);
    expect(
      (await t.call("MOVE", "/a.txt", { headers: { Destination: "/b.txt", Overwrite: "F" } })).status,
    ).toBe(412);
    expect((await t.call("GET", "/b.txt")).body).toBe("b");
    expect(
      (await t.call("MOVE", "/a.txt", { headers: { Destination: "/b.txt", Overwrite: "T" } })).status,
    ).toBe(204);
    expect((await t.call("GET", "/b.txt")).body).toBe("a");
  });

  it("refuses a move onto itself or into its own child (403), the root (403), a missing parent (409)", async () => {
    const t = await serve();
    await tree(t);
    expect((await t.call("MOVE", "/src/", { headers: { Destination: "/src/" } })).status).toBe(403);
    expect((await t.call("MOVE", "/src/", { headers: { Destination: "/src/sub/inner/" } })).status).toBe(403);
    expect((await t.call("COPY", "/src/", { headers: { Destination: "/src/sub/copy/" } })).status).toBe(403);
    expect((await t.call("MOVE", "/", { headers: { Destination: "/x/" } })).status).toBe(403);
    expect((await t.call("MOVE", "/src/a.txt", { headers: { Destination: "/nope/a.txt" } })).status).toBe(
      409,
    );
    expect((await t.call("GET", "/src/sub/b.txt")).body).toBe("B");
  });

  it.each([
    ["http://elsewhere.example/a.txt", 502, "another host"],
    ["http://127.0.0.1:1/a.txt", 502, "another port"],
    ["/../outside.txt", 400, "across the served root"],
    ["/a%2Fb.txt", 400, "encoded slash"],
    [`http://HOST/x/../../etc`, 400, "dot-dot in a same-host URL"],
    ["ftp://host/a", 400, "not http"],
    ["http://[bad", 400, "malformed URL"],
  ])("refuses Destination %s with %i (%s)", async (dest, status) => {
    const t = await serve();
    await put(t, "/a.txt", "x");
    const host = `127.0.0.1:${t.port}`;
    const r = await t.call("MOVE", "/a.txt", {
      headers: { Destination: dest.replace("HOST", host), Host: host },
    });
    expect(r.status).toBe(status);
    expect((await t.call("GET", "/a.txt")).body).toBe("x");
  });

  it("needs a Destination, takes only T/F Overwrite and valid Depths", async () => {
    const t = await serve();
    await put(t, "/a.txt", "x");
    expect((await t.call("COPY", "/a.txt")).status).toBe(400);
    expect(
      (await t.call("COPY", "/a.txt", { headers: { Destination: "/b", Overwrite: "maybe" } })).status,
    ).toBe(400);
    expect((await t.call("COPY", "/a.txt", { headers: { Destination: "/b", Depth: "1" } })).status).toBe(400);
    expect((await t.call("MOVE", "/a.txt", { headers: { Destination: "/b", Depth: "0" } })).status).toBe(400);
    expect((await t.call("COPY", "/missing", { headers: { Destination: "/b" } })).status).toBe(404);
  });
});
