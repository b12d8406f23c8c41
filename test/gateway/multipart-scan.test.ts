// Reading `did` from a multipart upload body as it streams: every split of the body into chunks gives the
// same answer, the body passes unchanged when allowed, and a refused body never reaches its end.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { planMultipart } from "../../src/api/multipart.js";
import {
  boundaryOf,
  DidGate,
  FieldFinder,
  FolderRefusedError,
  folderOfDids,
  MultipartShapeError,
} from "../../src/gateway/multipart-scan.js";

/** A multipart body as fichier's own client writes it (fields first), or with `did` after the file (C# order). */
async function body(
  fields: [string, string][],
  content: string,
  didLast = false,
): Promise<{ bytes: Buffer; contentType: string }> {
  const parts = didLast ? [] : fields;
  const plan = planMultipart(parts, [
    { filename: "a.txt", size: Buffer.byteLength(content), body: Readable.from([Buffer.from(content)]) },
  ]);
  const chunks: Buffer[] = [];
  for await (const c of plan.body()) chunks.push(Buffer.from(c));
  let bytes = Buffer.concat(chunks);
  if (didLast) {
    const boundary = boundaryOf(plan.contentType) as string;
    const tail = `--${boundary}--\r\n`;
    const extra = fields
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join("");
    bytes = Buffer.concat([bytes.subarray(0, bytes.length - tail.length), Buffer.from(extra + tail)]);
  }
  return { bytes, contentType: plan.contentType };
}

function find(bytes: Buffer, boundary: string, split: number[]): string[] {
  const f = new FieldFinder(boundary, "did");
  let at = 0;
  for (const s of [...split, bytes.length]) {
    f.feed(bytes.subarray(at, s));
    at = s;
  }
  return f.values;
}

describe("FieldFinder", () => {
  it("finds did before or after the file, whatever the chunk boundaries", async () => {
    for (const didLast of [false, true]) {
      const { bytes, contentType } = await body(
        [["did", "4242"]],
        "hello\r\n--not-a-boundary\r\nworld",
        didLast,
      );
      const boundary = boundaryOf(contentType) as string;
      expect(find(bytes, boundary, [])).toEqual(["4242"]);
      for (let cut = 1; cut < bytes.length; cut++)
        expect(find(bytes, boundary, [cut]), `cut ${cut}`).toEqual(["4242"]);
      const bytewise = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      expect(find(bytes, boundary, bytewise)).toEqual(["4242"]);
    }
  });

  it("ignores a `did` that is only file content, and sees several did fields", async () => {
    const { bytes, contentType } = await body(
      [["domain", "0"]],
      'Content-Disposition: form-data; name="did"\r\n\r\n7',
    );
    expect(find(bytes, boundaryOf(contentType) as string, [])).toEqual([]);
    const two = await body(
      [
        ["did", "1"],
        ["did", "2"],
      ],
      "x",
    );
    expect(find(two.bytes, boundaryOf(two.contentType) as string, [])).toEqual(["1", "2"]);
  });

  it("refuses oversized part headers and an oversized did", () => {
    const f = new FieldFinder("b", "did");
    expect(() => f.feed(Buffer.from(`--b\r\n${"X".repeat(20_000)}`))).toThrow(MultipartShapeError);
    const g = new FieldFinder("b", "did");
    expect(() =>
      g.feed(Buffer.from(`--b\r\nContent-Disposition: form-data; name="did"\r\n\r\n${"9".repeat(500)}`)),
    ).toThrow(MultipartShapeError);
  });

  it("boundaryOf and folderOfDids", () => {
    expect(boundaryOf('multipart/form-data; boundary="a b"')).toBe("a b");
    expect(boundaryOf("multipart/form-data; charset=utf-8; boundary=xyz")).toBe("xyz");
    expect(boundaryOf("application/json")).toBeUndefined();
    expect(folderOfDids(["12"])).toBe(12);
    expect(folderOfDids([])).toBe(0);
    expect(folderOfDids(["nope"])).toBe(0);
    expect(folderOfDids(["1", "2"])).toBeUndefined();
  });
});

async function through(gate: DidGate, bytes: Buffer, chunk: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  const out: Buffer[] = [];
  const src = Readable.from(parts);
  for await (const c of src.pipe(gate)) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe("DidGate", () => {
  it("passes the body unchanged when the folder is allowed", async () => {
    const { bytes, contentType } = await body([["did", "9"]], "x".repeat(100_000));
    for (const chunk of [1, 7, 64, 65_536]) {
      let seen: string[] = [];
      const gate = new DidGate(boundaryOf(contentType) as string, async (dids) => {
        seen = dids;
        return true;
      });
      expect((await through(gate, bytes, chunk)).equals(bytes)).toBe(true);
      expect(seen).toEqual(["9"]);
    }
  });

  it("a refused body stops short of its closing delimiter", async () => {
    const { bytes, contentType } = await body([["did", "9"]], "y".repeat(10_000));
    const boundary = boundaryOf(contentType) as string;
    const gate = new DidGate(boundary, async () => false);
    const out: Buffer[] = [];
    gate.on("data", (c: Buffer) => out.push(c));
    const done = new Promise((resolve) => gate.on("error", resolve));
    Readable.from([bytes.subarray(0, 4000), bytes.subarray(4000)]).pipe(gate);
    expect(await done).toBeInstanceOf(FolderRefusedError);
    const sent = Buffer.concat(out);
    expect(sent.length).toBeLessThan(bytes.length);
    expect(sent.includes(Buffer.from(`--${boundary}--`))).toBe(false);
  });
});
