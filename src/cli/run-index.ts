/**
 * The run's remote index (docs/index.md): the account's tree, persistent in the state folder and shared by every
 * fichier process of the machine, opened once per run around the run's client and only by the commands that need
 * the tree. When the native SQLite module cannot be loaded, or the file cannot be opened, the run goes on with an
 * index in memory and one warning naming the cause and the fix: it is only a cache of the account.
 */
import { join } from "node:path";
import type { FichierClient } from "../api/client.js";
import type { OpenedIndex } from "../remote-index/open.js";
import type { IndexEvent } from "../remote-index/remote-index.js";

/** Where the run's index lives, as the context knows it. */
export interface RunIndexPlace {
  /** `FICHIER_STATE_DIR`, when set (else the user's cache folder, as the governor's state). */
  stateDir?: string;
  /**
   * The embedded emulator's data folder: its index lives there, named by a fixed service (its URL's port changes
   * every run, its data does not), so removing the emulator's data removes its index too.
   */
  emulatorDataDir?: string;
  /** `--refresh`: folders listed before this moment are listed again. */
  listedSince?: number;
  /** The listing window (default 30 s, the index's). */
  maxAgeMs?: number;
}

/** The fix printed when better-sqlite3's native module does not load (README "Requires"). */
export const NATIVE_SQLITE_FIX =
  "reinstall it with `npm rebuild better-sqlite3` (building it needs python3, make and a C++ compiler)";

/**
 * Whether an error is better-sqlite3's native module failing to load (not installed, not built, built for another
 * Node), rather than the index file itself.
 *
 * @example
 * isNativeLoadFailure(Object.assign(new Error("..."), { code: "ERR_DLOPEN_FAILED" })); // true
 */
export function isNativeLoadFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "ERR_DLOPEN_FAILED" || code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND")
    return true;
  const message = e instanceof Error ? e.message : String(e);
  return /bindings file|better[-_]sqlite3|NODE_MODULE_VERSION|invalid ELF header|\.node\b/i.test(message);
}

/**
 * Opens the run's index around its client, persistent when it can be, else in memory with one warning.
 * `onEvent` hears the index's own warnings (a stale entry listed again, a rebuilt file).
 *
 * @example
 * const index = await openRunIndex(client, { stateDir: env.FICHIER_STATE_DIR }, {
 *   onEvent: (e) => out.warn(e.message),
 *   warn: (m) => out.warn(m),
 * });
 */
export async function openRunIndex(
  client: FichierClient,
  place: RunIndexPlace,
  { onEvent, warn }: { onEvent: (e: IndexEvent) => void; warn: (message: string) => void },
): Promise<OpenedIndex> {
  const { openIndex } = await import("../remote-index/open.js");
  const common = {
    onEvent,
    ...(place.listedSince !== undefined ? { listedSince: place.listedSince } : {}),
    ...(place.maxAgeMs !== undefined ? { maxAgeMs: place.maxAgeMs } : {}),
  };
  const where = place.emulatorDataDir
    ? { stateDir: join(place.emulatorDataDir, "index"), service: "embedded-emulator" }
    : place.stateDir
      ? { stateDir: place.stateDir }
      : {};
  try {
    return await openIndex(client, { ...common, ...where });
  } catch (e) {
    warn(fallbackMessage(e));
    return openIndex(client, { ...common, memory: true });
  }
}

/** The one warning of a run that keeps its index in memory: the cause, then the fix. */
function fallbackMessage(e: unknown): string {
  const cause = (e instanceof Error ? e.message : String(e)).split("\n")[0];
  if (isNativeLoadFailure(e)) {
    return (
      `the remote index is kept in memory for this run: better-sqlite3's native module did not load (${cause}); ` +
      `each command lists what it needs again. To keep it between runs, ${NATIVE_SQLITE_FIX}`
    );
  }
  return (
    `the remote index is kept in memory for this run: its file could not be opened (${cause}); ` +
    "check that the state folder (FICHIER_STATE_DIR, else the user's cache folder) is writable"
  );
}
