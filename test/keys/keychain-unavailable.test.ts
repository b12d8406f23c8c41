// A headless machine with no Secret Service: the probe must fail, so `key set` falls back to the encrypted
// file instead of "storing" into nothing. Own test file so this process never connected to the real bus:
// libdbus keeps its first connection, so the address must be wrong before the first keychain call.
import { describe, expect, it } from "vitest";
import { KeychainError } from "../../src/keys/errors.js";
import { osKeychain } from "../../src/keys/keychain.js";

process.env.DBUS_SESSION_BUS_ADDRESS = "unix:path=/nonexistent/fichier-bus";

describe("keychain store on a machine without a Secret Service", () => {
  it("fails the probe and every write with the fix", async () => {
    const kc = osKeychain({});
    const error = await kc.probe().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeychainError);
    expect((error as KeychainError).message).toMatch(/keychain is not usable/);
    await expect(kc.set("default", "x".repeat(32))).rejects.toBeInstanceOf(KeychainError);
  });
});
