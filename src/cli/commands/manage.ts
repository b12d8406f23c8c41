/**
 * File and folder management on the server: `rm`, `mv`, `cp`, `rename`, `attr`. Nothing is downloaded: moves and
 * copies are server-side (spec §7.8-§7.12, §7.16), and a folder copy is a walk of server-side file copies.
 * Each verb is an options object and a run function (testable without commander), registered by its own
 * function.
 */

import type { Command } from "commander";
import { FichierError, NotFoundError } from "../../api/errors.js";
import { NotIndexedError, WrongKindError } from "../../remote-index/errors.js";
import type { OpenedIndex } from "../../remote-index/open.js";
import type { RemoteIndex } from "../../remote-index/remote-index.js";
import type { ResolvedFile, ResolvedFolder } from "../../remote-index/resolver.js";
import { classifyTarget, joinRemotePath, parentAndName } from "../../remote-index/targets.js";
import { finishBatch, runEach } from "../batch.js";
import type { CliContext, FichierClient } from "../context.js";
import { UsageError, withHint } from "../errors.js";
import { escapeControls } from "../escape.js";
import { plural } from "../output.js";
import { confirmOrThrow, readNewPassword, readPassword } from "../prompts.js";
import { folderLabel, onItem } from "../resolve.js";
import { SUMMARIES } from "../summaries.js";

/** A file or a folder of the account, as `mv`, `cp` and `rename` take them (a share is refused). */
type Item = ({ type: "file" } & ResolvedFile) | ({ type: "folder"; name: string } & ResolvedFolder);

/** Registers `rm`, `mv`, `cp`, `rename` and `attr`. */
export function register(program: Command, ctx: CliContext): void {
  registerRm(program, ctx);
  registerMoveOrCopy(program, ctx, "mv");
  registerMoveOrCopy(program, ctx, "cp");
  registerRename(program, ctx);
  registerAttr(program, ctx);
}

// --- rm ---------------------------------------------------------------------------------------------------

function registerRm(program: Command, ctx: CliContext): void {
  program
    .command("rm")
    .description(SUMMARIES.rm.description)
    .argument("<target...>", "file URLs or remote file paths")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", "\nJSON: {removed, urls:[...], failed:[{item,error,code?}]}")
    .action((targets: string[], opts: { yes?: boolean }) => runRm(ctx, targets, opts));
}

/** `rm` of a folder: the error names the command that removes folders. */
function pointToRmdir(e: unknown): never {
  if (e instanceof WrongKindError && e.found === "folder") {
    throw withHint(e, "remove a folder with `fichier rmdir PATH` (-r with its contents)");
  }
  throw e;
}

/**
 * `fichier rm TARGET...`: deletes files (a confirmation for more than one), 100 per call.
 *
 * @example
 * await runRm(ctx, ["/a.txt", "/b.txt"], { yes: true });
 */
export async function runRm(ctx: CliContext, targets: string[], opts: { yes?: boolean }): Promise<void> {
  const index = await ctx.index();
  const client = index.client;
  const resolved = await runEach(targets, (t) => index.resolveFile(t).catch(pointToRmdir), ctx.out);
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
    const r = await client.files.remove(urls.slice(i, i + 100));
    removed += r.removed;
    removedUrls.push(...r.urls);
  }
  ctx.out.result(`deleted ${plural(removed, "file")}`, {
    removed,
    urls: removedUrls,
    failed: resolved.failed,
  });
  finishBatch(resolved, targets.length);
}

// --- mv and cp --------------------------------------------------------------------------------------------

/** One moved or copied item in `mv`/`cp --json`. */
export interface Transferred {
  type: "file" | "folder";
  /** The source: a file URL, a folder path, or a folder id. */
  from: string;
  /** The source's path from the root, when known (a file given by URL has none). */
  fromPath: string | null;
  /** New file URL (cp) or the same URL (mv); folder id (as a string) for folders. */
  to: string;
  /** Where it is now, from the root, when known (not for a destination given by id, or a file given by URL). */
  toPath: string | null;
  /** The destination folder. */
  folderId: number;
  /** The destination folder's path, when known. */
  folderPath: string | null;
  /** The new name, when it changed. */
  name?: string;
  /** For a folder copy: the files copied. */
  files?: number;
}

/** Where `mv`/`cp` put things. */
interface Destination {
  folderId: number;
  /** The destination folder's path, when given as a path (or the root). */
  path: string | null;
  /** The new name: the destination did not exist and there is one source. */
  rename?: string;
}

