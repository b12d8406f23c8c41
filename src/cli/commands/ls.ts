/**
 * `fichier ls [PATH|ID|URL]` and `fichier tree [PATH]`: folders and files of the account, a single file, or a
 * public share (`https://1fichier.com/dir/<hash>`).
 */
import type { Command } from "commander";
import type { FileItem } from "../../api/types.js";
import { registerSecret } from "../../redact.js";
import type { CliContext, FichierClient } from "../context.js";
import { UsageError } from "../errors.js";
import { table } from "../output.js";
import { SUMMARIES } from "../summaries.js";
import {
  classifyTarget,
  folderIndex,
  joinPath,
  resolveFolderId,
  resolveItem,
  splitPath,
} from "../targets.js";

/** A file as `ls --json` prints it: the client's `FileItem` and, in recursive listings, its folder path. */
export type LsFile = FileItem & { path: string | null };

/** A folder as `ls --json` prints it. */
export interface LsFolder {
  id: number;
  name: string;
  path: string | null;
  createDate: string;
  password: boolean;
}

interface RawListing {
  folderId: number;
  name: string;
  subFolders: { id: number; name: string; createDate: string; password: boolean }[];
  items?: FileItem[];
}

function toFile(f: FileItem, parent: string | null): LsFile {
  return {
    url: f.url,
    filename: f.filename,
    path: parent === null ? null : joinPath(parent, f.filename),
    size: f.size,
    date: f.date,
    checksum: f.checksum,
    contentType: f.contentType,
    password: f.password,
    acl: f.acl,
    cdn: f.cdn,
  };
}

/** Lists one folder with its files (one `folder/ls.cgi` call per run; spec §7.13 `files: 1`). */
async function listFolder(client: FichierClient, id: number): Promise<RawListing> {
  return folderIndex(client).list(id);
}

/** One folder's section of a (recursive) listing. */
export interface Section {
  id: number;
  path: string | null;
  folders: LsFolder[];
  files: LsFile[];
}

/**
 * Walks a folder (and, with `recursive`, its sub-folders, depth first, in name order).
 *
 * @example
 * const sections = await walk(client, 0, "/", true);
 */
export async function walk(
  client: FichierClient,
  id: number,
  path: string | null,
  recursive: boolean,
  onFolder?: (path: string | null) => void,
): Promise<Section[]> {
  onFolder?.(path);
  const l = await listFolder(client, id);
  const folders = [...l.subFolders]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f) => ({
      id: f.id,
      name: f.name,
      path: path === null ? null : joinPath(path, f.name),
      createDate: f.createDate,
      password: f.password,
    }));
  const files = [...(l.items ?? [])]
    .sort((a, b) => a.filename.localeCompare(b.filename))
    .map((f) => toFile(f, path));
  const sections: Section[] = [{ id, path, folders, files }];
  if (recursive) {
    for (const f of folders) sections.push(...(await walk(client, f.id, f.path, true, onFolder)));
  }
  return sections;
}

