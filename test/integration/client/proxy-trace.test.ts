// Proxies (option and environment, NO_PROXY honoured), the redacted --debug trace, and abortable calls.
import { createServer, request as httpRequest, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../../src/api/client.js";
import { AbortedError, NetworkError } from "../../../src/api/errors.js";
import { useEmulator } from "../../helpers/emulator.js";
import { FAST, uploadOne } from "./support.js";

/** A minimal forward proxy (CONNECT tunnels and absolute-form requests) that counts what it carries. */
async function startProxy(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    n++;
    const target = new URL(req.url ?? "/");
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  server.on("connect", (req, socket, head) => {
    n++;
    const [host, port] = (req.url ?? "").split(":");
    const up = connect(Number(port), host ?? "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => n,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const emu = useEmulator();
let proxy: Awaited<ReturnType<typeof startProxy>>;
const savedEnv = { ...process.env };

beforeAll(async () => {
  proxy = await startProxy();
});
afterAll(async () => {
  await proxy?.close();
});
afterEach(() => {
  for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"]) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

function clearProxyEnv() {
  for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"])
    delete process.env[k];
}

describe("proxies", () => {
  it("the proxy option carries API calls and transfers", async () => {
    clearProxyEnv();
    const client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: FAST,
      proxy: proxy.url,
    });
    const before = proxy.count();
    const link = await uploadOne(client, "via-proxy.txt", "through the proxy");
    const token = await client.download.getToken({ url: link.download });
    const res = await client.http.request(token.url);
    expect(await res.body.text()).toBe("through the proxy");
    expect(proxy.count()).toBeGreaterThan(before);
    await client.close();
  });

  it("HTTP_PROXY from the environment is used, and NO_PROXY bypasses it", async () => {
    clearProxyEnv();
    process.env.HTTP_PROXY = proxy.url;
    const viaEnv = createClient({ apiKey: emu.premium.apiKey, apiUrl: emu.apiUrl, governor: FAST });
    const before = proxy.count();
    await viaEnv.remote.list();
    expect(proxy.count()).toBeGreaterThan(before);
    await viaEnv.close();

    process.env.NO_PROXY = "127.0.0.1";
    const bypass = createClient({ apiKey: emu.premium.apiKey, apiUrl: emu.apiUrl, governor: FAST });
    const mid = proxy.count();
    await bypass.remote.list();
    expect(proxy.count()).toBe(mid);
    await bypass.close();
  });

  it("a dead proxy is a NetworkError naming the proxy settings", async () => {
    clearProxyEnv();
    const client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: { ...FAST, retry: { attempts: 1 } },
      proxy: "http://127.0.0.1:9",
    });
    const e = await client.remote.list().catch((x) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.hint).toMatch(/proxy/i);
    await client.close();
  });
});

describe("trace and abort", () => {
  it("the trace shows calls but never the key, passwords or token paths", async () => {
    clearProxyEnv();
    const lines: string[] = [];
    const client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: FAST,
      trace: (l) => lines.push(l),
    });
    const link = await uploadOne(client, "traced.txt", "t");
    await client.files.setAttributes({ urls: [link.download], password: "hunter2-secret" });
    const token = await client.download.getToken({ url: link.download, password: "hunter2-secret" });
    (await client.http.request(token.url)).body.resume();
    const all = lines.join("\n");
    expect(all).toContain("file/chattr.cgi");
    expect(all).not.toContain(emu.premium.apiKey);
    expect(all).not.toContain("hunter2-secret");
    const tokenPath = new URL(token.url).pathname;
    expect(lines.filter((l) => l.includes("[token]")).length).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes(tokenPath))).toBe(false);
    await client.close();
  });

  it("the client-wide signal aborts a paced wait", async () => {
    clearProxyEnv();
    const ac = new AbortController();
    const client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: { shared: false, rate: 0.1, burst: 1 },
      signal: ac.signal,
    });
    await client.remote.list();
    const pending = client.remote.list();
    setTimeout(() => ac.abort(), 100);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    await client.close();
  });
});

describe("trace of remote-upload headers", () => {
  it("does not show cookies sent for a remote upload", async () => {
    clearProxyEnv();
    const lines: string[] = [];
    const client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: FAST,
      trace: (l) => lines.push(l),
    });
    await client.remote.request({
      urls: ["http://127.0.0.1:9/x"],
      headers: { Cookie: "SID=very-private-cookie" },
    });
    expect(lines.join("\n")).toContain("remote/request.cgi");
    expect(lines.join("\n")).not.toContain("very-private-cookie");
    await client.close();
  });
});