function registerMoveOrCopy(program: Command, ctx: CliContext, verb: "mv" | "cp"): void {
  const cmd = program
    .command(verb)
    .description(SUMMARIES[verb].description)
    .argument(
      "<args...>",
      "SRC... DEST: sources (URLs, paths, folder ids) then the destination folder or new path",
    )
    .addHelpText(
      "after",
      "\nDEST an existing folder: the sources go into it. DEST a new path (one source): moved/copied under that name.\n" +
        `JSON: {${verb === "mv" ? "moved" : "copied"}:[{type,from,fromPath,to,toPath,folderId,folderPath,name?,files?}], ` +
        "failed:[{item,error,code?}]}",
    );
  if (verb === "cp") cmd.option("--password [password]", "password of the source files");
  cmd.action((args: string[], opts: { password?: string | boolean }) => runMoveOrCopy(ctx, verb, args, opts));
}

/**
 * `fichier mv|cp SRC... DEST`: each source into the destination folder (or under the destination's new name),
 * one line per item saying what went where, by path.
 *
 * @example
 * await runMoveOrCopy(ctx, "mv", ["/a.txt", "/archive"], {});
 */
export async function runMoveOrCopy(
  ctx: CliContext,
  verb: "mv" | "cp",
  args: string[],
  opts: { password?: string | boolean },
): Promise<void> {
  if (args.length < 2) throw new UsageError(`${verb} needs at least a source and a destination`);
  const index = await ctx.index();
  const sources = args.slice(0, -1);
  const dest = await resolveDestination(index, args[args.length - 1] as string, sources.length);
  const password = verb === "cp" ? await readPassword(ctx, opts.password) : undefined;
  const outcome = await runEach(
    sources,
    (s) =>
      onItem(index, s, {}, (r) => {
        const item = accountItem(s, r);
        return verb === "mv" ? moveOne(index.client, item, dest) : copyOne(ctx, index, item, dest, password);
      }),
    ctx.out,
  );
  const items = outcome.ok.map((o) => o.result);
  const human = items.map((i) => describeTransferred(verb, i)).join("\n");
  ctx.out.result(human, { [verb === "mv" ? "moved" : "copied"]: items, failed: outcome.failed });
  finishBatch(outcome, sources.length);
}

/** `moved /a/m.txt -> /b/m.txt`, `copied /src -> /dst (3 files)`, names escaped. */
function describeTransferred(verb: "mv" | "cp", i: Transferred): string {
  const from = escapeControls(i.fromPath ?? i.from);
  const to = escapeControls(
    i.toPath ?? (i.folderPath !== null ? `${i.folderPath.replace(/\/$/, "")}/` : `folder ${i.folderId}`),
  );
  const extra =
    i.type === "folder" && i.files !== undefined
      ? ` (${plural(i.files, "file")})`
      : verb === "cp" && i.type === "file"
        ? ` (${i.to})`
        : "";
  return `${verb === "mv" ? "moved" : "copied"} ${from} -> ${to}${extra}`;
}

/** A resolved source of `mv`/`cp`/`rename`: a public share is not one of the account's items. */
function accountItem(arg: string, r: Awaited<ReturnType<RemoteIndex["resolve"]>>): Item {
  if (r.type !== "share") return r;
  throw new UsageError(
    `${arg} is a public share link, not one of your files or folders`,
    "give a path such as /backups/a.txt, a file URL or a folder id",
  );
}

/**
 * Where `mv`/`cp` put things: an existing folder keeps the names; a path that does not exist (one source only)
 * means "into its parent, under this new name". A file already at that path is refused: 1fichier cannot
 * overwrite, and a second file of the same name would be a trap.
 */
async function resolveDestination(
  index: RemoteIndex,
  dest: string,
  sourceCount: number,
): Promise<Destination> {
  const t = classifyTarget(dest);
  if (t.kind !== "path") {
    const f = await index.resolveFolder(dest);
    return { folderId: f.id, path: f.path ?? (f.id === 0 ? "/" : null) };
  }
  try {
    // A new name is an expected answer here: no new listing to check the index's entry for it.
    const r = await index.resolve(dest, { recheckMissing: false });
    if (r.type === "folder") return { folderId: r.id, path: r.path ?? t.path };
  } catch (e) {
    if (!(e instanceof NotFoundError) || e instanceof NotIndexedError) throw e;
    if (sourceCount !== 1) {
      throw new UsageError(
        `the destination folder ${t.path} does not exist`,
        "create it first with `fichier mkdir -p`, or give a single source to move it under a new name",
      );
    }
    const { parent, name } = parentAndName(t.path);
    const p = await index.resolveFolder(parent);
    return { folderId: p.id, path: p.path ?? parent, rename: name };
  }
  throw new UsageError(
    `${t.path} is a file already: 1fichier cannot overwrite it`,
    `give a folder or a new name, or delete it first with \`fichier rm ${t.path}\``,
  );
}

