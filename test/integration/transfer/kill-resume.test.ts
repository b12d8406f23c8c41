// Resume after SIGKILL: a child process downloads through a counting, bandwidth-capped proxy in front of
// the emulator's download URLs, is killed with -9 mid-transfer, and a rerun must finish byte-identical
// without requesting any range the journal had recorded as complete.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../../src/api/client.js";
import { downloadFile } from "../../../src/transfer/download.js";
import { readDownloadJournal } from "../../../src/transfer/download-journal.js";
import { type ByteRange, coveredBytes, normalizeRanges } from "../../../src/transfer/segments.js";
import { uploadFile } from "../../../src/transfer/upload.js";
import { workingFilesFor } from "../../../src/transfer/working-files.js";
import { randomFile, useTransferHarness } from "./support.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const driver = join(here, "kill-driver.mjs");
const built = join(here, "../../../dist/transfer/download.js");
const SIZE = 16 * 1024 * 1024 + 5;
const RATE = 1024 * 1024; // bytes/s per connection, through the proxy

interface Logged {
  range: string | undefined;
}

/** A reverse proxy for /dl/<token> that logs each Range header and caps each connection's speed. */
async function startProxy(target: () => string): Promise<{ port: number; log: Logged[]; server: Server }> {
  const log: Logged[] = [];
  const server = createServer((req, res) => {
    log.push({ range: req.headers.range });
    const up = httpRequest(
      `${target()}${req.url}`,
      { method: req.method, headers: req.headers.range ? { range: req.headers.range } : {} },
      async (upRes: IncomingMessage) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.on("close", () => upRes.destroy());
        try {
          for await (const chunk of upRes as AsyncIterable<Buffer>) {
            for (let i = 0; i < chunk.length; i += 64 * 1024) {
              const piece = chunk.subarray(i, i + 64 * 1024);
              if (res.destroyed) return;
              if (!res.write(piece)) await once(res, "drain");
              await new Promise((r) => setTimeout(r, (piece.length / RATE) * 1000));
            }
          }
          res.end();
        } catch {
          res.destroy();
        }
      },
    );
    up.on("error", () => res.destroy());
    up.end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as AddressInfo).port, log, server };
}

function rangeOf(header: string | undefined): ByteRange {
  const m = /^bytes=(\d+)-(\d+)$/.exec(header ?? "");
  if (!m) throw new Error(`unexpected Range header ${header}`);
  return { start: Number(m[1]), end: Number(m[2]) + 1 };
}

let proxy: Awaited<ReturnType<typeof startProxy>>;
let webUrl = "";
beforeAll(async () => {
  proxy = await startProxy(() => webUrl);
});
// Started once the proxy listens: the download links lead through it.
const h = useTransferHarness(() => ({ publicDownloadUrl: `http://127.0.0.1:${proxy.port}/dl` }));
beforeAll(() => {
  webUrl = h.em.webUrl;
});
afterAll(async () => {
  proxy?.server.closeAllConnections();
  proxy?.server.close();
});

describe("resume after SIGKILL", () => {
  it("finishes byte-identical without re-requesting journaled ranges", async () => {
    expect(existsSync(built), "run `npm run build` first: the child process uses dist/").toBe(true);
    const src = join(h.tmp, "big.bin");
    await randomFile(src, SIZE);
    const { url } = await uploadFile(h.client, { path: src });
    const dir = join(h.tmp, "out");

    const child = spawn(process.execPath, [driver, h.em.apiUrl, url, dir], {
      env: { ...process.env, FICHIER_API_KEY: h.key },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    let killedAt = 0;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      for (const line of text.split("\n")) {
        const n = Number(line);
        if (!killedAt && n > SIZE * 0.35) {
          killedAt = n;
          child.kill("SIGKILL");
        }
      }
    });
    const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
    expect(stderr).toBe("");
    expect(signal).toBe("SIGKILL");
    expect(code).toBeNull();

    const j = await readDownloadJournal(workingFilesFor(join(dir, "big.bin")).journal);
    expect(j.state).toBe("ok");
    const journaled = j.state === "ok" ? j.journal.completed : [];
    const done = coveredBytes(journaled);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(SIZE);

    proxy.log.length = 0;
    const apiClient = createClient({ apiKey: h.key, apiUrl: h.em.apiUrl, governor: false });
    const r = await downloadFile(apiClient, { url, dir, connections: 4 });
    expect(r.resumedBytes).toBe(done);
    expect(r.fetchedBytes).toBe(SIZE - done);
    expect(proxy.log.length).toBeGreaterThan(0);
    for (const entry of proxy.log) {
      const asked = rangeOf(entry.range);
      // No requested byte may lie in a range the journal recorded as complete.
      const overlap = coveredBytes(
        normalizeRanges(journaled).map((d) => ({
          start: Math.max(d.start, asked.start),
          end: Math.min(d.end, asked.end),
        })),
      );
      expect(overlap, `range ${entry.range} re-fetches journaled bytes`).toBe(0);
    }
    expect((await readFile(r.path)).equals(await readFile(src))).toBe(true);
  });
});
