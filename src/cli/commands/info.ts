/**
 * `fichier info URL...`: everything `file/info.cgi` says about each file (spec §7.6), in the file shape every
 * command shares (`listing.ts`) plus what only `info` knows.
 */
import type { Command } from "commander";
import { finishBatch, runEach } from "../batch.js";
import type { CliContext } from "../context.js";
import { type FileInfoJson, fileInfoJson } from "../listing.js";
import { formatBytes, table } from "../output.js";
import { readPassword } from "../prompts.js";
import { fileInfo, onFile } from "../resolve.js";
import { SUMMARIES } from "../summaries.js";
import { humanServiceDate } from "../time.js";

/**
 * Human rendering of one file's information.
 *
 * @example
 * renderInfo(info); // "URL           https://1fichier.com/?...\nName ..."
 */
export function renderInfo(i: FileInfoJson): string {
  const yn = (b: boolean): string => (b ? "yes" : "no");
  const rules = i.aclRules;
  const acl = rules
    ? [
        rules.ip.length ? `ip ${rules.ip.join(",")}` : "",
        rules.country.length ? `country ${rules.country.join(",")}` : "",
        rules.email.length ? `email ${rules.email.join(",")}` : "",
        rules.premium ? "premium only" : "",
      ]
        .filter(Boolean)
        .join("; ") || "none"
    : yn(i.acl);
  return table([
    ["URL", i.url],
    ["Name", i.filename],
    ["Path", i.path ?? "-"],
    ["Size", `${i.size} bytes (${formatBytes(i.size)})`],
    ["Date", humanServiceDate(i.date)],
    ["Whirlpool", i.checksum || "-"],
    ["Content type", i.contentType || "-"],
    ["Folder", `${i.folderPath} (folder ${i.folderId})`],
    ["Description", i.description || "-"],
    ["Password", yn(i.password)],
    ["Inline", yn(i.inline)],
    ["CDN", yn(i.cdn)],
    ["No SSL", yn(i.noSsl)],
    ["Access rules", acl],
  ]);
}

/** Registers `info`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("info")
    .description(SUMMARIES.info.description)
    .argument("<target...>", "file URLs or remote file paths")
    .option("--password [password]", "password of the files (asked, or read from stdin, when no value)")
    .addHelpText(
      "after",
      "\nJSON: {files:[{url,filename,path,size,date,checksum,contentType,password,acl,cdn,folderId,folderPath," +
        "description,inline,noSsl,aclRules:{ip,country,email,premium}|null}], failed:[{item,error,code?}]}",
    )
    .action((targets: string[], opts: { password?: string | boolean }) => runInfo(ctx, targets, opts));
}

/**
 * `fichier info TARGET...`: one `file/info.cgi` per file; a failed one does not stop the others.
 *
 * @example
 * await runInfo(ctx, ["/docs/a.txt"], {});
 */
export async function runInfo(
  ctx: CliContext,
  targets: string[],
  opts: { password?: string | boolean },
): Promise<void> {
  const index = await ctx.index();
  const password = await readPassword(ctx, opts.password);
  const outcome = await runEach(
    targets,
    (t) => onFile(index, t, {}, async (f) => fileInfoJson(await fileInfo(index.client, f.url, password))),
    ctx.out,
  );
  const files = outcome.ok.map((o) => o.result);
  ctx.out.result(files.map(renderInfo).join("\n\n"), { files, failed: outcome.failed });
  finishBatch(outcome, targets.length);
}
