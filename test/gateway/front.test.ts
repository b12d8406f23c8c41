// Behind a TLS reverse proxy: `--trusted-proxy` makes allow-lists, the failed-authentication throttle and the
// audit log see the client's address from X-Forwarded-For (only the hops trusted proxies wrote), and
// `--public-url` is the origin the gateway hands out in upload and relayed download URLs.
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientIp } from "../../src/gateway/guard.js";
import { allowList } from "../../src/gateway/ip-allow.js";
import { ListenPolicyError, parsePublicUrl } from "../../src/gateway/server.js";
import { clientFor, uploadOne } from "../integration/client/support.js";
import { CANARY, type GatewayHarness, withGateway } from "./support.js";

const req = (peer: string, xff?: string | string[]) =>
  ({
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { "x-forwarded-for": xff },
  }) as unknown as IncomingMessage;

describe("clientIp", () => {
  const proxies = allowList(["127.0.0.1/32", "10.0.0.0/8"]);
  it("reads X-Forwarded-For only from a trusted proxy, from the right, up to the first untrusted hop", () => {
    expect(clientIp(req("127.0.0.1", "203.0.113.9"), proxies)).toBe("203.0.113.9");
    // A client's own (forged) hops sit left of the first untrusted address: never read.
    expect(clientIp(req("127.0.0.1", "192.0.2.66, 203.0.113.9"), proxies)).toBe("203.0.113.9");
    // Two trusted proxies in a row.
    expect(clientIp(req("127.0.0.1", "203.0.113.9, 10.1.2.3"), proxies)).toBe("203.0.113.9");
    expect(clientIp(req("127.0.0.1", ["203.0.113.9", "10.1.2.3"]), proxies)).toBe("203.0.113.9");
    // A malformed hop stops the reading at the last good address.
    expect(clientIp(req("127.0.0.1", "203.0.113.9, junk"), proxies)).toBe("127.0.0.1");
    expect(clientIp(req("127.0.0.1"), proxies)).toBe("127.0.0.1");
  });

  it("ignores the header from anyone else, and without trusted proxies", () => {
    expect(clientIp(req("198.51.100.7", "203.0.113.9"), proxies)).toBe("198.51.100.7");
    expect(clientIp(req("127.0.0.1", "203.0.113.9"))).toBe("127.0.0.1");
  });
});

describe("parsePublicUrl", () => {
  it("takes an http(s) origin and nothing else", () => {
    expect(parsePublicUrl("https://gw.example.net:8443/").host).toBe("gw.example.net:8443");
    for (const bad of [
      "gw.example.net",
      "ftp://gw.example.net",
      "https://gw.example.net/v1",
      "https://u:p@gw",
    ]) {
      expect(() => parsePublicUrl(bad), bad).toThrow(ListenPolicyError);
    }
  });
});

async function post(h: GatewayHarness, endpoint: string, token: string, xff?: string, body: unknown = {}) {
  const res = await fetch(`${h.gw.apiUrl}/${endpoint}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
      ...(xff ? { "x-forwarded-for": xff } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("a gateway behind a reverse proxy on 127.0.0.1", () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await withGateway({
      gateway: { trustedProxies: ["127.0.0.1"], publicUrl: "https://gw.example.net", proxyTransfers: true },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("allow-lists and the audit log see the client's address", async () => {
    const t = await h.token("remote", { allowIps: ["203.0.113.0/24"] });
    expect((await post(h, "folder/ls.cgi", t, "203.0.113.9")).status).toBe(200);
    expect(h.records.at(-1)).toMatchObject({ token: "remote", ip: "203.0.113.9", status: 200 });
    expect((await post(h, "folder/ls.cgi", t, "203.0.113.9, 198.51.100.7")).status).toBe(403);
    expect((await post(h, "folder/ls.cgi", t)).status).toBe(403);
    expect(h.records.at(-1)).toMatchObject({ ip: "127.0.0.1", reason: "ip" });
  });

  it("the failed-authentication throttle counts each client, not the proxy", async () => {
    const wrong = `fgw_${"A".repeat(28)}`;
    for (let i = 0; i < 10; i++) await post(h, "folder/ls.cgi", wrong, "198.51.100.20");
    const blocked = await post(h, "folder/ls.cgi", wrong, "198.51.100.20");
    expect(blocked.status).toBe(429);
    const t = await h.token("neighbour");
    expect((await post(h, "folder/ls.cgi", t, "198.51.100.21")).status).toBe(200);
  });

  it("hands out URLs on the public origin", async () => {
    const t = await h.token("urls");
    const server = await post(h, "upload/get_upload_server.cgi", t);
    expect(server.json.url).toBe("gw.example.net");
    const owner = clientFor(h.emu, CANARY);
    const link = await uploadOne(owner, "f.txt", "public origin");
    await owner.close();
    const token = await post(h, "download/get_token.cgi", t, undefined, { url: link.download });
    expect(String(token.json.url)).toMatch(/^https:\/\/gw\.example\.net\/dl\/[A-Za-z0-9]{32}$/);
  });
});

describe("a gateway that trusts no proxy", () => {
  it("ignores X-Forwarded-For: a forged header does not pass an allow-list", async () => {
    const h = await withGateway();
    try {
      const t = await h.token("forger", { allowIps: ["203.0.113.0/24"] });
      expect((await post(h, "folder/ls.cgi", t, "203.0.113.9")).status).toBe(403);
      expect(h.records.at(-1)).toMatchObject({ ip: "127.0.0.1", reason: "ip" });
    } finally {
      await h.close();
    }
  });
});
