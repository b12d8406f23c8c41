/** Smoke tests of the emulator over real HTTP: start, upload → end.pl → token download, restart, close. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { whirlpool } from "hash-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { type TestEmulator, withEmulator } from "../helpers/emulator.js";

// biome-ignore lint/suspicious/noExplicitAny: test reads loosely typed JSON answers
type Json = Record<string, any>;

async function api(emu: { apiUrl: string }, key: string | null, path: string, body?: unknown) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  const res = await fetch(`${emu.apiUrl}/${path}`, {
    method: "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    json: (await res.json()) as Json,
  };
}

function multipart(
  boundary: string,
  parts: { name: string; filename?: string; data: Buffer | string }[],
): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = p.filename === undefined ? `name="${p.name}"` : `name="${p.name}"; filename="${p.filename}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; ${disp}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data));
    chunks.push(Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

async function upload(emu: TestEmulator, key: string, name: string, data: Buffer, did = 0) {
  const server = await fetch(`${emu.apiUrl}/upload/get_upload_server.cgi`);
  const { url, id } = (await server.json()) as { url: string; id: string };
  const boundary = "smokeBoundary123";
  const body = multipart(boundary, [
    { name: "file[]", filename: name, data },
    { name: "did", data: String(did) },
  ]);
  const up = await fetch(`http://${url}/upload.cgi?id=${id}`, {
    method: "POST",
    redirect: "manual",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": `multipart/form-data; boundary=${boundary}` },
    body,
  });
  return { up, url, id };
}

describe("emulator smoke", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await withEmulator();
  });
  afterAll(() => emu.close());

  it("starts with the four accounts and answers user/info with string fields", async () => {
    expect(emu.accounts.map((a) => a.offer).sort()).toEqual([0, 1, 2, 3]);
    for (const a of emu.accounts) expect(a.apiKey).toMatch(/^[A-Za-z0-9_=-]{32}$/);
    const r = await api(emu, emu.premium.apiKey, "user/info.cgi");
    expect(r.status).toBe(200);
    expect(r.type).toBe("application/json; charset=utf-8");
    expect(r.json).toMatchObject({ status: "OK", email: "premium@emulator.local", offer: "1" });
    const anon = await api(emu, null, "user/info.cgi");
    expect(anon).toMatchObject({ status: 401, json: { status: "KO", message: "Not authenticated #247" } });
  });

  it("round-trips an upload through end.pl and a ranged token download", async () => {
    const data = Buffer.from("hello emulator, this is a smoke test body\n".repeat(1000));
    const { up, url, id } = await upload(emu, emu.premium.apiKey, "smoke.txt", data);
    expect(up.status).toBe(302);
    expect(up.headers.get("location")).toBe(`/end.pl?xid=${id}`);
    const end = await fetch(`http://${url}/end.pl?xid=${id}`, { headers: { JSON: "1" } });
    const result = (await end.json()) as { incoming: number; links: Record<string, string>[] };
    expect(result.links).toHaveLength(1);
    const link = result.links[0]!;
    expect(link).toMatchObject({ filename: "smoke.txt", size: String(data.length), remove: "" });
    expect(link.whirlpool).toBe(await whirlpool(data));
    expect(link.download).toMatch(/^https:\/\/1fichier\.com\/\?[a-z0-9]{20}$/);

    const ls = await api(emu, emu.premium.apiKey, "file/ls.cgi", { folder_id: 0 });
    expect(ls.json.items.map((i: { url: string }) => i.url)).toContain(link.download);

    const token = await api(emu, emu.premium.apiKey, "download/get_token.cgi", { url: link.download });
    expect(token.json.status).toBe("OK");
    const whole = await fetch(token.json.url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
    const part = await fetch(token.json.url, { headers: { Range: "bytes=6-13" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 6-13/${data.length}`);
    expect(await part.text()).toBe("emulator");

    const free = await api(emu, emu.free.apiKey, "download/get_token.cgi", { url: link.download });
    expect(free).toMatchObject({
      status: 403,
      json: { message: "Must be a customer (Premium, Access) #200" },
    });
  });
});

describe("emulator persistence", () => {
  it("keeps accounts, folders and files across a restart, and closes cleanly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fichier-smoke-"));
    try {
      const first = await startEmulator({ dataDir: dir, limits: "off" });
      const premium = first.accounts.find((a) => a.offer === 1)!;
      const mk = await api(first, premium.apiKey, "folder/mkdir.cgi", { name: "kept" });
      expect(mk.json.status).toBe("OK");
      const helper = { ...first, premium, free: premium } as unknown as TestEmulator;
      const { url, id } = await upload(
        helper,
        premium.apiKey,
        "kept.bin",
        Buffer.from([1, 2, 3]),
        mk.json.folder_id,
      );
      await first.close();
      await first.close(); // idempotent

      const second = await startEmulator({ dataDir: dir, limits: "off" });
      try {
        const again = second.accounts.find((a) => a.offer === 1)!;
        expect(again.apiKey).toBe(premium.apiKey);
        const ls = await api(second, again.apiKey, "file/ls.cgi", { folder_id: mk.json.folder_id });
        expect(ls.json.items.map((i: { filename: string }) => i.filename)).toEqual(["kept.bin"]);
        const end = await fetch(`${second.webUrl}/end.pl?xid=${id}`, { headers: { JSON: "1" } });
        expect(((await end.json()) as { links: unknown[] }).links).toHaveLength(1);
        expect(url).toBe(first.uploadHost);
      } finally {
        await second.close();
      }
      await expect(fetch(`${second.apiUrl}/user/info.cgi`, { method: "POST" })).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("emulators sharing one data folder", () => {
  it("start together with the same accounts and see each other's changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fichier-shared-"));
    try {
      const [a, b] = await Promise.all([
        startEmulator({ dataDir: dir, limits: "off" }),
        startEmulator({ dataDir: dir, limits: "off" }),
      ]);
      try {
        expect(a.accounts).toEqual(b.accounts);
        const key = a.accounts.find((x) => x.offer === 1)!.apiKey;
        const mk = await api(a, key, "folder/mkdir.cgi", { name: "seen-by-b" });
        const ls = await api(b, key, "folder/ls.cgi", { folder_id: 0 });
        expect(ls.json.sub_folders).toContainEqual(
          expect.objectContaining({ id: mk.json.folder_id, name: "seen-by-b" }),
        );
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
