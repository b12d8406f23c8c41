/**
 * The run context every command receives: parsed global options, the writer, the client (built lazily, with the
 * key resolved and `--api-url`/`--emulator` applied), stdin helpers and the confirmation rule.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import envPaths from "env-paths";
// Types only: the client (undici, zod: ~30 MB and a tenth of a second) is imported when a command first
// asks for it, so `--version` and the commands that never reach the API start without it.
import type { ClientEvent, FichierClient, GovernorOptions } from "../api/client.js";
import { DEFAULT_API_URL } from "../api/defaults.js";
import type { RunningEmulator } from "../emulator/index.js";
import { type ResolvedKey as LibResolvedKey, resolveApiKey } from "../keys/resolve.js";
import { redact, registerSecret } from "../redact.js";
import { VERSION } from "../version.js";
import { UsageError } from "./errors.js";
import { createOutput, type Output, type Sink, useColor } from "./output.js";

/** Global options, as parsed from the command line and the environment. */
export interface GlobalOptions {
  json: boolean;
  apiUrl?: string;
  emulator: boolean;
  profile?: string;
  quiet: boolean;
  verbose: boolean;
  debug: boolean;
  color: boolean;
  apiKeyStdin: boolean;
  apiKey?: string;
}

/** Where the key came from: the key library's sources, plus the embedded emulator's premium account. */
export type ResolvedKey = Omit<LibResolvedKey, "source"> & { source: LibResolvedKey["source"] | "emulator" };

/** Stdin helpers given to commands. */
export interface StdinHelpers {
  readonly isTTY: boolean;
  /** Reads stdin to its end (for `--api-key-stdin`, `key set` from a pipe). */
  readAll(): Promise<string>;
  /** Asks on stderr and reads one line without echo; only on a terminal. */
  promptHidden(question: string): Promise<string>;
}

export type { FichierClient };

/** The embedded emulator of this run (when `--emulator`, or started by `fichier demo`). */
export type EmulatorHandle = RunningEmulator;

/** The context passed to every command's `register`. */
export interface CliContext {
  /** The parsed global options (valid once commander has parsed the line). */
  globals(): GlobalOptions;
  /** The writer (created on first use from the global options). */
  readonly out: Output;
  /** The client, built once per run. */
  client(): Promise<FichierClient>;
  /** The resolved API key (never printed; registered with the redactor). */
  key(): Promise<ResolvedKey>;
  /** The embedded emulator, started on demand (`--emulator`, `fichier demo`). */
  emulator(opts?: { dataDir?: string; temp?: boolean }): Promise<EmulatorHandle>;
  /** The API URL in use: `--api-url`, `FICHIER_API_URL`, the emulator's, or the real service's. */
  apiUrl(): Promise<string>;
  readonly stdin: StdinHelpers;
  /** Asks a yes/no question on a terminal; false (never blocks) when stdin is not a terminal. */
  confirm(question: string): Promise<boolean>;
  /** Environment (tests may pass their own). */
  readonly env: NodeJS.ProcessEnv;
  /** Releases what the run holds (the embedded emulator). Called by main.ts. */
  close(): Promise<void>;
}

/** Streams and environment of one run; tests of pure parts may pass their own. */
export interface ContextIO {
  stdout: Sink;
  stderr: Sink;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

export { DEFAULT_API_URL };

/**
 * Prints the 90-day rotation reminder (configurable, `fichier key status` tells the details) when the stored key
 * is due within 10 days or overdue. Never fails a command: a missing or unreadable metadata file means no reminder.
 */
async function remindRotation(
  resolved: LibResolvedKey,
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
): Promise<void> {
  if (!resolved.storedAt) return;
  try {
    const { configDir, readMeta, rotationDaysFor } = await import("../keys/config.js");
    const { rotationReminder } = await import("../keys/status.js");
    const meta = await readMeta(configDir(env));
    const line = rotationReminder(resolved.storedAt, rotationDaysFor(meta, resolved.profile), new Date());
    if (line) warn(`fichier: ${line}`);
  } catch {
    // The reminder is advice; a broken metadata file is reported by `fichier key status`, not here.
  }
}

/**
 * Refuses an API URL that is not http(s) before any call: anything else would fail as a "network error" after
 * retries and make the user wait for nothing.
 *
 * @example
 * checkApiUrl("ftp://example.org"); // throws UsageError
 */
export function checkApiUrl(value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new UsageError(
      `the API URL "${value}" (--api-url or FICHIER_API_URL) is not an http(s) URL`,
      `give the API base URL, e.g. ${DEFAULT_API_URL}`,
    );
  }
}

/** Pacing for the embedded emulator, whose limits are off: no per-endpoint spacing, a generous bucket. */
const EMULATOR_PACING = {
  rate: 50,
  burst: 50,
  userInfoIntervalMs: 0,
  folderListIntervalMs: 0,
  allFilesListIntervalMs: 0,
} as const;

