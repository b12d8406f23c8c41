import { describe, expect, it } from "vitest";
import { multipartBody, multipartLayout } from "../../../src/transfer/multipart.js";

async function* chunks(data: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

describe("multipart", () => {
  it("computes the exact Content-Length and a body a standard parser reads back", async () => {
    const a = Buffer.from("hello world, odd length!");
    const b = new Uint8Array(1001).map((_, i) => i % 251);
    const names = ['été "quoted".txt', "b.bin"];
    const layout = multipartLayout(
      [
        { name: "did", value: "42" },
        { name: "domain", value: "0" },
      ],
      [
        { name: names[0]!, size: a.length },
        { name: names[1]!, size: b.length },
      ],
    );
    expect(layout.contentType).toBe(`multipart/form-data; boundary=${layout.boundary}`);
    expect(layout.contentType).not.toContain('"');
    const body = await collect(
      multipartBody(layout, [
        { name: names[0]!, size: a.length, body: chunks(a) },
        { name: names[1]!, size: b.length, body: chunks(b, 100) },
      ]),
    );
    expect(body.length).toBe(layout.contentLength);
    const form = await new Response(body, { headers: { "content-type": layout.contentType } }).formData();
    expect(form.get("did")).toBe("42");
    expect(form.get("domain")).toBe("0");
    const files = form.getAll("file[]") as File[];
    expect(files.map((f) => f.name)).toEqual(names);
    expect(Buffer.from(await files[0]!.arrayBuffer())).toEqual(a);
    expect(Buffer.from(await files[1]!.arrayBuffer())).toEqual(Buffer.from(b));
  });

  it("refuses a file whose content is shorter or longer than declared", async () => {
    const layout = multipartLayout([], [{ name: "x", size: 10 }]);
    await expect(
      collect(multipartBody(layout, [{ name: "x", size: 10, body: chunks(Buffer.alloc(9)) }])),
    ).rejects.toThrow(/changed while uploading/);
    await expect(
      collect(multipartBody(layout, [{ name: "x", size: 10, body: chunks(Buffer.alloc(11)) }])),
    ).rejects.toThrow(/changed while uploading/);
  });
});
