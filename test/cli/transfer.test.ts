// `fichier upload`, `download` and `cat`, spawned from dist/ against an emulator, with a canary key that
// must never appear in any output.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulator, withEmulator } from "../helpers/emulator.js";
import { assertBuilt, captured, errorLines, run, runTTY, sandbox } from "./support.js";

const CANARY = "CanaryTransferKey_0123456789abcd";
const em = useEmulator();
let tmp: string;
let env: Record<string, string>;

beforeAll(async () => {
  assertBuilt();
  em.admin.createAccount({ email: "canary-transfer@emulator.local", offer: 1, apiKey: CANARY });
  tmp = await mkdtemp(join(tmpdir(), "fichier-cli-transfer-"));
  env = { ...sandbox(), FICHIER_API_KEY: CANARY, FICHIER_API_URL: em.apiUrl };
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  for (const text of captured) expect(text).not.toContain(CANARY);
});

describe("fichier upload / download / cat", () => {
  it("uploads a tree and a file, then downloads and cats them back", async () => {
    const tree = join(tmp, "docs");
    await mkdir(join(tree, "inner"), { recursive: true });
    await writeFile(join(tree, "one.txt"), "first file\n");
    await writeFile(join(tree, "inner", "two.txt"), "second file, a bit longer\n");
    const state = join(tmp, "state");
    const up = await run(["--json", "upload", tree, "--to", "/cli-dest"], {
      env: { ...env, FICHIER_STATE_DIR: state },
    });
    expect(up.code, up.stderr).toBe(0);
    const result = JSON.parse(up.stdout) as {
      uploaded: { filename: string; url: string; whirlpool: string }[];
    };
    expect(result.uploaded.map((u) => u.filename).sort()).toEqual(["one.txt", "two.txt"]);
    // --json progress: NDJSON events on stderr, each line a JSON object.
    const events = up.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { type: string });
    expect(events.some((e) => e.type === "done")).toBe(true);

    // Same command again with the same journal: nothing is sent twice.
    const again = await run(["--json", "upload", tree, "--to", "/cli-dest"], {
      env: { ...env, FICHIER_STATE_DIR: state },
    });
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as { uploaded: { skipped?: string }[] };
    expect(second.uploaded.map((u) => u.skipped)).toEqual(["journal", "journal"]);

    const one = result.uploaded.find((u) => u.filename === "one.txt")!;
    const out = join(tmp, "out");
    const down = await run(["download", one.url, "-o", out, "--connections", "2"], { env });
    expect(down.code, down.stderr).toBe(0);
    expect(await readFile(join(out, "one.txt"), "utf8")).toBe("first file\n");

    // The same bytes already there: nothing to do. Other bytes at that name: refused without --force.
    const same = await run(["download", one.url, "-o", out], { env });
    expect(same.code, same.stderr).toBe(0);
    await writeFile(join(out, "one.txt"), "other bytes\n");
    const refused = await run(["download", one.url, "-o", out], { env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/already exists.*--force/s);
    const forced = await run(["download", one.url, "-o", out, "--force"], { env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(out, "one.txt"), "utf8")).toBe("first file\n");

    const folderOut = join(tmp, "folder-out");
    const folder = await run(["download", "/cli-dest", "-o", folderOut], { env });
    expect(folder.code, folder.stderr).toBe(0);
    expect(await readFile(join(folderOut, "cli-dest", "docs", "inner", "two.txt"), "utf8")).toBe(
      "second file, a bit longer\n",
    );

    const cat = await run(["cat", one.url], { env });
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdout).toBe("first file\n");
    const part = await run(["cat", one.url, "--range", "6-9"], { env });
    expect(part.stdout).toBe("file");
  }, 150_000); // the rerun shares the first run's governor state: real per-folder listing pacing (30 s)

  it("downloads a file large enough to be hashed in a worker thread, then exits", async () => {
    const big = join(tmp, "big.bin");
    await writeFile(big, randomBytes(17 * 1024 * 1024 + 3));
    const up = await run(["--json", "upload", big], { env });
    expect(up.code, up.stderr).toBe(0);
    const { url } = (JSON.parse(up.stdout) as { uploaded: { url: string }[] }).uploaded[0]!;
    const out = join(tmp, "big-out");
    const down = await run(["--json", "download", url, "-o", out], { env });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/"type":"done"/);
    expect((await readFile(join(out, "big.bin"))).equals(await readFile(big))).toBe(true);
    // No working file left behind: the working folder is gone with them.
    expect(await readdir(out)).toEqual(["big.bin"]);
  });

  it("refuses an empty file up front with a clear message", async () => {
    const empty = join(tmp, "empty.dat");
    await writeFile(empty, "");
    const r = await run(["upload", empty], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/empty/);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("fichier: ")).length).toBeGreaterThan(0);
  });

  it("rejects bad option values as usage errors (exit 2)", async () => {
    const r = await run(["download", "https://1fichier.com/?abcdefghij0123456789", "--connections", "31"], {
      env,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--connections/);
  });
});

