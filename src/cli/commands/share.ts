/**
 * `fichier share PATH`: publishes a folder (`folder/share.cgi`, spec §7.15) and prints its public `/dir/` link;
 * `--with EMAIL[:rw|:hide]` shares it with registered users; `--off` stops every share.
 */
import type { Command } from "commander";
import { NotFoundError } from "../../api/errors.js";
import type { CliContext } from "../context.js";
import { UsageError, withHint } from "../errors.js";
import { escapeControls } from "../escape.js";
import { readNewPassword } from "../prompts.js";
import { SUMMARIES } from "../summaries.js";
import { classifyTarget, resolveFolderId } from "../targets.js";

/** A groupware share as `folder/share.cgi` takes it. */
export interface ShareWith {
  email: string;
  rw: boolean;
  hideLinks: boolean;
}

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
      "\nJSON: {folderId, path, url|null, shares:[{email,rw,hideLinks}]|null} (shares null: not changed, not listed)",
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
 * `shares` in the result are those this command set: without `--with` the folder's user shares are left as
 * they were (and are not listed: `null`).
 *
 * @example
 * await runShare(ctx, "/photos", { with: ["ann@example.com:rw"] });
 */
export async function runShare(ctx: CliContext, arg: string, opts: ShareOptions): Promise<void> {
  const shares = (opts.with ?? []).map(parseShareWith);
  if (opts.off && (shares.length || opts.password !== undefined)) {
    throw new UsageError("--off cannot be combined with --with or --password", "use one or the other");
  }
  const client = await ctx.client();
  const folderId = await resolveFolderId(client, arg);
  if (folderId === 0) throw new UsageError("the root folder cannot be shared", "share a sub-folder");
  const t = classifyTarget(arg);
  const path = t.kind === "path" ? t.path : null;
  const label = escapeControls(path ?? `folder ${folderId}`);
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
  const lines = [url ?? `shared ${label} (no public link)`];
  for (const s of shares) {
    lines.push(`shared with ${s.email}${s.rw ? " (read-write)" : s.hideLinks ? " (links hidden)" : ""}`);
  }
  ctx.out.result(lines.join("\n"), { folderId, path, url, shares: shares.length ? shares : null });
}
