// Where key material lives, and the small metadata file beside it (profile -> store used, date stored, rotation
// days). The metadata never holds a secret: it only says where to look and how old the key is.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import envPaths from "env-paths";
import lockfile from "proper-lockfile";
import writeFileAtomic from "write-file-atomic";
import { KeyError } from "./errors.js";

/** Where a stored key lives. */
export type StoreKind = "keychain" | "file";

/** What the metadata file records for one profile. */
export interface ProfileMeta {
  store: StoreKind;
  /** ISO 8601 date the key was stored (by `key set` or `key rotate`). */
  storedAt: string;
  /** Days before rotation is due, when set for this profile. */
  rotationDays?: number;
}

/** The metadata file (`keys.json` in the config folder). */
export interface KeysMeta {
  version: 1;
  /** Default rotation period for every profile, in days. */
  rotationDays?: number;
  profiles: Record<string, ProfileMeta>;
}

/** Default rotation period (issue: 90 days, configurable). */
export const DEFAULT_ROTATION_DAYS = 90;
/** Default profile name when neither `--profile` nor `FICHIER_PROFILE` is given. */
export const DEFAULT_PROFILE = "default";

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Checks a profile name: it becomes a file name and a keychain account, so it is kept to `[A-Za-z0-9_.-]`.
 *
 * @example
 * checkProfileName("work"); // "work"
 */
export function checkProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new KeyError(
      `invalid profile name "${name.slice(0, 64)}"`,
      "use 1 to 64 characters of letters, digits, '_', '.' and '-', starting with a letter or digit",
      2,
    );
  }
  return name;
}

/**
 * Picks the profile: explicit option, then `FICHIER_PROFILE`, then `default`.
 *
 * @example
 * pickProfile(undefined, { FICHIER_PROFILE: "work" }); // "work"
 */
export function pickProfile(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return checkProfileName(profile || env.FICHIER_PROFILE || DEFAULT_PROFILE);
}

/**
 * The configuration folder: `FICHIER_CONFIG_DIR` when set (tests use temp folders), else the user's config
 * folder from env-paths (`~/.config/fichier` on Linux).
 *
 * @example
 * configDir({ FICHIER_CONFIG_DIR: "/tmp/x" }); // "/tmp/x"
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FICHIER_CONFIG_DIR || envPaths("fichier", { suffix: "" }).config;
}

/**
 * Path of the encrypted key file of a profile: `<config>/keys/<profile>.enc`.
 *
 * @example
 * keyFilePath("/tmp/x", "default"); // "/tmp/x/keys/default.enc"
 */
export function keyFilePath(dir: string, profile: string): string {
  return join(dir, "keys", `${checkProfileName(profile)}.enc`);
}

function metaPath(dir: string): string {
  return join(dir, "keys.json");
}

/**
 * Reads the metadata file; a missing file is an empty metadata, a broken one an error naming the fix.
 *
 * @example
 * const meta = await readMeta(configDir());
 */
export async function readMeta(dir: string): Promise<KeysMeta> {
  let text: string;
  try {
    text = await readFile(metaPath(dir), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, profiles: {} };
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as Partial<KeysMeta>;
    if (!parsed || typeof parsed !== "object" || typeof parsed.profiles !== "object" || !parsed.profiles) {
      throw new Error("no profiles");
    }
    return { version: 1, rotationDays: parsed.rotationDays, profiles: parsed.profiles };
  } catch (e) {
    throw new KeyError(
      `the key metadata file ${metaPath(dir)} is not valid JSON (${(e as Error).message})`,
      "delete it and run `fichier key set` again (it holds no secret, only where the key is stored)",
      1,
    );
  }
}

/**
 * Writes the metadata file atomically (mode 0600, folder 0700).
 *
 * @example
 * await writeMeta(dir, { version: 1, profiles: {} });
 */
export async function writeMeta(dir: string, meta: KeysMeta): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(metaPath(dir), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Reads, changes and writes the metadata in one step, under a lock shared by every fichier process: two
 * `fichier key set --profile ...` run at once must both keep their entry (without the lock, the second
 * write was made from a read taken before the first one, and dropped it).
 *
 * @example
 * await updateMeta(dir, (m) => { delete m.profiles.work; });
 */
export async function updateMeta(dir: string, change: (meta: KeysMeta) => void): Promise<KeysMeta> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // realpath: false, so the metadata file need not exist yet (the lock is a keys.json.lock folder).
  const release = await lockfile.lock(metaPath(dir), {
    realpath: false,
    retries: { retries: 50, minTimeout: 20, maxTimeout: 200 },
    stale: 10_000,
    // By default a lock lost mid-way throws from a timer and kills the process; this write takes
    // milliseconds, so a lost lock is not worth a crash.
    onCompromised: () => {},
  });
  try {
    const meta = await readMeta(dir);
    change(meta);
    await writeMeta(dir, meta);
    return meta;
  } finally {
    await release();
  }
}

/**
 * The rotation period that applies to a profile: its own, else the file's default, else 90 days.
 *
 * @example
 * rotationDaysFor({ version: 1, profiles: {} }, "default"); // 90
 */
export function rotationDaysFor(meta: KeysMeta, profile: string): number {
  return meta.profiles[profile]?.rotationDays ?? meta.rotationDays ?? DEFAULT_ROTATION_DAYS;
}
