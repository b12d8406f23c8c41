import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  formatFinding,
  LineScanner,
  scanDiff,
  scanHistory,
  scanStaged,
  scanWorkingTree,
} from "../../src/keys/scan.js";

/** A random key-shaped string with a digit and a letter (what real keys look like). */
function randomKey(): string {
  for (;;) {
    const k = randomBytes(24).toString("base64url");
    if (/[0-9]/.test(k) && /[A-Za-z]/.test(k) && !/^[0-9a-f]+$/.test(k)) return k;
  }
}

const STORED = randomKey();
const OTHER = randomKey();
const masked = (k: string) => `****${k.slice(-4)}`;

describe("LineScanner (pure)", () => {
  it("finds the stored key raw, URL-encoded and base64 anywhere, without a keyword", () => {
    const key = `${STORED.slice(0, 10)}=${STORED.slice(11)}`; // with a character that URL-encoding changes
    const s = new LineScanner([key]);
    expect(s.scanLine(`x ${key} y`, "f", 1)).toEqual([
      { file: "f", line: 1, kind: "stored-key", masked: masked(key) },
    ]);
    expect(s.scanLine(`u=${encodeURIComponent(key)}`, "f", 2).map((f) => f.kind)).toEqual([
      "stored-key-url-encoded",
    ]);
    const b64 = Buffer.from(`user:${key}:x`).toString("base64");
    expect(s.scanLine(`Basic ${b64}`, "f", 3).map((f) => f.kind)).toEqual(["stored-key-base64"]);
    expect(s.scanLine(Buffer.from(key).toString("base64url"), "f", 4).map((f) => f.kind)).toEqual([
      "stored-key-base64",
    ]);
  });

  it("finds key-shaped strings only near a keyword (same line or the 2 lines before)", () => {
    const s = new LineScanner([]);
    expect(s.scanLine(`token = "${OTHER}"`, "f", 1)).toEqual([]);
    expect(s.scanLine("# 1fichier credentials", "f", 2)).toEqual([]);
    expect(s.scanLine(`token = "${OTHER}"`, "f", 3)).toHaveLength(1);
    expect(s.scanLine("", "f", 4)).toEqual([]);
    expect(s.scanLine(`token = "${OTHER}"`, "f", 5)).toHaveLength(0);
    for (const line of [
      `FICHIER_API_KEY=${OTHER}`,
      `export RCLONE_FICHIER_API_KEY='${OTHER}'`,
      `{"api_key": "${OTHER}"}`,
      `apikey: ${OTHER}`,
      `https://1fichier.com/?x&key=${OTHER}`,
    ]) {
      s.reset();
      expect(s.scanLine(line, "f", 1), line).toEqual([
        { file: "f", line: 1, kind: "key-shaped", masked: masked(OTHER) },
      ]);
    }
  });

  it("does not report hex digests, 31/33-character runs, or lines marked fichier-scan:allow", () => {
    const s = new LineScanner([]);
    expect(s.scanLine(`fichier md5 ${"0123456789abcdef".repeat(2)}`, "f", 1)).toEqual([]);
    expect(s.scanLine(`fichier ${OTHER.slice(1)}`, "f", 2)).toEqual([]);
    expect(s.scanLine(`fichier ${OTHER}x`, "f", 3)).toEqual([]);
    expect(s.scanLine(`fichier ${OTHER} // fichier-scan:allow`, "f", 4)).toEqual([]);
  });

  it("reports the stored key once, not also as key-shaped, and resets context per file", () => {
    const s = new LineScanner([STORED]);
    expect(s.scanLine(`FICHIER_API_KEY=${STORED}`, "f", 1).map((f) => f.kind)).toEqual(["stored-key"]);
    s.reset();
    expect(s.scanLine(`v=${OTHER}`, "g", 1)).toEqual([]);
  });

  it("formats file:line with the key masked, and the commit for history", () => {
    expect(formatFinding({ file: "a/.env", line: 3, kind: "key-shaped", masked: "****abcd" })).toBe(
      "a/.env:3: ****abcd (key-shaped)",
    );
    expect(
      formatFinding({
        file: "x",
        line: 1,
        kind: "stored-key",
        masked: "****abcd",
        commit: "0123456789abcdef0123",
      }),
    ).toBe("0123456789ab:x:1: ****abcd (stored-key)");
  });
});

