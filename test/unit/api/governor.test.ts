import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decide, initialBudget, recordFlood, ruleFor } from "../../../src/api/budget.js";
import { FileBudgetStore, keyFingerprint, MemoryBudgetStore } from "../../../src/api/budget-store.js";
import {
  AbortedError,
  AuthError,
  FloodError,
  InvalidNameError,
  NotAllowedError,
  NotFoundError,
  ServerError,
} from "../../../src/api/errors.js";
import { Governor } from "../../../src/api/governor.js";
import { API_RETRY, retryDelayMs } from "../../../src/api/retry-policy.js";
import type { ClientEvent } from "../../../src/api/types.js";
import { fakeClock } from "./fake-clock.js";

const IV = { userInfoMs: 300_000, folderListMs: 30_000, allFilesListMs: 3_600_000 };

describe("budget (pure)", () => {
  it("spends a burst, then paces at the sustained rate", () => {
    const cfg = { rate: 1, burst: 3 };
    let s = initialBudget(0, 3);
    for (let i = 0; i < 3; i++) {
      const d = decide(s, 0, cfg);
      expect(d.waitMs).toBe(0);
      s = d.state;
    }
    const d = decide(s, 0, cfg);
    expect(d.waitMs).toBe(1000);
    expect(d.reason).toBe("rate limit");
    expect(decide(d.state, 1000, cfg).waitMs).toBe(0);
  });

  it("spacing rules: a folder listed once per 30 s, the two listing endpoints sharing it", () => {
    const cfg = { rate: 100, burst: 100 };
    const r1 = ruleFor("folder/ls.cgi", { folder_id: 7 }, IV);
    const r2 = ruleFor("file/ls.cgi", { folder_id: 7 }, IV);
    const other = ruleFor("file/ls.cgi", { folder_id: 8 }, IV);
    expect(r1?.key).toBe(r2?.key);
    let s = decide(initialBudget(0, 100), 0, cfg, r1).state;
    expect(decide(s, 10_000, cfg, r2).waitMs).toBe(20_000);
    expect(decide(s, 10_000, cfg, other).waitMs).toBe(0);
    s = decide(s, 30_000, cfg, r2).state;
    expect(s.rules["list:7"]).toBe(30_000);
    expect(ruleFor("file/ls.cgi", { folder_id: -1 }, IV)?.intervalMs).toBe(3_600_000);
    expect(ruleFor("user/info.cgi", {}, IV)?.intervalMs).toBe(300_000);
    expect(ruleFor("file/info.cgi", {}, IV)).toBeUndefined();
  });

  it("a flood lock blocks everything until it ends, and doubles when repeated", () => {
    const cfg = { baseMs: 30_000, maxMs: 3_600_000, quietMs: 600_000 };
    let s = recordFlood(initialBudget(0, 3), 0, 30_000, cfg);
    expect(s.lockedUntil).toBe(30_000);
    expect(decide(s, 5_000, { rate: 1, burst: 3 }).waitMs).toBe(25_000);
    // The same episode seen by a second call does not count twice.
    expect(recordFlood(s, 1_000, 30_000, cfg)).toBe(s);
    s = recordFlood(s, 40_000, 70_000, cfg);
    expect(s.lockCount).toBe(2);
    expect(s.lockedUntil).toBe(100_000); // 40 s + 60 s, longer than the server's 70 s
    // The server's longer time wins.
    const t = recordFlood(initialBudget(0, 3), 0, 600_000, cfg);
    expect(t.lockedUntil).toBe(600_000);
    // After a quiet hour the doubling starts over.
    const q = recordFlood(s, 5_000_000, 0, cfg);
    expect(q.lockCount).toBe(1);
  });

  it("backoff (API_RETRY) grows exponentially with jitter and honours Retry-After", () => {
    expect(retryDelayMs(API_RETRY, 1, () => 0)).toBe(500);
    expect(retryDelayMs(API_RETRY, 1, () => 0.999_999)).toBeLessThanOrEqual(1000);
    expect(retryDelayMs(API_RETRY, 3, () => 0)).toBe(2000);
    expect(retryDelayMs(API_RETRY, 20, () => 0)).toBe(15_000);
    expect(retryDelayMs(API_RETRY, 1, () => 0, 9000)).toBe(9000);
  });
});

