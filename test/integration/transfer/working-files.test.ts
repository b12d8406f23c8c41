// Working files never take a user's name (issue 15 §1): a download keeps NAME.part and NAME.part.json in
// the output folder's `.fichier-partial/`, so remote files named like working files download like any other,
// a user's own NAME.part beside the download is never touched, and two runs never share working files.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../../src/api/client.js";
import { downloadFile, downloadFolder, downloadShare } from "../../../src/transfer/download.js";
import { WORKING_FOLDER } from "../../../src/transfer/local-names.js";
import { uploadFile } from "../../../src/transfer/upload.js";
import { randomFile, useTransferHarness } from "./support.js";

const h = useTransferHarness({ bandwidth: 4 * 1024 * 1024 });

/** Three files named like a download and its working files, uploaded so that the working-file names list first. */
const NAMES = ["report.pdf.part", "report.pdf.part.json", "report.pdf"] as const;

beforeAll(async () => {
  // 4 MiB/s per connection: two downloads of one file overlap.
});

/** Local sources of the three files: the .part.json is a plausible journal (it names no file of this run). */
async function sources(dir: string): Promise<Map<string, string>> {
  await mkdir(dir, { recursive: true });
  const paths = new Map(NAMES.map((n) => [n, join(dir, n)]));
  await randomFile(paths.get("report.pdf.part")!, 70_001);
  await writeFile(
    paths.get("report.pdf.part.json")!,
    JSON.stringify({
      version: 1,
      url: "https://1fichier.com/?x",
      filename: "report.pdf",
      size: 9,
      checksum: "",
      completed: [],
    }),
  );
  await randomFile(paths.get("report.pdf")!, 150_003);
  return paths;
}

/** Uploads the three files in order, each one listed after the one before (the emulator lists by date). */
async function uploadInOrder(client: typeof h.client, paths: Map<string, string>, folderId: number) {
  for (const name of NAMES) {
    await uploadFile(client, { path: paths.get(name)!, folderId });
    h.em.admin.advanceClock(1500);
  }
}

async function expectSameFiles(out: string, paths: Map<string, string>): Promise<void> {
  expect((await readdir(out)).sort()).toEqual([...NAMES].sort());
  for (const name of NAMES) {
    expect((await readFile(join(out, name))).equals(await readFile(paths.get(name)!)), name).toBe(true);
  }
}

describe("remote files named like working files", () => {
  it("a folder holding report.pdf, report.pdf.part and report.pdf.part.json downloads as three files", async () => {
    const paths = await sources(join(h.tmp, "folder-src"));
    const folderId = (await h.client.folders.create({ name: "work-names" })).folderId;
    await uploadInOrder(h.client, paths, folderId);
    const warnings: string[] = [];
    const out = join(h.tmp, "folder-out");
    const r = await downloadFolder(h.client, folderId, {
      dir: out,
      contents: true,
      onWarning: (m) => warnings.push(m),
    });
    expect(r.failed).toEqual([]);
    // A folder is read through the remote index and downloaded in name order: report.pdf before its namesakes.
    expect(r.downloaded.map((d) => [d.filename, d.verified])).toEqual(
      [...NAMES].sort().map((n) => [n, true]),
    );
    expect(warnings).toEqual([]);
    await expectSameFiles(out, paths);
  });

  it("a stranger's public share holding the same three files downloads as three files", async () => {
    const strangerKey = "StrangerWorkingFiles_0123456789ab";
    h.em.admin.createAccount({ email: "stranger-work@emulator.local", offer: 1, apiKey: strangerKey });
    const stranger = createClient({ apiKey: strangerKey, apiUrl: h.em.apiUrl, governor: false });
    const paths = await sources(join(h.tmp, "share-src"));
    const folderId = (await stranger.folders.create({ name: "shared-work-names" })).folderId;
    await uploadInOrder(stranger, paths, folderId);
    const { url } = await stranger.folders.share({ folderId, share: true });
    const out = join(h.tmp, "share-out");
    const r = await downloadShare(h.client, url!, { dir: out });
    expect(r.failed).toEqual([]);
    expect(r.downloaded.map((d) => d.filename)).toEqual([...NAMES]);
    await expectSameFiles(out, paths);
  });

  it("a remote file named like the working folder is saved under another name, with a warning", async () => {
    const src = join(h.tmp, "reserved.txt");
    await writeFile(src, "not a folder of working files\n");
    const folderId = (await h.client.folders.create({ name: "reserved-name" })).folderId;
    await uploadFile(h.client, { path: src, folderId, name: WORKING_FOLDER });
    const warnings: string[] = [];
    const out = join(h.tmp, "reserved-out");
    const r = await downloadFolder(h.client, folderId, { dir: out, onWarning: (m) => warnings.push(m) });
    expect(r.failed).toEqual([]);
    expect(await readdir(join(out, "reserved-name"))).toEqual(["_fichier-partial"]);
    expect(warnings).toEqual([
      `${WORKING_FOLDER}: fichier keeps its working files in a folder of that name; saved as _fichier-partial`,
    ]);
  });
});

describe("the user's own files", () => {
  it("report.pdf.part and report.pdf.part.json beside the download are never read, renamed or removed", async () => {
    const src = join(h.tmp, "report.pdf");
    await randomFile(src, 200_001);
    const { url } = await uploadFile(h.client, { path: src });
    const mine = join(h.tmp, "mine");
    await mkdir(mine);
    await writeFile(join(mine, "report.pdf.part"), "my own notes, not a download\n");
    await writeFile(join(mine, "report.pdf.part.json"), '{"mine": true}\n');
    const r = await downloadFile(h.client, { url, dir: mine });
    expect(r.resumedBytes).toBe(0);
    expect((await readFile(join(mine, "report.pdf"))).equals(await readFile(src))).toBe(true);
    expect(await readFile(join(mine, "report.pdf.part"), "utf8")).toBe("my own notes, not a download\n");
    expect(await readFile(join(mine, "report.pdf.part.json"), "utf8")).toBe('{"mine": true}\n');
    // The working folder goes once it is empty.
    expect((await readdir(mine)).sort()).toEqual(["report.pdf", "report.pdf.part", "report.pdf.part.json"]);
  });
});

describe("two runs of one download", () => {
  it("never share working files: the second waits for the first, then finds the file there", async () => {
    const src = join(h.tmp, "twice.bin");
    await randomFile(src, 3 * 1024 * 1024 + 7);
    const { url } = await uploadFile(h.client, { path: src });
    const out = join(h.tmp, "twice-out");
    const warnings: string[] = [];
    const run = () =>
      downloadFile(createClient({ apiKey: h.key, apiUrl: h.em.apiUrl, governor: false }), {
        url,
        dir: out,
        connections: 2,
        onWarning: (m) => warnings.push(m),
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect([a.skipped, b.skipped].sort()).toEqual(["exists", undefined]);
    expect(a.fetchedBytes + b.fetchedBytes).toBe(3 * 1024 * 1024 + 7);
    expect(warnings).toEqual([
      `${join(out, "twice.bin")}: another fichier process is downloading it; waiting for it to finish`,
    ]);
    expect((await readFile(join(out, "twice.bin"))).equals(await readFile(src))).toBe(true);
    expect(await readdir(out)).toEqual(["twice.bin"]);
  });
});
