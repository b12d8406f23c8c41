// The HTTP admin API (contract: `POST <webUrl>/_emulator/<method>`, header X-Emulator-Admin, JSON arguments),
// which is how tests drive a spawned emulator: every method, and refusal without the token.
import { describe, expect, it } from "vitest";
import { fixedClock } from "../helpers/emulator.js";
import { ko, useHarness } from "./support/http.js";

const h = useHarness({ limits: "real", now: fixedClock("2026-04-04T04:00:00Z") });

const step = () => h.em.admin.advanceClock(1_000); // keep clear of the 3/s bucket between calls

describe("HTTP admin API", () => {
  it.each([
    "stats",
    "createAccount",
    "regenerateKey",
    "disableApi",
    "advanceClock",
    "setFaults",
    "lock",
    "expireTokens",
  ])("%s without the admin token is refused with a 4xx", async (method) => {
    const r = await h.raw.fetch(`${h.em.webUrl}/_emulator/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  it("createAccount, disableApi", async () => {
    const c = await h.raw.admin("createAccount", { email: "http@emulator.local", offer: 1 });
    expect(c.status).toBe(200);
    expect(c.json).toMatchObject({ email: "http@emulator.local", offer: 1 });
    const key: string = c.json.apiKey;
    step();
    expect((await h.raw.api("folder/mkdir.cgi", { name: "by-http" }, key)).status).toBe(200);
    expect((await h.raw.admin("disableApi", { email: "http@emulator.local" })).status).toBe(200);
    step();
    const r = await h.raw.api("folder/mkdir.cgi", { name: "by-http-2" }, key);
    expect(r.status).toBe(401);
    expect(r.json).toEqual(ko("Not authenticated #247"));
  });

  it("regenerateKey answers the new key", async () => {
    await h.raw.admin("createAccount", { email: "http-rot@emulator.local", offer: 2 });
    const r = await h.raw.admin("regenerateKey", { email: "http-rot@emulator.local" });
    expect(r.status).toBe(200);
    const fresh = typeof r.json === "string" ? r.json : r.json.apiKey;
    expect(fresh).toMatch(/^[A-Za-z0-9_=-]{32}$/);
    step();
    expect((await h.raw.api("folder/mkdir.cgi", { name: "rotated" }, fresh)).status).toBe(200);
  });

  it("lock and advanceClock: a lock injected over HTTP ends when the clock moves past it", async () => {
    expect((await h.raw.admin("lock", { apiKey: h.access, seconds: 20 })).status).toBe(200);
    step();
    const locked = await h.raw.api("folder/mkdir.cgi", { name: "locked" }, h.access);
    expect(locked.status).toBe(403);
    expect(locked.json).toEqual(ko("Flood detected: IP Locked #374"));
    expect((await h.raw.admin("advanceClock", { ms: 21_000 })).status).toBe(200);
    expect((await h.raw.api("folder/mkdir.cgi", { name: "unlocked" }, h.access)).status).toBe(200);
  });

  it("expireTokens over HTTP expires issued tokens", async () => {
    step();
    const up = await h.raw.upload(h.premium, "tok.txt", "t");
    step();
    const url = await h.raw.token(h.premium, up.url);
    expect((await h.raw.admin("expireTokens", {})).status).toBe(200);
    expect((await h.raw.fetch(url)).status).toBe(410);
  });

  it("setFaults over HTTP, and stats reports requests, byEndpoint, faults and floodLocks", async () => {
    expect((await h.raw.admin("setFaults", { spec: "500=1" })).status).toBe(200);
    step();
    expect((await h.raw.api("folder/mkdir.cgi", { name: "faulted" }, h.gold)).status).toBe(500);
    expect((await h.raw.admin("setFaults", { spec: "" })).status).toBe(200);
    const s = await h.raw.admin("stats", {});
    expect(s.status).toBe(200);
    expect(typeof s.json.requests).toBe("number");
    expect(typeof s.json.byEndpoint).toBe("object");
    expect(s.json.faults["500"]).toBeGreaterThanOrEqual(1);
    expect(typeof s.json.floodLocks).toBe("number");
  });
});
