/** Remote upload (spec §7.19): jobs persisted, run in the background, really fetching http(s) URLs. */
import { Readable } from "node:stream";
import { z } from "zod";
import { BlobWriter } from "../blobs.js";
import { parisDate } from "../clock.js";
import { type ApiRoute, accountOf, type Ctx } from "../context.js";
import { ApiError, KO } from "../http.js";
import { ids } from "../ids.js";
import { fileUrl, isValidName, mimeOf, parseFileUrl } from "../names.js";
import type { FileRow, RemoteRow } from "../store.js";
import { int, parse, readableFile, resolveFolder } from "./common.js";

// spec §7.19: `headers` is an object ([SW]) or a list of "Name: value" strings ([PHP]); both accepted.
const headersSchema = z.union([z.record(z.string(), z.string()), z.array(z.string())]);

const request: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(
      z.object({
        urls: z.array(z.string()).min(1).max(100),
        folder_id: int.optional(),
        headers: headersSchema.optional(),
      }),
      call.body,
    );
    for (const u of b.urls) if (!/^https?:\/\//i.test(u)) throw KO.badRequest();
    const folder = resolveFolder(ctx, account, b.folder_id ?? 0, undefined);
    const now = ctx.clock.now();
    const headers = b.headers ?? {};
    const id = ctx.store.insertRemoteJob(
      account.email,
      folder.id,
      JSON.stringify(b.urls),
      JSON.stringify(headers),
      now,
    );
    ctx.runRemoteJob(id);
    return { status: "OK", id, date: parisDate(now), urls: b.urls, headers };
  },
};

function jobSummary(j: RemoteRow): Record<string, unknown> {
  return {
    id: j.id,
    request_date: parisDate(j.requested),
    execution_date: j.executed === null ? "" : parisDate(j.executed),
  };
}

const ls: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    return { status: "OK", data: ctx.store.remoteJobs(account.email).map(jobSummary) };
  },
};

const info: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    // spec §7.19: `id` is an int or a numeric string.
    const b = parse(z.object({ id: z.union([int, z.string().regex(/^\d+$/)]) }), call.body);
    const job = ctx.store.remoteJob(account.email, Number(b.id));
    if (!job) throw KO.remoteNotFound();
    return { status: "OK", ...jobSummary(job), links: JSON.parse(job.urls), result: JSON.parse(job.result) };
  },
};

/** The remote-upload routes. */
export const remoteRoutes: Record<string, ApiRoute> = {
  "remote/request.cgi": request,
  "remote/ls.cgi": ls,
  "remote/info.cgi": info,
};

interface RemoteResult {
  status: "OK" | "KO";
  url: string;
  download_link: string;
  message: string;
}

function headerList(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const line of raw as string[]) {
      const i = line.indexOf(":");
      if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
  } else if (raw && typeof raw === "object") {
    Object.assign(out, raw as Record<string, string>);
  }
  return out;
}

function nameFrom(url: string, disposition: string | null): string {
  const star = disposition ? /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition) : null;
  const plain = disposition ? /filename\s*=\s*"?([^";]+)"?/i.exec(disposition) : null;
  let name = "";
  try {
    name = star?.[1] ? decodeURIComponent(star[1]) : (plain?.[1] ?? "");
    if (!name) name = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
  } catch {
    name = "";
  }
  return isValidName(name) ? name : "remote-file";
}

async function fetchOne(ctx: Ctx, job: RemoteRow, url: string, signal: AbortSignal): Promise<RemoteResult> {
  const ko = (message: string): RemoteResult => ({ status: "KO", url, download_link: "", message });
  const existing = parseFileUrl(url);
  if (existing) {
    // A 1fichier URL is never fetched: it is copied server-side when public.
    const account = ctx.store.account(job.owner);
    let f: FileRow;
    try {
      if (!account) throw KO.notFound();
      f = readableFile(ctx, account, url, undefined, "127.0.0.1", false);
    } catch (e) {
      return ko(e instanceof ApiError ? e.message : "Resource not found #469");
    }
    const id = ids.file();
    ctx.store.insertFile({
      ...f,
      id,
      owner: job.owner,
      folder: job.folder,
      created: ctx.clock.now(),
      remove_code: null,
      scanned: null,
      deleted: null,
    });
    return { status: "OK", url, download_link: fileUrl(id, 0), message: "" };
  }
  let writer: BlobWriter | null = null;
  try {
    const res = await fetch(url, {
      headers: headerList(JSON.parse(job.headers)),
      signal,
      redirect: "follow",
    });
    if (!res.ok || !res.body) return ko(`Remote server answered HTTP ${res.status}`);
    writer = await BlobWriter.create(ctx.store, ctx.hashes);
    for await (const chunk of Readable.fromWeb(res.body as import("node:stream/web").ReadableStream)) {
      await writer.write(chunk as Buffer);
    }
    if (writer.size === 0) {
      await writer.abort();
      return ko("Empty file");
    }
    const blob = await writer.commit();
    const name = nameFrom(res.url || url, res.headers.get("content-disposition"));
    const id = ids.file();
    ctx.store.insertFile({
      id,
      owner: job.owner,
      folder: ctx.store.folder(job.owner, job.folder) ? job.folder : 0,
      name,
      size: blob.size,
      checksum: blob.checksum,
      mime: mimeOf(name),
      created: ctx.clock.now(),
      domain: 0,
      description: "",
      pass: null,
      no_ssl: 0,
      inline: 0,
      cdn: 0,
      acl: null,
      remove_code: null,
      blob: blob.blob,
      deleted: null,
      scanned: null,
    });
    return { status: "OK", url, download_link: fileUrl(id, 0), message: "" };
  } catch (e) {
    await writer?.abort();
    return ko(`Download failed: ${(e as Error).message}`);
  }
}

/**
 * Runs one job in the background; tracked in ctx.inflight so close() waits for it (bounded).
 * @example
 * const run = remoteRunner(ctx, abortSignal); run(jobId);
 */
export function remoteRunner(ctx: Ctx, signal: AbortSignal): (id: number) => void {
  return (id: number) => {
    const p = (async () => {
      await new Promise((r) => setImmediate(r));
      const job = ctx.store.db.prepare("SELECT * FROM remote_jobs WHERE id = ?").get(id) as
        | RemoteRow
        | undefined;
      if (!job || job.executed !== null) return;
      const results: RemoteResult[] = [];
      for (const url of JSON.parse(job.urls) as string[]) {
        if (signal.aborted) return; // left pending: resumed on the next start
        results.push(await fetchOne(ctx, job, url, signal));
      }
      if (signal.aborted || !ctx.store.db.open) return;
      ctx.store.finishRemoteJob(id, ctx.clock.now(), JSON.stringify(results));
      ctx.log(
        `remote upload ${id} done: ${results.filter((r) => r.status === "OK").length}/${results.length} OK`,
      );
    })().catch((e: unknown) => ctx.log(`remote upload ${id} failed: ${(e as Error).message}`));
    ctx.inflight.add(p);
    void p.finally(() => ctx.inflight.delete(p));
  };
}
