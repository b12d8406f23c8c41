// The encrypted key file: scrypt turns the passphrase into 64 bytes; the first 32 are the AES-256-GCM key, the
// last 32 make a check value that tells a wrong passphrase apart from a tampered file (GCM alone cannot: both
// are just "authentication failed"). The header (version, KDF parameters, profile) is the GCM additional data,
// so changing any of it is detected too. Written atomically with mode 0600.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { TamperedKeyFileError, WrongPassphraseError } from "./errors.js";

/** scrypt cost parameters. N = 2^15, r = 8 takes ~100 ms and 32 MiB: slow for guessing, fine for a CLI. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Default scrypt parameters for new files. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

/** On-disk JSON shape of an encrypted key file (binary fields in base64). */
export interface EncryptedKeyFile {
  version: 1;
  kdf: "scrypt";
  scrypt: ScryptParams;
  profile: string;
  salt: string;
  check: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

const CHECK_LABEL = "fichier key file passphrase check v1";

function deriveKeys(passphrase: string, salt: Buffer, params: ScryptParams): { enc: Buffer; check: Buffer } {
  const out = scryptSync(passphrase.normalize("NFC"), salt, 64, {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  });
  const check = createHmac("sha256", out.subarray(32)).update(CHECK_LABEL).digest();
  return { enc: out.subarray(0, 32), check };
}

function aad(file: Pick<EncryptedKeyFile, "version" | "kdf" | "scrypt" | "profile">): Buffer {
  return Buffer.from(
    JSON.stringify([file.version, file.kdf, file.scrypt.N, file.scrypt.r, file.scrypt.p, file.profile]),
  );
}

/**
 * Encrypts a key for one profile (pure apart from randomness).
 *
 * @example
 * const file = encryptKey("the-32-char-key...", "passphrase", "default");
 */
export function encryptKey(
  key: string,
  passphrase: string,
  profile: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): EncryptedKeyFile {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const { enc, check } = deriveKeys(passphrase, salt, params);
  const header = { version: 1 as const, kdf: "scrypt" as const, scrypt: { ...params }, profile };
  const cipher = createCipheriv("aes-256-gcm", enc, iv);
  cipher.setAAD(aad(header));
  const ciphertext = Buffer.concat([cipher.update(key, "utf8"), cipher.final()]);
  return {
    ...header,
    salt: salt.toString("base64"),
    check: check.toString("base64"),
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    ciphertext: ciphertext.toString("base64"),
  };
}

function b64(value: unknown, name: string, where: string, length?: number): Buffer {
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw new TamperedKeyFileError(where, `field "${name}" is missing or not base64`);
  }
  const buf = Buffer.from(value, "base64");
  if (length !== undefined && buf.length !== length) {
    throw new TamperedKeyFileError(where, `field "${name}" has the wrong length`);
  }
  return buf;
}

/**
 * Parses and checks the structure of an encrypted key file's text; `where` names it in errors.
 *
 * @example
 * const file = parseKeyFile(text, "/path/default.enc");
 */
export function parseKeyFile(text: string, where: string): EncryptedKeyFile {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new TamperedKeyFileError(where, "not valid JSON");
  }
  if (!raw || typeof raw !== "object") throw new TamperedKeyFileError(where, "not a JSON object");
  if (raw.version !== 1 || raw.kdf !== "scrypt") {
    throw new TamperedKeyFileError(where, "unknown version or key-derivation function");
  }
  const s = raw.scrypt as Record<string, unknown> | undefined;
  const ok = (n: unknown, min: number, max: number) =>
    typeof n === "number" && Number.isInteger(n) && n >= min && n <= max;
  // Bounds keep a tampered file from making scrypt eat all memory or never finish.
  if (
    !s ||
    !ok(s.N, 2 ** 10, 2 ** 20) ||
    !ok(s.r, 1, 32) ||
    !ok(s.p, 1, 16) ||
    ((s.N as number) & ((s.N as number) - 1)) !== 0
  ) {
    throw new TamperedKeyFileError(where, "scrypt parameters missing or out of range");
  }
  if (typeof raw.profile !== "string") throw new TamperedKeyFileError(where, "profile missing");
  for (const [name, len] of [
    ["salt", 16],
    ["check", 32],
    ["iv", 12],
    ["tag", 16],
    ["ciphertext", undefined],
  ] as const) {
    b64(raw[name], name, where, len);
  }
  return raw as unknown as EncryptedKeyFile;
}

/**
 * Decrypts an encrypted key file. Throws {@link WrongPassphraseError} when the passphrase check fails and
 * {@link TamperedKeyFileError} when the ciphertext, tag, iv or header was changed.
 *
 * @example
 * const key = decryptKey(file, "passphrase", "/path/default.enc");
 */
export function decryptKey(file: EncryptedKeyFile, passphrase: string, where: string): string {
  const salt = b64(file.salt, "salt", where, 16);
  const { enc, check } = deriveKeys(passphrase, salt, file.scrypt);
  if (!timingSafeEqual(check, b64(file.check, "check", where, 32))) throw new WrongPassphraseError(where);
  const decipher = createDecipheriv("aes-256-gcm", enc, b64(file.iv, "iv", where, 12));
  decipher.setAAD(aad(file));
  decipher.setAuthTag(b64(file.tag, "tag", where, 16));
  try {
    return Buffer.concat([
      decipher.update(b64(file.ciphertext, "ciphertext", where)),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw new TamperedKeyFileError(where, "authentication tag mismatch");
  }
}

/**
 * Encrypts and writes the key file atomically, mode 0600 (its folder 0700).
 *
 * @example
 * await writeKeyFile("/home/me/.config/fichier/keys/default.enc", key, passphrase, "default");
 */
export async function writeKeyFile(
  path: string,
  key: string,
  passphrase: string,
  profile: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const file = encryptKey(key, passphrase, profile, params);
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Reads the key file's text, or `null` when there is none.
 *
 * @example
 * const file = await readKeyFileText(path);
 */
export async function readKeyFileText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/**
 * Reads and decrypts a key file; `null` when there is none.
 *
 * @example
 * const key = await readKeyFile(path, passphrase);
 */
export async function readKeyFile(path: string, passphrase: string): Promise<string | null> {
  const text = await readKeyFileText(path);
  if (text === null) return null;
  const file = parseKeyFile(text, path);
  return decryptKey(file, passphrase, path);
}

/**
 * Deletes a key file; true when one was there. (Overwriting before deleting would not help: atomic writes make
 * new inodes and file systems keep copies; the ciphertext is useless without the passphrase anyway.)
 *
 * @example
 * await removeKeyFile(path);
 */
export async function removeKeyFile(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}
