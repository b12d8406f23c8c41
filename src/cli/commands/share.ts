/**
 * `fichier share PATH`: publishes a folder (`folder/share.cgi`, spec §7.15) and prints its public `/dir/` link;
 * `--with EMAIL[:rw|:hide]` shares it with registered users; `--off` stops every share.
 */
import type { Command } from "commander";
import { NotFoundError } from "../../api/errors.js";
import type { FolderShare } from "../../api/types.js";
import type { CliContext } from "../context.js";
import { UsageError, withHint } from "../errors.js";
import { escapeControls } from "../escape.js";
import { readNewPassword } from "../prompts.js";
import { folderLabel } from "../resolve.js";
import { SUMMARIES } from "../summaries.js";

/** A groupware share as `folder/share.cgi` takes it and `folder/ls.cgi` gives it (spec §7.13, §7.15). */
export type ShareWith = FolderShare;

/**
 * Parses `--with EMAIL[:rw|:hide]`. `:rw` gives write access; `:hide` hides the download links (and implies
 * read-only, spec §7.15).
 *
 * @example
 * parseShareWith("ann@example.com:rw"); // { email: "ann@example.com", rw: true, hideLinks: false }
 */
export function parseShareWith(spec: string): ShareWith {
  const m = /^([^:\s]+@[^:\s]+)(?::(rw|hide|ro))?$/.exec(spec.trim());
  if (!m) {
    throw new UsageError(`--with "${spec}" is not EMAIL[:rw|:hide]`, "e.g. --with ann@example.com:rw");
  }
  const mode = m[2];
  return { email: m[1] as string, rw: mode === "rw", hideLinks: mode === "hide" };
}

/** Registers `share`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("share")
    .description(SUMMARIES.share.description)
    .argument("<path>", "remote folder path or folder id")
    .option(
      "--password [password]",
      "protect the public link (6+ characters; asked or read from stdin when no value)",
    )
    .option(
      "--with <email[:rw|:hide]>",
      "share with a registered user (repeatable): :rw read-write, :hide hide the links",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--no-public", "no public link (only --with shares)")
    .option("--off", "stop sharing: remove the public link and every --with share")
    .addHelpText(
      "after",
      "\nWithout --with the folder's user shares are left as they are. The result gives the folder's shares as\n" +
        "1fichier lists them after the change (one listing of the folder).\n" +
        "JSON: {folderId, path, url|null, shares:[{email,rw,hideLinks}]}",
    )
    .action((arg: string, opts: ShareOptions) => runShare(ctx, arg, opts));
}

/** The options of `share`, as commander parses them. */
export interface ShareOptions {
  password?: string | boolean;
  with?: string[];
  public?: boolean;
  off?: boolean;
}

/**
 * `fichier share PATH`: the public link (and `--with` user shares) of a folder, or `--off` to stop sharing.
 * Without `--with` the folder's user shares are left as they were. `shares` in the result are the folder's, as
 * its listing gives them after the change (spec §7.13), so what 1fichier made of them shows (`:hide` is read-only).
 *
 * @example
 * await runShare(ctx, "/photos", { with: ["ann@example.com:rw"] });
 */
export async function runShare(ctx: CliContext, arg: string, opts: ShareOptions): Promise<void> {
  const shares = (opts.with ?? []).map(parseShareWith);
  if (opts.off && (shares.length || opts.password !== undefined)) {
    throw new UsageError("--off cannot be combined with --with or --password", "use one or the other");
  }
  const index = await ctx.index();
  const client = index.client;
  const folder = await index.resolveFolder(arg);
  const folderId = folder.id;
  if (folderId === 0) throw new UsageError("the root folder cannot be shared", "share a sub-folder");
  const path = folder.path ?? null;
  const label = escapeControls(folderLabel(folder));
  if (opts.off) {
    await client.folders.share({ folderId, share: false, shares: [] });
    ctx.out.result(`stopped sharing ${label}`, { folderId, path, url: null, shares: [] });
    return;
  }
  const password = await readNewPassword(ctx, opts.password);
  let res: { url?: string };
  try {
    res = await client.folders.share({
      folderId,
      share: opts.public !== false,
      ...(password ? { password } : {}),
      ...(shares.length ? { shares } : {}),
    });
  } catch (e) {
    // The folder was just found: a "not found" now is about the people it is shared with.
    if (e instanceof NotFoundError && shares.length > 0) {
      throw withHint(
        e,
        "every --with e-mail must be the e-mail of a registered 1fichier account: check them",
      );
    }
    throw e;
  }
  const url = res.url ?? null;
  // Only the folder's own listing gives its user shares (spec §7.13); the index hears of it too.
  const actual = (await client.folders.list({ folderId, fresh: true })).shares;
  const lines = [url ?? `shared ${label} (no public link)`];
  for (const s of actual) {
    lines.push(`shared with ${s.email}${s.rw ? " (read-write)" : s.hideLinks ? " (links hidden)" : ""}`);
  }
  ctx.out.result(lines.join("\n"), { folderId, path, url, shares: actual });
}