describe("--bwlimit, spawned", () => {
  it("a bad rate is a usage error for upload and download: exit 2, one line naming the value, before any call", async () => {
    const file = join(tmp, "bw-bad.txt");
    await writeFile(file, "bytes\n");
    const before = em.admin.stats().requests;
    for (const [args, shown] of [
      [["upload", file, "--bwlimit", "fast"], /--bwlimit "fast" is not a rate\. Give bytes per second/],
      [
        ["download", "/x", "--bwlimit", "10M:1M"],
        /--bwlimit "10M:1M" is not one rate\. Give one rate, e\.g\. 10M/,
      ],
      [["upload", file, "--bwlimit", "100b"], /--bwlimit "100b" is below 1 KiB\/s/],
    ] as const) {
      const r = await run([...args], { env });
      expect(r.code, r.stderr).toBe(2);
      expect(errorLines(r)).toHaveLength(1);
      expect(errorLines(r)[0]).toMatch(shown);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(em.admin.stats().requests).toBe(before);
  });

  it("a tree goes up and comes back down under --bwlimit, and off means no limit", async () => {
    const tree = join(tmp, "bw-tree");
    await mkdir(tree, { recursive: true });
    for (const n of ["a.bin", "b.bin", "c.bin"]) await writeFile(join(tree, n), randomBytes(20_000));
    const state = join(tmp, "bw-state");
    const up = await run(["--json", "upload", `${tree}/`, "--to", "/cli-bw", "--bwlimit", "4M"], {
      env: { ...env, FICHIER_STATE_DIR: state },
    });
    expect(up.code, up.stderr).toBe(0);
    expect((JSON.parse(up.stdout) as { uploaded: unknown[] }).uploaded).toHaveLength(3);
    const out = join(tmp, "bw-out");
    const down = await run(["download", "/cli-bw/", "-o", out, "--bwlimit", "4MiB"], { env });
    expect(down.code, down.stderr).toBe(0);
    const off = await run(["download", "/cli-bw/", "-o", join(tmp, "bw-off"), "--bwlimit", "off"], { env });
    expect(off.code, off.stderr).toBe(0);
    for (const n of ["a.bin", "b.bin", "c.bin"]) {
      expect((await readFile(join(out, n))).equals(await readFile(join(tree, n)))).toBe(true);
      expect((await readFile(join(tmp, "bw-off", n))).equals(await readFile(join(tree, n)))).toBe(true);
    }
  });
});

describe("a download link that answers 403", () => {
  it("ends `cat` and `download` at once: exit 1, one line, one request to the link, no retry", async () => {
    const f = join(tmp, "forbidden.txt");
    await writeFile(f, "a file whose link is refused\n");
    const up = await run(["--json", "upload", f, "--to", "/cli-forbidden"], { env });
    expect(up.code, up.stderr).toBe(0);
    const { url } = (JSON.parse(up.stdout) as { uploaded: { url: string }[] }).uploaded[0]!;
    em.admin.setFaults("forbid=1");
    try {
      for (const args of [
        ["cat", url],
        ["download", url, "-o", join(tmp, "forbidden-out"), "--connections", "1"],
      ]) {
        const before = em.admin.stats().byEndpoint.dl ?? 0;
        const r = await run(["-v", ...args], { env });
        expect(r.code, r.stderr).toBe(1);
        expect(errorLines(r)).toEqual([
          expect.stringMatching(/^fichier: forbidden\.txt: the download link was refused \(HTTP 403\)\. /),
        ]);
        expect(r.stderr).not.toMatch(/retrying/);
        expect((em.admin.stats().byEndpoint.dl ?? 0) - before).toBe(1);
      }
    } finally {
      em.admin.setFaults("");
    }
  });
});

describe("upload rules, spawned", () => {
  it("--password that reads an empty password is a usage error (exit 2) for upload and download", async () => {
    const f = join(tmp, "pw-empty.txt");
    await writeFile(f, "x");
    const up = await run(["upload", f, "--password"], { env, input: "" });
    expect(up.code).toBe(2);
    expect(up.stderr).toContain("the password read is empty (option --password). Pipe it on stdin");
    const down = await run(["download", "https://1fichier.com/?abcdefghij0123456789", "--password"], {
      env,
      input: "\n",
    });
    expect(down.code).toBe(2);
  });

  it("two processes uploading the same file at once leave one remote copy; the summary counts it apart", async () => {
    const f = join(tmp, "conc.bin");
    await writeFile(f, randomBytes(4 * 1024 * 1024 + 5));
    const state = join(tmp, "state-conc");
    const both = await Promise.all(
      [0, 1].map(() =>
        run(["upload", f, "--to", "/cli-conc"], { env: { ...env, FICHIER_STATE_DIR: state } }),
      ),
    );
    for (const r of both) expect(r.code, r.stderr).toBe(0);
    const lines = both.map((r) => r.stdout.trim().split("\n").pop() ?? "");
    // One sent it, the other waited for it (and said so) and found it.
    expect(lines.filter((l) => l.startsWith("1 uploaded, 0 failed"))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("0 uploaded, 1 already there, 0 failed"))).toHaveLength(1);
    const ls = await run(["--json", "ls", "/cli-conc"], { env });
    const listed = JSON.parse(ls.stdout) as {
      items?: { filename: string }[];
      files?: { filename: string }[];
    };
    const files = listed.items ?? listed.files ?? [];
    expect(files.filter((i) => i.filename === "conc.bin")).toHaveLength(1);
  }, 120_000);
});

