// The multipart body of an upload request of several files (a batch), read back by a standard parser: the one
// framing of upload.cgi bodies is src/api/multipart.ts.
import { describe, expect, it } from "vitest";
import { planMultipart } from "../../../src/api/multipart.js";

async function* chunks(data: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

describe("multipart", () => {
  it("computes the exact Content-Length of several files and a body a standard parser reads back", async () => {
    const a = Buffer.from("hello world, odd length!");
    const b = new Uint8Array(1001).map((_, i) => i % 251);
    const c = Buffer.from("x");
    const names = ["été.txt", "b.bin", "c"];
    const plan = planMultipart(
      [
        ["did", "42"],
        ["domain", "0"],
      ],
      [
        { filename: names[0]!, size: a.length, body: chunks(a) },
        { filename: names[1]!, size: b.length, body: chunks(b, 100) },
        { filename: names[2]!, size: c.length, body: chunks(c) },
      ],
    );
    expect(plan.contentType).toBe(`multipart/form-data; boundary=${plan.boundary}`);
    expect(plan.contentType).not.toContain('"');
    const body = await collect(plan.body());
    expect(body.length).toBe(plan.contentLength);
    const form = await new Response(body, { headers: { "content-type": plan.contentType } }).formData();
    expect(form.get("did")).toBe("42");
    expect(form.get("domain")).toBe("0");
    const files = form.getAll("file[]") as File[];
    expect(files.map((f) => f.name)).toEqual(names);
    expect(Buffer.from(await files[0]!.arrayBuffer())).toEqual(a);
    expect(Buffer.from(await files[1]!.arrayBuffer())).toEqual(Buffer.from(b));
    expect(Buffer.from(await files[2]!.arrayBuffer())).toEqual(c);
  });

  it("refuses a file whose content is shorter or longer than declared", async () => {
    const short = planMultipart([], [{ filename: "x", size: 10, body: chunks(Buffer.alloc(9)) }]);
    await expect(collect(short.body())).rejects.toThrow(/9 bytes read, 10 declared/);
    const long = planMultipart([], [{ filename: "x", size: 10, body: chunks(Buffer.alloc(11)) }]);
    await expect(collect(long.body())).rejects.toThrow(/more bytes than the declared 10/);
  });
});
