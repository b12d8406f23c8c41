/**
 * `fichier remote add|ls|info`: remote upload, 1fichier fetching URLs into the account (spec §7.19).
 * `--wait` polls `remote/info.cgi` politely (starting at 5 s, backing off to 60 s) until the job has run.
 */
import type { Command } from "commander";
import { NotFoundError } from "../../api/errors.js";
import type { RemoteJob, RemoteJobInfo } from "../../api/types.js";
import type { CliContext, FichierClient } from "../context.js";
import { CliError, type FailedItem, PartialSuccessError, UsageError, withHint } from "../errors.js";
import { escapeControls } from "../escape.js";
import { parseIntOption } from "../options.js";
import { table } from "../output.js";
import { rewrittenPathNote } from "../resolve.js";
import { SUMMARIES } from "../summaries.js";
import { humanServiceDate, jsonServiceDate } from "../time.js";

/** A job's result as `remote info --json` prints it. */
export interface RemoteJobJson {
  id: number;
  requestDate: string;
  executionDate: string;
  done: boolean;
  links: string[];
  result: { status: string; url: string; downloadLink: string; message: string }[];
}

/**
 * Parses `--header 'Name: value'`.
 *
 * @example
 * parseHeader("Cookie: a=b"); // "Cookie: a=b"
 */
export function parseHeader(h: string): string {
  const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*:\s*(.*)$/.exec(h);
  if (!m) throw new UsageError(`--header "${h}" is not "Name: value"`, "e.g. --header 'Cookie: session=abc'");
  return `${m[1]}: ${m[2]}`;
}

/**
 * The delay before the n-th poll (0-based): 5 s, 10 s, 20 s, 40 s, then 60 s.
 *
 * @example
 * pollDelayMs(0); // 5000
 */
export function pollDelayMs(n: number): number {
  return Math.min(60_000, 5_000 * 2 ** n);
}

/** A job in `--json`: dates in RFC 3339 (`executionDate` "" until the job has run). */
function jobJson(j: RemoteJob): Omit<RemoteJobJson, "links" | "result"> {
  return {
    id: j.id,
    requestDate: jsonServiceDate(j.requestDate),
    executionDate: jsonServiceDate(j.executionDate),
    done: j.executionDate !== "",
  };
}

function toJson(j: RemoteJobInfo): RemoteJobJson {
  return { ...jobJson(j), links: j.links, result: j.result };
}

function renderJob(j: RemoteJobJson): string {
  const when = j.done
    ? `ran ${humanServiceDate(j.executionDate)}`
    : `pending since ${humanServiceDate(j.requestDate)}`;
  const lines = [`job ${j.id}: ${when}`];
  for (const r of j.result) {
    const url = escapeControls(r.url);
    lines.push(
      r.status === "OK" ? `  ${url} -> ${r.downloadLink}` : `  ${url}: FAILED ${escapeControls(r.message)}`,
    );
  }
  return lines.join("\n");
}

/** `remote/info.cgi` of a job, with the fix that fits an unknown job id (not the client's folder-id one). */
async function jobInfo(client: FichierClient, id: number): Promise<RemoteJobJson> {
  try {
    return toJson(await client.remote.info({ id }));
  } catch (e) {
    if (e instanceof NotFoundError) throw withHint(e, "list the jobs and their ids with `fichier remote ls`");
    throw e;
  }
}

