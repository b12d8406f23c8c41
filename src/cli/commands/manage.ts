/**
 * File and folder management on the server: `rm`, `mv`, `cp`, `rename`, `attr`. Nothing is downloaded: moves and
 * copies are server-side (spec §7.8-§7.12, §7.16), and a folder copy is a walk of server-side file copies.
 */
import type { Command } from "commander";
import { NotFoundError } from "../../api/errors.js";
import { finishBatch, runEach } from "../batch.js";
import type { CliContext, FichierClient } from "../context.js";
import { UsageError } from "../errors.js";
import { SUMMARIES } from "../summaries.js";
import {
  classifyTarget,
  folderIndex,
  type Resolved,
  resolveFile,
  resolveFolderId,
  resolveItem,
  splitPath,
} from "../targets.js";
import { confirmOrThrow } from "./folders.js";
import { readNewPassword, readPassword } from "./ls.js";

/** One moved or copied item in `mv`/`cp --json`. */
export interface Transferred {
  type: "file" | "folder";
  from: string;
  /** New file URL (cp) or the same URL (mv); folder id for folders. */
  to: string;
  folderId: number;
  name?: string;
}

/**
 * Where `mv`/`cp` put things: an existing folder keeps the names; a path that does not exist (one source only)
 * means "into its parent, under this new name".
 */
async function resolveDestination(
  client: FichierClient,
  dest: string,
  sourceCount: number,
): Promise<{ folderId: number; rename?: string }> {
  const t = classifyTarget(dest);
  if (t.kind === "file" || t.kind === "share") {
    throw new UsageError(
      `the destination ${dest} is not a folder`,
      "give a folder path such as /backups or a folder id",
    );
  }
  try {
    return { folderId: await resolveFolderId(client, dest) };
  } catch (e) {
    if (!(e instanceof NotFoundError) || t.kind !== "path") throw e;
    if (sourceCount !== 1) {
      throw new UsageError(
        `the destination folder ${t.path} does not exist`,
        "create it first with `fichier mkdir -p`, or give a single source to move it under a new name",
      );
    }
    const { parent, name } = splitPath(t.path);
    return { folderId: await resolveFolderId(client, parent), rename: name };
  }
}

async function copyFolder(
  client: FichierClient,
  src: number,
  name: string,
  destId: number,
  onFile: () => void,
): Promise<number> {
  const created = (await client.folders.create({ name, parentId: destId })) as { folderId: number };
  const l = await folderIndex(client).list(src);
  const urls = l.items.map((i) => i.url);
  for (let i = 0; i < urls.length; i += 100) {
    await client.files.copy({ urls: urls.slice(i, i + 100), folderId: created.folderId });
    for (let k = 0; k < Math.min(100, urls.length - i); k++) onFile();
  }
  for (const sub of l.subFolders) await copyFolder(client, sub.id, sub.name, created.folderId, onFile);
  return created.folderId;
}

async function moveOne(
  client: FichierClient,
  r: Resolved,
  folderId: number,
  rename?: string,
): Promise<Transferred> {
  if (r.type === "file") {
    // spec §7.9: rename inside the same folder goes through file/rename.cgi; mv.cgi refuses a same-name rename.
    if (rename && r.folderId === folderId) {
      await client.files.rename({ url: r.url, filename: rename });
      return { type: "file", from: r.url, to: r.url, folderId, name: rename };
    }
    const res = (await client.files.move({ urls: [r.url], folderId, ...(rename ? { rename } : {}) })) as {
      urls: string[];
    };
    return {
      type: "file",
      from: r.url,
      to: res.urls[0] ?? r.url,
      folderId,
      ...(rename ? { name: rename } : {}),
    };
  }
  if (r.id === 0) throw new UsageError("the root folder cannot be moved", "give a sub-folder");
  // spec §7.16: a rename may make the server ignore the destination, so move and rename are two calls.
  await client.folders.move({ folderId: r.id, destinationId: folderId });
  if (rename) await client.folders.move({ folderId: r.id, rename });
  return {
    type: "folder",
    from: r.path ?? String(r.id),
    to: String(r.id),
    folderId,
    ...(rename ? { name: rename } : {}),
  };
}

