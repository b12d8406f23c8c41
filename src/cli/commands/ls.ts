/**
 * `fichier ls [PATH|ID|URL]` and `fichier tree [PATH]`: folders and files of the account, a single file, or a
 * public share (`https://1fichier.com/dir/<hash>`). The JSON shapes of files, folders and tree nodes are those
 * of `listing.ts`, the same in every command.
 */
import type { Command } from "commander";
import { NotIndexedError } from "../../remote-index/errors.js";
import type { OpenedIndex } from "../../remote-index/open.js";
import type { ResolvedFile } from "../../remote-index/resolver.js";
import { classifyTarget, parentAndName } from "../../remote-index/targets.js";
import { asFileItem, type ReadOptions } from "../../remote-index/views.js";
import { shellArg } from "../../shell-quote.js";
import type { CliContext, FichierClient } from "../context.js";
import { UsageError } from "../errors.js";
import { escapeControls } from "../escape.js";
import {
  type FileJson,
  type FolderJson,
  fileJson,
  infoFolderPath,
  type Section,
  type TreeNode,
  treeOf,
  walk,
} from "../listing.js";

import { formatBytes, plural, table } from "../output.js";
import { readPassword } from "../prompts.js";
import { fileInfo, folderLabel, onFile } from "../resolve.js";
import { SUMMARIES } from "../summaries.js";
import { formatAge, humanServiceDate } from "../time.js";

/** The options of `ls`, as commander parses them. */
export interface LsOptions {
  long?: boolean;
  recursive?: boolean;
  /** `-h`: sizes as 1.5 KiB rather than bytes. */
  human?: boolean;
  /** `--hash`: the Whirlpool column (with `-l`). */
  hash?: boolean;
  /** `--url`: the URL column (with `-l`). */
  url?: boolean;
  password?: string | boolean;
  /** `--cached`: no call at all, what the remote index holds, with its age. */
  cached?: boolean;
}

const CACHED_HELP = "no API call at all: what the remote index holds, saying how old each folder's entry is";

/** Registers `ls` and `tree`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("ls")
    .description(SUMMARIES.ls.description)
    .argument(
      "[target]",
      "remote path (/backups), folder id, file URL or https://1fichier.com/dir/<hash>",
      "/",
    )
    // -h is "human sizes" here, as in coreutils: help is --help only.
    .helpOption("--help", "display help for command")
    .option("-l, --long", "size, date (local time) and name")
    .option("-h, --human-readable", "sizes as 1.5 KiB, 2.0 GiB rather than bytes")
    .option("--url", "with -l: the file's URL")
    .option("--hash", "with -l: the file's Whirlpool checksum")
    .option("-R, --recursive", "list sub-folders too")
    .option("--cached", CACHED_HELP)
    .option("--password [password]", "password of a public share (asked, or read from stdin, when no value)")
    .addHelpText(
      "after",
      "\nA folder listed within the last 30 s (1fichier's listing spacing) is served from the remote index, with\n" +
        "fichier's own changes since; --refresh lists it again. A folder never listed is exit 3 under --cached.\n" +
        "JSON: {folder:{id,path}|null, folders:[{id,name,path,createDate,password}], " +
        "files:[{url,filename,path,size,date,checksum,contentType,password,acl,cdn}],\n" +
        "      listings:[{id,path,listedAt,ageMs,fromIndex}]}\n" +
        "      for a share: {share, files:[{filename,url,size}]}; dates are RFC 3339",
    )
    .action((arg: string, opts: LsOptions & { humanReadable?: boolean }) =>
      runLs(ctx, arg, { ...opts, human: opts.humanReadable === true }),
    );

  program
    .command("tree")
    .description(SUMMARIES.tree.description)
    .argument("[path]", "remote path or folder id", "/")
    .option("--cached", CACHED_HELP)
    .addHelpText(
      "after",
      "\nJSON: {id,name,path,createDate,password,folders:[<same shape>],files:[<ls file>]}, " +
        "plus {folderCount,fileCount,listings:[{id,path,listedAt,ageMs,fromIndex}]} at the top",
    )
    .action((arg: string, opts: { cached?: boolean }) => runTree(ctx, arg, opts));
}

/** The index's read options of `--cached`. */
function readOf(opts: { cached?: boolean }): ReadOptions {
  return opts.cached ? { cached: true } : {};
}