function renderSection(s: Section, long: boolean): string {
  if (!long) return [...s.folders.map((f) => `${f.name}/`), ...s.files.map((f) => f.filename)].join("\n");
  const rows: string[][] = [
    ...s.folders.map((f) => ["-", f.createDate, `folder:${f.id}`, "-", `${f.name}/`]),
    ...s.files.map((f) => [String(f.size), f.date, f.url, f.checksum || "-", f.filename]),
  ];
  return table(rows, ["right", "left", "left", "left", "left"]);
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
    .option("-l, --long", "size, date, URL and Whirlpool checksum")
    .option("-R, --recursive", "list sub-folders too")
    .option("--password [password]", "password of a public share (asked, or read from stdin, when no value)")
    .addHelpText(
      "after",
      "\nJSON: {folder:{id,path}|null, folders:[{id,name,path,createDate,password}], " +
        "files:[{url,filename,path,size,date,checksum,contentType,password,acl,cdn}]}\n" +
        "      for a share: {share, files:[{filename,url,size}]}",
    )
    .action(
      async (arg: string, opts: { long?: boolean; recursive?: boolean; password?: string | boolean }) => {
        const client = await ctx.client();
        const t = classifyTarget(arg);
        if (t.kind === "share") {
          const password = await readPassword(ctx, opts.password);
          const files = (await client.shares.listPublic(t.url, password ? { password } : {})) as {
            filename: string;
            url: string;
            size: number;
          }[];
          const human = opts.long
            ? table(
                files.map((f) => [String(f.size), f.url, f.filename]),
                ["right", "left", "left"],
              )
            : files.map((f) => f.filename).join("\n");
          ctx.out.result(human, { share: t.url, files });
          return;
        }
        if (t.kind === "file") {
          const info = (await client.files.info({ url: t.url })) as FileItem & { path?: string };
          const f = toFile(info, null);
          ctx.out.result(renderSection({ id: -1, path: null, folders: [], files: [f] }, opts.long === true), {
            folder: null,
            folders: [],
            files: [f],
          });
          return;
        }
        let id: number;
        let path: string | null;
        if (t.kind === "folder-id") {
          id = t.id;
          path = id === 0 ? "/" : null;
        } else {
          path = t.path;
          const r = t.path === "/" ? ({ type: "folder", id: 0 } as const) : await resolveItem(client, t.path);
          if (r.type === "file") {
            // A file path: show that file, with what file/info.cgi says of it.
            const info = (await client.files.info({ url: r.url })) as FileItem;
            const f = toFile(info, splitPath(t.path).parent);
            ctx.out.result(
              renderSection({ id: -1, path: null, folders: [], files: [f] }, opts.long === true),
              {
                folder: null,
                folders: [],
                files: [f],
              },
            );
            return;
          }
          id = r.id;
        }
        const sections = await walk(client, id, path, opts.recursive === true, (p) => {
          if (opts.recursive) ctx.out.verbose(`listing ${p ?? `folder ${id}`}`);
        });
        const human = opts.recursive
          ? sections
              .map((s) => `${s.path ?? `folder ${s.id}`}:\n${renderSection(s, opts.long === true)}`)
              .join("\n\n")
          : renderSection(sections[0] as Section, opts.long === true);
        ctx.out.result(human, {
          folder: { id, path },
          folders: sections.flatMap((s) => s.folders),
          files: sections.flatMap((s) => s.files),
        });
      },
    );

  program
    .command("tree")
    .description(SUMMARIES.tree.description)
    .argument("[path]", "remote path or folder id", "/")
    .addHelpText(
      "after",
      "\nJSON: {id,name,path,folders:[<same shape>],files:[{filename,url,size}]}, plus {folderCount,fileCount} at the top",
    )
    .action(async (arg: string) => {
      const client = await ctx.client();
      const t = classifyTarget(arg);
      const id = await resolveFolderId(client, arg);
      const rootPath = t.kind === "path" ? t.path : id === 0 ? "/" : null;
      const sections = await walk(client, id, rootPath, true);
      const byId = new Map(sections.map((s) => [s.id, s]));
      interface Node {
        id: number;
        name: string;
        path: string | null;
        folders: Node[];
        files: { filename: string; url: string; size: number }[];
      }
      const build = (sid: number, name: string, path: string | null): Node => {
        const s = byId.get(sid);
        return {
          id: sid,
          name,
          path,
          folders: (s?.folders ?? []).map((f) => build(f.id, f.name, f.path)),
          files: (s?.files ?? []).map((f) => ({ filename: f.filename, url: f.url, size: f.size })),
        };
      };
      const root = build(id, rootPath ?? String(id), rootPath);
      const lines: string[] = [rootPath ?? `folder ${id}`];
      const draw = (n: Node, prefix: string): void => {
        const entries = [
          ...n.folders.map((f) => ({ label: `${f.name}/`, node: f as Node | undefined })),
          ...n.files.map((f) => ({ label: f.filename, node: undefined as Node | undefined })),
        ];
        entries.forEach((e, i) => {
          const last = i === entries.length - 1;
          lines.push(`${prefix}${last ? "└── " : "├── "}${e.label}`);
          if (e.node) draw(e.node, `${prefix}${last ? "    " : "│   "}`);
        });
      };
      draw(root, "");
      const folderCount = sections.length - 1;
      const fileCount = sections.reduce((n, s) => n + s.files.length, 0);
      lines.push(
        "",
        `${folderCount} folder${folderCount === 1 ? "" : "s"}, ${fileCount} file${fileCount === 1 ? "" : "s"}`,
      );
      ctx.out.result(lines.join("\n"), { ...root, folderCount, fileCount });
    });
}

/**
 * A password given as `--password VALUE`, or asked (terminal) / read from stdin (pipe) for a bare `--password`.
 * Registered with the redactor either way.
 */
export async function readPassword(
  ctx: CliContext,
  opt: string | boolean | undefined,
): Promise<string | undefined> {
  if (opt === undefined || opt === false) return undefined;
  let value: string;
  if (typeof opt === "string") value = opt;
  else if (ctx.stdin.isTTY) value = await ctx.stdin.promptHidden("Password: ");
  else value = (await ctx.stdin.readAll()).replace(/\r?\n$/, "");
  if (value === "") {
    // Going on would upload an unprotected file, or ask for a protected one with no password.
    // Worded so that no word follows "--password": the redactor masks what follows it.
    throw new UsageError(
      "the password read is empty (option --password)",
      "pipe it on stdin or type it at the prompt, or leave out --password",
    );
  }
  registerSecret(value);
  return value;
}

/** Shortest password 1fichier accepts on a file or a share (spec §7.12, §7.15, §12). */
export const MIN_PASSWORD_LENGTH = 6;

/**
 * Reads a password being SET (`attr --password`, `share --password`) and refuses one the service would refuse,
 * before any call: 1fichier wants at least 6 characters.
 *
 * @example
 * const password = await readNewPassword(ctx, opts.password); // UsageError for "abc"
 */
export async function readNewPassword(
  ctx: CliContext,
  opt: string | boolean | undefined,
): Promise<string | undefined> {
  const value = await readPassword(ctx, opt);
  if (value !== undefined && value.length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(
      `the password is ${value.length} character${value.length === 1 ? "" : "s"} long; 1fichier needs at least ${MIN_PASSWORD_LENGTH}`,
      "choose a longer password",
    );
  }
  return value;
}
