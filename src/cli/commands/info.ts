/**
 * `fichier info URL...`: everything `file/info.cgi` says about each file (spec §7.6).
 */
import type { Command } from "commander";
import type { FileInfo } from "../../api/types.js";
import { finishBatch, runEach } from "../batch.js";
import type { CliContext } from "../context.js";
import { formatBytes, table } from "../output.js";
import { SUMMARIES } from "../summaries.js";
import { resolveFile } from "../targets.js";
import { readPassword } from "./ls.js";

/** What `info` prints: the client's `FileInfo` without its `raw` copy of the answer. */
type InfoLike = Omit<FileInfo, "raw">;

/** The `--json` shape of one file: the client's `FileInfo` without its `raw` copy. */
export function infoJson(i: InfoLike): InfoLike {
  return {
    url: i.url,
    filename: i.filename,
    size: i.size,
    date: i.date,
    checksum: i.checksum,
    contentType: i.contentType,
    password: i.password,
    acl: i.acl,
    cdn: i.cdn,
    folderId: i.folderId,
    path: i.path,
    description: i.description,
    inline: i.inline,
    noSsl: i.noSsl,
    aclRules: i.aclRules,
  };
}

/**
 * Human rendering of one file's information.
 *
 * @example
 * renderInfo(info); // "URL           https://1fichier.com/?...\nName ..."
 */
export function renderInfo(i: InfoLike): string {
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
    ["Size", `${i.size} bytes (${formatBytes(i.size)})`],
    ["Date", i.date],
    ["Whirlpool", i.checksum || "-"],
    ["Content type", i.contentType || "-"],
    ["Folder", `${i.folderId}${i.path ? ` (/${i.path.replace(/^\//, "")})` : ""}`],
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
      "\nJSON: {files:[{url,filename,size,date,checksum,contentType,password,acl,cdn,folderId,path,description," +
        "inline,noSsl,aclRules:{ip,country,email,premium}|null}], failed:[{item,error,code?}]}",
    )
    .action(async (targets: string[], opts: { password?: string | boolean }) => {
      const client = await ctx.client();
      const password = await readPassword(ctx, opts.password);
      const outcome = await runEach(
        targets,
        async (t) => {
          const f = await resolveFile(client, t);
          return infoJson(
            (await client.files.info(password ? { url: f.url, password } : { url: f.url })) as InfoLike,
          );
        },
        ctx.out,
      );
      const files = outcome.ok.map((o) => o.result);
      ctx.out.result(files.map(renderInfo).join("\n\n"), { files, failed: outcome.failed });
      finishBatch(outcome, targets.length);
    });
}
