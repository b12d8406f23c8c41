// OPTIONS, unknown methods, --read-only, and the http flavour's smaller set of methods.
import { describe, expect, it } from "vitest";
import { put, rawExchange, serve } from "./support.js";

describe("methods", () => {
  it("OPTIONS announces DAV 1, 2 and every method", async () => {
    const t = await serve();
    const r = await t.call("OPTIONS", "/");
    expect(r.status).toBe(200);
    expect(r.headers.dav).toBe("1, 2");
    expect(String(r.headers.allow).split(", ")).toEqual(
      expect.arrayContaining([
        "GET",
        "HEAD",
        "PROPFIND",
        "PROPPATCH",
        "PUT",
        "MKCOL",
        "DELETE",
        "COPY",
        "MOVE",
        "LOCK",
        "UNLOCK",
      ]),
    );
  });

  it.each(["PATCH", "POST", "REPORT", "SEARCH", "ACL"])(
    "answers the unknown method %s with 405 and Allow",
    async (method) => {
      const t = await serve();
      const r = await t.call(method, "/");
      expect(r.status).toBe(405);
      expect(r.headers.allow).toContain("PROPFIND");
      expect(r.body).toMatch(/is not supported here/);
    },
  );

  it("a method Node's HTTP parser does not know is a 400, and the server goes on", async () => {
    const t = await serve();
    expect(await rawExchange(t.port, "BREW / HTTP/1.1\r\nHost: localhost\r\n\r\n")).toMatch(
      /^HTTP\/1\.1 400/,
    );
    expect((await t.call("OPTIONS", "/")).status).toBe(200);
  });

  it("--read-only refuses every change with 403 and leaves them out of Allow", async () => {
    const t = await serve({ readOnly: true });
    await t.backend.write("/a.txt", (await import("node:stream")).Readable.from([Buffer.from("x")]), {
      size: 1,
      signal: new AbortController().signal,
    });
    for (const [method, headers] of [
      ["PUT", {}],
      ["DELETE", {}],
      ["MKCOL", {}],
      ["MOVE", { Destination: "/b.txt" }],
      ["COPY", { Destination: "/b.txt" }],
      ["PROPPATCH", {}],
      ["LOCK", {}],
    ] as const) {
      const r = await t.call(method, method === "MKCOL" ? "/new/" : "/a.txt", {
        headers,
        ...(method === "PUT" ? { body: "y" } : {}),
      });
      expect(r.status, method).toBe(403);
      expect(r.body).toMatch(/read-only/);
    }
    expect((await t.call("GET", "/a.txt")).body).toBe("x");
    expect((await t.call("PROPFIND", "/", { headers: { Depth: "1" } })).status).toBe(207);
    expect(String((await t.call("OPTIONS", "/")).headers.allow)).not.toContain("PUT");
  });

  it("the http flavour answers GET, HEAD and OPTIONS only", async () => {
    const t = await serve({ flavour: "http" });
    await t.backend.mkdir("/d");
    const options = await t.call("OPTIONS", "/");
    expect(options.headers.dav).toBeUndefined();
    expect(options.headers.allow).toBe("OPTIONS, GET, HEAD");
    expect((await t.call("PROPFIND", "/", { headers: { Depth: "0" } })).status).toBe(405);
    expect((await put(t, "/a.txt", "x")).status).toBe(405);
    expect((await t.call("GET", "/d/")).status).toBe(200);
  });
});
