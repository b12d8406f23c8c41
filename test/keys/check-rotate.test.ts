// The online check's cheat-sheet mapping (with the client's real error classes) and the rotation flow's
// decisions, driven through the real client against the emulator.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { AuthError, EntitlementError, FloodError, NetworkError } from "../../src/api/errors.js";
import {
  type AccountInfo,
  cheatSheet,
  checkKeyOnline,
  InvalidKeyError,
  KeyCheckRateLimitedError,
  PremiumRequiredError,
} from "../../src/keys/check.js";
import type { KeyError } from "../../src/keys/errors.js";
import { CONSOLE_URL, consoleUrlFor, rotateKey } from "../../src/keys/rotate.js";
import type { StoredKey } from "../../src/keys/store.js";
import { clearSecrets, redact } from "../../src/redact.js";
import { useEmulator } from "../helpers/emulator.js";

describe("cheatSheet", () => {
  it("maps AuthError to the invalid-key answer (exit 4)", () => {
    const e = cheatSheet(new AuthError("Not authenticated #247", { code: 247, httpStatus: 401 }));
    expect(e).toBeInstanceOf(InvalidKeyError);
    expect((e as KeyError).exitCode).toBe(4);
    expect((e as KeyError).hint).toMatch(
      /console\/params\.pl \(Parameters, Get my API key\).*fichier key set/,
    );
  });

  it("maps EntitlementError to premium required (exit 5)", () => {
    const e = cheatSheet(new EntitlementError("Must be a customer (Premium, Access) #200", { code: 200 }));
    expect(e).toBeInstanceOf(PremiumRequiredError);
    expect((e as KeyError).exitCode).toBe(5);
    expect((e as KeyError).message).toMatch(/Premium or Access/);
  });

  it("maps FloodError to rate-limited with the unlock time (exit 6)", () => {
    const unlockAt = Date.parse("2026-05-01T10:00:00Z");
    const e = cheatSheet(new FloodError("Flood detected: IP Locked #38", { code: 38, unlockAt }));
    expect(e).toBeInstanceOf(KeyCheckRateLimitedError);
    expect((e as KeyCheckRateLimitedError).unlockAt).toBe(unlockAt);
    expect((e as KeyError).exitCode).toBe(6);
    expect((e as KeyError).hint).toMatch(/^retry once the lock ends/);
    expect((e as KeyError).hint).not.toMatch(/2026/);
  });

  it("lets other errors through unchanged", () => {
    const e = new NetworkError("connection refused");
    expect(cheatSheet(e)).toBe(e);
  });
});

describe("consoleUrlFor", () => {
  it("points at the real console for the real API, at the emulator's otherwise", () => {
    expect(consoleUrlFor(undefined)).toBe(CONSOLE_URL);
    expect(consoleUrlFor("https://api.1fichier.com/v1")).toBe(CONSOLE_URL);
    expect(consoleUrlFor("http://127.0.0.1:9999/v1")).toBe("http://127.0.0.1:9999/console/params.pl");
  });
});

describe("rotateKey against the emulator", () => {
  const emu = useEmulator();
  const stores: string[] = [];
  const store = async (key: string): Promise<StoredKey> => {
    stores.push(key);
    return { store: "file", storedAt: new Date().toISOString() };
  };
  // Each check gets its own governor state (user/info is spaced 5 min per key across processes).
  const check = (apiKey: string, what: string): Promise<AccountInfo> =>
    checkKeyOnline({ apiKey, apiUrl: emu.apiUrl, what, governor: { shared: false } });

  afterAll(() => {
    clearSecrets();
  });

  it("a regenerated key: the old one is refused, the new one stored and registered with the redactor", async () => {
    const a = emu.admin.createAccount({ email: `r-${randomBytes(3).toString("hex")}@example.org`, offer: 1 });
    const next = emu.admin.regenerateKey(a.email);
    const r = await rotateKey({
      oldKey: a.apiKey,
      oldSource: "file",
      readNewKey: async () => `${next}\n`,
      check,
      store,
    });
    expect(r).toMatchObject({ oldKeyRefused: true, account: { email: a.email, offer: 1 } });
    expect(r.oldKeyProblem).toBeUndefined();
    expect(stores.at(-1)).toBe(next);
    expect(redact(next)).toBe(`****${next.slice(-4)}`);
  });

  it("a new key that is refused stops before anything is stored", async () => {
    const a = emu.admin.createAccount({ email: `x-${randomBytes(3).toString("hex")}@example.org`, offer: 1 });
    const before = stores.length;
    const bogus = randomBytes(24).toString("base64url");
    await expect(
      rotateKey({ oldKey: a.apiKey, oldSource: "file", readNewKey: async () => bogus, check, store }),
    ).rejects.toBeInstanceOf(InvalidKeyError);
    expect(stores.length).toBe(before);
  });

  it("when the old key cannot be checked, the new key is stored and the doubt reported", async () => {
    const a = emu.admin.createAccount({ email: `n-${randomBytes(3).toString("hex")}@example.org`, offer: 1 });
    const next = emu.admin.regenerateKey(a.email);
    const r = await rotateKey({
      oldKey: a.apiKey,
      oldSource: "file",
      readNewKey: async () => next,
      check: (key, what) =>
        key === next
          ? check(key, what)
          : checkKeyOnline({
              apiKey: key,
              apiUrl: "http://127.0.0.1:9/v1",
              what,
              governor: { shared: false, retry: { attempts: 1 } },
            }),
      store,
    });
    expect(r.oldKeyRefused).toBeNull();
    expect(r.oldKeyProblem).toMatch(/could not confirm the old key is refused/);
    expect(stores.at(-1)).toBe(next);
  });

  it("refuses an empty answer and the current key", async () => {
    const a = emu.admin.createAccount({ email: `e-${randomBytes(3).toString("hex")}@example.org`, offer: 1 });
    await expect(
      rotateKey({ oldKey: a.apiKey, oldSource: "file", readNewKey: async () => " \n", check, store }),
    ).rejects.toThrow(/no new key was given/);
    await expect(
      rotateKey({ oldKey: a.apiKey, oldSource: "file", readNewKey: async () => a.apiKey, check, store }),
    ).rejects.toThrow(/the current key, not a new one/);
  });
});
