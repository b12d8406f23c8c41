import { copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AbortedError, NotAllowedError } from "../../../src/api/errors.js";
import { downloadFile } from "../../../src/transfer/download.js";
import { readDownloadJournal, writeDownloadJournal } from "../../../src/transfer/download-journal.js";
import { ChecksumMismatchError } from "../../../src/transfer/errors.js";
import type { TransferEvent } from "../../../src/transfer/progress.js";
import { coveredBytes } from "../../../src/transfer/segments.js";
import { streamFile } from "../../../src/transfer/stream.js";
import { uploadFile } from "../../../src/transfer/upload.js";
import { workingFilesFor } from "../../../src/transfer/working-files.js";
import { randomFile, useTransferHarness } from "./support.js";

const h = useTransferHarness({ bandwidth: 4 * 1024 * 1024 });
let src: string;
let url: string;
const SIZE = 12 * 1024 * 1024 + 11;

beforeAll(async () => {
  // 4 MiB/s per connection: slow enough to act mid-download, fast enough for CI.
  src = join(h.tmp, "movie.bin");
  await randomFile(src, SIZE);
  url = (await uploadFile(h.client, { path: src })).url;
});

async function identical(path: string): Promise<boolean> {
  return (await readFile(path)).equals(await readFile(src));
}

describe("downloadFile under trouble", () => {
  it("continues with a fresh token when the token expires mid-download", async () => {
    const tokensBefore = h.em.admin.stats().byEndpoint["download/get_token.cgi"] ?? 0;
    let expired = false;
    const events: TransferEvent[] = [];
    // Every response is cut half-way; at the first cut, every token dies and the cuts stop: the
    // connections that come back get 410 and must continue with a fresh token.
    h.em.admin.setFaults("truncate=1");
    const r = await downloadFile(h.client, {
      url,
      dir: join(h.tmp, "expire"),
      connections: 2,
      onProgress: (e) => {
        events.push(e);
        if (!expired && e.type === "retry") {
          expired = true;
          h.em.admin.expireTokens();
          h.em.admin.setFaults("");
        }
      },
    });
    expect(expired).toBe(true);
    expect(
      (h.em.admin.stats().byEndpoint["download/get_token.cgi"] ?? 0) - tokensBefore,
    ).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.type === "retry")).toBe(true);
    expect(await identical(r.path)).toBe(true);
  });

  it("survives connection resets injected by the emulator", async () => {
    h.em.admin.setFaults("reset=0.3,seed=7");
    try {
      const r = await downloadFile(h.client, {
        url,
        dir: join(h.tmp, "resets"),
        connections: 4,
        minSegmentBytes: 256 * 1024,
        attempts: 20,
      });
      expect(h.em.admin.stats().faults.reset).toBeGreaterThan(0);
      expect(r.verified).toBe(true);
      expect(await identical(r.path)).toBe(true);
    } finally {
      h.em.admin.setFaults("");
    }
  });

  it("drops a stalled connection and re-queues its range", async () => {
    h.em.admin.setFaults("slow=0.5,seed=3");
    const retries: string[] = [];
    try {
      const r = await downloadFile(h.client, {
        url,
        dir: join(h.tmp, "stall"),
        connections: 3,
        stallMs: 300,
        attempts: 30,
        onProgress: (e) => e.type === "retry" && retries.push(e.reason),
      });
      expect(await identical(r.path)).toBe(true);
      expect(retries.some((x) => /no data/.test(x))).toBe(true);
    } finally {
      h.em.admin.setFaults("");
    }
  });

  it("resumes after an abort (Ctrl-C) without fetching completed ranges again", async () => {
    const dir = join(h.tmp, "abort");
    const ac = new AbortController();
    await expect(
      downloadFile(h.client, {
        url,
        dir,
        connections: 4,
        signal: ac.signal,
        journalIntervalMs: 100,
        onProgress: (e) => e.type === "progress" && e.bytes > SIZE / 3 && ac.abort(),
      }),
    ).rejects.toBeInstanceOf(AbortedError);
    const j = await readDownloadJournal(workingFilesFor(join(dir, "movie.bin")).journal);
    expect(j.state).toBe("ok");
    const done = j.state === "ok" ? coveredBytes(j.journal.completed) : 0;
    expect(done).toBeGreaterThan(SIZE / 4);
    const r = await downloadFile(h.client, { url, dir, connections: 4 });
    expect(r.resumedBytes).toBe(done);
    expect(r.fetchedBytes).toBe(SIZE - done);
    expect(await identical(r.path)).toBe(true);
  });

  it("finishes a resume that already has every byte without asking for a token", async () => {
    const info = await h.client.files.info({ url });
    const dir = join(h.tmp, "complete");
    const work = workingFilesFor(join(dir, info.filename));
    await mkdir(work.dir, { recursive: true });
    await copyFile(src, work.part);
    await writeDownloadJournal(work.journal, {
      version: 1,
      url: info.url,
      filename: info.filename,
      size: SIZE,
      checksum: info.checksum,
      completed: [{ start: 0, end: SIZE }],
    });
    const tokensBefore = h.em.admin.stats().byEndpoint["download/get_token.cgi"] ?? 0;
    const r = await downloadFile(h.client, { url, dir });
    expect(h.em.admin.stats().byEndpoint["download/get_token.cgi"] ?? 0).toBe(tokensBefore);
    expect(r.resumedBytes).toBe(SIZE);
    expect(r.fetchedBytes).toBe(0);
    expect(r.verified).toBe(true);
    expect(r.whirlpool).toBe(info.checksum.toLowerCase());
    expect(await identical(r.path)).toBe(true);
  });

  it("starts over safely when the journal is damaged", async () => {
    const dir = join(h.tmp, "damaged");
    const ac = new AbortController();
    await downloadFile(h.client, {
      url,
      dir,
      signal: ac.signal,
      onProgress: (e) => e.type === "progress" && e.bytes > SIZE / 4 && ac.abort(),
    }).catch(() => {});
    await writeFile(workingFilesFor(join(dir, "movie.bin")).journal, "{garbage");
    const warnings: string[] = [];
    const r = await downloadFile(h.client, { url, dir, onWarning: (m) => warnings.push(m) });
    expect(warnings.join("\n")).toMatch(/damaged/);
    expect(r.resumedBytes).toBe(0);
    expect(await identical(r.path)).toBe(true);
  });

  it("refuses to keep bytes whose Whirlpool does not match", async () => {
    const dir = join(h.tmp, "mismatch");
    const lying = {
      ...h.client,
      files: {
        ...h.client.files,
        info: async (o: { url: string }) => ({
          ...(await h.client.files.info(o)),
          checksum: "0".repeat(128),
        }),
      },
    };
    const err = await downloadFile(lying, { url, dir }).catch((e) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    await expect(stat(join(dir, "movie.bin"))).rejects.toThrow();
    await expect(stat(workingFilesFor(join(dir, "movie.bin")).part)).rejects.toThrow();
  });

  it("streams a byte range (cat --range)", async () => {
    const chunks: Uint8Array[] = [];
    for await (const c of streamFile(h.client, { url, range: { start: 1000, end: 1_001_000 } }))
      chunks.push(c);
    expect(Buffer.concat(chunks).equals((await readFile(src)).subarray(1000, 1_001_000))).toBe(true);
  });
});

