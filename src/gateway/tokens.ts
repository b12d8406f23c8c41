// Gateway tokens: what a client holds instead of the 1fichier key. The format is chosen so a token works
// wherever a key does (32 characters of the key alphabet, spec §1.7: fichier's key check and JD's accept it)
// and is recognisable when it leaks (`fgw_` prefix: `fichier key scan` and the gitleaks rule look for it).
//
//   fgw_ IIIIII SSSSSSSSSSSSSSSSSSSSSS
//        id (6, public: finds the record)   secret (22 base62 characters, 131 bits; stored only as a scrypt hash)
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** Every gateway token starts with this. */
export const TOKEN_PREFIX = "fgw_";
const ID_LENGTH = 6;
const SECRET_LENGTH = 22;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A whole token, anywhere in a text (for scanners: `key scan`, gitleaks, tests); `NAME=<token>` included. */
export const TOKEN_IN_TEXT = new RegExp(
  `(?<![A-Za-z0-9_-])${TOKEN_PREFIX}[A-Za-z0-9]{${ID_LENGTH + SECRET_LENGTH}}(?![A-Za-z0-9_-])`,
  "g",
);
const TOKEN_SHAPE = new RegExp(`^${TOKEN_PREFIX}([A-Za-z0-9]{${ID_LENGTH}})([A-Za-z0-9]{${SECRET_LENGTH}})$`);

/** scrypt cost of the stored hashes. A token has 131 bits of entropy, so the hash only has to be one-way;
 * N = 2^14 keeps the first check of a token on a small NAS near 50 ms (later checks are remembered). */
const SCRYPT = { N: 2 ** 14, r: 8, p: 1 } as const;
const HASH_BYTES = 32;

/**
 * `n` random characters of [A-Za-z0-9], without modulo bias (bytes 248 to 255 are drawn again).
 * @example
 * randomBase62(6); // "q3ZrT0"
 */
export function randomBase62(n: number): string {
  let out = "";
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 248 && out.length < n) out += ALPHABET[b % 62];
    }
  }
  return out;
}

/** A fresh token and its parts. */
export interface NewToken {
  token: string;
  id: string;
  secret: string;
}

/**
 * Draws a new token. `taken` lists ids already in use (an id must find one record only).
 * @example
 * const { token, id } = newToken(new Set(["AbC123"]));
 */
export function newToken(taken: ReadonlySet<string> = new Set()): NewToken {
  for (;;) {
    const id = randomBase62(ID_LENGTH);
    if (taken.has(id)) continue;
    const secret = randomBase62(SECRET_LENGTH);
    return { token: `${TOKEN_PREFIX}${id}${secret}`, id, secret };
  }
}

/**
 * Splits a presented token into id and secret; undefined when it does not have the token's shape.
 * @example
 * parseToken("fgw_AbC123" + "x".repeat(22)); // { id: "AbC123", secret: "xxx..." }
 */
export function parseToken(value: string): { id: string; secret: string } | undefined {
  const m = TOKEN_SHAPE.exec(value);
  return m ? { id: m[1] as string, secret: m[2] as string } : undefined;
}

function derive(secret: string, salt: Buffer, p: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      secret,
      salt,
      HASH_BYTES,
      { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 },
      (e, key) => (e ? reject(e) : resolve(key)),
    ),
  );
}

/**
 * The stored form of a secret: `scrypt$N$r$p$<salt b64>$<hash b64>`.
 * @example
 * const stored = await hashSecret(parseToken(token)!.secret);
 */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, SCRYPT);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64"), hash.toString("base64")].join("$");
}

/**
 * Checks a secret against its stored hash, comparing in constant time. A malformed stored value is a
 * mismatch, never an exception.
 * @example
 * if (await verifySecret(parsed.secret, record.hash)) { ... }
 */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((v) => Number.isInteger(v) && v > 0) || N > 2 ** 20) return false;
  const salt = Buffer.from(parts[4] as string, "base64");
  const expected = Buffer.from(parts[5] as string, "base64");
  if (expected.length !== HASH_BYTES) return false;
  const actual = await derive(secret, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}