/** The persistent data folder of `--emulator`: `<user data dir>/fichier/emulator`. */
export function emulatorDataDir(): string {
  return join(envPaths("fichier", { suffix: "" }).data, "emulator");
}

/** Reads a global option set on the program, whatever the subcommand. */
function readGlobals(program: Command, env: NodeJS.ProcessEnv): GlobalOptions {
  const o = program.opts<Record<string, unknown>>();
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  return {
    json: o.json === true,
    apiUrl: str(o.apiUrl) ?? str(env.FICHIER_API_URL),
    emulator: o.emulator === true,
    profile: str(o.profile) ?? str(env.FICHIER_PROFILE),
    quiet: o.quiet === true,
    verbose: o.verbose === true,
    debug: o.debug === true,
    color: o.color !== false,
    apiKeyStdin: o.apiKeyStdin === true,
    apiKey: str(o.apiKey),
  };
}

/**
 * Builds the context of one run around the commander program.
 *
 * @example
 * const ctx = createContext(program, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
 */
export function createContext(program: Command, io: ContextIO): CliContext {
  let out: Output | undefined;
  let clientP: Promise<FichierClient> | undefined;
  let keyP: Promise<ResolvedKey> | undefined;
  let emuP: Promise<EmulatorHandle> | undefined;
  let stdinText: Promise<string> | undefined;

  const globals = (): GlobalOptions => readGlobals(program, io.env);
  const getOut = (): Output => {
    if (!out) {
      const g = globals();
      out = createOutput({
        json: g.json,
        quiet: g.quiet,
        verbose: g.verbose,
        debug: g.debug,
        color: useColor({ flag: g.color, env: io.env, isTTY: io.stderr.isTTY === true }),
        stdout: io.stdout,
        stderr: io.stderr,
        redact,
      });
    }
    return out;
  };

  const readAll = (): Promise<string> => {
    stdinText ??= (async () => {
      if (io.stdin.isTTY) return "";
      const chunks: Buffer[] = [];
      for await (const c of io.stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
      return Buffer.concat(chunks).toString("utf8");
    })();
    return stdinText;
  };

  const askLine = (question: string, hidden: boolean): Promise<string> =>
    new Promise((resolve, reject) => {
      if (!io.stdin.isTTY) {
        reject(
          new UsageError("cannot ask a question: stdin is not a terminal", "pass the value as an option"),
        );
        return;
      }
      const errStream = io.stderr as unknown as NodeJS.WritableStream;
      const rl = createInterface({ input: io.stdin, output: errStream, terminal: true });
      if (hidden) {
        // Mute the echo of typed characters; the question itself is written before muting.
        const anyRl = rl as unknown as { _writeToOutput: (s: string) => void };
        errStream.write(question);
        anyRl._writeToOutput = () => {};
        rl.question("", (answer) => {
          rl.close();
          errStream.write("\n");
          resolve(answer);
        });
      } else {
        rl.question(question, (answer) => {
          rl.close();
          resolve(answer);
        });
      }
      rl.on("SIGINT", () => {
        rl.close();
        reject(new UsageError("cancelled", "run the command again"));
      });
    });

  const emulator = (opts?: { dataDir?: string; temp?: boolean }): Promise<EmulatorHandle> => {
    emuP ??= (async () => {
      // Imported only when used: the emulator loads SQLite, which plain commands never need.
      const mod = await import("../emulator/index.js");
      let dataDir: string | undefined;
      if (!opts?.temp) {
        dataDir = opts?.dataDir ?? emulatorDataDir();
        mkdirSync(dataDir, { recursive: true });
      }
      // limits "off": the emulator is a sandbox here, and the command's own pacing is tested elsewhere.
      const emu = await mod.startEmulator(dataDir ? { dataDir, limits: "off" } : { limits: "off" });
      for (const a of emu.accounts) registerSecret(a.apiKey);
      return emu;
    })();
    return emuP;
  };

  // `--emulator`, or a command (demo) that started the emulator itself: either way every call goes there.
  const usingEmulator = (): boolean => globals().emulator || emuP !== undefined;

  const key = (): Promise<ResolvedKey> => {
    keyP ??= (async () => {
      const g = globals();
      if (usingEmulator()) {
        const emu = await emulator();
        const premium = emu.accounts.find((a) => a.offer === 1) ?? emu.accounts[0];
        if (!premium) throw new Error("the emulator has no account");
        return { key: premium.apiKey, source: "emulator", profile: "emulator" };
      }
      const resolved = await resolveApiKey({
        ...(g.profile ? { profile: g.profile } : {}),
        apiKeyStdin: g.apiKeyStdin,
        ...(g.apiKey ? { apiKeyFlag: g.apiKey } : {}),
        env: io.env,
        cwd: process.cwd(),
        readStdin: readAll,
        ...(io.stdin.isTTY ? { promptHidden: (q: string) => askLine(q, true) } : {}),
        warn: (m) => getOut().warn(m),
      });
      registerSecret(resolved.key);
      await remindRotation(resolved, io.env, (m) => getOut().warn(m));
      return resolved;
    })();
    return keyP;
  };

  const apiUrl = async (): Promise<string> => {
    const g = globals();
    if (usingEmulator()) return (await emulator()).apiUrl;
    if (g.apiUrl !== undefined) checkApiUrl(g.apiUrl);
    return g.apiUrl ?? DEFAULT_API_URL;
  };

  const client = (): Promise<FichierClient> => {
    clientP ??= (async () => {
      const g = globals();
      // The URL first: a malformed --api-url is a usage error, whatever the key.
      const url = await apiUrl();
      const k = await key();
      // A warning, so -q does not hide it: results from the emulator must never pass for real ones.
      if (usingEmulator())
        getOut().warn(`fichier: talking to the embedded emulator at ${url} (not 1fichier.com)`);
      const o = getOut();
      const { createClient } = await import("../api/client.js");
      return createClient({
        apiKey: k.key,
        apiUrl: url,
        // The embedded emulator runs with its limits off (a sandbox): pacing every call as for 1fichier would
        // only make the quick start wait 30 s between two commands listing the same folder.
        governor: usingEmulator()
          ? { ...governorOptions(io.env), ...EMULATOR_PACING }
          : governorOptions(io.env),
        userAgent: `fichier-cli/${VERSION}`,
        onEvent: (e: ClientEvent) => reportClientEvent(o, e),
        ...(g.debug ? { trace: (line: string) => o.debug(line) } : {}),
      });
    })();
    return clientP;
  };

  return {
    globals,
    get out() {
      return getOut();
    },
    client,
    key,
    emulator,
    apiUrl,
    stdin: {
      get isTTY() {
        return io.stdin.isTTY === true;
      },
      readAll,
      promptHidden: (q) => askLine(q, true),
    },
    async confirm(question) {
      if (!io.stdin.isTTY) return false;
      const answer = await askLine(`${question} [y/N] `, false);
      return /^y(es)?$/i.test(answer.trim());
    },
    env: io.env,
    async close() {
      if (emuP) {
        const emu = await emuP.catch(() => undefined);
        await emu?.close();
      }
    },
  };
}

/**
 * Governor settings a script may tighten through the environment: `FICHIER_RETRIES` (transient failures
 * retried, default 4: the retry policy's `attempts` is one more) and `FICHIER_FLOOD_RETRIES` (flood pauses
 * sat through before failing with exit 6, default 3; 0 fails at once, even on a saved lock, with the unlock time).
 *
 * @example
 * governorOptions({ FICHIER_FLOOD_RETRIES: "0" }); // { floodRetries: 0 }
 */
export function governorOptions(env: NodeJS.ProcessEnv): GovernorOptions {
  const o: GovernorOptions = {};
  const int = (v: string | undefined): number | undefined =>
    v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
  const retries = int(env.FICHIER_RETRIES);
  const flood = int(env.FICHIER_FLOOD_RETRIES);
  if (retries !== undefined) o.retry = { attempts: retries + 1 };
  if (flood !== undefined) o.floodRetries = flood;
  return o;
}

/**
 * Prints a client event on stderr: the event itself as one JSON line under `--json`
 * (`{"type":"wait","ms","reason","message"}`, `retry`, `flood`, `cache`, `warning`), else `fichier: <line>`.
 * Waits, retries and locks explain a pause: always said (unless -q). Cache hits are detail (-v).
 *
 * @example
 * createClient({ apiKey, onEvent: (e) => reportClientEvent(ctx.out, e) });
 */
export function reportClientEvent(out: Output, e: unknown): void {
  const msg = describeEvent(e);
  if (!msg) return;
  const type = typeof e === "object" && e !== null ? (e as { type?: unknown }).type : undefined;
  const ev = typeof type === "string" ? ({ ...(e as object), type, message: msg } as const) : undefined;
  out.event(ev ?? { type: "info", message: msg }, `fichier: ${msg}`, type === "cache" ? "verbose" : "info");
}

/**
 * One line for a client event (governor waits, retries, locks), or undefined to stay silent.
 *
 * @example
 * describeEvent({ type: "wait", ms: 12000, reason: "rate limit" }); // "waiting 12 s: rate limit"
 */
export function describeEvent(e: unknown): string | undefined {
  if (typeof e === "string") return e;
  if (typeof e !== "object" || e === null) return undefined;
  const ev = e as { message?: unknown; type?: unknown; ms?: unknown; waitMs?: unknown; reason?: unknown };
  if (typeof ev.message === "string") return ev.message;
  const ms = typeof ev.ms === "number" ? ev.ms : typeof ev.waitMs === "number" ? ev.waitMs : undefined;
  const reason = typeof ev.reason === "string" ? ev.reason : typeof ev.type === "string" ? ev.type : "";
  if (ms !== undefined) return `waiting ${Math.ceil(ms / 1000)} s${reason ? `: ${reason}` : ""}`;
  return reason || undefined;
}