describe("a download link that answers 403", () => {
  const linkRequests = () => h.em.admin.stats().byEndpoint.dl ?? 0;
  /** Runs `fn` while every token URL answers 403; the number of requests the links got. */
  async function forbidden(fn: () => Promise<void>): Promise<number> {
    const before = linkRequests();
    h.em.admin.setFaults("forbid=1");
    try {
      await fn();
    } finally {
      h.em.admin.setFaults("");
    }
    return linkRequests() - before;
  }

  it("ends downloadFile at once: NotAllowedError, no retry, one request to the link", async () => {
    const events: TransferEvent[] = [];
    let err: unknown;
    const requests = await forbidden(async () => {
      const dir = join(h.tmp, "forbidden");
      err = await downloadFile(h.client, {
        url,
        dir,
        connections: 1,
        onProgress: (e) => events.push(e),
      }).catch((e) => e);
    });
    expect(err).toBeInstanceOf(NotAllowedError);
    expect((err as Error).message).toBe("movie.bin: the download link was refused (HTTP 403)");
    expect(events.filter((e) => e.type === "retry")).toEqual([]);
    expect(requests).toBe(1);
  });

  it("ends streamFile (cat, play) at once, as it ends a download", async () => {
    const read = async () => {
      for await (const _ of streamFile(h.client, { url })) {
        // nothing arrives
      }
    };
    const requests = await forbidden(() => expect(read()).rejects.toBeInstanceOf(NotAllowedError));
    expect(requests).toBe(1);
  });
});
