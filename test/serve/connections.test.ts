// Bounded resources: 10 000 idle connections neither crash the server nor keep it from serving afterwards.
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { serve } from "./support.js";

function openIdle(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.on("error", () => {});
    s.resume(); // read, so the server's FIN is seen and the socket closes
    s.once("connect", () => resolve(s));
    s.once("close", () => resolve(s));
  });
}

describe("idle connections", () => {
  it("caps 10 000 idle connections, times the rest out, and still serves", async () => {
    const t = await serve({ maxConnections: 300, headersTimeoutMs: 400 });
    const sockets: Socket[] = [];
    const closed = new Set<Socket>();
    for (let batch = 0; batch < 20; batch++) {
      const opened = await Promise.all(Array.from({ length: 500 }, () => openIdle(t.port)));
      for (const s of opened) {
        sockets.push(s);
        if (s.destroyed) closed.add(s);
        else s.once("close", () => closed.add(s));
      }
    }
    expect(sockets).toHaveLength(10_000);
    // Past the cap the server closes new connections at once; the ones it kept it closes when they send no
    // request in time. Every one of them ends.
    await expect.poll(() => closed.size, { timeout: 30_000, interval: 200 }).toBe(10_000);
    const r = await t.call("OPTIONS", "/");
    expect(r.status).toBe(200);
  });
});
