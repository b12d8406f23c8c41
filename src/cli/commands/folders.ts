/**
 * `fichier mkdir [-p] PATH` and `fichier rmdir [-r] PATH`. A recursive delete says how many files and folders
 * will go and asks, or needs `--yes` when stdin is not a terminal.
 */
import type { Command } from "commander";
import { ConflictError } from "../../api/errors.js";
import { classifyTarget, parentAndName } from "../../remote-index/targets.js";
import type { CliContext, FichierClient } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { escapeControls } from "../escape.js";
import { type Section, walk } from "../listing.js";
import { plural } from "../output.js";
import { confirmOrThrow } from "../prompts.js";
import { folderLabel, rewrittenPathNote } from "../resolve.js";
import { SUMMARIES } from "../summaries.js";

/** Registers `mkdir` and `rmdir`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("mkdir")
    .description(SUMMARIES.mkdir.description)
    .argument("<path>", "remote path, e.g. /backups/2026")
    .option("-p, --parents", "create missing parents; no error if the folder exists")
    .addHelpText("after", "\nJSON: {folderId, path, created}")
    .action((arg: string, opts: { parents?: boolean }) => runMkdir(ctx, arg, opts));

  program
    .command("rmdir")
    .description(SUMMARIES.rmdir.description)
    .argument("<path>", "remote path or folder id")
    .option("-r, --recursive", "delete the files and sub-folders too (asks, or needs --yes)")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", "\nJSON: {folderId, path, removedFiles, removedFolders}")
    .action((arg: string, opts: { recursive?: boolean; yes?: boolean }) => runRmdir(ctx, arg, opts));
}

/**
 * `fichier mkdir [-p] PATH`. A path typed with spaces at its ends makes the folder without them, and says so.
 *
 * @example
 * await runMkdir(ctx, "/backups/2026", { parents: true });
 */
export async function runMkdir(ctx: CliContext, arg: string, opts: { parents?: boolean }): Promise<void> {
  const t = classifyTarget(arg);
  if (t.kind !== "path" || t.path === "/") {
    throw new UsageError(`mkdir needs a folder path, not "${arg}"`, "give a path such as /backups/2026");
  }
  const note = rewrittenPathNote(arg, t.path);
  if (note) ctx.out.warn(note);
  const index = await ctx.index();
  let folderId: number;
  let created = true;
  if (opts.parents) {
    // The resolver makes what is missing (taking a folder another process made meanwhile) and says if it did.
    const made = await index.resolveFolder(t.path, { create: true });
    folderId = made.id;
    created = made.created === true;
  } else {
    const { parent, name } = parentAndName(t.path);
    const parentId = (await index.resolveFolder(parent)).id;
    folderId = (await index.client.folders.create({ name, parentId })).folderId;
  }
  const shown = escapeControls(t.path);
  ctx.out.result(created ? `created ${shown} (folder ${folderId})` : `${shown} exists (folder ${folderId})`, {
    folderId,
    path: t.path,
    created,
  });
}

/**
 * `fichier rmdir [-r] [-y] TARGET`: an empty folder, or with `-r` everything in it after a confirmation.
 *
 * @example
 * await runRmdir(ctx, "/old", { recursive: true, yes: true });
 */
export async function runRmdir(
  ctx: CliContext,
  arg: string,
  opts: { recursive?: boolean; yes?: boolean },
): Promise<void> {
  const index = await ctx.index();
  const client = index.client;
  const folder = await index.resolveFolder(arg);
  const folderId = folder.id;
  const path = folder.path ?? null;
  const label = escapeControls(folderLabel(folder));
  if (folderId === 0) throw new UsageError("the root folder cannot be deleted", "give a sub-folder");
  if (!opts.recursive) {
    try {
      await client.folders.remove({ folderId });
    } catch (e) {
      // DECISIONS.md: a non-empty folder answers "Folder not empty #9003".
      if (e instanceof ConflictError && e.code === 9003) {
        throw new CliError(
          `${label} is not empty`,
          `use \`fichier rmdir -r ${arg}\` to delete it with its content`,
        );
      }
      throw e;
    }
    ctx.out.result(`deleted ${label}`, { folderId, path, removedFiles: 0, removedFolders: 1 });
    return;
  }
  const sections = await walk(index, folderId, path, { recursive: true });
  const fileCount = sections.reduce((n, s) => n + s.files.length, 0);
  const what = `${label}: ${plural(fileCount, "file")} in ${plural(sections.length, "folder")}`;
  await confirmOrThrow(ctx, opts.yes === true, `Delete ${what}?`, `deleting ${what}`);
  const removed = await removeTree(client, sections, (m) => ctx.out.progress(m));
  ctx.out.endProgress();
  ctx.out.result(`deleted ${what}`, {
    folderId,
    path,
    removedFiles: removed.files,
    removedFolders: removed.folders,
  });
}

/** Deletes the walked tree: each folder's files (in batches), then the folders, deepest first. */
async function removeTree(
  client: FichierClient,
  sections: Section[],
  progress: (m: string) => void,
): Promise<{ files: number; folders: number }> {
  let files = 0;
  let folders = 0;
  // walk() returns parents before children: reverse to delete children first.
  for (const s of [...sections].reverse()) {
    const urls = s.files.map((f) => f.url);
    for (let i = 0; i < urls.length; i += 100) {
      const r = await client.files.remove(urls.slice(i, i + 100));
      files += r.removed;
      progress(`deleted ${plural(files, "file")}`);
    }
    await client.folders.remove({ folderId: s.id });
    folders++;
  }
  return { files, folders };
}
