import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { keyFilePath, writeMeta } from "../../src/keys/config.js";
import { parseDotenv } from "../../src/keys/dotenv.js";
import {
  InvalidKeyFormatError,
  KeyError,
  MissingKeyError,
  UnsafeDotenvError,
  WrongPassphraseError,
} from "../../src/keys/errors.js";
import { writeKeyFile } from "../../src/keys/file-store.js";
import type { SecretStore } from "../../src/keys/keychain.js";
import { checkKeyFormat, FLAG_WARNING, resolveApiKey } from "../../src/keys/resolve.js";
import { clearSecrets, redact } from "../../src/redact.js";

const K = {
  stdin: `${"S".repeat(28)}stdn`,
  flag: `${"F".repeat(28)}flag`,
  env: `${"E".repeat(28)}envv`,
  rclone: `${"R".repeat(28)}rcln`,
  keychain: `${"K".repeat(28)}kchn`,
  file: `${"L".repeat(28)}file`,
  dotenv: `${"D".repeat(28)}dotv`,
};

/** An in-memory keychain, for the ordering logic; the real one is tested in keychain.test.ts. */
function memoryKeychain(entries: Record<string, string> = {}, broken = false): SecretStore {
  const map = new Map(Object.entries(entries));
  const check = () => {
    if (broken) throw new KeyError("keychain unavailable", "fix", 1);
  };
  return {
    async probe() {
      check();
    },
    async get(p) {
      check();
      return map.get(p) ?? null;
    },
    async set(p, s) {
      check();
      map.set(p, s);
    },
    async delete(p) {
      check();
      return map.delete(p);
    },
  };
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.email=t@example.org", "-c", "user.name=t", ...args], {
    cwd,
    stdio: "pipe",
  });

let root: string;
let repo: string;
let config: string;
const warnings: string[] = [];
const warn = (m: string) => warnings.push(m);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "fichier-resolve-"));
  repo = join(root, "repo");
  config = join(root, "config");
  await mkdir(repo);
  git(repo, "init", "-q");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
afterEach(async () => {
  warnings.length = 0;
  clearSecrets();
  await rm(join(repo, ".env"), { force: true });
  await rm(join(repo, ".gitignore"), { force: true });
  await rm(config, { recursive: true, force: true });
  git(repo, "rm", "-q", "--cached", "--ignore-unmatch", ".env");
});

const base = (env: NodeJS.ProcessEnv = {}) => ({
  env: { FICHIER_CONFIG_DIR: config, ...env },
  cwd: repo,
  warn,
  keychain: memoryKeychain(),
});

describe("resolveApiKey: the order of sources", () => {
  it("stdin beats everything, and the key is registered with the redactor", async () => {
    const r = await resolveApiKey({
      ...base({ FICHIER_API_KEY: K.env }),
      apiKeyStdin: true,
      apiKeyFlag: K.flag,
      readStdin: async () => `${K.stdin}\n`,
    });
    expect(r).toEqual({ key: K.stdin, source: "stdin", profile: "default" });
    expect(redact(`x ${K.stdin}`)).toBe("x ****stdn");
    expect(warnings).toEqual([]);
  });

  it("--api-key is accepted with the warning about argv", async () => {
    const r = await resolveApiKey({ ...base({ FICHIER_API_KEY: K.env }), apiKeyFlag: K.flag });
    expect(r.source).toBe("flag");
    expect(warnings).toEqual([FLAG_WARNING]);
    expect(FLAG_WARNING).toMatch(/shell history/);
  });

  it("FICHIER_API_KEY, then RCLONE_FICHIER_API_KEY reported as rclone-env", async () => {
    const kc = memoryKeychain({ default: K.keychain });
    expect(
      (
        await resolveApiKey({
          ...base({ FICHIER_API_KEY: K.env, RCLONE_FICHIER_API_KEY: K.rclone }),
          keychain: kc,
        })
      ).source,
    ).toBe("env");
    const r = await resolveApiKey({ ...base({ RCLONE_FICHIER_API_KEY: K.rclone }), keychain: kc });
    expect(r).toMatchObject({ key: K.rclone, source: "rclone-env" });
  });

  it("the keychain, with the date recorded by key set", async () => {
    await writeMeta(config, {
      version: 1,
      profiles: { default: { store: "keychain", storedAt: "2026-01-02T03:04:05.000Z" } },
    });
    const r = await resolveApiKey({ ...base(), keychain: memoryKeychain({ default: K.keychain }) });
    expect(r).toEqual({
      key: K.keychain,
      source: "keychain",
      profile: "default",
      storedAt: "2026-01-02T03:04:05.000Z",
    });
  });

  it("the encrypted file, with FICHIER_PASSPHRASE or the hidden prompt", async () => {
    await writeKeyFile(keyFilePath(config, "work"), K.file, "pw-123456", "work", { N: 1024, r: 8, p: 1 });
    await writeMeta(config, {
      version: 1,
      profiles: { work: { store: "file", storedAt: "2026-01-01T00:00:00.000Z" } },
    });
    const viaEnv = await resolveApiKey({ ...base({ FICHIER_PASSPHRASE: "pw-123456" }), profile: "work" });
    expect(viaEnv).toMatchObject({ key: K.file, source: "file", profile: "work" });
    // The passphrase is registered with the redactor too.
    expect(redact("typed pw-123456 here")).toBe("typed **** here");
    const questions: string[] = [];
    const viaPrompt = await resolveApiKey({
      ...base({ FICHIER_PROFILE: "work" }),
      promptHidden: async (q) => {
        questions.push(q);
        return "pw-123456";
      },
    });
    expect(viaPrompt).toMatchObject({ key: K.file, source: "file", profile: "work" });
    expect(questions).toHaveLength(1);
    await expect(
      resolveApiKey({ ...base({ FICHIER_PASSPHRASE: "nope" }), profile: "work" }),
    ).rejects.toBeInstanceOf(WrongPassphraseError);
    // No env, no terminal: says which passphrase is needed, never falls through silently.
    await expect(resolveApiKey({ ...base(), profile: "work" })).rejects.toThrow(/no passphrase is available/);
  });

  it("finds a key stored without metadata (keychain first, then the file)", async () => {
    expect(
      (await resolveApiKey({ ...base(), keychain: memoryKeychain({ default: K.keychain }) })).source,
    ).toBe("keychain");
    await writeKeyFile(keyFilePath(config, "default"), K.file, "pw", "default", { N: 1024, r: 8, p: 1 });
    const r = await resolveApiKey({
      ...base({ FICHIER_PASSPHRASE: "pw" }),
      keychain: memoryKeychain({}, true),
    });
    expect(r.source).toBe("file");
  });

  it("keeps profiles apart", async () => {
    const kc = memoryKeychain({ default: K.keychain, work: K.file });
    expect((await resolveApiKey({ ...base(), keychain: kc, profile: "work" })).key).toBe(K.file);
    expect((await resolveApiKey({ ...base(), keychain: kc })).key).toBe(K.keychain);
    await expect(resolveApiKey({ ...base(), keychain: kc, profile: "home" })).rejects.toBeInstanceOf(
      MissingKeyError,
    );
    await expect(resolveApiKey({ ...base(), profile: "../etc" })).rejects.toThrow(/invalid profile name/);
  });
});

