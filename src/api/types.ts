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

/** `folder/ls.cgi` answer (spec §7.13). */
export interface FolderListing {
  folderId: number;
  name: string;
  createDate: string;
  password: boolean;
  shared: string | null;
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
