/**
 * The run context every command receives: parsed global options, the writer, the client (built lazily, with the
 * key resolved and `--api-url`/`--emulator` applied), the remote index (opened lazily around the client, by the
 * commands that need the account's tree), stdin helpers and the confirmation rule.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import envPaths from "env-paths";
// Types only: the client (undici, zod: ~30 MB and a tenth of a second) is imported when a command first
// asks for it, so `--version` and the commands that never reach the API start without it.
import type { ClientEvent, FichierClient, GovernorOptions } from "../api/client.js";
import { DEFAULT_API_URL } from "../api/defaults.js";
import type { RunningEmulator } from "../emulator/index.js";
import { type ResolvedKey as LibResolvedKey, resolveApiKey } from "../keys/resolve.js";
import { redact, registerSecret } from "../redact.js";
import type { OpenedIndex } from "../remote-index/open.js";
import { UsageError } from "./errors.js";
import { durationMs } from "./options.js";
import { createOutput, type Output, type Sink, useColor } from "./output.js";
import { openRunIndex } from "./run-index.js";
import { createStdin, type StdinHelpers } from "./stdin.js";

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
  /** `--max-wait` / `FICHIER_MAX_WAIT`: the longest wait the governor sits through (ms), else exit 6. */
  maxWaitMs?: number;
  /** Interval of the progress lines of transfers without a terminal (ms; 0: none): `--stats`, or 30 s with -v. */
  statsMs: number;
  /**
   * `--refresh`: list folders again even when the index's entry is fresh (each at most once per run), and ask
   * `user/info.cgi` again rather than use its 5-minute cache.
   */
  refresh: boolean;
}

/** The progress-line interval `-v` gives transfers without a terminal (as `--stats 30s`). */
export const VERBOSE_STATS_MS = 30_000;

/** Where the key came from: the key library's sources, plus the embedded emulator's premium account. */
export type ResolvedKey = Omit<LibResolvedKey, "source"> & { source: LibResolvedKey["source"] | "emulator" };

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
  /**
   * The remote index of the account (docs/index.md), opened once per run around the run's client, which then
   * writes through to it every change it makes: persistent in the state folder (the embedded emulator's data
   * folder for `--emulator`), else in memory with one warning. Its warnings go to stderr. `--refresh` makes it
   * list again, once each, the folders a read needs. `maxAgeMs` (the listing window, default 30 s; `serve
   * --dir-cache-time`) is taken from the first call. Closed by `close()` (closing it earlier is harmless).
   */
  index(options?: { maxAgeMs?: number }): Promise<OpenedIndex>;
  /** The resolved API key (never printed; registered with the redactor). */
  key(): Promise<ResolvedKey>;
  /** The embedded emulator, started on demand (`--emulator`, `fichier demo`). */
  emulator(opts?: { dataDir?: string; temp?: boolean }): Promise<EmulatorHandle>;
  /** The API URL in use: `--api-url`, `FICHIER_API_URL`, the emulator's, or the real service's. */
  apiUrl(): Promise<string>;
  readonly stdin: StdinHelpers;
  /** Environment (tests may pass their own). */
  readonly env: NodeJS.ProcessEnv;
  /** Releases what the run holds (the index, then the embedded emulator). Called by main.ts. */
  close(): Promise<void>;
}

/** Streams and environment of one run; tests of pure parts may pass their own. */
export interface ContextIO {
  stdout: Sink;
  stderr: Sink & NodeJS.WritableStream;
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
    ...(typeof o.maxWait === "number" ? { maxWaitMs: o.maxWait } : {}),
    statsMs: typeof o.stats === "number" ? o.stats : o.verbose === true ? VERBOSE_STATS_MS : 0,
    refresh: o.refresh === true,
  };
}

/** Starts the embedded emulator once, on first use (`--emulator`, `fichier demo`). */
function emulatorStarter(): {
  start(opts?: { dataDir?: string; temp?: boolean }): Promise<EmulatorHandle>;
  started(): Promise<EmulatorHandle> | undefined;
} {
  let emuP: Promise<EmulatorHandle> | undefined;
  return {
    start(opts) {
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
    },
    started: () => emuP,
  };
}

/** What building the key and the client of a run needs. */
interface RunParts {
  globals: () => GlobalOptions;
  out: () => Output;
  io: ContextIO;
  stdin: StdinHelpers;
  emulator: ReturnType<typeof emulatorStarter>;
}

/** Whether the run talks to the embedded emulator: `--emulator`, or a command (demo) that started it. */
const usingEmulator = (p: RunParts): boolean => p.globals().emulator || p.emulator.started() !== undefined;

/** Resolves the run's key: the emulator's premium account, or the documented sources (keys/resolve.ts). */
async function resolveKey(p: RunParts): Promise<ResolvedKey> {
  const g = p.globals();
  if (usingEmulator(p)) {
    const emu = await p.emulator.start();
    const premium = emu.accounts.find((a) => a.offer === 1) ?? emu.accounts[0];
    if (!premium) throw new Error("the emulator has no account");
    return { key: premium.apiKey, source: "emulator", profile: "emulator" };
  }
  const resolved = await resolveApiKey({
    ...(g.profile ? { profile: g.profile } : {}),
    apiKeyStdin: g.apiKeyStdin,
    ...(g.apiKey ? { apiKeyFlag: g.apiKey } : {}),
    env: p.io.env,
    cwd: process.cwd(),
    readStdin: p.stdin.readAll,
    ...(p.stdin.isTTY ? { promptHidden: p.stdin.promptHidden } : {}),
    warn: (m) => p.out().warn(m),
  });
  registerSecret(resolved.key);
  await remindRotation(resolved, p.io.env, (m) => p.out().warn(m));
  return resolved;
}

