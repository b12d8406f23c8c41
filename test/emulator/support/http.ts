// Raw HTTP helpers for the emulator suite: they speak the wire protocol of the spec (§1, §7) directly,
// with no client code (src/api), so a test passes only if the emulator itself is faithful.
import { randomBytes } from "node:crypto";
import { Agent, request } from "undici";
import { afterAll, expect } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { type TestEmulator, useEmulator } from "../../helpers/emulator.js";

// biome-ignore lint/suspicious/noExplicitAny: decoded JSON is inspected field by field in the tests
export type Loose = any;

/** One HTTP answer, fully read. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  /** Parsed body when it is JSON, else undefined. */
  json: Loose;
}

/** Exact KO body the spec requires (DECISIONS.md "Errors"). */
export const ko = (message: string) => ({ status: "KO", message });

/**
 * Assert a KO answer: HTTP status, exact body and the JSON content type DECISIONS.md requires, in one diff.
 *
 * @example
 * expectKo(r, 401, ko("Not authenticated #247"));
 */
export function expectKo(r: Reply, status: number, body: { status: string; message: string }): void {
  expect({ http: r.status, body: r.json, type: header(r, "content-type") }).toEqual({
    http: status,
    body,
    type: "application/json; charset=utf-8",
  });
}

export const FILE_URL = /^https:\/\/1fichier\.com\/\?[a-z0-9]{20}$/;
export const PARIS_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
export const WHIRLPOOL = /^[0-9a-f]{128}$/;

/** Header value as one string (undici gives arrays for repeated headers). */
export function header(r: Reply, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** The 20-character file id of a file URL (`https://<domain>/?<id>`). */
export function fileId(url: string): string {
  const m = /\?([a-z0-9]{20})/.exec(url);
  if (!m?.[1]) throw new Error(`not a file URL: ${url}`);
  return m[1];
}

export interface UploadPart {
  name: string;
  data: Buffer | string;
  type?: string;
}

export interface UploadOptions {
  key?: string | null;
  /** Text fields (did, domain, dpass, ...). */
  fields?: Record<string, string>;
  /** Put the text fields after the file parts (the order [CS] uses, spec §7.3). */
  fieldsAfter?: boolean;
}

/** A multipart/form-data body built by hand: unquoted boundary, quoted filename (spec §7.3). */
export function multipart(files: UploadPart[], fields: Record<string, string>, fieldsAfter = false) {
  const boundary = `----fichierTest${randomBytes(8).toString("hex")}`;
  const chunks: Buffer[] = [];
  const text = () => {
    for (const [k, v] of Object.entries(fields)) {
      chunks.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
      );
    }
  };
  if (!fieldsAfter) text();
  for (const f of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file[]"; filename="${f.name}"\r\n` +
          `Content-Type: ${f.type ?? "application/octet-stream"}\r\n\r\n`,
      ),
    );
    chunks.push(typeof f.data === "string" ? Buffer.from(f.data) : f.data);
    chunks.push(Buffer.from("\r\n"));
  }
  if (fieldsAfter) text();
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The result of the full upload flow (§9.1) for one file. */
export interface Uploaded {
  url: string;
  filename: string;
  size: string;
  whirlpool: string;
  remove: string;
  xid: string;
}

/**
 * Raw HTTP access to one emulator, with its own connection pool so `close()` leaves no socket open.
 *
 * @example
 * const raw = new Raw(em);
 * const r = await raw.api("file/ls.cgi", { folder_id: 0 }, em.accounts[1]!.apiKey);
 */
export class Raw {
  readonly agent = new Agent({ keepAliveTimeout: 500, keepAliveMaxTimeout: 500 });

  constructor(readonly em: RunningEmulator) {}

