// 10 clients × 60 mixed calls at once through the gateway to the emulator with its real limits, on one
// clock running 20 times faster than real time (emulator and gateway governor share it): no flood lock at the
// emulator, every call answered (OK, or 429 with Retry-After when the allowed wait is short), none lost.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/api/client.js";
import { uploadFile } from "../../src/transfer/upload.js";
import { FAST, scaledClock } from "../integration/client/support.js";
import { type GatewayHarness, withGateway } from "./support.js";

const CLIENTS = 10;
const CALLS = 60;

/**
 * One client's i-th call: listings and account info (served from the gateway's cache within their spacing),
 * file info and download tokens (each one a call to the emulator).
 */
function mixed(i: number, c: number, url: string): [string, Record<string, unknown>] {
  switch ((i + c) % 6) {
    case 0:
      return ["folder/ls.cgi", { folder_id: 0 }];
    case 1:
      return ["user/info.cgi", {}];
    case 2:
    case 3:
      return ["download/get_token.cgi", { url }];
    case 4:
      return ["file/ls.cgi", { folder_id: 0 }];
    default:
      return ["file/info.cgi", { url }];
  }
}

async function load(h: GatewayHarness, url: string) {
  const tokens = await Promise.all(
    Array.from({ length: CLIENTS }, (_, c) =>
      h.token(`client${c}`, { scopes: ["read", "download", "manage", "account"] }),
    ),
  );
  const answers = await Promise.all(
    tokens.map(async (t, c) => {
      const out: {
        endpoint: string;
        status: number;
        ok: boolean;
        retryAfter: string | null;
        message?: unknown;
      }[] = [];
      for (let i = 0; i < CALLS; i++) {
        const [endpoint, body] = mixed(i, c, url);
        const r = await h.call(endpoint, t, body);
        const ok = r.json.status === "OK" || (r.status === 200 && r.json.status === undefined);
        out.push({
          endpoint,
          status: r.status,
          ok,
          retryAfter: r.headers.get("retry-after"),
          message: r.json.message,
        });
      }
      return out;
    }),
  );
  return answers.flat();
}

async function setUp(maxWaitMs: number) {
  const clock = scaledClock(20);
  const h = await withGateway({
    emulator: { limits: "real", now: clock.now },
    // One call a second, no burst: the scaled clock turns 50 ms of event-loop jitter into a second, and
    // calls released apart must not reach the emulator's 3-per-second bucket together.
    governor: { shared: false, clock, rate: 1, burst: 1, random: () => 0.5 },
    gateway: { maxWaitMs },
  });
  const tmp = await mkdtemp(join(tmpdir(), "fichier-gw-load-"));
  await writeFile(join(tmp, "f.bin"), randomBytes(2000));
  const client = createClient({ apiKey: await h.token("setup"), apiUrl: h.gw.apiUrl, governor: FAST });
  const { url } = await uploadFile(client, { path: join(tmp, "f.bin") });
  await client.close();
  await rm(tmp, { recursive: true, force: true });
  return { h, url };
}

describe("load: 10 clients × 60 mixed calls under the real limits", () => {
  it("a patient queue (max-wait 10 min): every call OK, no flood lock", async () => {
    const { h, url } = await setUp(600_000);
    try {
      const before = h.emu.admin.stats().floodLocks;
      const sent = h.emu.admin.stats().requests;
      const answers = await load(h, url);
      console.log(
        `load, patient: ${answers.length} calls, ${h.emu.admin.stats().requests - sent} reached the emulator`,
      );
      expect(answers).toHaveLength(CLIENTS * CALLS);
      expect(answers.filter((a) => !(a.status === 200 && a.ok))).toEqual([]);
      expect(h.emu.admin.stats().floodLocks - before).toBe(0);
      expect(h.gw.governor.snapshot().floods).toBe(0);
    } finally {
      await h.close();
    }
  });

  it("a short max-wait (5 s): some 429 with Retry-After, the rest OK, none lost, no flood lock", async () => {
    const { h, url } = await setUp(5_000);
    try {
      const before = h.emu.admin.stats().floodLocks;
      const answers = await load(h, url);
      expect(answers).toHaveLength(CLIENTS * CALLS);
      const refused = answers.filter((a) => a.status === 429);
      console.log(
        `load, max-wait 5 s: ${answers.length} calls, ${refused.length} answered 429 with Retry-After`,
      );
      expect(refused.length).toBeGreaterThan(0);
      for (const a of refused) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(answers.filter((a) => a.status !== 429 && !(a.status === 200 && a.ok))).toEqual([]);
      expect(h.emu.admin.stats().floodLocks - before).toBe(0);
      const logged = h.records.filter((r) => r.reason === "max-wait");
      expect(logged).toHaveLength(refused.length);
    } finally {
      await h.close();
    }
  });
});
