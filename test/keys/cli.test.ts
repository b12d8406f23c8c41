// `fichier key ...` end to end: the BUILT command (`npm run build` first) against an emulator on loopback.
// Every spawned command's stdout and stderr are kept; the last test checks the canary key never appears in any.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_FLAGS } from "../../src/cli/node-flags.js";
import { useEmulator } from "../helpers/emulator.js";
import { has, titled } from "../helpers/system-deps.js";

const MAIN = resolve("dist/cli/main.js");
const outputs: string[] = [];

/** A random key: 32 characters of the key alphabet, mixing letters and digits. */
function randomKey(): string {
  for (;;) {
    const k = randomBytes(24).toString("base64url");
    if (/[0-9]/.test(k) && /[A-Za-z]/.test(k)) return k;
  }
}
const CANARY = randomKey();
const masked = (k: string) => `****${k.slice(-4)}`;
/** The closing error line of a run (the last `fichier: ` line on stderr). */
const errorLine = (r: { stderr: string }) =>
  r.stderr
    .split("\n")
    .filter((l) => l.startsWith("fichier: "))
    .at(-1) ?? "";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const emu = useEmulator();
let root: string;
let config: string;
let cwd: string;
let email: string;

/** Runs the built command; each run gets its own governor state folder, so user/info spacing (5 min per key,
 * shared across processes) does not make one test wait for the previous one. */