  /** Any request, read whole. */
  async fetch(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
  ): Promise<Reply> {
    const res = await request(url, {
      method: (init.method ?? "GET") as "GET",
      headers: init.headers ?? {},
      body: init.body ?? null,
      dispatcher: this.agent,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    const text = body.toString("utf8");
    let json: Loose;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body, text, json };
  }

  /** `POST <apiUrl>/<path>` with a JSON body (spec §7 preamble); `key` null sends no Authorization. */
  api(
    path: string,
    body: unknown = {},
    key?: string | null,
    extra: Record<string, string> = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { "content-type": "application/json", ...extra };
    if (key) headers.authorization = `Bearer ${key}`;
    return this.fetch(`${this.em.apiUrl}/${path}`, {
      method: "POST",
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  /** `api` that must answer 200 with status OK; returns the decoded body. */
  async ok(path: string, body: unknown, key: string): Promise<Loose> {
    const r = await this.api(path, body, key);
    if (r.status !== 200 || r.json?.status !== "OK") {
      throw new Error(`${path} expected OK, got HTTP ${r.status}: ${r.text.slice(0, 300)}`);
    }
    return r.json;
  }

  /** `upload/get_upload_server.cgi` (§7.2), GET as rclone does. */
  async uploadServer(key?: string | null): Promise<{ url: string; id: string }> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key) headers.authorization = `Bearer ${key}`;
    const r = await this.fetch(`${this.em.apiUrl}/upload/get_upload_server.cgi`, { headers });
    if (r.status !== 200 || typeof r.json?.id !== "string") {
      throw new Error(`get_upload_server failed: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    }
    return r.json;
  }

  /** `POST http://<node>/upload.cgi?id=..` (§7.3); returns the raw reply (302 expected). */
  async postUpload(node: string, id: string, files: UploadPart[], opts: UploadOptions = {}): Promise<Reply> {
    const { body, contentType } = multipart(files, opts.fields ?? {}, opts.fieldsAfter);
    const headers: Record<string, string> = { "content-type": contentType };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    return this.fetch(`http://${node}/upload.cgi?id=${id}`, { method: "POST", headers, body });
  }

  /** `GET http://<node>/end.pl?xid=..` (§7.4) in one of its three forms. */
  endpl(node: string, xid: string, form: "json" | "export" | "html" = "json", key?: string | null) {
    const headers: Record<string, string> = {};
    if (form === "json") headers.JSON = "1";
    if (form === "export") headers.EXPORT = "1";
    if (key) headers.authorization = `Bearer ${key}`;
    return this.fetch(`http://${node}/end.pl?xid=${encodeURIComponent(xid)}`, { headers });
  }

  /** The whole upload flow (§9.1) for the given parts; returns every link of end.pl. */
  async uploadMany(files: UploadPart[], opts: UploadOptions = {}): Promise<Uploaded[]> {
    const node = await this.uploadServer(opts.key);
    const up = await this.postUpload(node.url, node.id, files, opts);
    if (up.status !== 302)
      throw new Error(`upload.cgi expected 302, got ${up.status}: ${up.text.slice(0, 200)}`);
    const end = await this.endpl(node.url, node.id, "json", opts.key);
    if (!Array.isArray(end.json?.links))
      throw new Error(`end.pl gave no JSON links: ${end.text.slice(0, 200)}`);
    return end.json.links.map((l: Loose) => ({
      url: l.download,
      filename: l.filename,
      size: l.size,
      whirlpool: l.whirlpool,
      remove: l.remove,
      xid: node.id,
    }));
  }

  /** Upload one file and return its link. */
  async upload(key: string | null, name: string, data: Buffer | string, fields?: Record<string, string>) {
    const links = await this.uploadMany([{ name, data }], { key, fields });
    const first = links[0];
    if (!first || links.length !== 1) throw new Error(`expected 1 link, got ${links.length}`);
    return first;
  }

  /** `download/get_token.cgi` (§7.1) that must succeed; returns the token URL. */
  async token(key: string, url: string, extra: Record<string, unknown> = {}): Promise<string> {
    const j = await this.ok("download/get_token.cgi", { url, ...extra }, key);
    return j.url;
  }

  /** `folder/mkdir.cgi` that must succeed; returns the new folder id. */
  async mkdir(key: string, name: string, parent = 0): Promise<number> {
    const j = await this.ok("folder/mkdir.cgi", { name, folder_id: parent }, key);
    return j.folder_id;
  }

  /** POST to the emulator's HTTP admin API (contract: `<webUrl>/_emulator/<method>`). */
  admin(method: string, args: unknown = {}) {
    return this.fetch(`${this.em.webUrl}/_emulator/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-emulator-admin": this.em.adminToken },
      body: JSON.stringify(args),
    });
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** A random 32-character key in the spec's alphabet (§1.7), made at run time so no literal key sits in the code. */
export function randomKey(): string {
  return randomBytes(24).toString("base64url").slice(0, 32);
}

/**
 * The emulator suite's view of one emulator of the harness (test/helpers/emulator.ts): a raw client of it and
 * the four default accounts' keys, as `h.raw.api(..., h.premium)` reads.
 */
export interface Harness {
  em: TestEmulator;
  raw: Raw;
  free: string;
  premium: string;
  access: string;
  gold: string;
  /** Closes the raw client, then the emulator. */
  close(): Promise<void>;
}

/**
 * The raw view of an emulator a test started itself (`withEmulator`); `close()` closes both.
 * @example
 * const f = rawHarness(await withEmulator({ faults: "flood=1" }));
 * try { ... } finally { await f.close(); }
 */
export function rawHarness(em: TestEmulator): Harness {
  const raw = new Raw(em);
  return {
    em,
    raw,
    ...em.keys,
    async close() {
      await raw.close();
      await em.close();
    },
  };
}

/**
 * A test file's (or describe block's) opening for the emulator suite: the harness's `useEmulator` and a raw
 * client of it, both closed after the block.
 * @example
 * const h = useHarness({ now: fixedClock("2026-05-01T08:00:00Z") });
 * it("lists", async () => { await h.raw.ok("file/ls.cgi", { folder_id: 0 }, h.premium); });
 */
export function useHarness(opts: Parameters<typeof useEmulator>[0] = {}): Harness {
  const em = useEmulator(opts);
  const raw = new Raw(em);
  afterAll(() => raw.close());
  // Getters: the keys are known once the block's beforeAll has started the emulator.
  return {
    em,
    raw,
    get free() {
      return em.keys.free;
    },
    get premium() {
      return em.keys.premium;
    },
    get access() {
      return em.keys.access;
    },
    get gold() {
      return em.keys.gold;
    },
    // The block's afterAll hooks close both; a test has nothing to close.
    close: async () => {},
  };
}
