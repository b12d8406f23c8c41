// `fichier key scan`: finds the stored key (raw, URL-encoded, base64) and 1fichier-key-shaped strings near
// words like "1fichier" or "api_key", in the working tree, the staged changes or the whole git history.
// The line matcher is pure; the walkers stream files and git output line by line (never a whole file in memory).
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { createInterface } from "node:readline";
import { TOKEN_IN_TEXT } from "../gateway/tokens.js";
import { maskKey, withoutSecrets } from "../redact.js";
import { KeyError } from "./errors.js";

/** What kind of match a finding is. */
export type FindingKind =
  | "stored-key"
  | "stored-key-url-encoded"
  | "stored-key-base64"
  | "key-shaped"
  | "gateway-token";

/** One finding: where, what kind, and the match masked (never the secret itself). */
export interface Finding {
  file: string;
  line: number;
  kind: FindingKind;
  masked: string;
  /** The commit that added the line (`--history`). */
  commit?: string;
}

/** Words that make a key-shaped string suspicious when they are on the same line or the 2 lines before. */
export const KEY_CONTEXT = /1fichier|fichier|api[_-]?key|apikey/i;
/** Marker that exempts a line (test fixtures), like gitleaks' `gitleaks:allow`. */
export const ALLOW_MARKER = "fichier-scan:allow";
const CONTEXT_LINES = 2;
// Maximal runs of the key alphabet. `=` and `_` belong to it, so `FICHIER_API_KEY=<key>` is one run: a key is
// a run of exactly 32 characters, or the last 32 characters of a longer run after an `=`.
const KEY_RUN = /[A-Za-z0-9_=-]{32,}/g;

interface KnownForm {
  text: string;
  kind: FindingKind;
  masked: string;
}

/** The forms of known keys to look for: raw, URL-encoded and base64 (at the three byte alignments). */
function knownForms(keys: string[]): KnownForm[] {
  const forms: KnownForm[] = [];
  for (const key of keys) {
    const masked = maskKey(key);
    forms.push({ text: key, kind: "stored-key", masked });
    const url = encodeURIComponent(key);
    if (url !== key)
      forms.push({ text: url, kind: "stored-key-url-encoded", masked: `${masked} (URL-encoded)` });
    const bytes = Buffer.from(key, "utf8");
    for (const encoding of ["base64", "base64url"] as const) {
      for (const pad of [0, 1, 2]) {
        // Only the characters that depend on the key's bytes alone (see encodedForms in redact.ts).
        const shifted = Buffer.concat([Buffer.alloc(pad), bytes]).toString(encoding);
        const text = shifted.slice(Math.ceil((pad * 4) / 3), Math.floor((pad + bytes.length) / 3) * 4);
        if (!forms.some((f) => f.text === text)) {
          forms.push({ text, kind: "stored-key-base64", masked: `${masked} (base64)` });
        }
      }
    }
  }
  return forms;
}

/** True for strings that have the key shape but are almost surely something else (hex digests). */
function unlikelyKey(s: string): boolean {
  if (/^[0-9a-f]{32}$/.test(s) || /^[0-9A-F]{32}$/.test(s)) return true;
  // Random 32-character keys nearly always mix letters and digits.
  return !/[0-9]/.test(s) || !/[A-Za-z]/.test(s);
}

/**
 * The line matcher: feed it lines in order (per file), it returns the findings of each line. Pure.
 *
 * @example
 * const scanner = new LineScanner([storedKey]);
 * scanner.scanLine("FICHIER_API_KEY=...", "app.env", 1);
 */
export class LineScanner {
  private readonly forms: KnownForm[];
  private recentContext: boolean[] = [];

  constructor(knownKeys: string[]) {
    this.forms = knownForms(knownKeys.filter((k) => k.length >= 8));
  }

  /** Starts a new file: the keyword context does not cross files. */
  reset(): void {
    this.recentContext = [];
  }