function run(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Run> {
  return new Promise((done, fail) => {
    const stateDir = join(root, "state", randomBytes(6).toString("hex"));
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: opts.cwd ?? cwd,
      env: {
        PATH: process.env.PATH,
        HOME: root,
        ...(process.env.DBUS_SESSION_BUS_ADDRESS
          ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS }
          : {}),
        FICHIER_CONFIG_DIR: config,
        FICHIER_CACHE_DIR: join(stateDir, "cache"),
        FICHIER_STATE_DIR: stateDir,
        FICHIER_API_URL: emu.apiUrl,
        FICHIER_KEYCHAIN: "off",
        NO_COLOR: "1",
        ...opts.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => {
      outputs.push(stdout, stderr);
      done({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error("dist/cli/main.js is missing: run `npm run build` first");
  email = `canary-${randomBytes(3).toString("hex")}@example.org`;
  emu.admin.createAccount({ email, offer: 1, apiKey: CANARY });
  root = await mkdtemp(join(tmpdir(), "fichier-key-cli-"));
  config = join(root, "config");
  cwd = join(root, "work");
  await mkdir(cwd);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("fichier key set / status / check / forget", () => {
  it("set reads the key from stdin, checks it online and stores it encrypted (keychain off)", async () => {
    const r = await run(["key", "set"], {
      input: `${CANARY}\n`,
      env: { FICHIER_PASSPHRASE: "pass-phrase-1" },
    });
    expect(r.stderr).toBe(
      "fichier: the OS keychain is not usable (disabled by FICHIER_KEYCHAIN=off); used the encrypted file.\n",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(masked(CANARY));
    expect(r.stdout).toContain(email);
    expect(r.stdout).toContain("encrypted file");
    const file = join(config, "keys", "default.enc");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, "utf8")).not.toContain(CANARY);
  });

  it("status tells the source, masked key, age, rotation and account (--json)", async () => {
    const r = await run(["--json", "key", "status"], { env: { FICHIER_PASSPHRASE: "pass-phrase-1" } });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      profile: "default",
      source: "file",
      key: masked(CANARY),
      ageDays: 0,
      rotationDays: 90,
      daysLeft: 90,
      account: { email, offer: 1, offerName: "Premium" },
      warnings: [],
    });
    const human = await run(["key", "status"], { env: { FICHIER_PASSPHRASE: "pass-phrase-1" } });
    expect(human.stdout).toMatch(/source\s+the encrypted key file/);
    expect(human.stdout).toMatch(/rotation\s+due in 90 days/);
  });

  it("every command reminds when the stored key is due for rotation", async () => {
    const metaFile = join(config, "keys.json");
    const original = await readFile(metaFile, "utf8");
    const meta = JSON.parse(original);
    meta.profiles.default.storedAt = new Date(Date.now() - 85 * 86_400_000).toISOString();
    await writeFile(metaFile, JSON.stringify(meta));
    try {
      const r = await run(["ls", "/"], { env: { FICHIER_PASSPHRASE: "pass-phrase-1" } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(
        "fichier: your API key is 85 days old, due for rotation in 5 days: run `fichier key rotate`",
      );
      // A key from the environment has no recorded date: no reminder.
      const fromEnv = await run(["ls", "/"], { env: { FICHIER_API_KEY: CANARY } });
      expect(fromEnv.code, fromEnv.stderr).toBe(0);
      expect(fromEnv.stderr).not.toContain("rotation");
    } finally {
      await writeFile(metaFile, original);
    }
  });
  it("a wrong passphrase is reported clearly (exit 4)", async () => {
    const r = await run(["key", "status"], { env: { FICHIER_PASSPHRASE: "not-it" } });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/^fichier: wrong passphrase for the encrypted key file .*FICHIER_PASSPHRASE/);
  });

  it("without keychain or passphrase, set refuses and names the choices (never plaintext)", async () => {
    const r = await run(["--profile", "nopass", "key", "set"], { input: CANARY });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /no secure place to store the key.*FICHIER_PASSPHRASE.*Secret Service.*FICHIER_API_KEY/,
    );
    expect(existsSync(join(config, "keys", "nopass.enc"))).toBe(false);
  });

  it("set refuses a malformed key offline, without echoing it (exit 4)", async () => {
    const bad = `${CANARY.slice(0, 30)}!?`;
    const r = await run(["key", "set"], { input: bad, env: { FICHIER_PASSPHRASE: "x" } });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/not a 1fichier API key: the key from stdin contains "!", "\?"/);
    expect(r.stderr + r.stdout).not.toContain(bad);
  });

  it("check: works with the env key; --api-key warns about argv; --api-key-stdin reads stdin", async () => {
    const ok = await run(["key", "check"], { env: { FICHIER_API_KEY: CANARY } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`${masked(CANARY)} (from env) works: ${email}, Premium`);
    const flag = await run(["--api-key", CANARY, "key", "check"]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stderr).toMatch(/warning: --api-key puts the key in the command line.*shell history/);
    const stdin = await run(["--api-key-stdin", "--json", "key", "check"], { input: CANARY });
    expect(JSON.parse(stdin.stdout)).toMatchObject({ ok: true, source: "stdin", account: { email } });
  });

  it("check: a refused key gives the cheat-sheet answer (exit 4)", async () => {
    const r = await run(["key", "check"], { env: { FICHIER_API_KEY: randomKey() } });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/1fichier refused the API key.*console\/params\.pl.*fichier key set/);
  });

  it("check: a flood-locked key says when to retry (exit 6)", async () => {
    const locked = randomKey();
    emu.admin.createAccount({
      email: `locked-${randomBytes(3).toString("hex")}@example.org`,
      offer: 1,
      apiKey: locked,
    });
    emu.admin.lock(locked, 120);
    const r = await run(["key", "check"], { env: { FICHIER_API_KEY: locked, FICHIER_FLOOD_RETRIES: "0" } });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toMatch(
      /flood protection is blocking this key.*Locked until \d\d:\d\d:\d\d .*Retry once the lock ends/,
    );
  });

  it("check: a free account works but is warned about", async () => {
    const r = await run(["key", "check"], { env: { FICHIER_API_KEY: emu.free.apiKey } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/the account is Free/);
  });

  it("forget removes the local copies and says revocation is in the console", async () => {
    const r = await run(["key", "forget"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Removed the key of profile "default" from the encrypted file, the metadata/);
    expect(r.stdout).toMatch(/Disable API usage/);
    expect(existsSync(join(config, "keys", "default.enc"))).toBe(false);
    const after = await run(["key", "status"], { env: { FICHIER_PASSPHRASE: "pass-phrase-1" } });
    expect(after.code, after.stderr).toBe(4);
    expect(after.stderr).toMatch(/no 1fichier API key found for profile "default"/);
  });
});

describe("key set and key check cost no needless wait (issue 14 §1, issue 15)", () => {
  /** One governor state folder shared by a sequence of runs, as on a user's machine. */
  const sharedState = () => join(root, "state", `shared-${randomBytes(4).toString("hex")}`);
  const NO_SERVER = "http://127.0.0.1:1/v1";

  it("where the key will be stored is checked before any call: nowhere to store it fails at once", async () => {
    const r = await run(["--profile", "nowhere", "key", "set"], {
      input: CANARY,
      env: { FICHIER_API_URL: NO_SERVER },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^fichier: no secure place to store the key/);
    expect(r.stderr).not.toMatch(/retrying|waiting|network failure/);
  });

  it("set --no-check stores the key without a call", async () => {
    const env = { FICHIER_API_URL: NO_SERVER, FICHIER_PASSPHRASE: "p-nocheck", FICHIER_PROFILE: "nocheck" };
    const r = await run(["--json", "key", "set", "--no-check"], { input: CANARY, env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ profile: "nocheck", checked: false, account: null });
    expect(existsSync(join(config, "keys", "nocheck.enc"))).toBe(true);
  });

  it("set with no server ends with exit 7 naming the cause, paced by the backoff only", async () => {
    const env = { FICHIER_API_URL: NO_SERVER, FICHIER_PASSPHRASE: "p-down", FICHIER_PROFILE: "down" };
    const r = await run(["key", "set"], { input: CANARY, env });
    expect(r.code, r.stderr).toBe(7);
    expect(errorLine(r)).toMatch(
      /^fichier: user\/info\.cgi: network failure \(connect ECONNREFUSED 127\.0\.0\.1:1\)/,
    );
    // Retried by the backoff (1, 2, 4, 8 s at most), never "waiting 300 s" for the account-info spacing.
    expect(r.stderr).not.toMatch(/waiting/);
    expect(r.stderr.match(/^fichier: retrying user\/info\.cgi in [1-8] s/gm)).toHaveLength(4);
    expect(existsSync(join(config, "keys", "down.enc"))).toBe(false);
  });

  it("check right after set reuses set's answer instead of waiting 5 minutes for user/info.cgi", async () => {
    const env = { FICHIER_PASSPHRASE: "p-reuse", FICHIER_PROFILE: "reuse", FICHIER_STATE_DIR: sharedState() };
    const set = await run(["key", "set"], { input: CANARY, env });
    expect(set.code, set.stderr).toBe(0);
    const check = await run(["key", "check"], { env });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain(`works: ${email}, Premium (1fichier's answer of the last 5 minutes)`);
    expect(check.stderr).not.toMatch(/waiting/);
  });

  it("a new key is checked under its own budget, not behind the old key's user/info.cgi stamp", async () => {
    const env = { FICHIER_PASSPHRASE: "p-new", FICHIER_PROFILE: "newkey", FICHIER_STATE_DIR: sharedState() };
    const old = await run(["key", "check"], { env: { ...env, FICHIER_API_KEY: emu.free.apiKey } });
    expect(old.code, old.stderr).toBe(0);
    const set = await run(["key", "set"], { input: CANARY, env });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).not.toMatch(/waiting/);
  });

  it("a wrong key exits 4 at once, and so does a second try (a refused key spends no spacing)", async () => {
    const env = { FICHIER_API_KEY: randomKey(), FICHIER_STATE_DIR: sharedState() };
    for (const args of [["key", "check"], ["key", "check"], ["ls"], ["ls"]]) {
      const r = await run(args, { env });
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).not.toMatch(/waiting|retrying/);
    }
  });
});

describe("fichier key rotate", () => {
  it("validates the new key, confirms the old one is refused, stores it and records the date (admin API)", async () => {
    const env = { FICHIER_PASSPHRASE: "rot-pass", FICHIER_PROFILE: "rot" };
    const account = emu.admin.createAccount({
      email: `rot-${randomBytes(3).toString("hex")}@example.org`,
      offer: 1,
    });
    expect((await run(["key", "set"], { input: account.apiKey, env })).code).toBe(0);
    const next = emu.admin.regenerateKey(account.email);
    const r = await run(["--json", "key", "rotate"], { input: `${next}\n`, env });
    expect(r.stderr).toContain(`${new URL(emu.apiUrl).origin}/console/params.pl`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      profile: "rot",
      oldKeyRefused: true,
      store: "file",
      account: { email: account.email },
    });
    const status = JSON.parse((await run(["--json", "key", "status"], { env })).stdout);
    expect(status).toMatchObject({ key: masked(next), source: "file", ageDays: 0 });
    for (const k of [account.apiKey, next]) expect(r.stdout + r.stderr).not.toContain(k);
  });

  it("says what to do when the old key still works (the key was not regenerated)", async () => {
    const env = { FICHIER_PASSPHRASE: "rot-pass", FICHIER_PROFILE: "same" };
    const a = emu.admin.createAccount({
      email: `same-${randomBytes(3).toString("hex")}@example.org`,
      offer: 1,
    });
    const b = emu.admin.createAccount({
      email: `other-${randomBytes(3).toString("hex")}@example.org`,
      offer: 1,
    });
    expect((await run(["key", "set"], { input: a.apiKey, env })).code).toBe(0);
    // The key of another account: both work, so nothing is stored.
    const r = await run(["key", "rotate"], { input: b.apiKey, env });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(
      new RegExp(`belongs to ${b.email} but the current key to ${a.email}; nothing was stored`),
    );
    // The current key again.
    const same = await run(["key", "rotate"], { input: a.apiKey, env });
    expect(same.code, same.stderr).toBe(4);
    expect(same.stderr).toMatch(/the key given is the current key.*Get my API key/);
  });
});

describe("fichier key scan and hook", () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=t@example.org", "-c", "user.name=t", ...args], {
      cwd: repo,
      stdio: "pipe",
    });

  beforeAll(async () => {
    repo = join(root, "repo");
    await mkdir(repo);
    git("init", "-q");
    await writeFile(
      join(repo, "app.js"),
      `const auth = "Bearer ${Buffer.from(CANARY).toString("base64")}";\n`,
    );
    await writeFile(join(repo, "old.env"), `FICHIER_API_KEY=${CANARY}\n`);
    git("add", ".");
    git("commit", "-qm", "seed");
    git("rm", "-q", "old.env");
    git("commit", "-qm", "remove the key");
  });

  it("finds the stored key (base64) in the tree, and the old commit with --history; exit 1; masked", async () => {
    const tree = await run(["key", "scan"], { cwd: repo, env: { FICHIER_API_KEY: CANARY } });
    expect(tree.code, tree.stderr).toBe(1);
    expect(tree.stdout).toBe(`app.js:1: ${masked(CANARY)} (base64) (stored-key-base64)\n`);
    expect(tree.stderr).toMatch(/found 1 possible 1fichier API key.*regenerate it/);
    const hist = await run(["--json", "key", "scan", "--history"], {
      cwd: repo,
      env: { FICHIER_API_KEY: CANARY },
    });
    expect(hist.code, hist.stderr).toBe(1);
    const findings = JSON.parse(hist.stdout).findings as { file: string; line: number; commit?: string }[];
    expect(findings.map((f) => `${f.file}:${f.line}:${f.commit ? "history" : "tree"}`).sort()).toEqual(
      ["app.js:1:history", "app.js:1:tree", "old.env:1:history"].sort(),
    );
  });

  it("exits 0 on a clean tree", async () => {
    const clean = join(root, "clean");
    await mkdir(clean);
    await writeFile(join(clean, "a.txt"), "nothing\n");
    const r = await run(["key", "scan", clean], { env: { FICHIER_API_KEY: CANARY } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
  });

  it("hook install adds a pre-commit hook that refuses a staged key", async () => {
    const r = await run(["key", "hook", "install"], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const hook = join(repo, ".git", "hooks", "pre-commit");
    expect((await stat(hook)).mode & 0o111).not.toBe(0);
    await writeFile(join(repo, "leak.txt"), `fichier key ${randomKey()}\n`);
    git("add", "leak.txt");
    const env = { ...process.env, FICHIER_CONFIG_DIR: config, FICHIER_KEYCHAIN: "off" };
    // git runs hooks with their stdout sent to stderr.
    let failed: { status?: number; stderr?: Buffer } | undefined;
    try {
      execFileSync("git", ["-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "leak"], {
        cwd: repo,
        env,
        stdio: "pipe",
      });
    } catch (e) {
      failed = e as { status?: number; stderr?: Buffer };
    }
    expect(failed?.status).toBe(1);
    expect(String(failed?.stderr)).toMatch(/^leak\.txt:1: \*\*\*\*.{4} \(key-shaped\)/);
    git("rm", "-q", "--cached", "leak.txt");
    await writeFile(join(repo, "fine.txt"), "no key\n");
    git("add", "fine.txt");
    execFileSync("git", ["-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "fine"], {
      cwd: repo,
      env,
      stdio: "pipe",
    });
    // A foreign hook is not overwritten without --force.
    await writeFile(hook, "#!/bin/sh\nexit 0\n");
    const again = await run(["key", "hook", "install"], { cwd: repo });
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toMatch(/already exists.*--force/);
  });
});

describe.skipIf(!has("secret-service"))(
  titled("fichier key with the OS keychain (Secret Service)", "secret-service"),
  () => {
    it("set picks the keychain, status reports it, forget removes it", async () => {
      const env = { FICHIER_KEYCHAIN: "", FICHIER_PROFILE: `kc-${randomBytes(4).toString("hex")}` };
      const set = await run(["--json", "key", "set"], { input: CANARY, env });
      expect(set.code, set.stderr).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({
        store: "keychain",
        key: masked(CANARY),
        account: { email },
      });
      const status = await run(["--json", "key", "status"], { env });
      expect(JSON.parse(status.stdout)).toMatchObject({
        source: "keychain",
        key: masked(CANARY),
        daysLeft: 90,
      });
      const forget = await run(["key", "forget"], { env });
      expect(forget.stdout).toMatch(/from the OS keychain, the metadata/);
      expect((await run(["key", "status"], { env })).code).toBe(4);
    });
  },
);

describe("other sources and output paths", () => {
  it("a tracked .env is refused with the fix; an ignored one is used", async () => {
    const repo = join(root, "dotenv");
    await mkdir(repo);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe" });
    git("init", "-q");
    await writeFile(join(repo, ".env"), `FICHIER_API_KEY=${CANARY}\n`);
    git("add", ".env");
    const tracked = await run(["key", "status"], {
      cwd: repo,
      env: { FICHIER_CONFIG_DIR: join(root, "empty") },
    });
    expect(tracked.code, tracked.stderr).toBe(4);
    expect(tracked.stderr).toMatch(
      /refusing the key in .*\.env: it is tracked by git.*git rm --cached \.env/,
    );
    git("rm", "-q", "--cached", ".env");
    await writeFile(join(repo, ".gitignore"), ".env\n");
    const ignored = await run(["--json", "key", "status"], {
      cwd: repo,
      env: { FICHIER_CONFIG_DIR: join(root, "empty") },
    });
    expect(ignored.code, ignored.stderr).toBe(0);
    expect(JSON.parse(ignored.stdout)).toMatchObject({
      source: "dotenv",
      key: masked(CANARY),
      storedAt: null,
    });
  });

  it("RCLONE_FICHIER_API_KEY is used and reported as rclone's", async () => {
    const r = await run(["key", "status"], {
      env: { RCLONE_FICHIER_API_KEY: CANARY, FICHIER_CONFIG_DIR: join(root, "empty") },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/source\s+the RCLONE_FICHIER_API_KEY variable \(rclone's\)/);
  });

  it("--debug traces and stack traces keep the key out", async () => {
    const ok = await run(["--debug", "key", "check"], { env: { FICHIER_API_KEY: CANARY } });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await run(["--debug", "key", "check"], {
      env: { FICHIER_API_KEY: `${CANARY.slice(0, 31)}#` },
    });
    expect(bad.code, bad.stderr).toBe(4);
    expect(bad.stderr).toContain("at ");
  });
});

describe("prompts on a real terminal", () => {
  /**
   * Runs the command on a pseudo-terminal (util-linux `script`) and types each answer only once its prompt is
   * on screen, as a person does: text typed earlier would be echoed by the terminal itself, whatever fichier
   * does. Returns everything the terminal showed.
   */
  function typeAtPrompts(args: string[], answers: [string, string][], env: NodeJS.ProcessEnv): Promise<Run> {
    const q = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
    const cmd = [process.execPath, ...NODE_FLAGS, MAIN, ...args].map(q).join(" ");
    return new Promise((done, fail) => {
      const child = spawn("script", ["-qec", cmd, "/dev/null"], {
        cwd,
        env: {
          PATH: process.env.PATH,
          HOME: root,
          FICHIER_CONFIG_DIR: config,
          FICHIER_STATE_DIR: join(root, "state", randomBytes(6).toString("hex")),
          FICHIER_API_URL: emu.apiUrl,
          FICHIER_KEYCHAIN: "off",
          NO_COLOR: "1",
          ...env,
        },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let screen = "";
      let next = 0;
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const onData = (d: string) => {
        screen += d;
        const answer = answers[next];
        if (
          answer &&
          screen.split(answer[0]).length - 1 > answers.slice(0, next).filter((a) => a[0] === answer[0]).length
        ) {
          next++;
          child.stdin.write(`${answer[1]}\r`);
          if (next === answers.length) child.stdin.end();
        }
      };
      child.stdout.setEncoding("utf8").on("data", onData);
      child.stderr.setEncoding("utf8").on("data", onData);
      child.on("error", fail);
      child.on("close", (code) => {
        clearTimeout(timer);
        outputs.push(screen);
        done({ code, stdout: screen, stderr: "" });
      });
    });
  }

  it("key set asks for the key and a new passphrase twice, none of them shown on the screen", async () => {
    const passphrase = "tty-pass-phrase-42";
    const r = await typeAtPrompts(
      ["key", "set", "--profile", "tty"],
      [
        ["API key (not echoed): ", CANARY],
        ["New passphrase: ", passphrase],
        ["Same passphrase again: ", passphrase],
      ],
      { FICHIER_PASSPHRASE: undefined },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("API key (not echoed): ");
    expect(r.stdout).toContain("Same passphrase again: ");
    expect(r.stdout).toContain(masked(CANARY));
    // Neither the key nor the passphrase reached the screen: no echo by the terminal, none by fichier.
    expect(r.stdout).not.toContain(CANARY);
    expect(r.stdout).not.toContain(passphrase);
    // And what was typed is what got stored: the passphrase opens it.
    const status = await run(["--json", "key", "status", "--profile", "tty"], {
      env: { FICHIER_PASSPHRASE: passphrase },
    });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ profile: "tty", source: "file", key: masked(CANARY) });
  });
});

describe("the canary key", () => {
  it("appears in no captured stdout or stderr of these commands", () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (const text of outputs) expect(text).not.toContain(CANARY);
  });
});
