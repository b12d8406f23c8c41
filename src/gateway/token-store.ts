// The gateway's token file: `<gateway dir>/tokens.json`, mode 0600 in a 0700 folder, written atomically
// under a lock (two `token add` at once both keep their token). It holds names, scopes, limits and scrypt
// hashes, never a token. A running gateway re-reads it when it changes, so `token revoke` takes effect on
// the next request.
import { createHash } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import envPaths from "env-paths";
import lockfile from "proper-lockfile";
import writeFileAtomic from "write-file-atomic";
import type { Scope } from "./scopes.js";
import { hashSecret, newToken, parseToken, verifySecret } from "./tokens.js";

/** One token as stored (and as `token ls --json` shows it, without `id` and `hash`). */
export interface TokenRecord {
  name: string;
  /** Public part of the token, to find the record. */
  id: string;
  /** scrypt hash of the secret part. */
  hash: string;
  scopes: Scope[];
  /** The subtree the token is confined to, or null for the whole account. */
  folder: { path: string; id: number } | null;
  /** Normalised CIDRs; empty: any address. */
  allowIps: string[];
  /** ISO dates. */
  created: string;
  expires: string | null;
  lastUsed: string | null;
  /** Remote-upload jobs this token created (a confined token sees only these). */
  remoteJobs?: number[];
}

interface TokenFile {
  version: 1;
  tokens: TokenRecord[];
}

/** What `token add` asks for. */
export interface TokenSpec {
  name: string;
  scopes: Scope[];
  folder: { path: string; id: number } | null;
  allowIps: string[];
  expires: string | null;
}

/** Why a presented token was refused (for the audit log; the client always gets the same answer). */
export type AuthFailure = "missing" | "malformed" | "unknown" | "wrong-secret" | "expired";

export type AuthResult =
  | { ok: true; record: TokenRecord }
  | { ok: false; reason: AuthFailure; name?: string };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TOUCH_EVERY_MS = 60_000;
const MAX_REMOTE_JOBS = 1000;

/**
 * The gateway's folder: `FICHIER_GATEWAY_DIR`, else `<user data dir>/fichier/gateway`
 * (`~/.local/share/fichier/gateway` on Linux). Tokens, the audit log and the governor's state live there.
 * @example
 * gatewayDir({ FICHIER_GATEWAY_DIR: "/srv/fichier" }); // "/srv/fichier"
 */
export function gatewayDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FICHIER_GATEWAY_DIR || join(envPaths("fichier", { suffix: "" }).data, "gateway");
}

/**
 * Checks a token name (it is shown in logs and used on the command line).
 * @throws Error naming the rule
 * @example
 * checkTokenName("nas-backup"); // "nas-backup"
 */
