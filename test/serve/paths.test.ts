// Bad request paths are refused with 400 before the backend sees them.
import { describe, expect, it } from "vitest";
import type { ServeBackend } from "../../src/serve/backend.js";
import { MemoryBackend } from "../../src/serve/memory-backend.js";
import { BadPathError, parseRequestPath } from "../../src/serve/paths.js";
import { rawExchange, serve } from "./support.js";

/** A memory backend that records every path it is asked about. */
function spyBackend(): { backend: ServeBackend; seen: string[] } {
  const inner = new MemoryBackend();
  const seen: string[] = [];
  const backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        seen.push(
          `${String(prop)} ${String(typeof args[0] === "string" ? args[0] : (args[0] as { path: string }).path)}`,
        );
        return v.apply(target, args);
      };
    },
  });
  return { backend, seen };
}

describe("request paths", () => {
  it.each([
    ["/a/../etc/passwd", "dot-dot"],
    ["/%2e%2e/x", "encoded dot-dot"],
    ["/a/%2E/b", "encoded dot"],
    ["/a%2Fb", "encoded slash"],
    ["/a%2fb/", "encoded slash, lower case"],
    ["/a%00b", "NUL"],
    ["/a%0Ab", "newline"],
    ["/a%7Fb", "DEL"],
    ["/a//b", "empty segment"],
    ["/a%zz", "bad percent-encoding"],
    ["/a%C3%28", "invalid UTF-8"],
    ["/a%5Cb", "backslash"],
  ])("refuses %s (%s) with 400 and never asks the backend", async (path) => {
    const { backend, seen } = spyBackend();
    const t = await serve({ backend });
    for (const method of ["GET", "PROPFIND", "PUT", "DELETE", "MKCOL"]) {
      const r = await t.call(method, path, method === "PUT" ? { body: "x" } : {});
      expect(r.status, `${method} ${path}`).toBe(400);
      expect(r.body).not.toMatch(/Error|at .*\.js/);
    }
    expect(seen).toEqual([]);
  });

  it("refuses a raw # and a raw NUL in the request line", async () => {
    const t = await serve();
    expect(
      await rawExchange(t.port, "GET /a#b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    ).toMatch(/^HTTP\/1\.1 400/);
    expect(
      await rawExchange(t.port, "GET /a\u0000b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    ).toMatch(/^HTTP\/1\.1 400/);
  });

  it("decodes percent-encoded UTF-8 names", () => {
    expect(parseRequestPath("/caf%C3%A9/r%C3%A9sum%C3%A9.pdf")).toEqual({
      path: "/café/résumé.pdf",
      slash: false,
    });
    expect(parseRequestPath("http://host:1/a/b/?x=1")).toEqual({ path: "/a/b", slash: true });
    expect(() => parseRequestPath("relative")).toThrow(BadPathError);
    expect(() => parseRequestPath(`/${"a".repeat(9000)}`)).toThrow(/longer than/);
  });
});
