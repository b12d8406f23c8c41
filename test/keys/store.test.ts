import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { keyFilePath, readMeta, updateMeta } from "../../src/keys/config.js";
import { KeychainError, NoSecureStoreError } from "../../src/keys/errors.js";
import { osKeychain, type SecretStore } from "../../src/keys/keychain.js";
import { readStoredKey, resolveApiKey } from "../../src/keys/resolve.js";
import { forgetKey, storeKey } from "../../src/keys/store.js";
import { has, titled } from "../helpers/system-deps.js";

const KEY = randomBytes(24).toString("base64url");
const FAST = { N: 1024, r: 8, p: 1 };

function memoryKeychain(usable = true): SecretStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  const check = () => {
    if (!usable) throw new KeychainError("probe", new Error("no Secret Service"));
  };
  return {
    map,
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

let root: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "fichier-store-"));
  env = { FICHIER_CONFIG_DIR: root };
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("storeKey: choosing the store", () => {
  it("uses the keychain when it works, and records store and date (no secret in the metadata)", async () => {
    const kc = memoryKeychain();
    const now = new Date("2026-03-01T10:00:00Z");
    const r = await storeKey({
      profile: "default",
      key: KEY,
      env,
      keychain: kc,
      passphrase: async () => null,
      now,
    });
    expect(r).toEqual({ store: "keychain", storedAt: now.toISOString() });
    expect(kc.map.get("default")).toBe(KEY);
    const metaText = await readFile(join(root, "keys.json"), "utf8");
    expect(metaText).not.toContain(KEY);
    expect(JSON.parse(metaText)).toEqual({
      version: 1,
      profiles: { default: { store: "keychain", storedAt: now.toISOString() } },
    });
    expect((await stat(join(root, "keys.json"))).mode & 0o777).toBe(0o600);
  });

  it("falls back to the encrypted file when the keychain fails and a passphrase exists", async () => {
    const r = await storeKey({
      profile: "work",
      key: KEY,
      env,
      keychain: memoryKeychain(false),
      passphrase: async () => "pw",
      scrypt: FAST,
      rotationDays: 30,
    });
    expect(r.store).toBe("file");
    expect(r.path).toBe(keyFilePath(root, "work"));
    expect(r.keychainProblem).toMatch(/no Secret Service/);
    expect((await readMeta(root)).profiles.work).toMatchObject({ store: "file", rotationDays: 30 });
    const back = await readStoredKey({
      profile: "work",
      env: { ...env, FICHIER_PASSPHRASE: "pw" },
      keychain: memoryKeychain(false),
    });
    expect(back).toMatchObject({ key: KEY, source: "file" });
  });

  it("refuses to store when there is neither a keychain nor a passphrase, naming the choices (never plaintext)", async () => {
    const error = await storeKey({
      profile: "default",
      key: KEY,
      env,
      keychain: memoryKeychain(false),
      passphrase: async () => null,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSecureStoreError);
    expect((error as NoSecureStoreError).hint).toMatch(/FICHIER_PASSPHRASE.*Secret Service.*FICHIER_API_KEY/);
    await expect(stat(keyFilePath(root, "default"))).rejects.toThrow();
    await expect(stat(join(root, "keys.json"))).rejects.toThrow();
  });

  it("--store file is honoured even with a working keychain, and moving stores leaves one copy", async () => {
    const kc = memoryKeychain();
    await storeKey({ profile: "default", key: KEY, env, keychain: kc, passphrase: async () => null });
    expect(kc.map.has("default")).toBe(true);
    await storeKey({
      profile: "default",
      key: KEY,
      env,
      keychain: kc,
      store: "file",
      passphrase: async () => "pw",
      scrypt: FAST,
    });
    expect(kc.map.has("default")).toBe(false);
    await storeKey({
      profile: "default",
      key: KEY,
      env,
      keychain: kc,
      store: "keychain",
      passphrase: async () => null,
    });
    await expect(stat(keyFilePath(root, "default"))).rejects.toThrow();
    expect(kc.map.get("default")).toBe(KEY);
  });

  it("--store keychain fails loudly when the keychain does not work", async () => {
    await expect(
      storeKey({
        profile: "default",
        key: KEY,
        env,
        keychain: memoryKeychain(false),
        store: "keychain",
        passphrase: async () => "pw",
      }),
    ).rejects.toBeInstanceOf(KeychainError);
  });
});

describe("forgetKey", () => {
  it("removes the key from the keychain, the file and the metadata", async () => {
    const kc = memoryKeychain();
    await storeKey({ profile: "a", key: KEY, env, keychain: kc, passphrase: async () => null });
    await storeKey({
      profile: "b",
      key: KEY,
      env,
      keychain: kc,
      store: "file",
      passphrase: async () => "pw",
      scrypt: FAST,
    });
    expect(await forgetKey({ profile: "a", env, keychain: kc })).toEqual({
      keychain: true,
      file: false,
      metadata: true,
    });
    expect(await forgetKey({ profile: "b", env, keychain: kc })).toEqual({
      keychain: false,
      file: true,
      metadata: true,
    });
    expect(await forgetKey({ profile: "b", env, keychain: kc })).toEqual({
      keychain: false,
      file: false,
      metadata: false,
    });
    expect((await readMeta(root)).profiles).toEqual({});
    await expect(
      resolveApiKey({ env, warn: () => {}, keychain: kc, profile: "a", cwd: root }),
    ).rejects.toThrow(/no 1fichier API key/);
  });

  it("reports a keychain it could not clean when the key was recorded there", async () => {
    const kc = memoryKeychain();
    await storeKey({ profile: "a", key: KEY, env, keychain: kc, passphrase: async () => null });
    const r = await forgetKey({ profile: "a", env, keychain: memoryKeychain(false) });
    expect(r.keychainProblem).toMatch(/no Secret Service/);
  });
});

describe.skipIf(!has("secret-service"))(
  titled("storeKey with the real Secret Service", "secret-service"),
  () => {
    it("picks the OS keychain by default and resolves from it, then forgets it", async () => {
      const profile = `store-${randomBytes(4).toString("hex")}`;
      const r = await storeKey({ profile, key: KEY, env, passphrase: async () => null });
      expect(r.store).toBe("keychain");
      expect(await osKeychain({}).get(profile)).toBe(KEY);
      const resolved = await resolveApiKey({ env, profile, warn: () => {}, cwd: root });
      expect(resolved).toEqual({ key: KEY, source: "keychain", profile, storedAt: r.storedAt });
      expect((await forgetKey({ profile, env })).keychain).toBe(true);
      expect(await osKeychain({}).get(profile)).toBeNull();
    });
  },
);

describe("key metadata under concurrent writers", () => {
  it("keeps every profile when many stores run at once (keys.json is updated under a lock)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fichier-meta-lock-"));
    try {
      const names = Array.from({ length: 12 }, (_, i) => `p${i}`);
      // Unlocked, the twelve reads would all happen before the first write, and only one profile would stay.
      await Promise.all(
        names.map((name) =>
          updateMeta(dir, (m) => {
            m.profiles[name] = { store: "file", storedAt: new Date(0).toISOString() };
          }),
        ),
      );
      expect(Object.keys((await readMeta(dir)).profiles).sort()).toEqual([...names].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
