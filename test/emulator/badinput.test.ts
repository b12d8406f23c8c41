// Bad input (DECISIONS "Errors": malformed JSON or wrong field type -> 400 #9005): every bad request gets a
// well-formed 4xx or a clean close, never a crash, and the emulator keeps serving afterwards.

import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectKo, header, ko, multipart, useHarness } from "./support/http.js";

const h = useHarness();
let host: string;
let port: number;
beforeAll(async () => {
  const u = new URL(h.em.apiUrl);
  host = u.hostname;
  port = Number(u.port);
});

const BAD = ko("Bad request #9005");

/** Send raw bytes on a fresh socket; resolve with what came back (possibly nothing) once the server closes. */
function rawSocket(
  bytes: string | Buffer,
  opts: { endAfterWrite?: boolean; waitMs?: number } = {},
): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const chunks: Buffer[] = [];
    const done = () => resolve(Buffer.concat(chunks).toString("latin1"));
    const timer = setTimeout(() => {
      s.destroy();
      done();
    }, opts.waitMs ?? 2_000);
    s.on("data", (c) => chunks.push(c));
    s.on("error", () => undefined);
    s.on("close", () => {
      clearTimeout(timer);
      done();
    });
    s.write(bytes);
    if (opts.endAfterWrite !== false) s.end();
  });
}

async function stillServes() {
  const r = await h.raw.api("folder/ls.cgi", { folder_id: 0 }, h.premium);
  expect(r.status).toBe(200);
  expect(r.json.status).toBe("OK");
}

describe("malformed JSON and wrong field types -> 400 #9005", () => {
  it.each([
    ["truncated JSON", '{"folder_id": 0'],
    ["not JSON at all", "hello"],
    ["a JSON array", "[]"],
    ["a JSON string", '"x"'],
    ["a JSON null", "null"],
    ["trailing garbage", "{} {}"],
  ])("%s", async (_label, body) => {
    const r = await h.raw.api("file/ls.cgi", body, h.premium);
    expectKo(r, 400, BAD);
    expect(header(r, "content-type")).toBe("application/json; charset=utf-8");
  });

  it.each([
    ["file/ls.cgi", { folder_id: "abc" }],
    ["file/ls.cgi", { folder_id: 1.5 }],
    ["file/info.cgi", { url: 42 }],
    ["file/info.cgi", {}],
    ["file/rm.cgi", { files: "https://1fichier.com/?aaaaaaaaaaaaaaaaaaaa" }],
    ["file/rm.cgi", { files: [42] }],
    ["file/mv.cgi", { urls: "x", destination_folder_id: 0 }],
    ["file/rename.cgi", { urls: [{ url: 1, filename: 2 }] }],
    ["file/cp.cgi", { urls: [null] }],
    ["file/chattr.cgi", { urls: {}, inline: 1 }],
    ["folder/ls.cgi", { folder_id: [] }],
    ["folder/mkdir.cgi", { name: 12 }],
    ["folder/mkdir.cgi", {}],
    ["folder/mv.cgi", { folder_id: "x" }],
    ["folder/rm.cgi", { folder_id: { id: 1 } }],
    ["folder/share.cgi", { folder_id: true }],
    ["download/get_token.cgi", { url: ["x"] }],
    ["download/get_token.cgi", { url: "https://1fichier.com/?aaaaaaaaaaaaaaaaaaaa", single: "yes" }],
  ])("%s with %j", async (path, body) => {
    const r = await h.raw.api(path, body, h.premium);
    expectKo(r, 400, BAD);
  });

  it("checks the key before the body: no key + bad JSON -> 401 #247", async () => {
    const r = await h.raw.api("file/ls.cgi", "{oops", null);
    expectKo(r, 401, ko("Not authenticated #247"));
  });
});

