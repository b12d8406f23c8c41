// The governor's waits, on a fake clock: failures that never reached the server cost no rate limit, every
// wait is bounded (maxWaitMs, the timer's range, distrusted locks and state files), floodRetries 0 fails at
// once even on a saved lock.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { initialBudget } from "../../../src/api/budget.js";
import { keyFingerprint } from "../../../src/api/budget-store.js";
import {
  AbortedError,
  AuthError,
  FloodError,
  NetworkError,
  ServerError,
  TimeoutError,
} from "../../../src/api/errors.js";
import { Governor, type GovernorOptions, systemClock } from "../../../src/api/governor.js";
import { MAX_TIMER_MS } from "../../../src/api/retry-policy.js";
import type { ClientEvent } from "../../../src/api/types.js";
import { fakeClock } from "./fake-clock.js";

function make(opts: GovernorOptions = {}, apiKey?: string) {
  const clock = fakeClock();
  const events: ClientEvent[] = [];
  const g = new Governor(
    { clock, random: () => 0, shared: false, onEvent: (e) => events.push(e), ...opts },
    apiKey,
  );
  return { g, clock, events };
}

const info = (g: Governor, fn: () => Promise<unknown>) =>
  g.run({ endpoint: "user/info.cgi", body: {}, cache: true, fresh: true }, fn);

describe("a call that never reached the server costs no rate limit", () => {
  it("connection refused on user/info.cgi: retried after the backoff only, never the 5-minute spacing", async () => {
    const { g, clock } = make();
    let n = 0;
    const refused = () => {
      n++;
      return Promise.reject(new NetworkError("user/info.cgi: network failure (ECONNREFUSED)"));
    };
    await expect(info(g, refused)).rejects.toBeInstanceOf(NetworkError);
    expect(n).toBe(5);
    // 1, 2, 4, 8 s at the jitter's low end: the backoff, and nothing else.
    expect(clock.sleeps).toEqual([500, 1000, 2000, 4000]);
    // The next command (or a retry of it) is not behind a spacing stamp it never used.
    const t0 = clock.t;
    await expect(info(g, async () => "ok")).resolves.toBe("ok");
    expect(clock.t).toBe(t0);
  });

  it("a timeout before any answer gives its token back too; one after headers (an answer) does not", async () => {
    const { g, clock } = make({ burst: 1, rate: 1 });
    await expect(
      g.run({ endpoint: "file/info.cgi", idempotent: false }, () =>
        Promise.reject(new TimeoutError("no answer in time")),
      ),
    ).rejects.toBeInstanceOf(TimeoutError);
    const t0 = clock.t;
    await g.run({ endpoint: "file/info.cgi" }, async () => 1);
    expect(clock.t - t0).toBe(0);
    clock.t += 1000; // the bucket refills
    await expect(
      g.run({ endpoint: "file/info.cgi", idempotent: false }, () =>
        Promise.reject(new TimeoutError("body stalled", { httpStatus: 200 })),
      ),
    ).rejects.toBeInstanceOf(TimeoutError);
    await g.run({ endpoint: "file/info.cgi" }, async () => 2);
    expect(clock.sleeps).toEqual([1000]);
  });

  it("a refused key gives back its spacing stamp: a second check of a wrong key does not wait 5 minutes", async () => {
    const { g, clock } = make();
    const refused = () => Promise.reject(new AuthError("Not authenticated #247", { httpStatus: 401 }));
    await expect(info(g, refused)).rejects.toBeInstanceOf(AuthError);
    await expect(info(g, refused)).rejects.toBeInstanceOf(AuthError);
    expect(clock.sleeps).toEqual([]);
  });

  it("the control: an answered server error keeps the stamp, so its retry waits for the folder's spacing", async () => {
    const { g, clock } = make({ retry: { attempts: 2 } });
    let n = 0;
    await g.run({ endpoint: "folder/ls.cgi", body: { folder_id: 3 } }, async () => {
      if (++n === 1) throw new ServerError("boom", { httpStatus: 500 });
      return "ok";
    });
    expect(clock.sleeps).toEqual([500, 29_500]);
  });
});

