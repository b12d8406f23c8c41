// The governor against the emulator with `limits: "real"`: a mixed workload without a single flood, in
// close to the minimum time; an injected flood lock holds every request back until it ends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type FichierClient } from "../../../src/api/client.js";
import { FloodError } from "../../../src/api/errors.js";
import type { ClientEvent } from "../../../src/api/types.js";
import { useEmulator } from "../../helpers/emulator.js";
import { scaledClock, uploadOne, virtualClock } from "./support.js";

// The emulator's documented limit (DECISIONS.md): 3 requests/s per key, token bucket with a burst of 3.
const LIMIT_RATE = 3;
const LIMIT_BURST = 3;
// The governor's pace for this workload: rclone's 400 ms (2.5/s) under the limit's 3/s.
const RATE = 2.5;
const BURST = 3;

describe("mixed workload under real limits (virtual clock)", () => {
  const clock = virtualClock();
  const emu = useEmulator({ limits: "real", now: clock.now });
  let client: FichierClient;
  const events: ClientEvent[] = [];

  beforeAll(async () => {
    client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: { shared: false, clock, rate: RATE, burst: BURST, random: () => 0.5 },
      onEvent: (e) => events.push(e),
    });
  });
  afterAll(async () => {
    await client?.close();
  });

  it("200 mixed calls: zero floods, close to the minimum time", async () => {
    const link = await uploadOne(client, "workload.txt", "payload");
    const before = emu.admin.stats();
    const t0 = clock.t;
    const N = 200;
    let lastFolder = 0;
    let failures = 0;
    for (let i = 0; i < N; i++) {
      try {
        switch (i % 10) {
          case 0:
            await client.user.info({ fresh: i === 0 });
            break;
          case 1:
            lastFolder = (await client.folders.create({ name: `w${i}` })).folderId;
            break;
          case 3:
            await client.folders.list({ folderId: lastFolder });
            break;
          case 4:
            await client.download.getToken({ url: link.download });
            break;
          case 5:
            await client.remote.list();
            break;
          case 6:
            await client.files.setAttributes({ urls: [link.download], description: `d${i}` });
            break;
          default:
            await client.files.info({ url: link.download });
        }
      } catch (e) {
        failures++;
        if (e instanceof FloodError) throw e;
      }
    }
    const elapsed = clock.t - t0;
    const after = emu.admin.stats();
    const sent = after.requests - before.requests;
    // Only the first user.info reaches the server; the later ones are served from the 5-minute cache.
    const minGovernor = Math.max(0, ((sent - BURST) / RATE) * 1000);
    const minLimits = Math.max(0, ((sent - LIMIT_BURST) / LIMIT_RATE) * 1000);
    console.log(
      `workload: ${N} calls, ${sent} requests, ${after.floodLocks - before.floodLocks} flood locks, ` +
        `${(elapsed / 1000).toFixed(1)} s (governor minimum ${(minGovernor / 1000).toFixed(1)} s, ` +
        `limits minimum ${(minLimits / 1000).toFixed(1)} s)`,
    );
    expect(failures).toBe(0);
    expect(after.floodLocks - before.floodLocks).toBe(0);
    expect(events.filter((e) => e.type === "flood")).toHaveLength(0);
    expect(sent).toBe(N - Math.floor((N - 1) / 10));
    // Close to the minimum: within 5 % (plus one call) of what the pace allows, and never faster than the limits.
    expect(elapsed).toBeGreaterThanOrEqual(minLimits);
    expect(elapsed).toBeLessThanOrEqual(minGovernor * 1.05 + 1000 / RATE);
  });

  it("the same workload without a governor floods (the test can fail)", async () => {
    clock.t += 120_000;
    const raw = createClient({ apiKey: emu.premium.apiKey, apiUrl: emu.apiUrl, governor: false });
    const link = (await raw.files.list({ folderId: 0 }))[0]!;
    let flood: unknown;
    for (let i = 0; i < 10 && !flood; i++) {
      await raw.files.info({ url: link.url }).catch((e) => {
        flood = e;
      });
    }
    expect(flood).toBeInstanceOf(FloodError);
    await raw.close();
  });
});

describe("an injected flood lock (clock 4 times faster than real time)", () => {
  // The emulator and the governor share one clock: the emulator refuses (#374) any request that arrives
  // before the lock's end on that clock, so "no request during the lock" shows as exactly one refusal and
  // seven requests in all; nothing here reads the wall clock. The clock moves on its own (the calls are
  // concurrent), 4 times faster, so the 2 s lock lasts 0.5 s. Faster (it was 20 times) made a loaded
  // machine's delays of a few real milliseconds look like seconds, bunching the calls after the lock
  // into a second refusal by the emulator's own bucket; a burst of 1 spaces them evenly for the same reason.
  const clock = scaledClock(4);
  const emu = useEmulator({ limits: "real", lockSeconds: 2, now: clock.now });

  it("holds every request back until the lock ends", async () => {
    const events: ClientEvent[] = [];
    const client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: { shared: false, rate: 2, burst: 1, floodLockMs: 2000, clock },
      onEvent: (e) => events.push(e),
    });
    await client.remote.list();
    const lockSeconds = 2;
    emu.admin.lock(emu.premium.apiKey, lockSeconds);
    const lockEnds = clock.now() + lockSeconds * 1000;
    const before = emu.admin.stats().requests;
    let floods = 0;
    let seenFlood: () => void = () => {};
    const flooded = new Promise<void>((r) => {
      seenFlood = r;
    });
    client.governor?.on((e) => {
      if (e.type !== "flood") return;
      floods++;
      seenFlood();
    });
    const first = client.remote.list();
    await flooded;
    // Once the flood is known, five more calls start; none may reach the emulator before the lock ends.
    const more = Promise.all([1, 2, 3, 4, 5].map(() => client.remote.list()));
    await Promise.all([first, more]);
    const total = emu.admin.stats().requests - before;
    expect(floods).toBe(1);
    expect(total).toBe(7);
    expect(clock.now()).toBeGreaterThanOrEqual(lockEnds);
    expect(events.some((e) => e.type === "wait" && e.reason === "flood lock")).toBe(true);
    await client.close();
  });
});