  /** The findings of one line. */
  scanLine(text: string, file: string, line: number, commit?: string): Finding[] {
    const hasContext = KEY_CONTEXT.test(text);
    const near = hasContext || this.recentContext.some(Boolean);
    this.recentContext.push(hasContext);
    if (this.recentContext.length > CONTEXT_LINES) this.recentContext.shift();
    if (text.includes(ALLOW_MARKER)) return [];

    const findings: Finding[] = [];
    const taken: [number, number][] = [];
    const add = (kind: FindingKind, masked: string) =>
      findings.push(commit ? { file, line, kind, masked, commit } : { file, line, kind, masked });
    for (const form of this.forms) {
      for (let at = text.indexOf(form.text); at >= 0; at = text.indexOf(form.text, at + form.text.length)) {
        if (taken.some(([s, e]) => at < e && at + form.text.length > s)) continue;
        taken.push([at, at + form.text.length]);
        add(form.kind, form.masked);
      }
    }
    // A `fichier gateway` token says what it is (its `fgw_` prefix): no keyword needed.
    for (const m of text.matchAll(TOKEN_IN_TEXT)) {
      const at = m.index ?? 0;
      if (taken.some(([s, e]) => at < e && at + m[0].length > s)) continue;
      taken.push([at, at + m[0].length]);
      add("gateway-token", maskKey(m[0]));
    }
    if (near) {
      for (const m of text.matchAll(KEY_RUN)) {
        const run = m[0];
        if (run.length !== 32 && run[run.length - 33] !== "=") continue;
        const at = (m.index ?? 0) + run.length - 32;
        const candidate = run.slice(-32);
        if (taken.some(([s, e]) => at < e && at + 32 > s)) continue;
        if (unlikelyKey(candidate)) continue;
        add("key-shaped", maskKey(candidate));
      }
    }
    return findings;
  }
}

/**
 * One line of output for a finding: `file:line: <masked> (<kind>)`, with `<commit>:` first for history.
 *
 * @example
 * formatFinding({ file: "a.env", line: 3, kind: "key-shaped", masked: "****abcd" }); // "a.env:3: ****abcd (key-shaped)"
 */
export function formatFinding(f: Finding): string {
  return `${f.commit ? `${f.commit.slice(0, 12)}:` : ""}${f.file}:${f.line}: ${f.masked} (${f.kind})`;
}

// ---- I/O: files, the working tree, git output ----

const SKIP_DIRS = new Set([".git", "node_modules", ".hg", ".svn"]);
const MAX_FILE_BYTES = 20 * 1024 * 1024;

async function isBinary(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(8192);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).includes(0);
  } finally {
    await fh.close();
  }
}

/**
 * Scans one file, streaming it line by line; binary files and files over 20 MiB are skipped.
 *
 * @example
 * const findings = await scanFile(new LineScanner([key]), "/repo/.env", ".env");
 */