describe("every wait is bounded", () => {
  it("a wait longer than maxWaitMs ends the call with a FloodError naming the unlock time", async () => {
    const { g, clock } = make({ maxWaitMs: 10_000 });
    await info(g, async () => 1);
    const e = await info(g, async () => 2).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FloodError);
    expect((e as FloodError).unlockAt).toBe(clock.t + 300_000);
    expect((e as FloodError).message).toMatch(/asks for a 300 s wait, longer than the 10 s allowed/);
    expect((e as FloodError).hint).toMatch(/--max-wait/);
    // The time is said once, by the caller (the command line prints unlockAt in local time).
    expect((e as FloodError).hint).not.toMatch(/\d\d:\d\d/);
    expect(clock.sleeps).toEqual([]);
  });

  it("Retry-After: 3000000 on a flood answer is distrusted: fichier's own 30 s pause, one warning", async () => {
    const { g, clock, events } = make();
    let n = 0;
    const r = await g.run({ endpoint: "file/info.cgi" }, async () => {
      if (++n === 1) {
        throw new FloodError("Flood detected #374", { code: 374, unlockAt: clock.t + 3_000_000_000 });
      }
      return "ok";
    });
    expect(r).toBe("ok");
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(30_250);
    expect(events.filter((e) => e.type === "warning")).toHaveLength(1);
    expect(events.find((e) => e.type === "warning")?.message).toMatch(/833 h pause, longer than/);
  });

  it("floodRetries 0 fails at once on a lock saved by an earlier call, naming its end", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fichier-gov-lock-"));
    try {
      const clock = fakeClock();
      const first = new Governor({ clock, stateDir: dir, floodRetries: 0 }, "KEY-A");
      const flood = new FloodError("Flood detected #374", { code: 374, unlockAt: clock.t + 600_000 });
      await expect(first.run({ endpoint: "a" }, () => Promise.reject(flood))).rejects.toBe(flood);
      const second = new Governor({ clock, stateDir: dir, floodRetries: 0 }, "KEY-A");
      const e = await second.run({ endpoint: "b" }, async () => "called").catch((x: unknown) => x);
      expect(e).toBeInstanceOf(FloodError);
      expect((e as FloodError).unlockAt).toBeGreaterThanOrEqual(clock.t + 600_000);
      expect(clock.sleeps).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe("systemClock.sleep", () => {
    afterEach(() => vi.restoreAllMocks());
    it("never hands a Node timer more than 2^31 - 1 ms (a longer one fires after 1 ms)", async () => {
      const spy = vi.spyOn(globalThis, "setTimeout");
      const ac = new AbortController();
      const p = systemClock.sleep(3_000_000_000, ac.signal);
      ac.abort();
      await expect(p).rejects.toBeInstanceOf(AbortedError);
      expect(spy.mock.calls[0]?.[1]).toBe(MAX_TIMER_MS);
    });
  });
});

describe("a shared state file with impossible values is distrusted", () => {
  let dir: string;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, (now: number) => Record<string, unknown>, RegExp][] = [
    ["locked for 10 years", (now) => ({ lockedUntil: now + 10 * 365 * 86_400_000 }), /lock .* longer than/],
    ["owing 1e15 calls", () => ({ tokens: -1e15 }), /-1000000000000000 tokens/],
    ["a spacing stamp in 2100", () => ({ rules: { "user-info": Date.UTC(2100, 0, 1) } }), /in the future/],
  ];
  for (const [what, budget, why] of cases) {
    it(`${what}: one warning, the file reset, the call made without waiting`, async () => {
      dir = await mkdtemp(join(tmpdir(), "fichier-gov-bad-"));
      const clock = fakeClock();
      const file = join(dir, `governor-${keyFingerprint("KEY-B")}.json`);
      const state = { ...initialBudget(clock.t, 3), ...budget(clock.t) };
      await writeFile(file, JSON.stringify({ version: 1, budget: state, cache: {} }));
      const warnings: string[] = [];
      const g = new Governor(
        { clock, stateDir: dir, onEvent: (e) => e.type === "warning" && warnings.push(e.message) },
        "KEY-B",
      );
      for (let i = 0; i < 2; i++) {
        await g.run({ endpoint: "user/info.cgi", body: {}, cache: true }, async () => "info");
      }
      expect(clock.sleeps).toEqual([]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(why);
      expect(warnings[0]).toMatch(/it was reset/);
      const after = JSON.parse(await readFile(file, "utf8")) as { budget: { tokens: number } };
      expect(after.budget.tokens).toBeGreaterThanOrEqual(0);
    });
  }
});
