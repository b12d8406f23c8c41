// Stopping: open transfers may finish within the drain time; past it they are cut.
import { randomBytes } from "node:crypto";
import { get } from "node:http";
import { describe, expect, it } from "vitest";
import { put, serve } from "./support.js";

function pausedDownload(port: number, path: string) {
  return new Promise<{ resume: () => Promise<{ bytes: number; complete: boolean }> }>((resolve, reject) => {
    get({ host: "127.0.0.1", port, path, headers: { Connection: "close" } }, (res) => {
      res.pause();
      resolve({
        resume: () =>
          new Promise((done) => {
            let bytes = 0;
            res.on("data", (c: Buffer) => (bytes += c.length));
            res.on("end", () => done({ bytes, complete: res.complete }));
            res.on("error", () => done({ bytes, complete: false }));
            res.on("close", () => done({ bytes, complete: res.complete }));
            res.resume();
          }),
      });
    }).on("error", reject);
  });
}

describe("clean stop", () => {
  it("lets an open download finish within the drain time, and refuses new connections meanwhile", async () => {
    const t = await serve();
    const data = randomBytes(32 * 1024 * 1024);
    await put(t, "/big.bin", data);
    const download = await pausedDownload(t.port, "/big.bin");
    const closing = t.server.close({ drainMs: 20_000 });
    await expect(t.call("OPTIONS", "/")).rejects.toThrow();
    const got = await download.resume();
    expect(got).toEqual({ bytes: data.length, complete: true });
    expect(await closing).toEqual({ drained: true });
  });

  it("cuts a transfer still open when the drain time is over", async () => {
    const t = await serve();
    await put(t, "/big.bin", randomBytes(32 * 1024 * 1024));
    const download = await pausedDownload(t.port, "/big.bin");
    expect(await t.server.close({ drainMs: 200 })).toEqual({ drained: false });
    const got = await download.resume();
    expect(got.complete).toBe(false);
  });
});
