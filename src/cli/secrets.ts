/**
 * Keeping the key out of what the process leaves behind, from its first line: every source of a key is
 * registered with the redactor before argv is parsed (a usage error can quote any word of the command line),
 * anything key-shaped in a usage error is masked anyway, and on Linux the process's memory is kept out of core
 * dumps.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDotenv } from "../keys/dotenv.js";
import { KEY_CHARS, KEY_LENGTH, looksLikeApiKey, maskKey, registerSecret } from "../redact.js";

/** Environment variables that hold a key (ours and rclone's). */
const KEY_VARIABLES = ["FICHIER_API_KEY", "RCLONE_FICHIER_API_KEY"] as const;

/**
 * Registers with the redactor every key this run could be given, before commander reads argv: the key
 * variables, `--api-key VALUE` (or `=VALUE`), the `.env` of the working folder (one small read), and the
 * key-shaped words where no legitimate value has a key's shape: the values of the global options that take one
 * (`--api-url`, `--profile`, `--max-wait`, `--stats`) and the command word. The OS keychain and the encrypted
 * file are not read here (a D-Bus call, a passphrase): their key is registered when it is resolved, and a
 * usage error masks whatever is key-shaped ({@link maskKeyShaped}).
 *
 * @example
 * registerKnownSecrets(process.argv.slice(2), process.env, process.cwd(), ["--api-url", "--profile"]);
 */
export function registerKnownSecrets(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  valueOptions: readonly string[],
): void {
  for (const name of KEY_VARIABLES) registerSecret(env[name]?.trim());
  registerSecret(dotenvKey(cwd));
  let sawCommand = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") break;
    const [flag, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    const value = inline ?? (valueOptions.includes(flag) ? args[i + 1] : undefined);
    if (flag === "--api-key") registerSecret(value?.trim());
    else if (value !== undefined && looksLikeApiKey(value)) registerSecret(value);
    if (inline === undefined && value !== undefined) i++;
    else if (!a.startsWith("-") && !sawCommand) {
      sawCommand = true;
      if (looksLikeApiKey(a)) registerSecret(a);
    }
  }
}

/** `FICHIER_API_KEY` of `<cwd>/.env`, when there is one (never an error: the key resolution reports those). */
function dotenvKey(cwd: string): string | undefined {
  try {
    return parseDotenv(readFileSync(join(cwd, ".env"), "utf8")).FICHIER_API_KEY?.trim();
  } catch {
    return undefined;
  }
}

// A run of the key's alphabet long enough to hold a key: 32 characters or more. A key typed as an option
// (`--KEY`, `--stats=KEY`) joins the dashes and `=` around it, which are of the alphabet too.
const MAY_HOLD_KEY = new RegExp(`[${KEY_CHARS}]{${KEY_LENGTH},}`, "g");

/**
 * `text` with every word that may hold a key (32 or more characters of the key's alphabet) masked to its last
 * 4 characters: for usage errors, which quote the command line (an unknown command or option, a bad value)
 * and may meet a key nothing registered (one typed where another word was meant).
 *
 * @example
 * maskKeyShaped("unknown command 'aB3_xxxxxxxxxxxxxxxxxxxxxxxxxxxZ'"); // "unknown command '****xxxZ'"
 */
export function maskKeyShaped(text: string): string {
  return text.replace(MAY_HOLD_KEY, (m) => maskKey(m));
}

/**
 * Keeps the process's memory (the key, a passphrase) out of a core dump, where the platform allows it without
 * a native module: on Linux, writing 0 to `/proc/self/coredump_filter` leaves every memory mapping out of the
 * dump (anonymous, file-backed, shared and huge pages; man 5 core), so a crash writes only the registers and the
 * vDSO. The filter is inherited by the processes fichier starts (a player, git). Returns whether it was set.
 * Elsewhere, `ulimit -c 0` in the shell does it (docs/guarantees.md).
 *
 * @example
 * keepMemoryOutOfCoreDumps(); // true on Linux
 */
export function keepMemoryOutOfCoreDumps(): boolean {
  if (process.platform !== "linux") return false;
  try {
    writeFileSync("/proc/self/coredump_filter", "0");
    return true;
  } catch {
    return false;
  }
}