async function copyOne(
  ctx: CliContext,
  client: FichierClient,
  r: Resolved,
  folderId: number,
  rename: string | undefined,
  password: string | undefined,
): Promise<Transferred> {
  if (r.type === "file") {
    const res = (await client.files.copy({
      urls: [r.url],
      folderId,
      ...(rename ? { rename } : {}),
      ...(password ? { password } : {}),
    })) as { urls: { from: string; to: string }[] };
    return {
      type: "file",
      from: r.url,
      to: res.urls[0]?.to ?? "",
      folderId,
      ...(rename ? { name: rename } : {}),
    };
  }
  let files = 0;
  const name = rename ?? r.name;
  if (!name) throw new UsageError("the root folder cannot be copied as a folder", "copy its sub-folders");
  const id = await copyFolder(client, r.id, name, folderId, () => {
    files++;
    ctx.out.progress(`copied ${files} files`);
  });
  ctx.out.endProgress();
  return { type: "folder", from: r.path ?? String(r.id), to: String(id), folderId, name };
}

/** Registers `rm`, `mv`, `cp`, `rename` and `attr`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("rm")
    .description(SUMMARIES.rm.description)
    .argument("<target...>", "file URLs or remote file paths")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", "\nJSON: {removed, urls:[...], failed:[{item,error,code?}]}")
    .action(async (targets: string[], opts: { yes?: boolean }) => {
      const client = await ctx.client();
      const resolved = await runEach(targets, (t) => resolveFile(client, t), ctx.out);
      const urls = resolved.ok.map((o) => o.result.url);
      if (urls.length > 1) {
        await confirmOrThrow(
          ctx,
          opts.yes === true,
          `Delete ${urls.length} files?`,
          `deleting ${urls.length} files`,
        );
      }
      let removed = 0;
      const removedUrls: string[] = [];
      for (let i = 0; i < urls.length; i += 100) {
        const r = (await client.files.remove(urls.slice(i, i + 100))) as { removed: number; urls: string[] };
        removed += r.removed;
        removedUrls.push(...(r.urls ?? []));
      }
      ctx.out.result(`deleted ${removed} file${removed === 1 ? "" : "s"}`, {
        removed,
        urls: removedUrls,
        failed: resolved.failed,
      });
      finishBatch(resolved, targets.length);
    });

  for (const verb of ["mv", "cp"] as const) {
    const cmd = program
      .command(verb)
      .description(SUMMARIES[verb].description)
      .argument(
        "<args...>",
        "SRC... DEST: sources (URLs, paths, folder ids) then the destination folder or new path",
      )
      .addHelpText(
        "after",
        `\nDEST an existing folder: the sources go into it. DEST a new path (one source): moved/copied under that name.\n` +
          `JSON: {${verb === "mv" ? "moved" : "copied"}:[{type,from,to,folderId,name?}], failed:[{item,error,code?}]}`,
      );
    if (verb === "cp") cmd.option("--password [password]", "password of the source files");
    cmd.action(async (args: string[], opts: { password?: string | boolean }) => {
      if (args.length < 2) throw new UsageError(`${verb} needs at least a source and a destination`);
      const client = await ctx.client();
      const sources = args.slice(0, -1);
      const dest = await resolveDestination(client, args[args.length - 1] as string, sources.length);
      const password = verb === "cp" ? await readPassword(ctx, opts.password) : undefined;
      const outcome = await runEach(
        sources,
        async (s) => {
          const r = await resolveItem(client, s);
          return verb === "mv"
            ? moveOne(client, r, dest.folderId, dest.rename)
            : copyOne(ctx, client, r, dest.folderId, dest.rename, password);
        },
        ctx.out,
      );
      const items = outcome.ok.map((o) => o.result);
      const human = items
        .map(
          (i) =>
            `${verb === "mv" ? "moved" : "copied"} ${i.from} -> ${i.type === "file" ? i.to : `folder ${i.to}`}`,
        )
        .join("\n");
      ctx.out.result(human, { [verb === "mv" ? "moved" : "copied"]: items, failed: outcome.failed });
      finishBatch(outcome, sources.length);
    });
  }

  program
    .command("rename")
    .description(SUMMARIES.rename.description)
    .argument("<target>", "file URL, remote path or folder id")
    .argument("<name>", "the new name")
    .addHelpText("after", "\nJSON: {type, url|null, folderId|null, oldName, newName}")
    .action(async (target: string, name: string) => {
      if (name.includes("/"))
        throw new UsageError(`"${name}" contains "/"`, "use `fichier mv` to move to another folder");
      const client = await ctx.client();
      const r = await resolveItem(client, target);
      if (r.type === "file") {
        const res = (await client.files.rename({ url: r.url, filename: name })) as {
          url: string;
          oldFilename: string;
          newFilename: string;
        };
        ctx.out.result(`renamed ${res.oldFilename} -> ${res.newFilename}`, {
          type: "file",
          url: res.url,
          folderId: null,
          oldName: res.oldFilename,
          newName: res.newFilename,
        });
        return;
      }
      if (r.id === 0) throw new UsageError("the root folder cannot be renamed", "give a sub-folder");
      await client.folders.move({ folderId: r.id, rename: name });
      ctx.out.result(`renamed ${r.path ?? `folder ${r.id}`} -> ${name}`, {
        type: "folder",
        url: null,
        folderId: r.id,
        oldName: r.name,
        newName: name,
      });
    });

  program
    .command("attr")
    .description(SUMMARIES.attr.description)
    .argument("<target...>", "file URLs or remote file paths")
    .option(
      "--password [password]",
      "set a password, at least 6 characters (asked, or read from stdin, when no value)",
    )
    .option("--no-password", "remove the password")
    .option("--description <text>", "set the description (empty to clear)")
    .option("--inline", "serve inline (players, browsers)")
    .option("--no-inline", "force download")
    .option("--cdn", "flag for the CDN")
    .option("--no-cdn", "unflag for the CDN")
    .option("--acl-ip <cidr...>", "allow only these IPs/CIDRs")
    .option("--acl-country <code...>", "allow only these countries (ISO-2)")
    .option("--acl-email <email...>", "allow only these registered users")
    .option("--acl-premium", "allow only premium users")
    .option("--no-acl", "remove all access rules")
    .addHelpText("after", "\nJSON: {updated, urls:[...], failed:[{item,error,code?}]}")
    .action(
      async (
        targets: string[],
        opts: {
          password?: string | boolean;
          description?: string;
          inline?: boolean;
          cdn?: boolean;
          aclIp?: string[];
          aclCountry?: string[];
          aclEmail?: string[];
          aclPremium?: boolean;
          acl?: boolean;
        },
      ) => {
        const change: Record<string, unknown> = {};
        if (opts.password === false) change.password = null;
        else if (opts.password !== undefined) change.password = await readNewPassword(ctx, opts.password);
        if (opts.description !== undefined) change.description = opts.description;
        if (opts.inline !== undefined) change.inline = opts.inline;
        if (opts.cdn !== undefined) change.cdn = opts.cdn;
        if (opts.aclIp || opts.aclCountry || opts.aclEmail || opts.aclPremium) {
          change.acl = {
            ip: opts.aclIp ?? [],
            country: opts.aclCountry ?? [],
            email: opts.aclEmail ?? [],
            premium: opts.aclPremium === true,
          };
        } else if (opts.acl === false) {
          // spec §7.12: an empty acl removes the rules.
          change.acl = null;
        }
        if (Object.keys(change).length === 0) {
          throw new UsageError("attr needs at least one attribute to change", "see `fichier attr --help`");
        }
        const client = await ctx.client();
        const resolved = await runEach(targets, (t) => resolveFile(client, t), ctx.out);
        const urls = resolved.ok.map((o) => o.result.url);
        let updated = 0;
        const updatedUrls: string[] = [];
        if (urls.length > 0) {
          const r = (await client.files.setAttributes({ urls, ...change })) as {
            updated: number;
            urls: string[];
          };
          updated = r.updated;
          updatedUrls.push(...(r.urls ?? urls));
        }
        ctx.out.result(`updated ${updated} file${updated === 1 ? "" : "s"}`, {
          updated,
          urls: updatedUrls,
          failed: resolved.failed,
        });
        finishBatch(resolved, targets.length);
      },
    );
}