describe("resolveApiKey: .env", () => {
  it("is used when git ignores it", async () => {
    await writeFile(join(repo, ".gitignore"), ".env\n");
    await writeFile(join(repo, ".env"), `OTHER=1\nFICHIER_API_KEY="${K.dotenv}"\n`);
    expect(await resolveApiKey(base())).toMatchObject({ key: K.dotenv, source: "dotenv" });
  });

  it("is refused, with the fix, when tracked (even if also listed in .gitignore)", async () => {
    await writeFile(join(repo, ".env"), `FICHIER_API_KEY=${K.dotenv}\n`);
    git(repo, "add", ".env");
    await writeFile(join(repo, ".gitignore"), ".env\n");
    const error = await resolveApiKey(base()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeDotenvError);
    expect((error as UnsafeDotenvError).message).toMatch(/tracked by git/);
    expect((error as UnsafeDotenvError).hint).toMatch(/git rm --cached \.env/);
    expect((error as Error).message).not.toContain(K.dotenv);
  });

  it("is refused when not ignored, and outside a git work tree", async () => {
    await writeFile(join(repo, ".env"), `FICHIER_API_KEY=${K.dotenv}\n`);
    await expect(resolveApiKey(base())).rejects.toThrow(/not ignored by git/);
    const outside = join(root, "plain");
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, ".env"), `FICHIER_API_KEY=${K.dotenv}\n`);
    await expect(resolveApiKey({ ...base(), cwd: outside })).rejects.toThrow(/not inside a git work tree/);
  });

  it("comes after every other source", async () => {
    await writeFile(join(repo, ".env"), `FICHIER_API_KEY=${K.dotenv}\n`);
    expect((await resolveApiKey(base({ FICHIER_API_KEY: K.env }))).source).toBe("env");
  });
});

describe("resolveApiKey: errors", () => {
  it("no key anywhere: MissingKeyError (exit 4) naming every choice", async () => {
    const error = await resolveApiKey(base()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingKeyError);
    const e = error as MissingKeyError;
    expect(e.exitCode).toBe(4);
    for (const choice of [
      "console/params.pl",
      "fichier key set",
      "FICHIER_API_KEY",
      "--api-key-stdin",
      "FICHIER_PASSPHRASE",
    ]) {
      expect(e.hint).toContain(choice);
    }
  });

  it("empty stdin is a missing key, not an empty key", async () => {
    await expect(
      resolveApiKey({ ...base(), apiKeyStdin: true, readStdin: async () => "\n" }),
    ).rejects.toThrow(/stdin was empty/);
  });

  it("a malformed key is refused without echoing it, and still masked in later output", async () => {
    const bad = `${K.env.slice(0, 31)}!`;
    const error = await resolveApiKey(base({ FICHIER_API_KEY: bad })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidKeyFormatError);
    expect((error as Error).message).toContain("FICHIER_API_KEY");
    expect((error as Error).message).toContain('"!"');
    expect((error as Error).message).not.toContain(bad);
    expect(redact(`echo ${bad}`)).not.toContain(bad);
  });
});

describe("checkKeyFormat", () => {
  it("trims whitespace and checks length and alphabet", () => {
    expect(checkKeyFormat(`  ${K.env}\r\n`, "x")).toBe(K.env);
    expect(() => checkKeyFormat(K.env.slice(1), "x")).toThrow(/31 characters instead of 32/);
    expect(() => checkKeyFormat(`${K.env.slice(1)}é`, "x")).toThrow(/"é"/);
  });
});

describe("parseDotenv", () => {
  it("handles export, quotes, comments and blank lines", () => {
    expect(
      parseDotenv("# c\n\nexport A=1\nB = 'two words' # c\nC=\"x#y\"\nD=plain # trailing\nbroken line\nE=\n"),
    ).toEqual({ A: "1", B: "two words", C: "x#y", D: "plain", E: "" });
  });
});
