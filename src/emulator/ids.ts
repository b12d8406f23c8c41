import { randomBytes, randomInt } from "node:crypto";

const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const KEY = `${ALNUM}_=-`;

function pick(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Random identifiers in the formats 1fichier uses (spec §1.7, §3.1, §7.2). */
export const ids = {
  /** 20 chars `[a-z0-9]`: a file id (spec §3.1). */
  file: () => pick(LOWER, 20),
  /** 10 chars `[A-Za-z0-9]`: an upload id (spec §7.2). */
  upload: () => pick(ALNUM, 10),
  /** 32 chars `[A-Za-z0-9_=-]`: an API key (spec §1.7). */
  apiKey: () => pick(KEY, 32),
  /** 8 chars `[A-Za-z0-9]`: a public share hash (spec §3.3). */
  share: () => pick(ALNUM, 8),
  /** 12 chars `[A-Za-z0-9]`: a removal code (spec §3.1). */
  removeCode: () => pick(ALNUM, 12),
  /** 40 chars: a download token. */
  token: () => pick(ALNUM, 40),
  /** 32 hex chars: admin token, session ids, blob names. */
  secret: () => randomBytes(16).toString("hex"),
  /** 32 chars `[A-Za-z0-9]`: a voucher (spec §7.21). */
  voucher: () => pick(ALNUM, 32),
  /** 12 chars `[A-Za-z0-9]`: an account password for the web console. */
  password: () => pick(ALNUM, 12),
};