/** The path an item gets in the destination, when both are known. */
function newPath(dest: Destination, name: string | undefined): string | null {
  const final = dest.rename ?? name;
  return dest.path === null || final === undefined ? null : joinRemotePath(dest.path, final);
}

/** What every moved or copied item says of its source and destination. */
function common(r: Item, dest: Destination) {
  return {
    fromPath: r.path ?? null,
    folderId: dest.folderId,
    folderPath: dest.path,
    ...(dest.rename ? { name: dest.rename } : {}),
  };
}

/** The source's name, when known (a file given by URL is known by its URL only, unless the index knows it). */
function knownName(r: Item): string | undefined {
  return r.path !== undefined ? parentAndName(r.path).name : undefined;
}

async function moveOne(client: FichierClient, r: Item, dest: Destination): Promise<Transferred> {
  const base = common(r, dest);
  if (r.type === "file") {
    const toPath = newPath(dest, knownName(r));
    // spec §7.9: rename inside the same folder goes through file/rename.cgi; mv.cgi refuses a same-name rename.
    if (dest.rename && r.folderId === dest.folderId) {
      await client.files.rename({ url: r.url, filename: dest.rename });
      return { type: "file", from: r.url, to: r.url, toPath, ...base };
    }
    const res = await client.files.move({
      urls: [r.url],
      folderId: dest.folderId,
      ...(dest.rename ? { rename: dest.rename } : {}),
    });
    return { type: "file", from: r.url, to: res.urls[0] ?? r.url, toPath, ...base };
  }
  if (r.id === 0) throw new UsageError("the root folder cannot be moved", "give a sub-folder");
  refuseMoveIntoItself(r, dest);
  try {
    // spec §7.16: a rename may make the server ignore the destination, so move and rename are two calls.
    await client.folders.move({ folderId: r.id, destinationId: dest.folderId });
    if (dest.rename) await client.folders.move({ folderId: r.id, rename: dest.rename });
  } catch (e) {
    // #9009 "Invalid destination folder": the folder itself, one inside it, or not one of ours.
    if (e instanceof FichierError && e.code === 9009) {
      throw withHint(e, "choose a destination folder of yours that is not the folder itself or inside it");
    }
    throw e;
  }
  const toPath = newPath(dest, r.name);
  return { type: "folder", from: r.path ?? String(r.id), to: String(r.id), toPath, ...base };
}

/** A folder cannot go into itself or into one of its own sub-folders (`mv /backups /backups/2026`). */
function refuseMoveIntoItself(r: Item & { type: "folder" }, dest: Destination): void {
  const inside = (p: string | null): boolean =>
    p !== null && r.path !== undefined && (p === r.path || p.startsWith(`${r.path}/`));
  if (dest.folderId === r.id || inside(dest.path)) {
    const where =
      dest.rename && dest.path !== null
        ? joinRemotePath(dest.path, dest.rename)
        : (dest.path ?? `folder ${dest.folderId}`);
    throw new UsageError(
      `cannot move ${folderLabel(r)} into itself (${where})`,
      "choose a destination outside the folder",
    );
  }
}

async function copyOne(
  ctx: CliContext,
  index: OpenedIndex,
  r: Item,
  dest: Destination,
  password: string | undefined,
): Promise<Transferred> {
  const client = index.client;
  const base = common(r, dest);
  if (r.type === "file") {
    const res = await client.files.copy({
      urls: [r.url],
      folderId: dest.folderId,
      ...(dest.rename ? { rename: dest.rename } : {}),
      ...(password ? { password } : {}),
    });
    return {
      type: "file",
      from: r.url,
      to: res.urls[0]?.to ?? "",
      toPath: newPath(dest, knownName(r)),
      ...base,
    };
  }
  const name = dest.rename ?? r.name;
  if (!name) throw new UsageError("the root folder cannot be copied as a folder", "copy its sub-folders");
  let files = 0;
  const id = await copyFolder(index, r.id, name, dest.folderId, () => {
    files++;
    ctx.out.progress(`copied ${plural(files, "file")}`);
  });
  ctx.out.endProgress();
  return {
    type: "folder",
    from: r.path ?? String(r.id),
    to: String(id),
    toPath: newPath(dest, r.name),
    files,
    ...base,
  };
}