export async function scanFile(scanner: LineScanner, path: string, shown: string): Promise<Finding[]> {
  const s = await stat(path).catch(() => null);
  if (!s?.isFile() || s.size > MAX_FILE_BYTES || (await isBinary(path))) return [];
  scanner.reset();
  const findings: Finding[] = [];
  const rl = createInterface({
    input: createReadStream(path, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  for await (const line of rl) findings.push(...scanner.scanLine(line, shown, ++n));
  return findings;
}

/** Runs git and yields its stdout line by line; rejects with git's stderr when it fails. */
async function* gitLines(args: string[], cwd: string): AsyncGenerator<string> {
  const child = spawn("git", args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: withoutSecrets(process.env),
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
  const rl = createInterface({
    input: child.stdout.setEncoding("utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of rl) yield line;
  const code = await exited;
  if (code !== 0) {
    throw new KeyError(
      `git ${args[0]} failed: ${stderr.trim().split("\n")[0] ?? `exit ${code}`}`,
      "run it inside a git repository",
      1,
    );
  }
}

async function gitOk(args: string[], cwd: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("git", args, { cwd, stdio: "ignore", env: withoutSecrets(process.env) });
    child.on("error", () => resolve(false));
    child.on("close", (code) => resolve(code === 0));
  });
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) yield* walk(join(dir, e.name));
    } else if (e.isFile()) {
      yield join(dir, e.name);
    }
  }
}

/**
 * Scans the working tree under `root`: the files git knows (tracked, plus untracked but not ignored, since those
 * can be committed next), or every file outside a git repository. Paths are shown relative to `cwd`.
 *
 * @example
 * const findings = await scanWorkingTree(new LineScanner([key]), ".", process.cwd());
 */
export async function scanWorkingTree(scanner: LineScanner, root: string, cwd: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const s = await stat(root).catch(() => null);
  if (!s) throw new KeyError(`${root} does not exist`, "give a file or folder to scan", 3);
  if (s.isFile()) return scanFile(scanner, root, relative(cwd, root) || root);
  if (await gitOk(["rev-parse", "--is-inside-work-tree"], root)) {
    // -z would be safer for odd names, but readline splits on newlines: git quotes such names without -z,
    // so ask it not to (core.quotePath=false keeps UTF-8 names readable).
    for await (const rel of gitLines(
      ["-c", "core.quotePath=false", "ls-files", "--cached", "--others", "--exclude-standard"],
      root,
    )) {
      if (!rel) continue;
      const path = join(root, rel);
      findings.push(...(await scanFile(scanner, path, relative(cwd, path))));
    }
  } else {
    for await (const path of walk(root))
      findings.push(...(await scanFile(scanner, path, relative(cwd, path))));
  }
  return findings;
}

/**
 * Scans the added lines of a unified diff stream (`git log -p`, `git diff --cached`). Only added lines are
 * looked at: a removed line was added by an earlier commit, where it is found.
 *
 * @example
 * const findings = await scanDiff(scanner, gitLines(["diff", "--cached", "-U0"], cwd));
 */
export async function scanDiff(scanner: LineScanner, lines: AsyncIterable<string>): Promise<Finding[]> {
  const findings: Finding[] = [];
  let commit: string | undefined;
  let file: string | null = null;
  let newLine = 0;
  let inHunk = false;
  for await (const line of lines) {
    if (!inHunk || /^(commit [0-9a-f]{40}|diff --git )/.test(line)) {
      const c = /^commit ([0-9a-f]{40})/.exec(line);
      if (c) {
        commit = c[1];
        inHunk = false;
        continue;
      }
      if (line.startsWith("diff --git ")) {
        file = null;
        inHunk = false;
        scanner.reset();
        continue;
      }
      if (line.startsWith("+++ ")) {
        const target = line.slice(4);
        file = target === "/dev/null" ? null : target.replace(/^b\//, "");
        continue;
      }
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      newLine = Number(hunk[1]);
      inHunk = file !== null;
      continue;
    }
    if (!inHunk || file === null) continue;
    if (line.startsWith("+")) {
      findings.push(...scanner.scanLine(line.slice(1), file, newLine, commit));
      newLine++;
    } else if (line.startsWith(" ")) {
      scanner.scanLine(line.slice(1), file, newLine);
      newLine++;
    }
  }
  return findings;
}

/**
 * Scans every commit reachable from any ref (`git log -p --all`).
 *
 * @example
 * const findings = await scanHistory(scanner, "/repo");
 */
export function scanHistory(scanner: LineScanner, cwd: string): Promise<Finding[]> {
  return scanDiff(
    scanner,
    gitLines(
      [
        "-c",
        "core.quotePath=false",
        "log",
        "-p",
        "--all",
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--format=commit %H",
      ],
      cwd,
    ),
  );
}

/**
 * Scans what is staged for the next commit (`git diff --cached`), for the pre-commit hook.
 *
 * @example
 * const findings = await scanStaged(scanner, "/repo");
 */
export function scanStaged(scanner: LineScanner, cwd: string): Promise<Finding[]> {
  return scanDiff(
    scanner,
    gitLines(
      [
        "-c",
        "core.quotePath=false",
        "diff",
        "--cached",
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
      ],
      cwd,
    ),
  );
}
