// `fichier key hook install`: a git pre-commit hook that runs `fichier key scan --staged`, so a commit that
// adds a 1fichier key is stopped before it exists.
import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { withoutSecrets } from "../redact.js";
import { shellQuote } from "../shell-quote.js";
import { KeyError } from "./errors.js";

/** First line after the shebang of every hook we write; recognises ours for reinstall. */
export const HOOK_MARKER = "# installed by `fichier key hook install`";

/**
 * The hook script. `command` is how to run fichier (absolute paths of node and the CLI by default, so the hook
 * works without fichier on PATH, e.g. in GUI git clients).
 *
 * @example
 * hookScript(["/usr/bin/node", "/opt/fichier/dist/cli/main.js"]);
 */
export function hookScript(command: string[]): string {
  return [
    "#!/bin/sh",
    HOOK_MARKER,
    "# Refuses a commit whose staged changes contain a 1fichier API key (remove this file to disable).",
    `exec ${command.map(shellQuote).join(" ")} key scan --staged`,
    "",
  ].join("\n");
}

/**
 * Writes `<git dir>/hooks/pre-commit` (honouring core.hooksPath). An existing hook that is not ours is kept
 * unless `force` is set.
 *
 * @example
 * const path = await installHook({ cwd: process.cwd(), command: [process.execPath, cliPath] });
 */
export async function installHook(options: {
  cwd: string;
  command: string[];
  force?: boolean;
}): Promise<string> {
  const hooksDir = await new Promise<string>((resolve, reject) => {
    execFile(
      "git",
      ["rev-parse", "--git-path", "hooks"],
      { cwd: options.cwd, env: withoutSecrets(process.env) },
      (error, stdout) => {
        if (error) {
          reject(
            new KeyError(
              `${options.cwd} is not inside a git repository`,
              "run the command inside the repository to protect",
              2,
            ),
          );
        } else {
          resolve(stdout.trim());
        }
      },
    );
  });
  const dir = isAbsolute(hooksDir) ? hooksDir : join(options.cwd, hooksDir);
  const path = join(dir, "pre-commit");
  const existing = await readFile(path, "utf8").catch(() => null);
  if (existing !== null && !existing.includes(HOOK_MARKER) && !options.force) {
    throw new KeyError(
      `${path} already exists and was not written by fichier`,
      `add the line \`fichier key scan --staged || exit 1\` to it yourself, or pass --force to replace it`,
      1,
    );
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, hookScript(options.command), { mode: 0o755 });
  await chmod(path, 0o755);
  return path;
}