describe("unknown paths and wrong methods", () => {
  it("an unknown API path is a 404", async () => {
    const r = await h.raw.api("nope/nothing.cgi", {}, h.premium);
    expect(r.status).toBe(404);
    expect(r.json?.status).toBe("KO");
  });

  it("a path outside the API is a 404", async () => {
    const r = await h.raw.fetch(`${h.em.webUrl}/definitely/not/here`);
    expect(r.status).toBe(404);
  });

  it.each(["GET", "PUT", "DELETE", "PATCH"])("%s on a POST-only endpoint is a 4xx KO", async (method) => {
    const r = await h.raw.fetch(`${h.em.apiUrl}/file/ls.cgi`, {
      method,
      headers: { authorization: `Bearer ${h.premium}`, "content-type": "application/json" },
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.json?.status).toBe("KO");
  });

  it("a path traversal attempt on the download route serves nothing", async () => {
    const r = await rawSocket(`GET /dl/../../../../etc/passwd HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    expect(r).not.toContain("root:");
    expect(r).toMatch(/^HTTP\/1\.1 4\d\d/);
  });
});

describe("oversized and broken bodies", () => {
  it("an oversized JSON body (8 MiB) gets a 4xx or a clean close", async () => {
    const big = JSON.stringify({ folder_id: 0, pad: "x".repeat(8 * 1024 * 1024) });
    let status = 0;
    try {
      status = (await h.raw.api("file/ls.cgi", big, h.premium)).status;
    } catch {
      status = -1; // connection closed by the server: acceptable
    }
    expect(status === -1 || (status >= 400 && status < 500)).toBe(true);
    await stillServes();
  });

  it("upload.cgi without Content-Length (chunked) -> 411", async () => {
    const s = await h.raw.uploadServer(h.premium);
    const { body, contentType } = multipart([{ name: "c.txt", data: "c" }], {});
    const [uhost, uport] = s.url.split(":");
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: uhost,
          port: Number(uport),
          method: "POST",
          path: `/upload.cgi?id=${s.id}`,
          headers: { "content-type": contentType, "transfer-encoding": "chunked" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(body.subarray(0, 10));
      req.end(body.subarray(10));
    });
    expect(status).toBe(411);
  });

  it("upload.cgi with a body that is not multipart -> 4xx, no file stored", async () => {
    const s = await h.raw.uploadServer(h.premium);
    const r = await h.raw.fetch(`http://${s.url}/upload.cgi?id=${s.id}`, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${h.premium}` },
      body: "just text",
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  it("upload.cgi with an unknown upload id -> 4xx", async () => {
    const { body, contentType } = multipart([{ name: "x.txt", data: "x" }], {});
    const r = await h.raw.fetch(`http://${h.em.uploadHost}/upload.cgi?id=NOTISSUED1`, {
      method: "POST",
      headers: { "content-type": contentType, authorization: `Bearer ${h.premium}` },
      body,
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  it("a client disconnecting mid-upload leaves no file and the emulator serving", async () => {
    const s = await h.raw.uploadServer(h.premium);
    const { body, contentType } = multipart([{ name: "cut.bin", data: Buffer.alloc(512 * 1024, 3) }], {});
    const head =
      `POST /upload.cgi?id=${s.id} HTTP/1.1\r\nHost: ${s.url}\r\nAuthorization: Bearer ${h.premium}\r\n` +
      `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
    // Half the body, then a hard close.
    await new Promise<void>((resolve) => {
      const [uhost, uport] = s.url.split(":");
      const sock = connect({ host: uhost, port: Number(uport) }, () => {
        sock.write(head);
        sock.write(body.subarray(0, body.length / 2), () => {
          sock.destroy();
          resolve();
        });
      });
      sock.on("error", () => resolve());
    });
    await new Promise((r) => setTimeout(r, 200));
    const end = await h.raw.endpl(s.url, s.id, "json");
    expect(end.json?.links ?? []).toEqual([]);
    const all = await h.raw.ok("file/ls.cgi", { folder_id: -1 }, h.premium);
    expect(all.items.map((i: { filename: string }) => i.filename)).not.toContain("cut.bin");
    await stillServes();
  });

  it("a body shorter than its Content-Length then a close is survived", async () => {
    const reply = await rawSocket(
      `POST /v1/file/ls.cgi HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${h.premium}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"folder',
    );
    expect(reply === "" || /^HTTP\/1\.1 4\d\d/.test(reply)).toBe(true);
    await stillServes();
  });

  it("garbage instead of HTTP gets a 400 or a close", async () => {
    const reply = await rawSocket("\u0000\u0001 this is not http \r\n\r\n");
    expect(reply === "" || /^HTTP\/1\.1 4\d\d/.test(reply)).toBe(true);
    await stillServes();
  });
});

describe("hostile but well-formed input", () => {
  it("deeply nested JSON gets 400 #9005, not a crash", async () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const r = await h.raw.api("file/ls.cgi", `{"folder_id":${deep}}`, h.premium);
    expectKo(r, 400, BAD);
    await stillServes();
  });

  it("an oversized header block gets a 4xx or a close", async () => {
    let status = -1;
    try {
      status = (await h.raw.api("folder/ls.cgi", {}, h.premium, { "x-pad": "p".repeat(64 * 1024) })).status;
    } catch {
      status = -1;
    }
    expect(status === -1 || (status >= 400 && status < 500)).toBe(true);
    await stillServes();
  });

  it("an upload filename with ../ never writes outside the data folder", async () => {
    const marker = `evil-${process.pid}-${Date.now()}.txt`;
    const s = await h.raw.uploadServer(h.premium);
    const r = await h.raw.postUpload(
      s.url,
      s.id,
      [{ name: `../../../../../../tmp/${marker}`, data: "evil" }],
      {
        key: h.premium,
      },
    );
    expect(r.status === 302 || (r.status >= 400 && r.status < 500)).toBe(true);
    expect(existsSync(join("/tmp", marker))).toBe(false);
    expect(existsSync(join(dirname(h.em.dataDir), marker))).toBe(false);
  });

  it("multipart without a boundary parameter -> 4xx", async () => {
    const s = await h.raw.uploadServer(h.premium);
    const r = await h.raw.fetch(`http://${s.url}/upload.cgi?id=${s.id}`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data", authorization: `Bearer ${h.premium}` },
      body: '--x\r\nContent-Disposition: form-data; name="did"\r\n\r\n0\r\n--x--\r\n',
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  it("multipart missing its closing delimiter -> 4xx and nothing stored", async () => {
    const s = await h.raw.uploadServer(h.premium);
    const { body, contentType } = multipart([{ name: "unclosed.txt", data: "u".repeat(1000) }], {});
    const cut = body.subarray(0, body.length - 40);
    const r = await h.raw.fetch(`http://${s.url}/upload.cgi?id=${s.id}`, {
      method: "POST",
      headers: { "content-type": contentType, authorization: `Bearer ${h.premium}` },
      body: cut,
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    const all = await h.raw.ok("file/ls.cgi", { folder_id: -1 }, h.premium);
    expect(all.items.map((i: { filename: string }) => i.filename)).not.toContain("unclosed.txt");
  });

  it("a request naming 10,000 unknown files is answered and survived", async () => {
    const files = Array.from({ length: 10_000 }, (_, i) => ({
      url: `https://1fichier.com/?${String(i).padStart(20, "q")}`,
    }));
    const r = await h.raw.api("file/rm.cgi", { files }, h.premium);
    expect(r.status).toBeGreaterThanOrEqual(200);
    expect(r.status).toBeLessThan(500);
    expect(r.json?.status).toMatch(/^(OK|KO)$/);
    await stillServes();
  });
});

describe("a burst of 500 malformed requests", () => {
  it("leaves the emulator serving", async () => {
    const kinds = [
      () => h.raw.api("file/ls.cgi", "{bad", h.premium).then((r) => r.status),
      () => h.raw.api("folder/mkdir.cgi", { name: 5 }, h.premium).then((r) => r.status),
      () => h.raw.api("nope.cgi", {}, h.premium).then((r) => r.status),
      () => h.raw.fetch(`${h.em.webUrl}/dl/%zz%00`).then((r) => r.status),
      () => rawSocket("GARBAGE\r\n\r\n", { waitMs: 1_000 }).then(() => 400),
    ];
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const batch = Array.from({ length: 50 }, (_, i) =>
        (kinds[i % kinds.length] as () => Promise<number>)(),
      );
      statuses.push(...(await Promise.all(batch)));
    }
    expect(statuses).toHaveLength(500);
    for (const s of statuses) expect(s >= 400 && s < 500).toBe(true);
    await stillServes();
    const up = await h.raw.upload(h.premium, "after-burst.txt", "ok");
    expect((await h.raw.fetch(await h.raw.token(h.premium, up.url))).text).toBe("ok");
  });
});
