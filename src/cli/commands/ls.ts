/**
 * `fichier ls [PATH|ID|URL]` and `fichier tree [PATH]`: folders and files of the account, a single file, or a
 * public share (`https://1fichier.com/dir/<hash>`). The JSON shapes of files, folders and tree nodes are those
 * of `listing.ts`, the same in every command.
 */
import type { Command } from "commander";
import type { CliContext, FichierClient } from "../context.js";
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
import { SUMMARIES } from "../summaries.js";
import { classifyTarget, fileInfo, resolveFolderId, resolveItem, splitPath } from "../targets.js";
import { humanServiceDate } from "../time.js";

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
}

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
    .option("--password [password]", "password of a public share (asked, or read from stdin, when no value)")
    .addHelpText(
      "after",
      "\nJSON: {folder:{id,path}|null, folders:[{id,name,path,createDate,password}], " +
        "files:[{url,filename,path,size,date,checksum,contentType,password,acl,cdn}]}\n" +
        "      for a share: {share, files:[{filename,url,size}]}; dates are RFC 3339",
    )
    .action((arg: string, opts: LsOptions & { humanReadable?: boolean }) =>
      runLs(ctx, arg, { ...opts, human: opts.humanReadable === true }),
    );

  program
    .command("tree")
    .description(SUMMARIES.tree.description)
    .argument("[path]", "remote path or folder id", "/")
    .addHelpText(
      "after",
      "\nJSON: {id,name,path,createDate,password,folders:[<same shape>],files:[<ls file>]}, " +
        "plus {folderCount,fileCount} at the top",
    )
    .action((arg: string) => runTree(ctx, arg));
}

/**
 * `fichier ls TARGET`: a share, a single file, or a folder (recursively with `-R`).
 *
 * @example
 * await runLs(ctx, "/docs", { long: true, human: true });
 */
export async function runLs(ctx: CliContext, arg: string, opts: LsOptions): Promise<void> {
  const client = await ctx.client();
  const t = classifyTarget(arg);
  if (t.kind === "share") return listShare(ctx, client, t.url, opts);
  if (t.kind === "file") return showFile(ctx, client, t.url, opts);
  let id: number;
  let path: string | null;
  if (t.kind === "folder-id") {
    id = t.id;
    path = id === 0 ? "/" : null;
  } else {
    const r = t.path === "/" ? ({ type: "folder", id: 0 } as const) : await resolveItem(client, t.path);
    if (r.type === "file") return showFile(ctx, client, r.url, opts);
    id = r.id;
    path = t.path;
  }
  const sections = await walk(client, id, path, opts.recursive === true, (p) => {
    if (opts.recursive) ctx.out.verbose(`listing ${p ?? `folder ${id}`}`);
  });
  const human = opts.recursive
    ? sections
        .map((s) => `${escapeControls(s.path ?? `folder ${s.id}`)}:\n${renderSection(s, opts)}`)
        .join("\n\n")
    : renderSection(sections[0] as Section, opts);
  ctx.out.result(human, {
    folder: { id, path },
    folders: sections.flatMap((s) => s.folders),
    files: sections.flatMap((s) => s.files),
  });
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

/** One file, with what `file/info.cgi` says of it. */
async function showFile(ctx: CliContext, client: FichierClient, url: string, opts: LsOptions): Promise<void> {
  const info = await fileInfo(client, url);
  const file = fileJson(info, infoFolderPath(info));
  ctx.out.result(renderSection({ id: -1, path: null, folders: [], files: [file] }, opts), {
    folder: null,
    folders: [],
    files: [file],
  });
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
 * await runTree(ctx, "/docs");
 */
export async function runTree(ctx: CliContext, arg: string): Promise<void> {
  const client = await ctx.client();
  const t = classifyTarget(arg);
  const id = await resolveFolderId(client, arg);
  const rootPath = t.kind === "path" ? t.path : id === 0 ? "/" : null;
  const sections = await walk(client, id, rootPath, true);
  const rootName = rootPath === null ? String(id) : splitPath(rootPath).name;
  const root = treeOf(sections, { id, name: rootName, path: rootPath, createDate: "", password: false });
  const folderCount = sections.length - 1;
  const fileCount = sections.reduce((n, s) => n + s.files.length, 0);
  const lines = [escapeControls(rootPath ?? `folder ${id}`), ...drawTree(root, "")];
  lines.push("", `${plural(folderCount, "folder")}, ${plural(fileCount, "file")}`);
  ctx.out.result(lines.join("\n"), { ...root, folderCount, fileCount });
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