async function waitForJob(
  client: FichierClient,
  ctx: CliContext,
  id: number,
  maxPolls: number,
): Promise<RemoteJobJson> {
  for (let n = 0; ; n++) {
    const j = await jobInfo(client, id);
    if (j.done) return j;
    if (n >= maxPolls) return j;
    const ms = pollDelayMs(n);
    ctx.out.info(`fichier: remote job ${id} not done yet; checking again in ${Math.round(ms / 1000)} s`);
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** Registers `remote` with `add`, `ls`, `info`. */
export function register(program: Command, ctx: CliContext): void {
  const remote = program.command("remote").description(SUMMARIES.remote.description);

  remote
    .command("add")
    .description("ask 1fichier to fetch URLs into a folder")
    .argument("<url...>", "http(s) URLs to fetch")
    .option("--to <path>", "destination folder (path or id; created when missing, as upload --to)", "/")
    .option(
      "--header <header>",
      "HTTP header for the fetch, 'Name: value' (repeatable)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option("--wait", "poll until the job has run, then print the resulting links")
    .option(
      "--max-polls <n>",
      "give up waiting after N polls (default: no limit)",
      parseIntOption("--max-polls", 1, 1_000_000),
    )
    .addHelpText("after", "\nJSON: {id, folderId, urls, job: <remote info JSON>|null}")
    .action((urls: string[], opts: RemoteAddOptions) => runRemoteAdd(ctx, urls, opts));

  remote
    .command("ls")
    .description("list remote-upload jobs")
    .addHelpText("after", "\nJSON: {jobs:[{id, requestDate, executionDate, done}]}; dates are RFC 3339")
    .action(async () => {
      const client = await ctx.client();
      const jobs = (await client.remote.list()).map(jobJson);
      const human = jobs.length
        ? table(
            jobs.map((j) => [
              String(j.id),
              humanServiceDate(j.requestDate),
              j.done ? humanServiceDate(j.executionDate) : "pending",
            ]),
          )
        : "no remote-upload jobs";
      ctx.out.result(human, { jobs });
    });

  remote
    .command("info")
    .description("one remote-upload job: its URLs and resulting links")
    .argument("<id>", "job id (from remote add or remote ls)")
    .addHelpText(
      "after",
      "\nJSON: {id, requestDate, executionDate, done, links, result:[{status,url,downloadLink,message}]}",
    )
    .action(async (idArg: string) => {
      if (!/^\d+$/.test(idArg)) throw new UsageError(`"${idArg}" is not a job id`, "see `fichier remote ls`");
      const job = await jobInfo(await ctx.client(), Number(idArg));
      ctx.out.result(renderJob(job), job);
    });
}

/** The options of `remote add`, as commander parses them. */
export interface RemoteAddOptions {
  to: string;
  header?: string[];
  wait?: boolean;
  maxPolls?: number;
}

/**
 * `fichier remote add URL...`: queues the job (into `--to`, created when missing), and with `--wait` polls it
 * until it has run; a failed URL makes it exit 9 (some) or 1 (all).
 *
 * @example
 * await runRemoteAdd(ctx, ["https://example.org/a.iso"], { to: "/isos", wait: true });
 */
export async function runRemoteAdd(ctx: CliContext, urls: string[], opts: RemoteAddOptions): Promise<void> {
  for (const u of urls) {
    if (!/^https?:\/\//i.test(u)) throw new UsageError(`"${u}" is not an http(s) URL`, "give full URLs");
  }
  const headers = (opts.header ?? []).map(parseHeader);
  const note = rewrittenPathNote(opts.to, opts.to.trim());
  if (note) ctx.out.warn(note);
  const index = await ctx.index();
  const client = index.client;
  const folderId = (await index.resolveFolder(opts.to, { create: true })).id;
  const { id } = await client.remote.request({ urls, folderId, ...(headers.length ? { headers } : {}) });
  // The files land later, behind the index's back: its next read of the folder lists it again.
  index.markStale(folderId);
  if (!opts.wait) {
    ctx.out.result(`remote job ${id} queued (fichier remote info ${id})`, { id, folderId, urls, job: null });
    return;
  }
  ctx.out.info(`fichier: remote job ${id} queued; waiting for it to run`);
  const job = await waitForJob(client, ctx, id, opts.maxPolls ?? Number.POSITIVE_INFINITY);
  index.markStale(folderId);
  ctx.out.result(renderJob(job), { id, folderId, urls, job });
  const failed: FailedItem[] = job.result
    .filter((r) => r.status !== "OK")
    .map((r) => ({ item: r.url, error: r.message || "failed" }));
  if (failed.length === 0) return;
  if (failed.length === job.result.length) {
    throw new CliError(
      `remote upload failed: ${failed[0]?.error}`,
      "check that the URLs are reachable from the internet",
    );
  }
  throw new PartialSuccessError(job.result.length - failed.length, job.result.length, failed);
}