describe("Governor", () => {
  function make(opts: ConstructorParameters<typeof Governor>[0] = {}) {
    const clock = fakeClock();
    const events: ClientEvent[] = [];
    const g = new Governor({
      clock,
      random: () => 0,
      shared: false,
      onEvent: (e) => events.push(e),
      ...opts,
    });
    return { g, clock, events };
  }

  it("paces 10 calls at 1/s after a burst of 3: 7 s, waits announced", async () => {
    const { g, clock, events } = make({ eventThresholdMs: 0 });
    const start = clock.t;
    for (let i = 0; i < 10; i++) await g.run({ endpoint: "file/info.cgi" }, async () => i);
    expect(clock.t - start).toBe(7000);
    expect(events.filter((e) => e.type === "wait")).toHaveLength(7);
    expect(events[0]?.message).toBe("waiting 1 s: rate limit");
  });

  it("caches user info for 5 minutes; fresh waits for the spacing rule", async () => {
    const { g, clock } = make();
    let calls = 0;
    const run = (fresh = false) =>
      g.run({ endpoint: "user/info.cgi", body: {}, cache: true, fresh }, async () => ({ n: ++calls }));
    expect(await run()).toEqual({ n: 1 });
    expect(await run()).toEqual({ n: 1 });
    expect(calls).toBe(1);
    const t0 = clock.t;
    expect(await run(true)).toEqual({ n: 2 });
    expect(clock.t - t0).toBe(300_000);
  });

  it("invalidate('listings') drops cached listings but keeps the spacing", async () => {
    const { g, clock } = make();
    let calls = 0;
    const ls = () =>
      g.run({ endpoint: "folder/ls.cgi", body: { folder_id: 3 }, cache: true }, async () => ++calls);
    await ls();
    await ls();
    expect(calls).toBe(1);
    g.invalidate("listings");
    const t0 = clock.t;
    await ls();
    expect(calls).toBe(2);
    expect(clock.t - t0).toBe(30_000);
  });

  it("retries transient errors with backoff, then gives up", async () => {
    const { g, clock, events } = make({ retry: { attempts: 3 } });
    let n = 0;
    await expect(
      g.run({ endpoint: "file/info.cgi" }, async () => {
        n++;
        throw new ServerError("boom");
      }),
    ).rejects.toBeInstanceOf(ServerError);
    expect(n).toBe(3);
    expect(events.filter((e) => e.type === "retry")).toHaveLength(2);
    expect(clock.sleeps).toContain(500);
    expect(clock.sleeps).toContain(1000);
  });

  it("never retries auth, permission, not-found, invalid-name, or non-idempotent calls", async () => {
    for (const err of [
      new AuthError("a"),
      new NotAllowedError("b"),
      new NotFoundError("c"),
      new InvalidNameError("d"),
    ]) {
      const { g } = make();
      let n = 0;
      await expect(
        g.run({ endpoint: "file/info.cgi" }, async () => {
          n++;
          throw err;
        }),
      ).rejects.toBe(err);
      expect(n).toBe(1);
    }
    const { g } = make();
    let n = 0;
    await expect(
      g.run({ endpoint: "remote/request.cgi", idempotent: false }, async () => {
        n++;
        throw new ServerError("boom");
      }),
    ).rejects.toBeInstanceOf(ServerError);
    expect(n).toBe(1);
  });

  it("a flood pauses every call until the lock ends: no call runs meanwhile", async () => {
    const { g, clock, events } = make();
    const starts: number[] = [];
    let floodedOnce = false;
    const fn = async () => {
      starts.push(clock.t);
      if (!floodedOnce) {
        floodedOnce = true;
        throw new FloodError("flood", { unlockAt: clock.t + 12_000 });
      }
      return "ok";
    };
    const t0 = clock.t;
    await expect(g.run({ endpoint: "file/info.cgi" }, fn)).resolves.toBe("ok");
    // Our own pause (30 s) is longer than the server's 12 s.
    expect(starts).toEqual([t0, t0 + 30_000]);
    expect(events.some((e) => e.type === "flood")).toBe(true);
    expect(events.some((e) => e.type === "wait" && e.reason === "flood lock")).toBe(true);
    expect(g.snapshot().floods).toBe(1);
  });

  it("sleeps are abortable", async () => {
    const clock = fakeClock();
    const ac = new AbortController();
    const g = new Governor({
      shared: false,
      burst: 1,
      clock: {
        now: clock.now,
        sleep: async (ms, signal) => {
          ac.abort();
          return clock.sleep(ms, signal);
        },
      },
    });
    await g.run({ endpoint: "a" }, async () => 1);
    await expect(g.run({ endpoint: "a", signal: ac.signal }, async () => 2)).rejects.toBeInstanceOf(
      AbortedError,
    );
  });
});

