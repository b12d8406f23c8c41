// Every backend error kind maps to its one status; an unexpected error is a 500 that hides its message.
import { describe, expect, it } from "vitest";
import { BackendError, type ServeBackend } from "../../src/serve/backend.js";
import { MemoryBackend } from "../../src/serve/memory-backend.js";
import { serve } from "./support.js";

function failing(error: Error): ServeBackend {
  const inner = new MemoryBackend();
  return Object.assign(Object.create(inner) as MemoryBackend, {
    stat: async () => {
      throw error;
    },
  });
}

describe("backend errors", () => {
  it.each([
    ["not-found", 404],
    ["conflict", 409],
    ["forbidden", 403],
    ["insufficient-storage", 507],
    ["upstream", 502],
  ] as const)("%s becomes %i with its message", async (kind, status) => {
    const t = await serve({ backend: failing(new BackendError(kind, `it was ${kind}`)) });
    const r = await t.call("GET", "/x");
    expect(r.status).toBe(status);
    // not-found on a stat means "nothing there": the layer words it itself.
    expect(r.body).toBe(kind === "not-found" ? "/x does not exist\n" : `it was ${kind}\n`);
  });

  it("busy becomes 503 with Retry-After in whole seconds", async () => {
    const t = await serve({
      backend: failing(new BackendError("busy", "1fichier asks to wait", { retryAfterMs: 29_100 })),
    });
    const r = await t.call("GET", "/x");
    expect(r.status).toBe(503);
    expect(r.headers["retry-after"]).toBe("30");
  });

  it("an unexpected error is a 500 without its message (which goes to the log)", async () => {
    const t = await serve({ backend: failing(new Error("secret internals at /home/x")) });
    const r = await t.call("GET", "/x");
    expect(r.status).toBe(500);
    expect(r.body).not.toContain("secret internals");
    expect(t.log.find((e) => e.type === "server-error")).toMatchObject({
      message: "secret internals at /home/x",
    });
  });
});
