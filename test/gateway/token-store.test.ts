// The token file: 0600, atomic, locked against concurrent adds, hashes only, re-read when it changes.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TokenNameError, TokenStore } from "../../src/gateway/token-store.js";

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), "fichier-gw-store-")), "gateway");
});
afterEach(async () => {
  await rm(join(dir, ".."), { recursive: true, force: true });
});

const spec = (name: string, more: Partial<Parameters<TokenStore["add"]>[0]> = {}) => ({
  name,
  scopes: ["read" as const],
  folder: null,
  allowIps: [],
  expires: null,
  ...more,
});

describe("TokenStore", () => {
  it("adds a token, stores only its hash, mode 0600 in a 0700 folder", async () => {
    const store = new TokenStore(dir);
    const { token, record } = await store.add(spec("nas"));
    const text = await readFile(store.path, "utf8");
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(10));
    expect(text).toContain(record.hash);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await store.list()).map((t) => t.name)).toEqual(["nas"]);
  });

  it("refuses a name in use and a bad name", async () => {
    const store = new TokenStore(dir);
    await store.add(spec("a"));
    await expect(store.add(spec("a"))).rejects.toBeInstanceOf(TokenNameError);
    await expect(store.add(spec("../x"))).rejects.toThrow(/invalid token name/);
  });

  it("keeps every token of concurrent adds (from separate store objects, as separate processes would)", async () => {
    const names = Array.from({ length: 8 }, (_, i) => `t${i}`);
    await Promise.all(names.map((n) => new TokenStore(dir).add(spec(n))));
    expect((await new TokenStore(dir).list()).map((t) => t.name).sort()).toEqual(names);
  });

  it("authenticates the right token only, and says why it refused", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const store = new TokenStore(dir, { now: () => now });
    const { token } = await store.add(spec("a", { expires: "2026-01-02T00:00:00.000Z" }));
    const ok = await store.authenticate(token);
    expect(ok.ok && ok.record.name).toBe("a");
    // Remembered: the second check does not run scrypt again but still sees the record.
    expect((await store.authenticate(token)).ok).toBe(true);
    const wrong = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect(await store.authenticate(wrong)).toEqual({ ok: false, reason: "wrong-secret", name: "a" });
    expect(await store.authenticate(undefined)).toEqual({ ok: false, reason: "missing" });
    expect(await store.authenticate("hello")).toEqual({ ok: false, reason: "malformed" });
    expect(await store.authenticate(`fgw_zzzzzz${token.slice(10)}`)).toMatchObject({
      ok: false,
      reason: "unknown",
    });
    now = Date.parse("2026-01-02T00:00:00Z");
    expect(await store.authenticate(token)).toEqual({ ok: false, reason: "expired", name: "a" });
  });

  it("a revoke by another process is seen at the next check", async () => {
    const gateway = new TokenStore(dir);
    const cli = new TokenStore(dir);
    const { token } = await cli.add(spec("a"));
    expect((await gateway.authenticate(token)).ok).toBe(true);
    await cli.revoke("a");
    expect(await gateway.authenticate(token)).toMatchObject({ ok: false, reason: "unknown" });
    await expect(cli.revoke("a")).rejects.toBeInstanceOf(TokenNameError);
  });

  it("records the last use (at most once a minute) and the remote jobs", async () => {
    let now = 1_000_000;
    const store = new TokenStore(dir, { now: () => now });
    await store.add(spec("a"));
    store.touch("a");
    await store.settle();
    const first = (await store.list())[0]?.lastUsed;
    expect(first).toBe(new Date(1_000_000).toISOString());
    now += 30_000;
    store.touch("a");
    await store.settle();
    expect((await store.list())[0]?.lastUsed).toBe(first);
    now += 30_000;
    store.touch("a");
    await store.settle();
    expect((await store.list())[0]?.lastUsed).toBe(new Date(now).toISOString());
    await store.noteRemoteJob("a", 7);
    expect((await store.list())[0]?.remoteJobs).toEqual([7]);
  });

  it("a damaged file is an error naming the fix", async () => {
    const store = new TokenStore(dir);
    await store.add(spec("a"));
    await writeFile(store.path, "{not json");
    await expect(store.list()).rejects.toThrow(/token file .* is damaged .* restore it from a backup/);
  });
});
