// Folder confinement: what an API call touches (pure: read from its body, spec §7) and whether all of it
// lies inside a token's folder (through a FolderView). Anything that cannot be confined, such as the
// whole-account listing, another user's share or an account-wide setting, is refused outright.
import { parseFileUrl } from "../api/urls.js";
import type { FolderView } from "./folder-view.js";

/** What one call reads or changes. */
export interface Targets {
  /** File URLs it acts on (each must be in a folder inside). */
  files: string[];
  /** Folders it reads or writes into (each must be inside; the root itself allowed). */
  folders: number[];
  /** Folders it moves, renames or deletes (inside, and never the token's root itself). */
  own: number[];
  /** Remote-upload job ids it reads (a confined token reads only its own jobs). */
  jobs: number[];
  /** Set when the call reaches beyond any folder: why it cannot be confined. */
  unconfinable?: string;
}

/**
 * A body field had a type the API would not take: a confined call is then refused with 400.
 * @example
 * throw new BadTargetError("folder_id is not an integer");
 */
export class BadTargetError extends Error {
  override readonly name = "BadTargetError";
}

type Body = Record<string, unknown>;

function int(v: unknown, field: string, fallback?: number): number {
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new BadTargetError(`${field} is missing`);
  }
  if (typeof v === "number" && Number.isInteger(v)) return v;
  // spec §7: clients send ids as numbers; numeric strings are accepted the way the API's own parser does.
  if (typeof v === "string" && /^-?\d{1,15}$/.test(v.trim())) return Number(v.trim());
  throw new BadTargetError(`${field} is not an integer`);
}

function str(v: unknown, field: string): string {
  if (typeof v !== "string") throw new BadTargetError(`${field} is not a string`);
  return v;
}

function list(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new BadTargetError(`${field} is not a list`);
  return v;
}

const none = (): Targets => ({ files: [], folders: [], own: [], jobs: [] });

/** Fields naming another user's share (spec §7.1, §7.5, §7.9, §7.11, §7.13, §7.14, §7.16). */
function otherUser(body: Body): boolean {
  return ["sharing_user", "destination_user"].some((k) => body[k] !== undefined && body[k] !== "");
}

/** The groupware form of get_token/info: a url, or a folder and file name (spec §7.1, §7.6). */
function oneFile(body: Body): Targets {
  if (body.url !== undefined) return { ...none(), files: [str(body.url, "url")] };
  return { ...none(), folders: [int(body.folder_id, "folder_id")] };
}

const TARGETS: Record<string, (b: Body) => Targets> = {
  "download/get_token.cgi": oneFile,
  "file/info.cgi": oneFile,
  "file/scan.cgi": (b) => ({ ...none(), files: [str(b.url, "url")] }),
  "file/ls.cgi": (b) => {
    const id = int(b.folder_id, "folder_id", 0);
    // spec §1.16: -1 lists every file of the account.
    return id === -1
      ? { ...none(), unconfinable: "the whole account's listing" }
      : { ...none(), folders: [id] };
  },
  "file/rm.cgi": (b) => ({
    ...none(),
    files: list(b.files, "files").map((f, i) => str((f as Body | null)?.url, `files[${i}].url`)),
  }),
  "file/mv.cgi": (b) => ({
    ...none(),
    files: list(b.urls, "urls").map((u, i) => str(u, `urls[${i}]`)),
    folders: [int(b.destination_folder_id, "destination_folder_id", 0)],
  }),
  "file/rename.cgi": (b) => ({
    ...none(),
    files: list(b.urls, "urls").map((u, i) => str((u as Body | null)?.url, `urls[${i}].url`)),
  }),
  "file/cp.cgi": (b) => ({
    ...none(),
    files: list(b.urls, "urls").map((u, i) => str(u, `urls[${i}]`)),
    folders: [int(b.folder_id, "folder_id", 0)],
  }),
  "file/chattr.cgi": (b) => ({ ...none(), files: list(b.urls, "urls").map((u, i) => str(u, `urls[${i}]`)) }),
  "folder/ls.cgi": (b) => ({ ...none(), folders: [int(b.folder_id, "folder_id", 0)] }),
  "folder/mkdir.cgi": (b) => ({ ...none(), folders: [int(b.folder_id, "folder_id", 0)] }),
  "folder/share.cgi": (b) => ({ ...none(), folders: [int(b.folder_id, "folder_id")] }),
  "folder/mv.cgi": (b) => {
    const own = [int(b.folder_id, "folder_id")];
    // spec §7.16 (DECISIONS): no destination means the root, unless only `rename` is given (in place).
    if (b.destination_folder_id === undefined && b.rename !== undefined) return { ...none(), own };
    return { ...none(), own, folders: [int(b.destination_folder_id, "destination_folder_id", 0)] };
  },
  "folder/rm.cgi": (b) => ({ ...none(), own: [int(b.folder_id, "folder_id")] }),
  "user/info.cgi": (b) =>
    Object.keys(b).some((k) => k !== "pretty")
      ? { ...none(), unconfinable: "the account's settings" }
      : none(),
  "upload/get_upload_server.cgi": none,
  "remote/ls.cgi": none,
  "remote/info.cgi": (b) => ({ ...none(), jobs: [int(b.id, "id")] }),
  "remote/request.cgi": (b) => ({ ...none(), folders: [int(b.folder_id, "folder_id", 0)] }),
};