/** The API URL of the run: the emulator's, `--api-url`/`FICHIER_API_URL` (checked), or the real service's. */
async function resolveApiUrl(p: RunParts): Promise<string> {
  const g = p.globals();
  if (usingEmulator(p)) return (await p.emulator.start()).apiUrl;
  if (g.apiUrl !== undefined) checkApiUrl(g.apiUrl);
  return g.apiUrl ?? DEFAULT_API_URL;
}

/** Builds the run's client: URL first (a malformed --api-url is a usage error, whatever the key), then key. */
async function buildClient(p: RunParts, key: () => Promise<ResolvedKey>): Promise<FichierClient> {
  const g = p.globals();
  const url = await resolveApiUrl(p);
  const k = await key();
  const o = p.out();
  const emulated = usingEmulator(p);
  // A warning, so -q does not hide it: results from the emulator must never pass for real ones.
  if (emulated) o.warn(`fichier: talking to the embedded emulator at ${url} (not 1fichier.com)`);
  const { createClient } = await import("../api/client.js");
  const governor = governorOptions(p.io.env, g.maxWaitMs);
  return createClient({
    apiKey: k.key,
    apiUrl: url,
    // The embedded emulator runs with its limits off (a sandbox): pacing every call as for 1fichier would
    // only make the quick start wait 30 s between two commands listing the same folder.
    governor: emulated ? { ...governor, ...EMULATOR_PACING } : governor,
    // No user agent of its own: the client's `fichier/<version>` is the one fichier sends.
    onEvent: (e: ClientEvent) => reportClientEvent(o, e),
    ...(g.debug ? { trace: (line: string) => o.debug(line) } : {}),
  });
}

/**
 * Builds the context of one run around the commander program.
 *
 * @example
 * const ctx = createContext(program, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
 */
export function createContext(program: Command, io: ContextIO): CliContext {
  let out: Output | undefined;
  const globals = (): GlobalOptions => readGlobals(program, io.env);
  const getOut = (): Output => {
    out ??= outputFor(globals(), io);
    return out;
  };
  const parts: RunParts = {
    globals,
    out: getOut,
    io,
    stdin: createStdin(io.stdin, io.stderr),
    emulator: emulatorStarter(),
  };
  let keyP: Promise<ResolvedKey> | undefined;
  let clientP: Promise<FichierClient> | undefined;
  let indexP: Promise<OpenedIndex> | undefined;
  const key = (): Promise<ResolvedKey> => {
    keyP ??= resolveKey(parts);
    return keyP;
  };
  const client = (): Promise<FichierClient> => {
    clientP ??= buildClient(parts, key);
    return clientP;
  };
  return {
    globals,
    get out() {
      return getOut();
    },
    client,
    index: (options = {}) => {
      indexP ??= openIndexOf(parts, client, options);
      return indexP;
    },
    key,
    emulator: (opts) => parts.emulator.start(opts),
    apiUrl: () => resolveApiUrl(parts),
    stdin: parts.stdin,
    env: io.env,
    async close() {
      // The index first: the embedded emulator's may live in its (temporary) data folder.
      const index = await indexP?.catch(() => undefined);
      await index?.close();
      const emu = await parts.emulator.started()?.catch(() => undefined);
      await emu?.close();
    },
  };
}

/** Opens the run's index around its client (run-index.ts), its warnings on stderr. */
async function openIndexOf(
  p: RunParts,
  client: () => Promise<FichierClient>,
  options: { maxAgeMs?: number },
): Promise<OpenedIndex> {
  const c = await client();
  const g = p.globals();
  const emu = usingEmulator(p) ? await p.emulator.start() : undefined;
  const stateDir = p.io.env.FICHIER_STATE_DIR;
  const out = p.out();
  return openRunIndex(
    c,
    {
      ...(stateDir ? { stateDir } : {}),
      ...(emu ? { emulatorDataDir: emu.dataDir } : {}),
      ...(g.refresh ? { listedSince: Date.now() } : {}),
      ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
    },
    { onEvent: (e) => out.warn(e.message), warn: (m) => out.warn(m) },
  );
}

/** The writer for the run's global options. */
function outputFor(g: GlobalOptions, io: ContextIO): Output {
  return createOutput({
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

/**
 * Governor settings a script may tighten: `FICHIER_RETRIES` (transient failures retried, default 4: the retry
 * policy's `attempts` is one more), `FICHIER_FLOOD_RETRIES` (flood pauses sat through before failing with exit 6,
 * default 3; 0 fails at once, even on a saved lock, with the unlock time), and the longest wait, `--max-wait`
 * (`maxWaitMs`) else `FICHIER_MAX_WAIT`.
 *
 * @example
 * governorOptions({ FICHIER_FLOOD_RETRIES: "0" }); // { floodRetries: 0 }
 * governorOptions({}, 600_000); // { maxWaitMs: 600000 }
 */
export function governorOptions(env: NodeJS.ProcessEnv, maxWaitMs?: number): GovernorOptions {
  const o: GovernorOptions = {};
  const maxWait = maxWaitMs ?? durationMs(env.FICHIER_MAX_WAIT ?? "");
  if (maxWait !== undefined) o.maxWaitMs = maxWait;
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
