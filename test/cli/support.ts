/**
 * Spawns the BUILT command (`node dist/cli/main.js`) with a clean environment: temp config/cache/data/state
 * folders, no colours, the key only in FICHIER_API_KEY. Every captured output is kept so a test can assert that
 * the canary key never appeared anywhere.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { createClient, type FichierClient } from "../../src/api/client.js";
import { NODE_FLAGS } from "../../src/cli/node-flags.js";
import type { EmulatorOptions } from "../../src/emulator/index.js";
import { type TestEmulator, useEmulator } from "../helpers/emulator.js";

export const BIN = resolve(import.meta.dirname, "../../dist/cli/main.js");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every output captured by {@link run} in this test file. */
export const captured: string[] = [];

/** A fresh HOME-like sandbox with XDG folders, so the command touches nothing of the user's. */
export function sandbox(): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), "fichier-cli-test-"));
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_DATA_HOME: join(home, "data"),
    FICHIER_CONFIG_DIR: join(home, "config", "fichier"),
  };
}

export function assertBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before these tests`);
}

/**
 * Runs `fichier ARGS`. Each run gets its own governor state folder (FICHIER_STATE_DIR) so the pacing of one run
 * does not slow the next; `env` adds to or overrides the base environment; `input` is piped to stdin (stdin is
 * never a terminal here).
 */
export function run(
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    NO_COLOR: "1",
    FICHIER_STATE_DIR: mkdtempSync(join(tmpdir(), "fichier-state-")),
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, ...args], {
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 55_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      captured.push(stdout, stderr);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** The run, when it exited 0; else an error showing its exit code, stdout and stderr. */
export function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/**
 * A `run` bound to a test file's base environment (read at each call: files fill it in `beforeAll`); `extra.env`
 * adds to it or (undefined) removes from it.
 */
export function runner(base: () => Record<string, string>) {
  return (args: string[], extra: { env?: Record<string, string | undefined>; input?: string } = {}) =>
    run(args, { ...extra, env: { ...base(), ...extra.env } });
}

/** Parses the single JSON document a `--json` run printed. */
export function json<T = Record<string, unknown>>(r: RunResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

// Lines that are notices, not the error: warnings, the emulator notice, the governor's waits and retries.
const NOTICE =
  /^fichier: (warning:|talking to the embedded|flood lock|waiting|retrying|remote job \d+ (queued|not done))/;

/** The stderr lines that are the error line (`fichier: ...`), for the one-line rule. */
export function errorLines(r: RunResult): string[] {
  return r.stderr.split("\n").filter((l) => l.startsWith("fichier: ") && !NOTICE.test(l));
}

/** Quotes an argument for `sh -c`. */
function shq(a: string): string {
  return `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `fichier ARGS` with stdin, stdout and stderr on a pseudo-terminal (util-linux `script`), feeding `input`
 * as typed text; `columns` sets the terminal's width. stdout and stderr arrive merged in `stdout`.
 */
export function runTTY(
  args: string[],
  input: string,
  env: Record<string, string | undefined>,
  opts: { columns?: number } = {},
): Promise<RunResult> {
  const full: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    NO_COLOR: "1",
    FICHIER_STATE_DIR: mkdtempSync(join(tmpdir(), "fichier-state-")),
  };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) full[k] = v;
  const command = [process.execPath, ...NODE_FLAGS, BIN, ...args].map(shq).join(" ");
  const cmd = opts.columns ? `stty cols ${opts.columns} rows 24; exec ${command}` : command;
  return new Promise((resolvePromise, reject) => {
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { env: full, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 55_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      captured.push(stdout);
      resolvePromise({ code, stdout, stderr: "" });
    });
    child.stdin.end(input);
  });
}

/** What {@link canaryAccount} sets up for a test file (read inside tests: it is filled in `beforeAll`). */
export interface CanaryAccount {
  /** The account's key: a canary that must appear in no output. */
  readonly key: string;
  readonly emu: TestEmulator;
  /** A client of the account (ungoverned), to seed files and check results. */
  readonly client: FichierClient;
  /** The sandboxed environment of the command, with the key and the emulator's URL. */
  readonly env: Record<string, string>;
  /** `run` with that environment. */
  readonly fichier: ReturnType<typeof runner>;
}

/**
 * A test file's opening: the built command, an emulator with a premium account whose key is a canary, a client
 * of it, the sandboxed environment; after the file, the canary in no output the file captured. The emulator runs
 * with its limits off unless `emulator` says otherwise (`{ limits: "real" }`).
 *
 * @example
 * const account = canaryAccount("canary-output@test.local");
 * it("lists", async () => ok(await account.fichier(["ls"])));
 */
export function canaryAccount(email: string, emulator: EmulatorOptions = {}): CanaryAccount {
  const key = `CANARY${randomBytes(20).toString("hex").slice(0, 26)}`;
  const emu = useEmulator(emulator);
  let client: FichierClient | undefined;
  let env: Record<string, string> | undefined;
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error("canaryAccount: used before beforeAll ran");
    return v;
  };
  beforeAll(async () => {
    assertBuilt();
    emu.admin.createAccount({ email, offer: 1, apiKey: key });
    client = createClient({ apiKey: key, apiUrl: emu.apiUrl, governor: false });
    env = { ...sandbox(), FICHIER_API_KEY: key, FICHIER_API_URL: emu.apiUrl };
  });
  afterAll(async () => {
    for (const text of captured) expect(text).not.toContain(key);
    await client?.close();
  });
  return {
    key,
    emu,
    get client() {
      return ready(client);
    },
    get env() {
      return ready(env);
    },
    fichier: runner(() => ready(env)),
  };
}