/**
 * What an API call touches, read from its body. Endpoints acting on the whole account (FTP users,
 * vouchers) are unconfinable.
 * @throws BadTargetError when a field has a type the API would not take
 * @example
 * targetsOf("file/mv.cgi", { urls: ["https://1fichier.com/?abc"], destination_folder_id: 7 });
 * // { files: ["https://1fichier.com/?abc"], folders: [7], own: [], jobs: [] }
 */
export function targetsOf(endpoint: string, body: Body): Targets {
  const read = TARGETS[endpoint];
  if (!read) return { ...none(), unconfinable: "the whole account" };
  const t = read(body);
  if (otherUser(body)) t.unconfinable ??= "another user's share";
  return t;
}

/**
 * The audit log's view of the targets: file ids (not whole URLs) and folder ids. Never throws.
 * @example
 * auditTargets("folder/ls.cgi", { folder_id: 7 }); // { folders: [7] }
 */
export function auditTargets(endpoint: string, body: Body): { files?: string[]; folders?: number[] } {
  let t: Targets;
  try {
    t = targetsOf(endpoint, body);
  } catch {
    return {};
  }
  const files = t.files.map((u) => {
    try {
      return parseFileUrl(u).id;
    } catch {
      return "(not a file URL)";
    }
  });
  const folders = [...t.own, ...t.folders];
  return { ...(files.length ? { files } : {}), ...(folders.length ? { folders } : {}) };
}

/**
 * Checks every target against the token's root; resolves with the reason of the first refusal, or
 * undefined when all of it is inside. Files and folders are checked in parallel (the governor paces them).
 * @example
 * const why = await checkInside(targetsOf(endpoint, body), root.id, view, record.remoteJobs ?? []);
 * if (why) return sendKo(res, GatewayKo.notAllowed());
 */
export async function checkInside(
  t: Targets,
  rootId: number,
  view: FolderView,
  ownJobs: readonly number[],
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (t.unconfinable) return t.unconfinable;
  if (t.own.includes(rootId)) return "the token's own root folder";
  if (t.jobs.some((j) => !ownJobs.includes(j))) return "a remote job of another client";
  const folderChecks = [...t.own, ...t.folders].map(async (f) =>
    (await view.isInside(f, rootId, signal)) ? undefined : `folder ${f}`,
  );
  const fileChecks = t.files.map(async (u) => {
    const f = await view.folderOf(u, signal);
    return f !== undefined && (await view.isInside(f, rootId, signal)) ? undefined : "a file outside";
  });
  const reasons = await Promise.all([...folderChecks, ...fileChecks]);
  return reasons.find((r) => r !== undefined);
}
