// Upload node (spec §7.2, §7.3, DECISIONS "Transfers"): get_upload_server, upload.cgi multipart and its 302.
import { request as httpRequest } from "node:http";
import { whirlpool } from "hash-wasm";
import { describe, expect, it } from "vitest";
import { FILE_URL, fileId, header, multipart, useHarness, WHIRLPOOL } from "./support/http.js";

const h = useHarness();

async function listRoot(key: string) {
  return (await h.raw.ok("file/ls.cgi", { folder_id: 0 }, key)).items as Array<Record<string, unknown>>;
}

describe("upload/get_upload_server.cgi", () => {
  it("returns the configured upload host and a 10-character alphanumeric id", async () => {
    const s = await h.raw.uploadServer(h.premium);
    expect(s.url).toBe(h.em.uploadHost);
    expect(s.url).not.toMatch(/^https?:|\//);
    expect(s.id).toMatch(/^[A-Za-z0-9]{10}$/);
  });

  it("gives a different id each call", async () => {
    const a = await h.raw.uploadServer(h.premium);
    const b = await h.raw.uploadServer(h.premium);
    expect(a.id).not.toBe(b.id);
  });
});

describe("upload.cgi", () => {
  it("answers 302 with a relative Location to /end.pl?xid=<id>", async () => {
    const s = await h.raw.uploadServer(h.premium);
    const r = await h.raw.postUpload(s.url, s.id, [{ name: "redirect.txt", data: "hello" }], {
      key: h.premium,
    });
    expect(r.status).toBe(302);
    expect(header(r, "location")).toBe(`/end.pl?xid=${s.id}`);
  });

  it("stores the file with its Whirlpool checksum, size and name", async () => {
    const data = Buffer.from("The quick brown fox jumps over the lazy dog\n");
    const up = await h.raw.upload(h.premium, "fox.txt", data);
    expect(up.url).toMatch(FILE_URL);
    expect(up.filename).toBe("fox.txt");
    expect(up.size).toBe(String(data.length));
    expect(up.whirlpool).toMatch(WHIRLPOOL);
    expect(up.whirlpool).toBe(await whirlpool(data));
    const info = await h.raw.ok("file/info.cgi", { url: up.url }, h.premium);
    expect(info.checksum).toBe(await whirlpool(data));
    expect(info.size).toBe(data.length);
  });

  it("matches the spec's Whirlpool test vector for 'abc' (§4.1)", async () => {
    const up = await h.raw.upload(h.premium, "abc.txt", "abc");
    expect(up.whirlpool).toBe(
      "4e2448a4c6f486bb16b6562c73b4020bf3043e3a731bce721ae1b303d97e6d4c7181eebdb6c57e277d0e34957114cbd6c797fc9d95d8b582d225292076d4eef5",
    );
  });

  it("stores binary content byte for byte", async () => {
    const data = Buffer.alloc(256 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    data.write("\r\n--not-a-boundary\r\n", 1000, "latin1");
    const up = await h.raw.upload(h.premium, "binary.bin", data);
    const tok = await h.raw.token(h.premium, up.url);
    const got = await h.raw.fetch(tok);
    expect(got.status).toBe(200);
    expect(Buffer.compare(got.body, data)).toBe(0);
  });

  it("accepts the text fields before or after the file parts (§7.3)", async () => {
    const folder = await h.raw.mkdir(h.premium, "order-test");
    for (const fieldsAfter of [false, true]) {
      const [link] = await h.raw.uploadMany([{ name: `order-${fieldsAfter}.txt`, data: "x" }], {
        key: h.premium,
        fields: { did: String(folder) },
        fieldsAfter,
      });
      const info = await h.raw.ok("file/info.cgi", { url: link?.url }, h.premium);
      expect(info.folder_id).toBe(folder);
    }
  });

  it("stores the file at the root when did is invalid (DECISIONS)", async () => {
    const [link] = await h.raw.uploadMany([{ name: "bad-did.txt", data: "x" }], {
      key: h.premium,
      fields: { did: "987654321" },
    });
    const info = await h.raw.ok("file/info.cgi", { url: link?.url }, h.premium);
    expect(info.folder_id).toBe(0);
    expect((await listRoot(h.premium)).some((i) => i.url === link?.url)).toBe(true);
  });

  it("takes several file[] parts in one request and drops zero-byte parts", async () => {
    const links = await h.raw.uploadMany(
      [
        { name: "multi-a.txt", data: "aaa" },
        { name: "multi-empty.txt", data: "" },
        { name: "multi-b.txt", data: "bbbbb" },
      ],
      { key: h.premium },
    );
    expect(links.map((l) => l.filename).sort()).toEqual(["multi-a.txt", "multi-b.txt"]);
    expect(links.find((l) => l.filename === "multi-b.txt")?.size).toBe("5");
    const names = (await listRoot(h.premium)).map((i) => i.filename);
    expect(names).not.toContain("multi-empty.txt");
  });

  it("allows duplicate file names in one folder, each with its own URL (§5)", async () => {
    const a = await h.raw.upload(h.premium, "dup.txt", "one");
    const b = await h.raw.upload(h.premium, "dup.txt", "two");
    expect(a.url).not.toBe(b.url);
    const dups = (await listRoot(h.premium)).filter((i) => i.filename === "dup.txt");
    expect(dups).toHaveLength(2);
  });

  it("builds the link on the domain chosen by the `domain` field (§3.2)", async () => {
    const [link] = await h.raw.uploadMany([{ name: "alter.txt", data: "x" }], {
      key: h.premium,
      fields: { domain: "1" },
    });
    expect(link?.url).toMatch(/^https:\/\/alterupload\.com\/\?[a-z0-9]{20}$/);
    const info = await h.raw.ok("file/info.cgi", { url: link?.url }, h.premium);
    expect(fileId(info.url)).toBe(fileId(link?.url ?? ""));
  });

  it("guesses the content type from the name", async () => {
    const up = await h.raw.upload(h.premium, "page.html", "<p>hi</p>");
    const info = await h.raw.ok("file/info.cgi", { url: up.url }, h.premium);
    expect(info["content-type"]).toMatch(/^text\/html/);
  });

  it("refuses a chunked body (no Content-Length) with 411", async () => {
    const s = await h.raw.uploadServer(h.premium);
    const { body, contentType } = multipart([{ name: "chunked.txt", data: "abc" }], {});
    const [host, port] = s.url.split(":");
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host,
          port: Number(port),
          method: "POST",
          path: `/upload.cgi?id=${s.id}`,
          headers: {
            "content-type": contentType,
            "transfer-encoding": "chunked",
            authorization: `Bearer ${h.premium}`,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(status).toBe(411);
    expect((await listRoot(h.premium)).map((i) => i.filename)).not.toContain("chunked.txt");
  });

  it("accepts an anonymous upload (no key) and gives a removal link (§7.4)", async () => {
    const up = await h.raw.upload(null, "anon.txt", "anonymous");
    expect(up.url).toMatch(FILE_URL);
    expect(up.remove).toMatch(/^https:\/\/1fichier\.com\/remove\/[a-z0-9]{20}\/[A-Za-z0-9]+$/);
    expect(up.remove).toContain(fileId(up.url));
  });

  it("leaves `remove` empty for uploads linked to an account (§7.4)", async () => {
    const up = await h.raw.upload(h.premium, "owned.txt", "owned");
    expect(up.remove).toBe("");
  });

  it("protects the files with dpass (§7.3)", async () => {
    const [link] = await h.raw.uploadMany([{ name: "dpass.txt", data: "x" }], {
      key: h.premium,
      fields: { dpass: "upload-pass" },
    });
    const info = await h.raw.ok("file/info.cgi", { url: link?.url, pass: "upload-pass" }, h.premium);
    expect(info.pass).toBe(1);
  });

  it("accepts the notification fields mail, mails and message", async () => {
    const [link] = await h.raw.uploadMany([{ name: "notify.txt", data: "x" }], {
      key: h.premium,
      fields: { mail: "me@example.test", mails: "a@example.test,b@example.test", message: "hello" },
    });
    expect(link?.url).toMatch(FILE_URL);
  });

  it("delivers an anonymous upload with `user` to that user's incoming folder (§7.3, incoming: 1)", async () => {
    const s = await h.raw.uploadServer(null);
    const r = await h.raw.postUpload(s.url, s.id, [{ name: "gift.txt", data: "for you" }], {
      fields: { user: "access@emulator.local" },
    });
    expect(r.status).toBe(302);
    const end = await h.raw.endpl(s.url, s.id, "json");
    expect(end.json.incoming).toBe(1);
    const url: string = end.json.links[0].download;
    const info = await h.raw.api("file/info.cgi", { url }, h.access);
    expect(info.status).toBe(200);
    expect(info.json.filename).toBe("gift.txt");
    const other = await h.raw.api("file/info.cgi", { url }, h.gold);
    expect(other.status).toBe(403);
  });

  it("lets a free account upload (only downloads need a customer)", async () => {
    const up = await h.raw.upload(h.free, "free.txt", "free");
    expect(up.url).toMatch(FILE_URL);
    expect((await listRoot(h.free)).some((i) => i.url === up.url)).toBe(true);
  });
});
