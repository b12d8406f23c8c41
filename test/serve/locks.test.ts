// LOCK and UNLOCK: exclusive and shared locks, tokens in If headers, refresh, timeouts, lock-null resources.
import { describe, expect, it } from "vitest";
import { put, serve, type TestServer } from "./support.js";

const lockinfo = (scope: "exclusive" | "shared", owner = "me") =>
  `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope>` +
  `<D:locktype><D:write/></D:locktype><D:owner><D:href>${owner}</D:href></D:owner></D:lockinfo>`;

async function lock(
  t: TestServer,
  path: string,
  scope: "exclusive" | "shared" = "exclusive",
  headers: Record<string, string> = {},
) {
  const r = await t.call("LOCK", path, {
    body: lockinfo(scope),
    headers: { Timeout: "Second-600", ...headers },
  });
  const token = /<([^>]+)>/.exec(String(r.headers["lock-token"] ?? ""))?.[1];
  return { r, token };
}

describe("LOCK and UNLOCK", () => {
  it("locks a file; writes without the token get 423, with it they pass; UNLOCK frees it", async () => {
    const t = await serve();
    await put(t, "/doc.txt", "v1");
    const { r, token } = await lock(t, "/doc.txt");
    expect(r.status).toBe(200);
    expect(token).toMatch(/^opaquelocktoken:[0-9a-f-]{36}$/);
    expect(r.body).toContain('<D:owner><href xmlns="DAV:">me</href></D:owner>');
    const refused = await put(t, "/doc.txt", "v2");
    expect(refused.status).toBe(423);
    expect(refused.body).toContain(
      "<D:lock-token-submitted><D:href>/doc.txt</D:href></D:lock-token-submitted>",
    );
    expect((await t.call("DELETE", "/doc.txt")).status).toBe(423);
    expect((await t.call("MOVE", "/doc.txt", { headers: { Destination: "/x.txt" } })).status).toBe(423);
    expect((await t.call("PUT", "/doc.txt", { body: "v2", headers: { If: `(<${token}>)` } })).status).toBe(
      204,
    );
    expect((await lock(t, "/doc.txt")).r.status).toBe(423);
    expect(
      (await t.call("UNLOCK", "/doc.txt", { headers: { "Lock-Token": "<opaquelocktoken:bogus>" } })).status,
    ).toBe(409);
    expect((await t.call("UNLOCK", "/doc.txt", { headers: { "Lock-Token": `<${token}>` } })).status).toBe(
      204,
    );
    expect((await put(t, "/doc.txt", "v3")).status).toBe(204);
  });

  it("grants shared locks side by side, refuses an exclusive one over them", async () => {
    const t = await serve();
    await put(t, "/s.txt", "x");
    expect((await lock(t, "/s.txt", "shared")).r.status).toBe(200);
    expect((await lock(t, "/s.txt", "shared")).r.status).toBe(200);
    expect((await lock(t, "/s.txt", "exclusive")).r.status).toBe(423);
  });

  it("a depth-infinity lock on a folder covers new members; a refresh through a member extends it", async () => {
    const t = await serve();
    await t.call("MKCOL", "/d/");
    const { token } = await lock(t, "/d/", "exclusive", { Depth: "infinity" });
    expect((await put(t, "/d/new.txt", "x")).status).toBe(423);
    const withToken = await t.call("PUT", "/d/new.txt", {
      body: "x",
      headers: { If: `<http://localhost/d/> (<${token}>)` },
    });
    expect(withToken.status).toBe(201);
    const refresh = await t.call("LOCK", "/d/new.txt", {
      headers: { If: `(<${token}>)`, Timeout: "Second-900" },
    });
    expect(refresh.status).toBe(200);
    expect(refresh.body).toContain("<D:timeout>Second-900</D:timeout>");
    expect((await t.call("LOCK", "/d/new.txt", { headers: { If: "(<opaquelocktoken:nope>)" } })).status).toBe(
      412,
    );
  });

  it("evaluates If headers: a stale ETag or an unknown token is 412", async () => {
    const t = await serve();
    await put(t, "/a.txt", "x");
    expect((await t.call("PUT", "/a.txt", { body: "y", headers: { If: '(["nope"])' } })).status).toBe(412);
    expect((await t.call("PUT", "/a.txt", { body: "y", headers: { If: "(<DAV:no-lock>)" } })).status).toBe(
      412,
    );
    expect(
      (await t.call("PUT", "/a.txt", { body: "y", headers: { If: "(Not <DAV:no-lock>)" } })).status,
    ).toBe(204);
    expect((await t.call("PUT", "/a.txt", { body: "y", headers: { If: "garbage" } })).status).toBe(400);
  });

  it("expires locks on the server's clock", async () => {
    let now = 1_000_000;
    const t = await serve({ now: () => now });
    await put(t, "/a.txt", "x");
    await lock(t, "/a.txt", "exclusive", { Timeout: "Second-60" });
    expect((await put(t, "/a.txt", "y")).status).toBe(423);
    now += 61_000;
    expect((await put(t, "/a.txt", "y")).status).toBe(204);
  });

  it("a LOCK on an unmapped URL makes an empty lock-null resource (201) until PUT or UNLOCK", async () => {
    const t0 = await serve();
    const gone = await lock(t0, "/gone.txt");
    await t0.call("UNLOCK", "/gone.txt", { headers: { "Lock-Token": `<${gone.token}>` } });
    expect((await t0.call("GET", "/gone.txt")).status).toBe(404);
    const t = await serve();
    const { r, token } = await lock(t, "/new.txt");
    expect(r.status).toBe(201);
    expect((await t.call("GET", "/new.txt")).status).toBe(200);
    expect((await t.call("PROPFIND", "/", { headers: { Depth: "1" } })).body).toContain("/new.txt");
    expect((await t.call("PUT", "/new.txt", { body: "", headers: { If: `(<${token}>)` } })).status).toBe(204);
    await t.call("UNLOCK", "/new.txt", { headers: { "Lock-Token": `<${token}>` } });
    // An empty PUT made it an empty file (held in memory): it outlives the lock.
    expect((await t.call("GET", "/new.txt")).status).toBe(200);
    const again = await lock(t, "/new2.txt");
    expect(
      (await t.call("PUT", "/new2.txt", { body: "data", headers: { If: `(<${again.token}>)` } })).status,
    ).toBe(201);
    await t.call("UNLOCK", "/new2.txt", { headers: { "Lock-Token": `<${again.token}>` } });
    expect((await t.call("GET", "/new2.txt")).body).toBe("data");
    expect((await lock(t, "/missing/x.txt")).r.status).toBe(409);
  });

  it("refuses malformed LOCK bodies and UNLOCK without a token", async () => {
    const t = await serve();
    await put(t, "/a.txt", "x");
    expect((await t.call("LOCK", "/a.txt", { body: '<D:lockinfo xmlns:D="DAV:"/>' })).status).toBe(400);
    expect((await t.call("UNLOCK", "/a.txt")).status).toBe(400);
  });
});
