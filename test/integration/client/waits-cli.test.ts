// Waits that must not cost minutes or spin, tested on the BUILT command (`npm run build` first): no server
// at all, a lock saved by an earlier run with FICHIER_FLOOD_RETRIES=0, a state file holding impossible
// values, and a flood answer asking for 3 000 000 s. Exit codes and messages are asserted, never durations:
// the retry policy bounds them. A canary key must appear in no output.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initialBudget } from "../../../src/api/budget.js";
import { stateFingerprint } from "../../../src/api/budget-store.js";
import { assertBuilt, captured, type RunResult, run } from "../../cli/support.js";
import { useEmulator } from "../../helpers/emulator.js";
import { type ScriptedServer, scriptedServer } from "../../helpers/scripted-server.js";

const emu = useEmulator();
const CANARY = randomBytes(24).toString("base64url");

beforeAll(async () => {
  assertBuilt();
  emu.admin.createAccount({
    email: `waits-${randomBytes(3).toString("hex")}@example.org`,
    offer: 1,
    apiKey: CANARY,
  });
});
afterAll(async () => {
  for (const out of captured) expect(out).not.toContain(CANARY);
});

/** The closing error line, and every `fichier:` line of stderr. */
const lines = (r: RunResult) => r.stderr.split("\n").filter((l) => l.startsWith("fichier: "));
const errorLine = (r: RunResult) => lines(r).at(-1) ?? "";

/** A governor state folder holding `budget` (merged over a fresh one) for the canary key. */
async function stateWith(budget: (now: number) => Record<string, unknown>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "fichier-state-"));
  const now = Date.now();
  const state = { version: 1, budget: { ...initialBudget(now, 3), ...budget(now) }, cache: {} };
  await writeFile(join(dir, `governor-${stateFingerprint(CANARY, emu.apiUrl)}.json`), JSON.stringify(state));
  return dir;
}

const env = (extra: Record<string, string> = {}) => ({ FICHIER_API_KEY: CANARY, ...extra });

describe("no server: exit 7 naming the cause, paced by the backoff only", () => {
  it("ls against http://127.0.0.1:1/v1", async () => {
    const r = await run(["--api-url", "http://127.0.0.1:1/v1", "ls"], { env: env() });
    expect(r.code, r.stderr).toBe(7);
    expect(errorLine(r)).toMatch(
      /^fichier: folder\/ls\.cgi: network failure \(connect ECONNREFUSED 127\.0\.0\.1:1\)/,
    );
    expect(r.stderr).not.toMatch(/waiting/);
    expect(r.stderr.match(/^fichier: retrying folder\/ls\.cgi in [1-8] s/gm)).toHaveLength(4);
  });

  it("does not inherit another service's lock or spacing (the state is per key and service)", async () => {
    // The emulator locked this key for 10 minutes; the same key against another server owes it nothing.
    const dir = await stateWith((now) => ({ lockedUntil: now + 600_000, lockCount: 1, lastLockAt: now }));
    const r = await run(["--api-url", "http://127.0.0.1:1/v1", "ls"], {
      env: env({ FICHIER_STATE_DIR: dir }),
    });
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).not.toMatch(/waiting|flood lock/);
  });
});

describe("saved locks and state files", () => {
  it("FICHIER_FLOOD_RETRIES=0 fails at once on a lock an earlier run saved, naming its end", async () => {
    const dir = await stateWith((now) => ({ lockedUntil: now + 600_000, lockCount: 1, lastLockAt: now }));
    const r = await run(["--api-url", emu.apiUrl, "about"], {
      env: env({ FICHIER_STATE_DIR: dir, FICHIER_FLOOD_RETRIES: "0" }),
    });
    expect(r.code, r.stderr).toBe(6);
    const left = errorLine(r).match(/paused by a flood lock\. Locked until \d\d:\d\d:\d\d \(in (\d+) s\)/);
    expect(left, errorLine(r)).not.toBeNull();
    // The saved lock, counted from when the command read it: at most its 600 s, less the command's start-up
    // (seconds on a loaded machine), never a lock it reset or made up.
    expect(Number(left?.[1])).toBeGreaterThan(500);
    expect(Number(left?.[1])).toBeLessThanOrEqual(600);
    expect(r.stderr).not.toMatch(/waiting/);
  });

  for (const [what, budget, why] of [
    [
      "locked for 10 years",
      (now: number) => ({ lockedUntil: now + 10 * 365 * 86_400_000 }),
      /a lock \d+ min long/,
    ],
    ["owing 1e15 calls", () => ({ tokens: -1e15 }), /-1000000000000000 tokens in the bucket/],
  ] as const) {
    it(`a state file ${what} is distrusted: one warning, reset, the call made`, async () => {
      const dir = await stateWith(budget);
      const r = await run(["--api-url", emu.apiUrl, "about"], { env: env({ FICHIER_STATE_DIR: dir }) });
      expect(r.code, r.stderr).toBe(0);
      const warnings = lines(r).filter((l) => /held impossible values/.test(l));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(why);
      expect(lines(r)).toHaveLength(1);
      expect(r.stdout).toMatch(/Premium/);
    });
  }
});

describe("a flood answer asking for Retry-After: 3000000", () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await scriptedServer((_req, res) => {
      res.writeHead(403, { "content-type": "application/json", "retry-after": "3000000" });
      res.end(JSON.stringify({ status: "KO", message: "Flood detected: IP Locked #374" }));
    });
  });
  afterAll(() => server.close());

  it("ends with exit 6 at once, does not spin, and saves no 34-day lock", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fichier-state-"));
    const r = await run(["--api-url", `${server.origin}/v1`, "about"], {
      env: env({ FICHIER_STATE_DIR: dir, FICHIER_FLOOD_RETRIES: "0" }),
    });
    expect(r.code, r.stderr).toBe(6);
    expect(lines(r).length).toBeLessThanOrEqual(3);
    expect(lines(r).some((l) => /asked for a 833 h pause, longer than a flood lock lasts/.test(l))).toBe(
      true,
    );
    // The unlock time said is fichier's own pause, not the distrusted 34 days.
    expect(errorLine(r)).toMatch(/Flood detected: IP Locked\. Locked until \d\d:\d\d:\d\d \(in (29|30) s\)/);
    const saved = JSON.parse(
      await readFile(join(dir, `governor-${stateFingerprint(CANARY, `${server.origin}/v1`)}.json`), "utf8"),
    ) as {
      budget: { lockedUntil: number };
    };
    expect(saved.budget.lockedUntil - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect(server.requests).toHaveLength(1);
  });
});
