import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TamperedKeyFileError, WrongPassphraseError } from "../../src/keys/errors.js";
import {
  DEFAULT_SCRYPT,
  type EncryptedKeyFile,
  readKeyFile,
  removeKeyFile,
  type ScryptParams,
  writeKeyFile,
} from "../../src/keys/file-store.js";

const KEY = "Zq7_aB-9xY=0pLmN4rT2uV6wK8sD1fGh"; // fichier-scan:allow (test value, no account has it)
const PASS = "correct horse battery staple";
// Cheaper scrypt for most tests; one test uses the defaults to prove they work.
const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fichier-keyfile-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fresh(name: string, params: ScryptParams = FAST): Promise<string> {
  const path = join(dir, name, "keys", "default.enc");
  await writeKeyFile(path, KEY, PASS, "default", params);
  return path;
}

async function edit(path: string, change: (f: EncryptedKeyFile) => void): Promise<void> {
  const file = JSON.parse(await readFile(path, "utf8")) as EncryptedKeyFile;
  change(file);
  await writeFile(path, JSON.stringify(file));
}

function flipFirstByte(b64: string): string {
  const buf = Buffer.from(b64, "base64");
  buf[0] = (buf[0] ?? 0) ^ 0x01;
  return buf.toString("base64");
}

describe("encrypted key file", () => {
  it("round-trips with the default scrypt parameters, mode 0600 in a 0700 folder, no plaintext", async () => {
    const path = await fresh("roundtrip", DEFAULT_SCRYPT);
    expect(await readKeyFile(path, PASS)).toBe(KEY);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(path, ".."))).mode & 0o777).toBe(0o700);
    const text = await readFile(path, "utf8");
    expect(text).not.toContain(KEY);
    const file = JSON.parse(text) as EncryptedKeyFile;
    expect(file).toMatchObject({
      version: 1,
      kdf: "scrypt",
      scrypt: { N: 2 ** 15, r: 8, p: 1 },
      profile: "default",
    });
    for (const field of ["salt", "iv", "tag", "ciphertext", "check"] as const)
      expect(file[field]).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it("uses a fresh salt and iv each time", async () => {
    const a = JSON.parse(await readFile(await fresh("salt-a"), "utf8")) as EncryptedKeyFile;
    const b = JSON.parse(await readFile(await fresh("salt-b"), "utf8")) as EncryptedKeyFile;
    expect(a.salt).not.toBe(b.salt);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it("keeps mode 0600 when rewritten over an existing file", async () => {
    const path = await fresh("rewrite");
    await writeKeyFile(path, KEY.replace("Z", "Y"), PASS, "default", FAST);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readKeyFile(path, PASS)).toBe(KEY.replace("Z", "Y"));
  });

  it("reports a wrong passphrase as such", async () => {
    const path = await fresh("wrongpass");
    await expect(readKeyFile(path, "not the passphrase")).rejects.toBeInstanceOf(WrongPassphraseError);
    await expect(readKeyFile(path, `${PASS} `)).rejects.toThrow(/wrong passphrase/);
  });

  it.each([
    ["ciphertext", (f: EncryptedKeyFile) => (f.ciphertext = flipFirstByte(f.ciphertext))],
    ["tag", (f: EncryptedKeyFile) => (f.tag = flipFirstByte(f.tag))],
    ["iv", (f: EncryptedKeyFile) => (f.iv = flipFirstByte(f.iv))],
    ["profile (authenticated header)", (f: EncryptedKeyFile) => (f.profile = "work")],
  ])("detects a tampered %s", async (name, change) => {
    const path = await fresh(`tamper-${name.split(" ")[0]}`);
    await edit(path, change);
    const error = await readKeyFile(path, PASS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TamperedKeyFileError);
    expect((error as Error).message).toMatch(/altered or damaged/);
    expect((error as Error).message).not.toContain(KEY);
  });

  it("detects a changed salt or KDF parameters (reported as wrong passphrase or tampering, never accepted)", async () => {
    const salted = await fresh("tamper-salt");
    await edit(salted, (f) => (f.salt = flipFirstByte(f.salt)));
    await expect(readKeyFile(salted, PASS)).rejects.toBeInstanceOf(WrongPassphraseError);
    const params = await fresh("tamper-params");
    await edit(params, (f) => (f.scrypt.N = 2 ** 11));
    await expect(readKeyFile(params, PASS)).rejects.toThrow(/wrong passphrase|altered/);
  });

  it.each([
    ["not JSON", "{ nope"],
    ["wrong version", JSON.stringify({ version: 2 })],
    ["absurd scrypt cost", JSON.stringify({ version: 1, kdf: "scrypt", scrypt: { N: 2 ** 30, r: 8, p: 1 } })],
  ])("refuses a damaged file (%s) without running the KDF on it", async (_name, text) => {
    const path = join(dir, `damaged-${_name.replace(/\W/g, "")}.enc`);
    await writeFile(path, text);
    await expect(readKeyFile(path, PASS)).rejects.toBeInstanceOf(TamperedKeyFileError);
  });

  it("reads a missing file as no key, and removes files idempotently", async () => {
    const path = await fresh("remove");
    expect(await readKeyFile(join(dir, "none.enc"), PASS)).toBeNull();
    expect(await removeKeyFile(path)).toBe(true);
    expect(await removeKeyFile(path)).toBe(false);
    expect(await readKeyFile(path, PASS)).toBeNull();
  });
});
