import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planMultipart } from "../../../src/api/multipart.js";
import {
  fileInfoSchema,
  fileListSchema,
  folderListingSchema,
  parseCheckLinks,
  uploadResultSchema,
  uploadServerSchema,
  userInfoSchema,
} from "../../../src/api/schemas.js";

async function collect(gen: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of gen) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function* chunks(buf: Uint8Array, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe("planMultipart", () => {
  it("Content-Length is exactly the number of bytes produced", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/["\r\n]/.test(s)),
            fc.uint8Array({ maxLength: 300 }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.integer({ min: 1, max: 64 }),
        async (files, chunk) => {
          const plan = planMultipart(
            [["did", "12"]],
            files.map(([filename, data]) => ({ filename, size: data.length, body: chunks(data, chunk) })),
          );
          const body = await collect(plan.body());
          expect(body.length).toBe(plan.contentLength);
          expect(plan.contentType).toBe(`multipart/form-data; boundary=${plan.boundary}`);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("frames fields and files as spec §7.3 says", async () => {
    const plan = planMultipart(
      [["did", "7"]],
      [{ filename: "a b.txt", size: 3, body: chunks(Buffer.from("abc"), 2) }],
      "BOUND",
    );
    const text = (await collect(plan.body())).toString();
    expect(text).toBe(
      '--BOUND\r\nContent-Disposition: form-data; name="did"\r\n\r\n7\r\n' +
        '--BOUND\r\nContent-Disposition: form-data; name="file[]"; filename="a b.txt"\r\nContent-Type: application/octet-stream\r\n\r\nabc\r\n' +
        "--BOUND--\r\n",
    );
  });

  it("refuses a body longer or shorter than declared", async () => {
    const long = planMultipart([], [{ filename: "x", size: 2, body: chunks(Buffer.from("abc"), 3) }]);
    await expect(collect(long.body())).rejects.toThrow(/more bytes/);
    const short = planMultipart([], [{ filename: "x", size: 5, body: chunks(Buffer.from("abc"), 3) }]);
    await expect(collect(short.body())).rejects.toThrow(/3 bytes read, 5 declared/);
  });
});

describe("lenient schemas (spec §10)", () => {
  it("user/info: numeric strings, offer as string", () => {
    const u = userInfoSchema.parse({
      email: "a@b.c",
      offer: "1",
      cdn: "2.5",
      hot_storage: "10",
      cold_storage: 20,
      available_storage: "-5",
      allowed_cold_storage: "100",
      available_cold_storage: 80,
      overquota: "0",
      upload_forbidden: "1",
      subscription_end: "2027-01-01 00:00:00",
    });
    expect(u).toMatchObject({
      offer: 1,
      cdnCredits: 2.5,
      hotStorage: 10,
      availableStorage: -5,
      uploadForbidden: true,
      overQuota: false,
    });
  });

  it("file info: content_type or content-type, acl as object or flag", () => {
    const base = {
      url: "https://1fichier.com/?abcde12345",
      filename: "＜x＞",
      size: "12",
      date: "2026-01-01 10:00:00",
      checksum: "c",
      pass: 0,
      cdn: 0,
    };
    const a = fileInfoSchema.parse({
      ...base,
      content_type: "text/plain",
      acl: { ip: ["1.2.3.0/24"], premium: 0 },
      folder_id: "3",
    });
    expect(a.contentType).toBe("text/plain");
    expect(a.acl).toBe(true);
    expect(a.aclRules?.ip).toEqual(["1.2.3.0/24"]);
    expect(a.filename).toBe("<x>");
    expect(a.folderId).toBe(3);
    const b = fileInfoSchema.parse({ ...base, "content-type": "image/png", acl: 0 });
    expect(b.contentType).toBe("image/png");
    expect(b.acl).toBe(false);
    expect(b.aclRules).toBeNull();
  });

  it("listings: missing items, sub-folder key id or folder_id", () => {
    expect(fileListSchema.parse({ status: "OK" })).toEqual([]);
    const l = folderListingSchema.parse({
      folder_id: 0,
      name: "",
      sub_folders: [
        { id: 4, name: "a", create_date: "d", pass: 0 },
        { folder_id: "5", name: "b", create_date: "d", pass: "1" },
      ],
    });
    expect(l.subFolders.map((s) => [s.id, s.password])).toEqual([
      [4, false],
      [5, true],
    ]);
    expect(l.shared).toBeNull();
    expect(l.shares).toEqual([]);
  });

  it("listings keep the folder's groupware shares (spec §7.13 shares)", () => {
    const l = folderListingSchema.parse({
      folder_id: 7,
      name: "x",
      shares: [
        { email: "ann@example.org", rw: 1, hide_links: 0 },
        { email: "bob@example.org", rw: "0", hide_links: "1" },
      ],
    });
    expect(l.shares).toEqual([
      { email: "ann@example.org", rw: true, hideLinks: false },
      { email: "bob@example.org", rw: false, hideLinks: true },
    ]);
  });

  it("upload server: refuses ids over 10 characters (rclone)", () => {
    expect(uploadServerSchema.parse({ url: "up-1.1fichier.com", id: "AbCdE12345" })).toEqual({
      host: "up-1.1fichier.com",
      id: "AbCdE12345",
    });
    expect(uploadServerSchema.safeParse({ url: "x.1fichier.com", id: "example_invalid" }).success).toBe(
      false,
    );
    expect(uploadServerSchema.safeParse({ url: "https://x/", id: "abc" }).success).toBe(false);
  });

  it("end.pl: size is a string", () => {
    const r = uploadResultSchema.parse({
      incoming: 0,
      links: [{ download: "u", filename: "a␠", remove: "", size: "42", whirlpool: "w" }],
    });
    expect(r.links[0]).toEqual({ download: "u", filename: "a ", remove: "", size: 42, whirlpool: "w" });
  });

  it("check_links.pl lines", () => {
    expect(
      parseCheckLinks(
        "https://1fichier.com/?a;x.txt;3\nhttps://1fichier.com/?b;;;NOT FOUND\nhttps://1fichier.com/?c;;;BAD LINK\nhttps://1fichier.com/?d;;;PRIVATE\n",
      ).map((l) => l.state),
    ).toEqual(["ok", "not-found", "bad-link", "private"]);
  });
});
