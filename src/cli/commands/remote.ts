/**
 * `fichier remote add|ls|info`: remote upload, 1fichier fetching URLs into the account (spec §7.19).
 * `--wait` polls `remote/info.cgi` politely (starting at 5 s, backing off to 60 s) until the job has run.
 */
import type { Command } from "commander";
import type { CliContext, FichierClient } from "../context.js";
import type { FailedItem } from "../errors.js";
import { PartialSuccessError, UsageError } from "../errors.js";
import { table } from "../output.js";
import { SUMMARIES } from "../summaries.js";
import { resolveFolderId } from "../targets.js";

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

function toJson(j: {
  id: number;
  requestDate: string;
  executionDate: string;
  links?: string[];
  result?: RemoteJobJson["result"];
}): RemoteJobJson {
  return {
    id: j.id,
    requestDate: j.requestDate,
    executionDate: j.executionDate,
    done: j.executionDate !== "",
    links: j.links ?? [],
    result: j.result ?? [],
  };
}

function renderJob(j: RemoteJobJson): string {
  const lines = [`job ${j.id}: ${j.done ? `ran ${j.executionDate}` : `pending since ${j.requestDate}`}`];
  for (const r of j.result) {
    lines.push(r.status === "OK" ? `  ${r.url} -> ${r.downloadLink}` : `  ${r.url}: FAILED ${r.message}`);
  }
  return lines.join("\n");
}

async function waitForJob(
  client: FichierClient,
  ctx: CliContext,
  id: number,
  maxPolls: number,
): Promise<RemoteJobJson> {
  for (let n = 0; ; n++) {
    const j = toJson(await client.remote.info({ id }));
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
    .option("--to <path>", "destination folder (path or id)", "/")
    .option(
      "--header <header>",
      "HTTP header for the fetch, 'Name: value' (repeatable)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option("--wait", "poll until the job has run, then print the resulting links")
    .option("--max-polls <n>", "give up waiting after N polls (default: no limit)", (v) =>
      Number.parseInt(v, 10),
    )
    .addHelpText("after", "\nJSON: {id, folderId, urls, job: <remote info JSON>|null}")
    .action(
      async (urls: string[], opts: { to: string; header?: string[]; wait?: boolean; maxPolls?: number }) => {
        for (const u of urls) {
          if (!/^https?:\/\//i.test(u))
            throw new UsageError(`"${u}" is not an http(s) URL`, "give full URLs");
        }
        const headers = (opts.header ?? []).map(parseHeader);
        const client = await ctx.client();
        const folderId = await resolveFolderId(client, opts.to);
        const { id } = (await client.remote.request({
          urls,
          folderId,
          ...(headers.length ? { headers } : {}),
        })) as {
          id: number;
        };
        if (!opts.wait) {
          ctx.out.result(`remote job ${id} queued (fichier remote info ${id})`, {
            id,
            folderId,
            urls,
            job: null,
          });
          return;
        }
        ctx.out.info(`fichier: remote job ${id} queued; waiting for it to run`);
        const job = await waitForJob(client, ctx, id, opts.maxPolls ?? Number.POSITIVE_INFINITY);
        ctx.out.result(renderJob(job), { id, folderId, urls, job });
        const failed: FailedItem[] = job.result
          .filter((r) => r.status !== "OK")
          .map((r) => ({ item: r.url, error: r.message || "failed" }));
        if (failed.length > 0) {
          if (failed.length === job.result.length) {
            throw Object.assign(new Error(`remote upload failed: ${failed[0]?.error}`), {
              name: "CliError",
              hint: "check that the URLs are reachable from the internet",
              exitCode: 1,
            });
          }
          throw new PartialSuccessError(job.result.length - failed.length, job.result.length, failed);
        }
      },
    );

  remote
    .command("ls")
    .description("list remote-upload jobs")
    .addHelpText("after", "\nJSON: {jobs:[{id, requestDate, executionDate, done}]}")
    .action(async () => {
      const client = await ctx.client();
      const jobs = (
        (await client.remote.list()) as { id: number; requestDate: string; executionDate: string }[]
      ).map((j) => ({
        id: j.id,
        requestDate: j.requestDate,
        executionDate: j.executionDate,
        done: j.executionDate !== "",
      }));
      const human = jobs.length
        ? table(jobs.map((j) => [String(j.id), j.requestDate, j.done ? j.executionDate : "pending"]))
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
      const client = await ctx.client();
      const job = toJson(await client.remote.info({ id: Number(idArg) }));
      ctx.out.result(renderJob(job), job);
    });
}