/**
 * Re-creates a folder tree under `destId` and copies every file server-side, 100 per call. The source is read
 * through the index; the copies are written through to it.
 */
async function copyFolder(
  index: OpenedIndex,
  src: number,
  name: string,
  destId: number,
  onFile: () => void,
): Promise<number> {
  const client = index.client;
  const created = await client.folders.create({ name, parentId: destId });
  const view = await index.list(src);
  const urls = view.files.map((f) => f.url);
  for (let i = 0; i < urls.length; i += 100) {
    const batch = urls.slice(i, i + 100);
    await client.files.copy({ urls: batch, folderId: created.folderId });
    for (let k = 0; k < batch.length; k++) onFile();
  }
  for (const sub of view.subFolders) await copyFolder(index, sub.id, sub.name, created.folderId, onFile);
  return created.folderId;
}

// --- rename -----------------------------------------------------------------------------------------------

function registerRename(program: Command, ctx: CliContext): void {
  program
    .command("rename")
    .description(SUMMARIES.rename.description)
    .argument("<target>", "file URL, remote path or folder id")
    .argument("<name>", "the new name")
    .addHelpText("after", "\nJSON: {type, url|null, folderId|null, oldName, newName}")
    .action((target: string, name: string) => runRename(ctx, target, name));
}

/**
 * `fichier rename TARGET NAME`: a file or a folder renamed in place.
 *
 * @example
 * await runRename(ctx, "/docs/old.txt", "new.txt");
 */
export async function runRename(ctx: CliContext, target: string, name: string): Promise<void> {
  if (name.includes("/"))
    throw new UsageError(`"${name}" contains "/"`, "use `fichier mv` to move to another folder");
  const index = await ctx.index();
  const client = index.client;
  await onItem(index, target, {}, (r) => renameOne(ctx, client, accountItem(target, r), name));
}

/** Renames one resolved file or folder in place, and says so. */
async function renameOne(ctx: CliContext, client: FichierClient, r: Item, name: string): Promise<void> {
  if (r.type === "file") {
    const res = await client.files.rename({ url: r.url, filename: name });
    ctx.out.result(`renamed ${escapeControls(res.oldFilename)} -> ${escapeControls(res.newFilename)}`, {
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
  ctx.out.result(`renamed ${escapeControls(folderLabel(r))} -> ${escapeControls(name)}`, {
    type: "folder",
    url: null,
    folderId: r.id,
    oldName: r.name,
    newName: name,
  });
}

// --- attr -------------------------------------------------------------------------------------------------

/** The options of `attr`, as commander parses them. */
export interface AttrOptions {
  password?: string | boolean;
  description?: string;
  inline?: boolean;
  cdn?: boolean;
  aclIp?: string[];
  aclCountry?: string[];
  aclEmail?: string[];
  aclPremium?: boolean;
  acl?: boolean;
}

function registerAttr(program: Command, ctx: CliContext): void {
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
    .action((targets: string[], opts: AttrOptions) => runAttr(ctx, targets, opts));
}

/** The attribute change `file/chattr.cgi` is asked for (spec §7.12), from the options. */
type AttrChange = Omit<Parameters<FichierClient["files"]["setAttributes"]>[0], "urls" | "signal">;

async function attrChange(ctx: CliContext, opts: AttrOptions): Promise<AttrChange> {
  const change: AttrChange = {};
  if (opts.password === false) change.password = null;
  else if (opts.password !== undefined) change.password = (await readNewPassword(ctx, opts.password)) ?? null;
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
  return change;
}

/**
 * `fichier attr TARGET... [options]`: one `file/chattr.cgi` for every file resolved.
 *
 * @example
 * await runAttr(ctx, ["/a.txt"], { inline: true });
 */
export async function runAttr(ctx: CliContext, targets: string[], opts: AttrOptions): Promise<void> {
  const change = await attrChange(ctx, opts);
  if (Object.keys(change).length === 0) {
    throw new UsageError("attr needs at least one attribute to change", "see `fichier attr --help`");
  }
  const index = await ctx.index();
  const client = index.client;
  const resolved = await runEach(targets, (t) => index.resolveFile(t), ctx.out);
  const urls = resolved.ok.map((o) => o.result.url);
  let updated = 0;
  const updatedUrls: string[] = [];
  if (urls.length > 0) {
    const r = await client.files.setAttributes({ urls, ...change });
    updated = r.updated;
    updatedUrls.push(...r.urls);
  }
  ctx.out.result(`updated ${plural(updated, "file")}`, {
    updated,
    urls: updatedUrls,
    failed: resolved.failed,
  });
  finishBatch(resolved, targets.length);
}
