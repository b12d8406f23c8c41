// Who gets in: Basic authentication, the wrong-password throttle, htpasswd bcrypt lines, loopback Host names.
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { HtpasswdError, parseHtpasswd, singleUser } from "../../src/serve/auth.js";
import { serve } from "./support.js";

const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

describe("authentication", () => {
  it("asks for a password (401 with a Basic challenge), then lets the right one in", async () => {
    const t = await serve({ credentials: singleUser("alice", "correct horse") });
    const none = await t.call("PROPFIND", "/", { headers: { Depth: "0" } });
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Basic realm="fichier"/);
    expect(
      (await t.call("PROPFIND", "/", { headers: { Depth: "0", ...basic("alice", "correct horse") } })).status,
    ).toBe(207);
    expect(
      (await t.call("PROPFIND", "/", { headers: { Depth: "0", ...basic("bob", "correct horse") } })).status,
    ).toBe(401);
  });

  it("slows down 100 wrong passwords from one address (429 + Retry-After), logs them, and survives", async () => {
    let now = 5_000_000;
    const t = await serve({ credentials: singleUser("alice", "pw"), now: () => now });
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++)
      statuses.push((await t.call("GET", "/", { headers: basic("alice", `guess${i}`) })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(401); // the sixth is checked, and starts the wait
    expect(statuses.slice(6).every((s) => s === 429)).toBe(true);
    const blocked = await t.call("GET", "/", { headers: basic("alice", "pw") });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    const failures = t.log.filter((e) => e.type === "auth-failure");
    expect(failures).toHaveLength(6);
    expect(failures[5]).toMatchObject({ ip: "127.0.0.1", user: "alice", failures: 6 });
    expect(JSON.stringify(t.log)).not.toContain("guess");
    now += 2_000;
    expect((await t.call("GET", "/", { headers: basic("alice", "pw") })).status).toBe(200);
    expect((await t.call("GET", "/", { headers: basic("alice", "wrong") })).status).toBe(401);
  });

  it("checks htpasswd bcrypt lines and refuses other hash kinds", async () => {
    const hash = bcrypt.hashSync("s3cret", 4).replace(/^\$2b\$/, "$2y$");
    const creds = parseHtpasswd(`# users\n\ncarol:${hash}\n`, "users.htpasswd");
    const t = await serve({ credentials: creds });
    expect((await t.call("GET", "/", { headers: basic("carol", "s3cret") })).status).toBe(200);
    expect((await t.call("GET", "/", { headers: basic("carol", "nope") })).status).toBe(401);
    expect((await t.call("GET", "/", { headers: basic("dave", "s3cret") })).status).toBe(401);
    expect(() => parseHtpasswd("erin:$apr1$abc$def", "f")).toThrow(HtpasswdError);
    expect(() => parseHtpasswd("erin:$apr1$abc$def", "f")).toThrow(/f line 1 .*bcrypt/);
    expect(() => parseHtpasswd("# only comments\n", "f")).toThrow(/no user line/);
  });

  it("without a password, answers only requests addressed to a loopback name (no DNS rebinding)", async () => {
    const t = await serve();
    const evil = await t.call("GET", "/", { headers: { Host: "evil.example:8080" } });
    expect(evil.status).toBe(403);
    expect(evil.body).toMatch(/only loopback names are served/);
    for (const host of [`localhost:${t.port}`, `127.0.0.1:${t.port}`, "[::1]:80"]) {
      expect((await t.call("GET", "/", { headers: { Host: host } })).status, host).toBe(200);
    }
    const guarded = await serve({ credentials: singleUser("a", "b") });
    expect(
      (await guarded.call("GET", "/", { headers: { Host: "nas.example", ...basic("a", "b") } })).status,
    ).toBe(200);
  });
});