/**
 * `fichier ls TARGET`: a share, a single file, or a folder (recursively with `-R`), through the remote index.
 *
 * @example
 * await runLs(ctx, "/docs", { long: true, human: true });
 */
export async function runLs(ctx: CliContext, arg: string, opts: LsOptions): Promise<void> {
  const t = classifyTarget(arg);
  if (t.kind === "share") {
    if (opts.cached) {
      throw new UsageError(
        "--cached lists what the remote index holds, and a public share is not part of your account",
        "list the share without --cached",
      );
    }
    return listShare(ctx, await ctx.client(), t.url, opts);
  }
  const index = await ctx.index();
  const read = readOf(opts);
  const r = await index.resolve(arg, read);
  if (r.type === "share") return listShare(ctx, index.client, r.url, opts);
  if (r.type === "file") return showFile(ctx, index, arg, opts);
  const path = r.path ?? (r.id === 0 ? "/" : null);
  const sections = await walk(index, r.id, path, {
    ...read,
    recursive: opts.recursive === true,
    onFolder: (p) => {
      if (opts.recursive) ctx.out.verbose(`listing ${p ?? `folder ${r.id}`}`);
    },
  });
  sayAges(ctx, sections, opts.cached === true);
  const human = opts.recursive
    ? sections
        .map((s) => `${escapeControls(s.path ?? `folder ${s.id}`)}:\n${renderSection(s, opts)}`)
        .join("\n\n")
    : renderSection(sections[0] as Section, opts);
  ctx.out.result(human, {
    folder: { id: r.id, path },
    folders: sections.flatMap((s) => s.folders),
    files: sections.flatMap((s) => s.files),
    listings: sections.map((s) => s.listing),
  });
}

/**
 * How old each folder's entry is: under `--cached`, a note per folder (and a folder given that was never listed is
 * exit 3: the index does not know what it holds); otherwise with `-v`, for the folders served from the index.
 */
function sayAges(ctx: CliContext, sections: Section[], cached: boolean): void {
  const top = sections[0];
  if (cached && top && top.listing.ageMs === null) {
    const label = folderLabel(top);
    throw new NotIndexedError(label, `list it once without --cached: \`fichier ls ${shellArg(label)}\``);
  }
  for (const s of sections) {
    const { ageMs, fromIndex } = s.listing;
    if (!cached && !fromIndex) continue;
    const line = `fichier: ${escapeControls(folderLabel(s))}: ${ageMs === null ? "never listed" : `listed ${formatAge(ageMs)}`}${cached ? "" : " (from the index)"}`;
    if (cached) ctx.out.info(line);
    else ctx.out.verbose(line.replace(/^fichier: /, ""));
  }
}

/** A public share's files (`/dir/<hash>?json=1`, spec §10). */
async function listShare(
  ctx: CliContext,
  client: FichierClient,
  url: string,
  opts: LsOptions,
): Promise<void> {
  const password = await readPassword(ctx, opts.password);
  const files = await client.shares.listPublic(url, password ? { password } : {});
  const human = opts.long
    ? table(
        files.map((f) => [size(f.size, opts), ...(opts.url ? [f.url] : []), f.filename]),
        ["right", "left", "left"],
      )
    : files.map((f) => escapeControls(f.filename)).join("\n");
  ctx.out.result(human, { share: url, files });
}

/**
 * One file: from the index when it knows it and where it is (no call), else what `file/info.cgi` says of it.
 * Under `--cached` a file the index does not know is exit 3.
 */
async function showFile(ctx: CliContext, index: OpenedIndex, arg: string, opts: LsOptions): Promise<void> {
  const file = await onFile(index, arg, readOf(opts), (f) => fileOf(index, f, opts.cached === true));
  ctx.out.result(
    renderSection({ id: -1, path: null, folders: [], files: [file], listing: noListing }, opts),
    { folder: null, folders: [], files: [file] },
  );
}