export function checkTokenName(name: string): string {
  if (!NAME.test(name)) {
    throw new Error(
      `invalid token name "${name.slice(0, 64)}": use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/**
 * Thrown by {@link TokenStore.add} for a name in use, and by revoke for an unknown one.
 * @example
 * throw new TokenNameError(`no token named "${name}"`);
 */
export class TokenNameError extends Error {
  override readonly name = "TokenNameError";
}

/**
 * Reads and changes the token file.
 * @example
 * const store = new TokenStore(gatewayDir());
 * const { token } = await store.add({ name: "nas", scopes: ["read"], folder: null, allowIps: [], expires: null });
 */
export class TokenStore {
  readonly path: string;
  private readonly dir: string;
  private readonly now: () => number;
  private loaded: { stamp: string; file: TokenFile } | undefined;
  // sha256 of a token already checked → the hash it matched: scrypt runs once per token and process.
  private readonly verified = new Map<string, string>();
  private readonly touched = new Map<string, number>();
  private readonly writing = new Set<Promise<void>>();

  constructor(dir: string, opts: { now?: () => number } = {}) {
    this.dir = dir;
    this.path = join(dir, "tokens.json");
    this.now = opts.now ?? Date.now;
  }

  /** The records, re-read when the file changed since the last read. */
  async list(): Promise<TokenRecord[]> {
    return (await this.current()).tokens;
  }

  /**
   * Creates a token; resolves with the token (to print once) and its record.
   * @throws TokenNameError when the name is taken
   */
  async add(spec: TokenSpec): Promise<{ token: string; record: TokenRecord }> {
    checkTokenName(spec.name);
    let made: { token: string; record: TokenRecord } | undefined;
    await this.update(async (file) => {
      if (file.tokens.some((t) => t.name === spec.name)) {
        throw new TokenNameError(`a token named "${spec.name}" exists already`);
      }
      const fresh = newToken(new Set(file.tokens.map((t) => t.id)));
      const record: TokenRecord = {
        name: spec.name,
        id: fresh.id,
        hash: await hashSecret(fresh.secret),
        scopes: spec.scopes,
        folder: spec.folder,
        allowIps: spec.allowIps,
        created: new Date(this.now()).toISOString(),
        expires: spec.expires,
        lastUsed: null,
      };
      file.tokens.push(record);
      made = { token: fresh.token, record };
    });
    return made as { token: string; record: TokenRecord };
  }

  /**
   * Deletes a token by name.
   * @throws TokenNameError when there is none of that name
   */
  async revoke(name: string): Promise<void> {
    await this.update(async (file) => {
      const i = file.tokens.findIndex((t) => t.name === name);
      if (i < 0) throw new TokenNameError(`no token named "${name}"`);
      file.tokens.splice(i, 1);
    });
  }

  /**
   * Checks a presented token: shape, record, expiry, then the secret against its hash (constant time).
   * @example
   * const r = await store.authenticate(bearer);
   * if (!r.ok) audit({ reason: r.reason });
   */
  async authenticate(presented: string | undefined): Promise<AuthResult> {
    if (!presented) return { ok: false, reason: "missing" };
    const parts = parseToken(presented);
    if (!parts) return { ok: false, reason: "malformed" };
    const record = (await this.list()).find((t) => t.id === parts.id);
    if (!record) return { ok: false, reason: "unknown" };
    const digest = createHash("sha256").update(presented).digest("hex");
    if (this.verified.get(digest) !== record.hash) {
      if (!(await verifySecret(parts.secret, record.hash))) {
        return { ok: false, reason: "wrong-secret", name: record.name };
      }
      if (this.verified.size > 1000) this.verified.clear();
      this.verified.set(digest, record.hash);
    }
    if (record.expires !== null && Date.parse(record.expires) <= this.now()) {
      return { ok: false, reason: "expired", name: record.name };
    }
    return { ok: true, record };
  }

  /**
   * Records that a token was used, at most once a minute per token, without holding up the request: the
   * write runs in the background ({@link settle} waits for it) and a failure only costs the date.
   */
  touch(name: string): void {
    const now = this.now();
    if (now - (this.touched.get(name) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(name, now);
    const p = this.update(async (file) => {
      const t = file.tokens.find((x) => x.name === name);
      if (t) t.lastUsed = new Date(now).toISOString();
    })
      .catch(() => {})
      .finally(() => this.writing.delete(p));
    this.writing.add(p);
  }

  /** Waits for the background writes of {@link touch} (before the gateway exits). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.writing]);
  }

  /** Remembers a remote-upload job created by a token (the newest 1000). */
  async noteRemoteJob(name: string, id: number): Promise<void> {
    await this.update(async (file) => {
      const t = file.tokens.find((x) => x.name === name);
      if (t) t.remoteJobs = [...(t.remoteJobs ?? []), id].slice(-MAX_REMOTE_JOBS);
    });
  }

  private async current(): Promise<TokenFile> {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, tokens: [] };
      throw e;
    }
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    if (this.loaded?.stamp !== stamp) this.loaded = { stamp, file: await this.read() };
    return this.loaded.file;
  }

  private async read(): Promise<TokenFile> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, tokens: [] };
      throw e;
    }
    try {
      const parsed = JSON.parse(text) as Partial<TokenFile>;
      if (parsed.version !== 1 || !Array.isArray(parsed.tokens)) throw new Error("unknown layout");
      return { version: 1, tokens: parsed.tokens };
    } catch (e) {
      throw new Error(
        `the token file ${this.path} is damaged (${(e as Error).message}): restore it from a backup, or delete it and add the tokens again`,
      );
    }
  }

  private async update(change: (file: TokenFile) => Promise<void>): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const release = await lockfile.lock(this.path, {
      realpath: false,
      retries: { retries: 50, minTimeout: 20, maxTimeout: 200 },
      stale: 10_000,
      // The write takes milliseconds: a lost lock is not worth a crash from proper-lockfile's timer.
      onCompromised: () => {},
    });
    try {
      const file = await this.read();
      await change(file);
      await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
      this.loaded = undefined;
    } finally {
      await release();
    }
  }
}
