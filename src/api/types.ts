// Public, normalised (camelCase) result and option types of the client. Wire shapes live in schemas.ts.

/** Account information from `user/info.cgi` (spec §7.18), numbers parsed leniently. */
export interface UserInfo {
  email: string;
  /** 0 free, 1 Premium, 2 Access, 3 GOLD (spec §6). */
  offer: 0 | 1 | 2 | 3;
  subscriptionEnd: string | null;
  /** CDN credits in GB, possibly fractional. */
  cdnCredits: number;
  hotStorage: number;
  coldStorage: number;
  availableStorage: number;
  allowedColdStorage: number;
  availableColdStorage: number;
  overQuota: boolean;
  uploadForbidden: boolean;
  raw: Record<string, unknown>;
}

/** One file of a listing (spec §7.5). `filename` is decoded from the 1fichier-safe encoding. */
export interface FileItem {
  url: string;
  filename: string;
  size: number;
  /** `YYYY-MM-DD HH:MM:SS`, Europe/Paris time (spec §1.15). */
  date: string;
  checksum: string;
  contentType: string;
  password: boolean;
  acl: boolean;
  cdn: boolean;
}

/** Access rules of a file (spec §7.6, §7.12). */
export interface AclRules {
  ip: string[];
  country: string[];
  email: string[];
  premium: boolean;
}

/** `file/info.cgi` answer (spec §7.6). */
export interface FileInfo extends FileItem {
  folderId: number;
  path: string;
  description: string;
  inline: boolean;
  noSsl: boolean;
  aclRules: AclRules | null;
  raw: Record<string, unknown>;
}

export interface SubFolder {
  id: number;
  name: string;
  createDate: string;
  password: boolean;
}

/** A groupware share of a folder with a registered user (spec §7.13 `shares`, §7.15). */
export interface FolderShare {
  email: string;
  /** Read-write. */
  rw: boolean;
  /** The download links are hidden from them (then read-only, spec §7.15). */
  hideLinks: boolean;
}

/** `folder/ls.cgi` answer (spec §7.13). */
export interface FolderListing {
  folderId: number;
  name: string;
  createDate: string;
  password: boolean;
  shared: string | null;
  /** Groupware shares (spec §7.13 `shares`); `[]` when the answer had none. */
  shares: FolderShare[];
  fileCount: number;
  size: number;
  subFolders: SubFolder[];
  items?: FileItem[];
}

export interface UploadServer {
  host: string;
  id: string;
}

export interface UploadFile {
  /** Local name; encoded to the 1fichier-safe form on the way out. */
  name: string;
  /** Exact byte length of `body` (needed for the exact Content-Length, spec §7.3). */
  size: number;
  body: AsyncIterable<Uint8Array>;
}

export interface UploadLink {
  download: string;
  filename: string;
  remove: string;
  size: number;
  whirlpool: string;
}

export interface RemoteJob {
  id: number;
  requestDate: string;
  executionDate: string;
}

export interface RemoteJobInfo extends RemoteJob {
  links: string[];
  result: { status: string; url: string; downloadLink: string; message: string }[];
  raw: Record<string, unknown>;
}

export interface LinkState {
  url: string;
  filename: string;
  size: number;
  state: "ok" | "not-found" | "bad-link" | "private";
}

export interface SharedFile {
  filename: string;
  url: string;
  size: number;
}

/** An event of the client: governor waits, retries, flood locks, cache hits. */
export type ClientEvent =
  | { type: "wait"; ms: number; reason: string; endpoint?: string; message: string }
  | { type: "retry"; attempt: number; ms: number; endpoint: string; error: string; message: string }
  | { type: "flood"; unlockAt: number; endpoint: string; message: string }
  | { type: "cache"; endpoint: string; message: string }
  | { type: "warning"; message: string };

/**
 * What one listing answered, told to the client's observers after a successful `file/ls.cgi` or
 * `folder/ls.cgi` (the remote index feeds on it; docs/index.md). A listing of more than 5 000 results is cut
 * by the service (spec §12): the receiver decides from the counts whether it saw the whole folder.
 */
export interface ListingEvent {
  endpoint: "folder/ls.cgi" | "file/ls.cgi";
  folderId: number;
  /**
   * When the call was sent (ms, the client's clock; after any wait for its slot): the answer shows the account
   * at or after it.
   */
  startedAt: number;
  /** `folder/ls.cgi` only: the folder itself (`fileCount` is its number of files, not recursive). */
  folder?: { name: string; createDate: string; password: boolean; shared: string | null; fileCount: number };
  /** `folder/ls.cgi` only. */
  subFolders?: SubFolder[];
  /** `file/ls.cgi`, or `folder/ls.cgi` with `files: true`. */
  files?: FileItem[];
  /** `file/ls.cgi` date bounds: the answer is then a page of the folder, not all of it. */
  sentAfter?: string;
  sentBefore?: string;
}

/** A file the client added to a folder (an upload's `end.pl` link), as the index stores it. */
export interface AddedFile {
  url: string;
  name: string;
  size: number;
  whirlpool: string;
  /** Upload date (`YYYY-MM-DD HH:MM:SS`, Paris time) when known; else the receiver takes "now". */
  date?: string;
}

/**
 * A change the client made, told to its observers after the service accepted it, with what the answer said
 * (new ids, the URLs of copies). `at` is when it was accepted (ms, the client's clock).
 */
export type ClientChange = { at: number } & (
  | { type: "folder-created"; parentId: number; folderId: number; name: string }
  /** `parentId` when the folder moved, `name` when it was renamed (both: a move and a rename at once). */
  | { type: "folder-moved"; folderId: number; parentId?: number; name?: string }
  | { type: "folder-removed"; folderId: number }
  /** `shared`: the public share URL, null when unshared, undefined when unchanged; `password` likewise. */
  | { type: "folder-shared"; folderId: number; shared?: string | null; password?: boolean }
  | { type: "files-added"; folderId: number; files: AddedFile[] }
  | { type: "files-moved"; folderId: number; urls: string[]; name?: string }
  | { type: "files-copied"; folderId: number; copies: { from: string; to: string }[]; name?: string }
  | { type: "files-renamed"; renames: { url: string; name: string }[] }
  | { type: "files-removed"; urls: string[] }
  | {
      type: "files-changed";
      urls: string[];
      name?: string;
      password?: boolean;
      acl?: boolean;
      cdn?: boolean;
    }
);

/** Told of every listing and change a client makes (`ClientOptions.observer`, `client.observe`). */
export interface ClientObserver {
  listed(event: ListingEvent): void;
  changed(change: ClientChange): void;
}
