/**
 * `fichier mkdir [-p] PATH` and `fichier rmdir [-r] PATH`. A recursive delete says how many files and folders
 * will go and asks, or needs `--yes` when stdin is not a terminal.
 */
import type { Command } from "commander";
import { ConflictError } from "../../api/errors.js";
import type { CliContext, FichierClient } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { SUMMARIES } from "../summaries.js";
import { classifyTarget, resolveFolderId, splitPath } from "../targets.js";
import { type Section, walk } from "./ls.js";

/** Registers `mkdir` and `rmdir`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("mkdir")
    .description(SUMMARIES.mkdir.description)
    .argument("<path>", "remote path, e.g. /backups/2026")
    .option("-p, --parents", "create missing parents; no error if the folder exists")
    .addHelpText("after", "\nJSON: {folderId, path, created}")
    .action(async (arg: string, opts: { parents?: boolean }) => {
      const t = classifyTarget(arg);
      if (t.kind !== "path" || t.path === "/") {
        throw new UsageError(`mkdir needs a folder path, not "${arg}"`, "give a path such as /backups/2026");
      }
      const client = await ctx.client();
      const { parent, name } = splitPath(t.path);
      let folderId: number;
      let created = true;
      if (opts.parents) {
        // Tell "already there" from "created" for the result; resolveFolder with create does the walk.
        try {
          folderId = await resolveFolderId(client, t.path);
          created = false;
        } catch (e) {
          if ((e as { name?: string }).name !== "NotFoundError") throw e;
          folderId = await resolveFolderId(client, t.path, true);
        }
      } else {
        const parentId = await resolveFolderId(client, parent);
        folderId = ((await client.folders.create({ name, parentId })) as { folderId: number }).folderId;
      }
      ctx.out.result(
        created ? `created ${t.path} (folder ${folderId})` : `${t.path} exists (folder ${folderId})`,
        {
          folderId,
          path: t.path,
          created,
        },
      );
    });

  program
    .command("rmdir")
    .description(SUMMARIES.rmdir.description)
    .argument("<path>", "remote path or folder id")
    .option("-r, --recursive", "delete the files and sub-folders too (asks, or needs --yes)")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", "\nJSON: {folderId, path, removedFiles, removedFolders}")
    .action(async (arg: string, opts: { recursive?: boolean; yes?: boolean }) => {
      const client = await ctx.client();
      const folderId = await resolveFolderId(client, arg);
      const t = classifyTarget(arg);
      const path = t.kind === "path" ? t.path : null;
      const label = path ?? `folder ${folderId}`;
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
      const sections = await walk(client, folderId, path, true);
      const fileCount = sections.reduce((n, s) => n + s.files.length, 0);
      const folderCount = sections.length;
      const what = `${label}: ${fileCount} file${fileCount === 1 ? "" : "s"} in ${folderCount} folder${folderCount === 1 ? "" : "s"}`;
      await confirmOrThrow(ctx, opts.yes === true, `Delete ${what}?`, `deleting ${what}`);
      const removed = await removeTree(client, sections, (m) => ctx.out.progress(m));
      ctx.out.endProgress();
      ctx.out.result(`deleted ${what}`, {
        folderId,
        path,
        removedFiles: removed.files,
        removedFolders: removed.folders,
      });
    });
}

/**
 * The confirmation rule: `--yes` skips it; on a terminal the user is asked; otherwise it is a usage error
 * (exit 2), since a script must say `--yes` explicitly.
 */
export async function confirmOrThrow(
  ctx: CliContext,
  yes: boolean,
  question: string,
  what: string,
): Promise<void> {
  if (yes) return;
  if (!ctx.stdin.isTTY) {
    throw new UsageError(`${what} needs a confirmation and stdin is not a terminal`, "pass --yes to confirm");
  }
  if (!(await ctx.confirm(question)))
    throw new CliError("cancelled: nothing was deleted", "answer y to confirm");
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
      const batch = urls.slice(i, i + 100);
      const r = (await client.files.remove(batch)) as { removed: number };
      files += r.removed;
      progress(`deleted ${files} files`);
    }
    await client.folders.remove({ folderId: s.id });
    folders++;
  }
  return { files, folders };
}