describe("scanDiff (pure parser over a diff stream)", () => {
  async function* lines(text: string) {
    yield* text.split("\n");
  }
  it("numbers added lines from the hunk header and ignores removed lines and /dev/null targets", async () => {
    const diff = [
      `commit ${"a".repeat(40)}`,
      "diff --git a/app.env b/app.env",
      "--- a/app.env",
      "+++ b/app.env",
      "@@ -1,0 +5,2 @@",
      "+# fichier",
      `+KEY=${OTHER}`,
      "diff --git a/old b/old",
      "--- a/old",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      `-fichier ${OTHER}`,
      "diff --git a/plus.txt b/plus.txt",
      "+++ b/plus.txt",
      "@@ -0,0 +1 @@",
      `+++ fichier ${OTHER}`,
    ].join("\n");
    const found = await scanDiff(new LineScanner([]), lines(diff));
    expect(found).toEqual([
      { file: "app.env", line: 6, kind: "key-shaped", masked: masked(OTHER), commit: "a".repeat(40) },
      { file: "plus.txt", line: 1, kind: "key-shaped", masked: masked(OTHER), commit: "a".repeat(40) },
    ]);
  });
});

describe("scanning a real git repository", () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=t@example.org", "-c", "user.name=t", ...args], {
      cwd: repo,
      encoding: "utf8",
      stdio: "pipe",
    });

  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), "fichier-scan-"));
    git("init", "-q");
    await mkdir(join(repo, "src"));
    await writeFile(join(repo, "src", "config.js"), `// settings\nconst x = 1;\nconst key = "${STORED}";\n`);
    await writeFile(join(repo, "README"), "nothing here\n");
    await writeFile(join(repo, "bin.dat"), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(STORED)]));
    git("add", ".");
    git("commit", "-qm", "first");
    // An old commit held a key; a later one removed it: only --history finds it.
    await writeFile(join(repo, "old.env"), `# 1fichier\nFICHIER_API_KEY=${OTHER}\n`);
    git("add", "old.env");
    git("commit", "-qm", "oops");
    git("rm", "-q", "old.env");
    git("commit", "-qm", "remove");
    await writeFile(join(repo, ".gitignore"), "ignored.txt\n");
    await writeFile(join(repo, "ignored.txt"), `fichier ${OTHER}\n`);
    await writeFile(join(repo, "untracked.txt"), `fichier api key ${OTHER}\n`);
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it("finds the stored key seeded in a tracked file and shapes in untracked files, skipping ignored and binary files", async () => {
    const found = await scanWorkingTree(new LineScanner([STORED]), repo, repo);
    expect(found.map(formatFinding).sort()).toEqual(
      [
        `src/config.js:3: ${masked(STORED)} (stored-key)`,
        `untracked.txt:1: ${masked(OTHER)} (key-shaped)`,
      ].sort(),
    );
  });

  it("finds the key of the old commit with --history, with the commit that added it", async () => {
    const found = await scanHistory(new LineScanner([STORED]), repo);
    const oops = git("rev-parse", "HEAD~1").trim();
    const first = git("rev-parse", "HEAD~2").trim();
    expect(found).toEqual(
      expect.arrayContaining([
        { file: "old.env", line: 2, kind: "key-shaped", masked: masked(OTHER), commit: oops },
        { file: "src/config.js", line: 3, kind: "stored-key", masked: masked(STORED), commit: first },
      ]),
    );
    expect(found).toHaveLength(2);
  });

  it("scans only the staged changes for the hook", async () => {
    expect(await scanStaged(new LineScanner([STORED]), repo)).toEqual([]);
    await writeFile(join(repo, "staged.txt"), `a\nb\nleak ${STORED}\n`);
    git("add", "staged.txt");
    expect((await scanStaged(new LineScanner([STORED]), repo)).map(formatFinding)).toEqual([
      `staged.txt:3: ${masked(STORED)} (stored-key)`,
    ]);
    git("rm", "-q", "--cached", "staged.txt");
  });

  it("walks a folder outside git, skipping node_modules", async () => {
    const plain = await mkdtemp(join(tmpdir(), "fichier-scan-plain-"));
    await mkdir(join(plain, "node_modules"));
    await writeFile(join(plain, "node_modules", "x.js"), STORED);
    await writeFile(join(plain, "a.txt"), `\n${STORED}\n`);
    const found = await scanWorkingTree(new LineScanner([STORED]), plain, plain);
    expect(found.map(formatFinding)).toEqual([`a.txt:2: ${masked(STORED)} (stored-key)`]);
    await rm(plain, { recursive: true, force: true });
  });
});
