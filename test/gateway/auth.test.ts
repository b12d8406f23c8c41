// Who may ask: IP allow-lists (IPv4, IPv6, IPv4-mapped), expired and revoked tokens (revoked while the
// gateway runs), a token in the query string, and 11 bad tokens from one address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAST } from "../integration/client/support.js";
import { CANARY, type GatewayHarness, withGateway } from "./support.js";

async function post(url: string, token: string | undefined, body: unknown = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe("IP allow-lists", () => {
  for (const [family, host, base, allowed, refused] of [
    ["IPv4", "127.0.0.1", "http://127.0.0.1", "127.0.0.0/8", "10.0.0.0/8"],
    ["IPv6", "::1", "http://[::1]", "::1/128", "2001:db8::/32"],
    // A dual-stack socket reports an IPv4 client as ::ffff:127.0.0.1: IPv4 rules still apply to it.
    ["IPv4-mapped IPv6", "::ffff:127.0.0.1", "http://127.0.0.1", "127.0.0.1", "10.0.0.0/8"],
  ] as const) {
    it(`${family}: the listed address gets in, another is refused with 403 #631`, async () => {
      const h = await withGateway({ gateway: { host } });
      try {
        const url = `${base}:${h.gw.port}/v1/folder/ls.cgi`;
        const ok = await post(url, await h.token("in", { allowIps: [allowed] }));
        expect(ok.status).toBe(200);
        const no = await post(url, await h.token("out", { allowIps: [refused] }));
        expect(no.status).toBe(403);
        expect(no.json.message).toBe(
          "Resource not allowed: this address is not in the token's allow-list #631",
        );
        expect(h.records.at(-1)).toMatchObject({ token: "out", reason: "ip", status: 403 });
        if (family === "IPv4-mapped IPv6") expect(h.records.at(-1)?.ip).toBe("::ffff:127.0.0.1");
      } finally {
        await h.close();
      }
    });
  }
});

describe("token lifetime", () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await withGateway();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("an expired token gets 401 #247, like any bad token", async () => {
    const t = await h.token("old", { expires: new Date(Date.now() - 1000).toISOString() });
    const r = await h.call("folder/ls.cgi", t);
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ status: "KO", message: "Not authenticated #247" });
    expect(h.records.at(-1)).toMatchObject({ token: "old", reason: "auth:expired" });
  });

  it("a token revoked while the gateway runs is refused from its next request", async () => {
    const t = await h.token("soon-gone");
    expect((await h.call("folder/ls.cgi", t)).status).toBe(200);
    await h.store.revoke("soon-gone");
    const r = await h.call("folder/ls.cgi", t);
    expect(r.status).toBe(401);
    expect(h.records.at(-1)).toMatchObject({ reason: "auth:unknown" });
  });

  it("a revoked token's download links and upload ids die with it", async () => {
    const h2 = await withGateway({ gateway: { proxyTransfers: true }, governor: FAST });
    try {
      const t = await h2.token("x");
      const server = await h2.call("upload/get_upload_server.cgi", t);
      const uploadHost = String(server.json.url);
      expect(uploadHost).toBe(`127.0.0.1:${h2.gw.port}`);
      await h2.store.revoke("x");
      const end = await fetch(`http://${uploadHost}/end.pl?xid=${String(server.json.id)}`, {
        headers: { json: "1" },
      });
      expect(end.status).toBe(401);
    } finally {
      await h2.close();
    }
  });

  it("an upload id handed to one token is refused to another", async () => {
    const a = await h.token("a");
    const b = await h.token("b");
    const server = await h.call("upload/get_upload_server.cgi", a);
    const res = await fetch(`http://${String(server.json.url)}/end.pl?xid=${String(server.json.id)}`, {
      headers: { json: "1", authorization: `Bearer ${b}` },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/handed to another token #631$/);
  });
});

describe("the real key", () => {
  it("after a rotation on the gateway host, the gateway reads the store again and the clients notice nothing", async () => {
    let stored = CANARY;
    let current = CANARY;
    const h = await withGateway({
      gateway: {
        key: {
          current: () => current,
          async refresh() {
            if (stored === current) return false;
            current = stored;
            return true;
          },
        },
      },
    });
    try {
      const t = await h.token("t");
      expect((await h.call("folder/ls.cgi", t)).status).toBe(200);
      stored = h.emu.admin.regenerateKey(h.email); // what `fichier key rotate` leaves in the store
      const r = await h.call("file/ls.cgi", t, { folder_id: 0 });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(current).toBe(stored);
    } finally {
      await h.close();
    }
  });
});

describe("credentials in the wrong place", () => {
  it("a token in the query string is refused and the gateway warns about it, by name", async () => {
    const h = await withGateway();
    try {
      const t = await h.token("leaky");
      for (const q of [`?token=${t}`, `?x=${encodeURIComponent(t)}`, "?api_key=whatever"]) {
        const r = await post(`${h.gw.apiUrl}/folder/ls.cgi${q}`, undefined);
        expect(r.status).toBe(401);
        expect(r.json.message).toMatch(
          /a token in the URL is refused, send it in the Authorization: Bearer header #247$/,
        );
      }
      // Even with a valid Bearer header as well.
      expect((await post(`${h.gw.apiUrl}/folder/ls.cgi?token=${t}`, t)).status).toBe(401);
      expect(h.warnings.some((w) => w.includes('token "leaky" was sent in a URL'))).toBe(true);
      expect(h.warnings.join("\n")).not.toContain(t);
      expect(await h.auditText()).not.toContain(t);
    } finally {
      await h.close();
    }
  });

  it("11 bad tokens from one address: 10 × 401, then 429 with Retry-After, for every token from there", async () => {
    const h = await withGateway();
    try {
      const good = await h.token("good");
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++)
        statuses.push((await h.call("folder/ls.cgi", `fgw_${"x".repeat(27)}${i % 10}`)).status);
      expect(statuses).toEqual([...Array(10).fill(401), 429]);
      const blocked = await h.call("folder/ls.cgi", good);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(50);
      expect(blocked.json.message).toMatch(
        /Too many failed authentications from this address, retry in \d+ s #9430$/,
      );
      expect(
        h.warnings.filter((w) => w.includes("too many failed authentications from 127.0.0.1")),
      ).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