/** A single file shows no folder's age. */
const noListing = { id: -1, path: null, listedAt: null, ageMs: null, fromIndex: true };

async function fileOf(index: OpenedIndex, f: ResolvedFile, cached: boolean): Promise<FileJson> {
  const known = index.file(f.url);
  // Where it is comes with it when the index can place its folder; file/info.cgi says it otherwise.
  if (known && (f.path !== undefined || cached)) {
    return fileJson(asFileItem(known), f.path === undefined ? null : parentAndName(f.path).parent);
  }
  if (cached) throw new NotIndexedError(f.path ?? f.url, "run the command without --cached once");
  const info = await fileInfo(index.client, f.url);
  return fileJson(info, infoFolderPath(info));
}

/** A size as `ls` shows it: bytes, or with `-h` 1.5 KiB. */
function size(n: number, opts: LsOptions): string {
  return opts.human ? formatBytes(n) : String(n);
}

/**
 * One folder's lines: names (folders with a trailing `/`), or with `-l` size, local date, [URL], [Whirlpool] and
 * name: about 40 columns before the name, so typical names fit an 80-column terminal.
 */
function renderSection(s: Section, opts: LsOptions): string {
  if (!opts.long) {
    return [
      ...s.folders.map((f) => `${escapeControls(f.name)}/`),
      ...s.files.map((f) => escapeControls(f.filename)),
    ].join("\n");
  }
  const folderRow = (f: FolderJson) => [
    "-",
    humanServiceDate(f.createDate),
    ...(opts.url ? [`folder:${f.id}`] : []),
    ...(opts.hash ? ["-"] : []),
    `${f.name}/`,
  ];
  const fileRow = (f: FileJson) => [
    size(f.size, opts),
    humanServiceDate(f.date),
    ...(opts.url ? [f.url] : []),
    ...(opts.hash ? [f.checksum || "-"] : []),
    f.filename,
  ];
  return table([...s.folders.map(folderRow), ...s.files.map(fileRow)], ["right"]);
}

/**
 * `fichier tree PATH`: the folders and files below a folder, drawn, with counts.
 *
 * @example
 * await runTree(ctx, "/docs", {});
 */
export async function runTree(ctx: CliContext, arg: string, opts: { cached?: boolean }): Promise<void> {
  const index = await ctx.index();
  const read = readOf(opts);
  const folder = await index.resolveFolder(arg, read);
  const id = folder.id;
  const rootPath = folder.path ?? (id === 0 ? "/" : null);
  const sections = await walk(index, id, rootPath, { ...read, recursive: true });
  sayAges(ctx, sections, opts.cached === true);
  const rootName = rootPath === null ? String(id) : parentAndName(rootPath).name;
  const root = treeOf(sections, { id, name: rootName, path: rootPath, createDate: "", password: false });
  const folderCount = sections.length - 1;
  const fileCount = sections.reduce((n, s) => n + s.files.length, 0);
  const lines = [escapeControls(rootPath ?? `folder ${id}`), ...drawTree(root, "")];
  lines.push("", `${plural(folderCount, "folder")}, ${plural(fileCount, "file")}`);
  ctx.out.result(lines.join("\n"), {
    ...root,
    folderCount,
    fileCount,
    listings: sections.map((s) => s.listing),
  });
}

/** The lines of a tree below `n`, drawn with `├──`, `└──` and `│`. */
function drawTree(n: TreeNode, prefix: string): string[] {
  const entries = [
    ...n.folders.map((f) => ({ label: `${f.name}/`, node: f as TreeNode | undefined })),
    ...n.files.map((f) => ({ label: f.filename, node: undefined })),
  ];
  return entries.flatMap((e, i) => {
    const last = i === entries.length - 1;
    const line = `${prefix}${last ? "└── " : "├── "}${escapeControls(e.label)}`;
    return e.node ? [line, ...drawTree(e.node, `${prefix}${last ? "    " : "│   "}`)] : [line];
  });
}