describe("trees in cron jobs, spawned", () => {
  it("a tree holding an empty file, a fifo and a dangling link uploads with exit 0, each skipped with a warning", async () => {
    const tree = join(tmp, "cron");
    await mkdir(tree);
    await writeFile(join(tree, "good.txt"), "good\n");
    await writeFile(join(tree, "empty.txt"), "");
    execFileSync("mkfifo", [join(tree, "pipe")]);
    await symlink(join(tree, "missing"), join(tree, "dangling"));
    const r = await run(["upload", tree, "--to", "/cli-cron"], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^1 uploaded, 0 failed, 3 skipped \(empty or special files\), /m);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("fichier: warning: "))).toEqual([
      `fichier: warning: ${join(tree, "dangling")} is a symbolic link that leads nowhere (its target is missing or loops); skipped`,
      `fichier: warning: ${join(tree, "empty.txt")} is empty: 1fichier drops empty files; skipped`,
      `fichier: warning: ${join(tree, "pipe")} is not a regular file; skipped`,
    ]);
    const again = await run(["--json", "upload", tree, "--to", "/cli-cron"], { env });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { skipped: unknown[] }).skipped).toEqual([
      { item: join(tree, "dangling"), reason: "dangling" },
      { item: join(tree, "empty.txt"), reason: "empty" },
      { item: join(tree, "pipe"), reason: "special" },
    ]);
    // Named on the command line, an empty file is still an error.
    const named = await run(["upload", join(tree, "empty.txt"), "--to", "/cli-cron"], { env });
    expect(named.code).toBe(1);
  });

  it("a trailing slash means the folder's contents, for upload and download alike", async () => {
    const tree = join(tmp, "slash");
    await mkdir(join(tree, "sub"), { recursive: true });
    await writeFile(join(tree, "a.txt"), "a\n");
    await writeFile(join(tree, "sub", "b.txt"), "b\n");
    const up = await run(["upload", `${tree}/`, "--to", "/cli-slash"], { env });
    expect(up.code, up.stderr).toBe(0);
    const out = join(tmp, "slash-out");
    const contents = await run(["download", "/cli-slash/", "-o", join(out, "contents")], { env });
    expect(contents.code, contents.stderr).toBe(0);
    expect((await readdir(join(out, "contents"))).sort()).toEqual(["a.txt", "sub"]);
    const itself = await run(["download", "/cli-slash", "-o", join(out, "itself")], { env });
    expect(itself.code, itself.stderr).toBe(0);
    expect(await readdir(join(out, "itself"))).toEqual(["cli-slash"]);
    expect(await readFile(join(out, "itself", "cli-slash", "sub", "b.txt"), "utf8")).toBe("b\n");
  });
});

describe("progress on a terminal", () => {
  it("draws a total bar and per-file bars with speed and ETA, rewritten in place", async () => {
    // A capped emulator keeps both uploads running long enough for the 200 ms redraws.
    const slow = await withEmulator({ bandwidth: 3 * 1024 * 1024 });
    try {
      slow.admin.createAccount({ email: "canary-tty@emulator.local", offer: 1, apiKey: CANARY });
      const a = join(tmp, "tty-a.bin");
      const b = join(tmp, "tty-b.bin");
      await writeFile(a, randomBytes(3 * 1024 * 1024 + 1));
      await writeFile(b, randomBytes(2 * 1024 * 1024 + 7));
      const r = await runTTY(["upload", a, b, "--parallel", "2", "--to", "/tty-progress"], "", {
        ...env,
        FICHIER_API_URL: slow.apiUrl,
        FICHIER_STATE_DIR: join(tmp, "tty-state"),
      });
      captured.push(r.stdout, r.stderr);
      expect(r.code, r.stdout).toBe(0);
      // In place: carriage returns between redraws, not one line per update.
      expect(r.stdout).toContain("\r");
      const lines = r.stdout.split(/\r|\n/);
      // The total: bar, percent, files done of all, bytes, speed and ETA.
      const total = /\[[#-]{20}\] \d+% [0-2]\/2 files \S+ ?\S*\/\S+ ?\S* \S+ ?\S*\/s ETA \S+/;
      expect(
        lines.some((l) => total.test(l)),
        r.stdout,
      ).toBe(true);
      // While both run, each has its own bar and percent.
      expect(
        lines.some((l) => /tty-a\.bin \[[#-]{10}\] \d+%/.test(l) && /tty-b\.bin \[[#-]{10}\] \d+%/.test(l)),
      ).toBe(true);
      expect(lines.some((l) => / 2\/2 files /.test(l))).toBe(true);
    } finally {
      await slow.close();
    }
  });
});
