// Token format, hashing and the scanners' pattern (pure; scrypt runs for real).
import { describe, expect, it } from "vitest";
import {
  hashSecret,
  newToken,
  parseToken,
  randomBase62,
  TOKEN_IN_TEXT,
  TOKEN_PREFIX,
  verifySecret,
} from "../../src/gateway/tokens.js";
import { looksLikeApiKey } from "../../src/redact.js";

describe("gateway tokens", () => {
  it("have the prefix and the shape of a 1fichier key, so every client of the API takes them", () => {
    for (let i = 0; i < 50; i++) {
      const { token, id, secret } = newToken();
      expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
      expect(looksLikeApiKey(token)).toBe(true);
      expect(parseToken(token)).toEqual({ id, secret });
    }
  });

  it("draw ids not already taken", () => {
    const taken = new Set(Array.from({ length: 20 }, () => newToken().id));
    for (let i = 0; i < 50; i++) expect(taken.has(newToken(taken).id)).toBe(false);
  });

  it("are random base62 without bias towards the first letters", () => {
    const counts = new Map<string, number>();
    for (const c of randomBase62(62_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(n).toBeGreaterThan(700);
  });

  it("refuse other shapes", () => {
    expect(parseToken("fgw_short")).toBeUndefined();
    expect(parseToken(`xyz_${"a".repeat(28)}`)).toBeUndefined();
    expect(parseToken(`fgw_${"a".repeat(27)}-`)).toBeUndefined();
  });

  it("are found in text by the scanners' pattern, and not inside a longer run", () => {
    const { token } = newToken();
    expect(`export FICHIER_API_KEY=${token}`.match(TOKEN_IN_TEXT)?.[0]).toBe(token);
    expect(`token: ${token}\n`.match(TOKEN_IN_TEXT)?.[0]).toBe(token);
    expect(`"${token}"`.match(TOKEN_IN_TEXT)?.[0]).toBe(token);
    expect(`x${token}`.match(TOKEN_IN_TEXT)).toBeNull();
  });

  it("are stored as a scrypt hash that verifies only the right secret", async () => {
    const { secret } = newToken();
    const stored = await hashSecret(secret);
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(stored).not.toContain(secret);
    expect(await verifySecret(secret, stored)).toBe(true);
    expect(await verifySecret(`${secret.slice(0, -1)}${secret.endsWith("a") ? "b" : "a"}`, stored)).toBe(
      false,
    );
    // Two hashes of one secret differ (salted).
    expect(await hashSecret(secret)).not.toBe(stored);
  });

  it("treat a damaged stored hash as a mismatch, never a crash", async () => {
    for (const bad of [
      "",
      "scrypt$1$2",
      "bcrypt$x$y$z$a$b",
      "scrypt$16384$8$1$AAAA$AAAA",
      "scrypt$999999999$8$1$AA$AA",
    ]) {
      expect(await verifySecret("abc", bad)).toBe(false);
    }
  });
});
