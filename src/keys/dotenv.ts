// `.env` in the current folder, the last source of a key, used only when git ignores the file: a `.env`
// committed by mistake is the most common way API keys leak.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { withoutSecrets } from "../redact.js";

/**
 * Parses `.env` text into variables (`NAME=value`, optional `export `, single or double quotes, `#` comments).
 * Pure; no variable expansion.
 *
 * @example
 * parseDotenv('FICHIER_API_KEY="abc"\n# note'); // { FICHIER_API_KEY: "abc" }
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2] ?? "";
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.indexOf(quote, 1) > 0) {
      value = value.slice(1, value.indexOf(quote, 1));
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    out[m[1]!] = value;
  }
  return out;
}

/** How git sees a file: tracked, ignored, neither, or not inside a work tree at all. */
export type GitFileState = "tracked" | "ignored" | "not-ignored" | "no-git";

function git(args: string[], cwd: string): Promise<number> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, timeout: 10_000, env: withoutSecrets(process.env) }, (error) => {
      if (!error) return resolve(0);
      const code = (error as NodeJS.ErrnoException & { code?: unknown }).code;
      resolve(typeof code === "number" ? code : 128);
    });
  });
}

/**
 * Asks git whether `name` (relative to `cwd`) is tracked, ignored, or neither.
 *
 * @example
 * await gitFileState("/repo", ".env"); // "ignored"
 */
export async function gitFileState(cwd: string, name: string): Promise<GitFileState> {
  if ((await git(["rev-parse", "--is-inside-work-tree"], cwd)) !== 0) return "no-git";
  if ((await git(["ls-files", "--error-unmatch", "--", name], cwd)) === 0) return "tracked";
  return (await git(["check-ignore", "-q", "--", name], cwd)) === 0 ? "ignored" : "not-ignored";
}

/** What `.env` holds for fichier, and how git sees it. */
export interface DotenvKey {
  path: string;
  key: string;
  state: GitFileState;
}

/**
 * Reads `FICHIER_API_KEY` from `<cwd>/.env`; `null` when there is no file or no such variable.
 *
 * @example
 * const found = await readDotenvKey(process.cwd());
 */
export async function readDotenvKey(cwd: string): Promise<DotenvKey | null> {
  const path = join(cwd, ".env");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR") return null;
    throw e;
  }
  const key = parseDotenv(text).FICHIER_API_KEY;
  if (!key) return null;
  return { path, key, state: await gitFileState(cwd, ".env") };
}