describe("FileBudgetStore", () => {
  let dir: string;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("two governors sharing a key share one bucket", async () => {
    dir = await mkdtemp(join(tmpdir(), "fichier-gov-"));
    const clock = fakeClock();
    const mk = () => new Governor({ clock, shared: true, stateDir: dir, burst: 2, rate: 1 }, "KEY-one");
    const a = mk();
    const b = mk();
    await a.run({ endpoint: "x" }, async () => 1);
    await b.run({ endpoint: "x" }, async () => 1);
    const t0 = clock.t;
    await a.run({ endpoint: "x" }, async () => 1);
    expect(clock.t - t0).toBe(1000);
    const file = join(dir, `governor-${keyFingerprint("KEY-one")}.json`);
    const text = await readFile(file, "utf8");
    expect(text).not.toContain("KEY-one");
    // Another key has its own budget.
    const c = new Governor({ clock, shared: true, stateDir: dir, burst: 2, rate: 1 }, "KEY-two");
    const t1 = clock.t;
    await c.run({ endpoint: "x" }, async () => 1);
    expect(clock.t).toBe(t1);
  });

  it("resets a corrupted state file with a warning", async () => {
    dir = await mkdtemp(join(tmpdir(), "fichier-gov-"));
    const fp = keyFingerprint("K");
    await writeFile(join(dir, `governor-${fp}.json`), "{not json");
    const warnings: string[] = [];
    const store = new FileBudgetStore({ dir, fingerprint: fp, burst: 3, warn: (m) => warnings.push(m) });
    const r = await store.transact((s) => ({ state: s, result: s.tokens }));
    expect(r).toBe(3);
    expect(warnings[0]).toMatch(/corrupted/);
    const again = JSON.parse(await readFile(join(dir, `governor-${fp}.json`), "utf8"));
    expect(again.version).toBe(1);
  });

  it("memory store works without a file", async () => {
    const s = new MemoryBudgetStore(0, 2);
    expect(await s.transact((st) => ({ state: st, result: st.tokens }))).toBe(2);
  });
});

describe("Governor: #38 on user/info", () => {
  it("waits out the account-info rule only; other calls are not paused", async () => {
    const clock = fakeClock();
    const g = new Governor({ clock, shared: false, random: () => 0 });
    let n = 0;
    const info = g.run({ endpoint: "user/info.cgi", body: {} }, async () => {
      n++;
      if (n === 1)
        throw new FloodError("Flood detected: IP Locked #38", { code: 38, unlockAt: clock.t + 30_000 });
      return "info";
    });
    const t0 = clock.t;
    await expect(info).resolves.toBe("info");
    expect(clock.t - t0).toBe(300_000);
    // Another endpoint right after is not held by a key-wide lock.
    const t1 = clock.t;
    await g.run({ endpoint: "file/info.cgi" }, async () => 1);
    expect(clock.t - t1).toBeLessThan(1000);
  });
});

describe("Governor: long Retry-After", () => {
  it("throws instead of sleeping 20 minutes on a maintenance page", async () => {
    const clock = fakeClock();
    const g = new Governor({ clock, shared: false, random: () => 0 });
    let n = 0;
    const e = new ServerError("maintenance", { retryAfterMs: 1_200_000 });
    await expect(
      g.run({ endpoint: "x" }, async () => {
        n++;
        throw e;
      }),
    ).rejects.toBe(e);
    expect(n).toBe(1);
    expect(clock.sleeps.every((ms) => ms < 60_000)).toBe(true);
  });
});

describe("FileBudgetStore fallback", () => {
  it("an unusable state dir falls back to memory with a warning, and calls still work", async () => {
    const base = await mkdtemp(join(tmpdir(), "fichier-gov-ro-"));
    try {
      // A file where the directory should be: mkdir fails.
      const blocker = join(base, "not-a-dir");
      await writeFile(blocker, "x");
      const warnings: string[] = [];
      const clock = fakeClock();
      const g = new Governor(
        {
          clock,
          shared: true,
          stateDir: join(blocker, "sub"),
          burst: 2,
          rate: 1,
          onEvent: (e) => warnings.push(e.message),
        },
        "K",
      );
      for (let i = 0; i < 3; i++) await g.run({ endpoint: "x" }, async () => i);
      expect(warnings.some((w) => /unusable/.test(w))).toBe(true);
      expect(warnings.filter((w) => /unusable/.test(w))).toHaveLength(1);
      // Still paced: 3 calls with a burst of 2 at 1/s.
      expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(1000);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe("Governor: parallel identical listings", () => {
  it("share one request instead of waiting for the spacing", async () => {
    const clock = fakeClock();
    const g = new Governor({ clock, shared: false });
    let n = 0;
    const ls = () =>
      g.run({ endpoint: "folder/ls.cgi", body: { folder_id: 5 }, cache: true }, async () => {
        n++;
        await Promise.resolve();
        return "listing";
      });
    const t0 = clock.t;
    expect(await Promise.all([ls(), ls(), ls()])).toEqual(["listing", "listing", "listing"]);
    expect(n).toBe(1);
    expect(clock.t - t0).toBe(0);
  });
});

describe("Governor: non-idempotent calls and floods", () => {
  it("re-sends a refused (flooded) non-idempotent call after the lock", async () => {
    const clock = fakeClock();
    const g = new Governor({ clock, shared: false, random: () => 0 });
    let n = 0;
    const r = await g.run({ endpoint: "file/cp.cgi", idempotent: false }, async () => {
      n++;
      if (n === 1) throw new FloodError("flood #374", { code: 374, unlockAt: clock.t + 1000 });
      return "copied";
    });
    expect(r).toBe("copied");
    expect(n).toBe(2);
  });
});
