// The keychain store against a real Secret Service: gnome-keyring under dbus-run-session (.ci/with-services sets
// FICHIER_TEST_SECRET_SERVICE=1). What the library wrote is checked independently: over D-Bus with dbus-send (the
// item exists in gnome-keyring with our attributes) and by a second process reading it back.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { KeychainError } from "../../src/keys/errors.js";
import { KEYCHAIN_SERVICE, osKeychain } from "../../src/keys/keychain.js";
import { has, titled } from "../helpers/system-deps.js";

const run = promisify(execFile);
const hasSecretService = has("secret-service");
const PROFILE = `test-${randomBytes(4).toString("hex")}`;
const KEY = randomBytes(24).toString("base64url"); // 32 characters of the key alphabet

/** Unlocked items of gnome-keyring matching our attributes, asked over D-Bus with dbus-send (package dbus). */
async function searchItems(profile: string): Promise<string[]> {
  const { stdout } = await run("dbus-send", [
    "--session",
    "--print-reply",
    "--dest=org.freedesktop.secrets",
    "/org/freedesktop/secrets",
    "org.freedesktop.Secret.Service.SearchItems",
    `dict:string:string:service,${KEYCHAIN_SERVICE},username,${profile}`,
  ]);
  // The reply is two arrays of object paths: unlocked items, then locked ones.
  const [unlocked = ""] = stdout.split(/\n\s*array \[/).slice(1);
  return [...unlocked.matchAll(/object path "([^"]+)"/g)].map((m) => m[1] ?? "");
}

async function readInOtherProcess(profile: string): Promise<string> {
  const script = `import { Entry } from "@napi-rs/keyring";
process.stdout.write(JSON.stringify(new Entry(${JSON.stringify(KEYCHAIN_SERVICE)}, ${JSON.stringify(profile)}).getPassword()));`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
    cwd: process.cwd(),
  });
  return JSON.parse(stdout) as string;
}

describe.skipIf(!hasSecretService)(
  titled("keychain store on a real Secret Service", "secret-service"),
  () => {
    const kc = osKeychain({});
    afterAll(async () => {
      await kc.delete(PROFILE).catch(() => undefined);
    });

    it("is usable (probe writes, reads back and deletes)", async () => {
      await expect(kc.probe()).resolves.toBeUndefined();
      expect(await searchItems("__fichier_probe__")).toEqual([]);
    });

    it("stores into gnome-keyring, visible over D-Bus and to another process", async () => {
      expect(await kc.get(PROFILE)).toBeNull();
      await kc.set(PROFILE, KEY);
      expect(await kc.get(PROFILE)).toBe(KEY);
      // One unlocked item in gnome-keyring's collection, found by our attributes.
      const items = await searchItems(PROFILE);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatch(/^\/org\/freedesktop\/secrets\/collection\//);
      expect(await readInOtherProcess(PROFILE)).toBe(KEY);
    });

    it("overwrites on a second set and deletes for real", async () => {
      const next = randomBytes(24).toString("base64url");
      await kc.set(PROFILE, next);
      expect(await readInOtherProcess(PROFILE)).toBe(next);
      expect(await kc.delete(PROFILE)).toBe(true);
      expect(await kc.delete(PROFILE)).toBe(false);
      expect(await kc.get(PROFILE)).toBeNull();
      expect(await searchItems(PROFILE)).toEqual([]);
    });
  },
);

describe("keychain store without a keychain", () => {
  it("FICHIER_KEYCHAIN=off makes every use fail with the fix", async () => {
    const kc = osKeychain({ FICHIER_KEYCHAIN: "off" });
    const error = await kc.probe().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeychainError);
    expect((error as KeychainError).hint).toMatch(/--store file/);
    await expect(kc.set("x", KEY)).rejects.toBeInstanceOf(KeychainError);
  });
});
