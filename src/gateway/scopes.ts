// What each gateway token may do: one table, endpoint → the scopes that allow it, covering every endpoint of
// spec §7 plus the upload node's two pages. An endpoint missing from the table is refused.

/** The scopes a token can hold (docs/gateway.md "Scopes"). */
export const SCOPES = ["read", "download", "upload", "manage", "remote", "account"] as const;
export type Scope = (typeof SCOPES)[number];

/** What one API endpoint needs, and how the gateway forwards it. */
export interface EndpointRule {
  /** Any one of these scopes allows the call. */
  scopes: readonly Scope[];
  /** HTTP methods the API accepts for it (spec §1.4: POST; GET too for get_upload_server). */
  methods: readonly ("GET" | "POST")[];
  /** Changes the account: cached listings are dropped after it. */
  mutates?: boolean;
  /** Must never be sent twice by a retry (spec §2.2: rclone never retries what creates something). */
  once?: boolean;
  /** The answer may be served from the governor's cache (listings, account info; spec §2.1). */
  cacheable?: boolean;
}

const POST = ["POST"] as const;
const read = (cacheable = false): EndpointRule => ({ scopes: ["read"], methods: POST, cacheable });
const manage = (once = false): EndpointRule => ({ scopes: ["manage"], methods: POST, mutates: true, once });
const account = (mutates = false, once = false): EndpointRule => ({
  scopes: ["account"],
  methods: POST,
  mutates,
  once,
});

/**
 * Every API endpoint of spec §7, by its path under `/v1/`.
 * @example
 * ENDPOINTS["file/mv.cgi"]?.scopes; // ["manage"]
 */
export const ENDPOINTS: Readonly<Record<string, EndpointRule>> = {
  // §7.1, §7.2
  "download/get_token.cgi": { scopes: ["download"], methods: POST },
  "upload/get_upload_server.cgi": { scopes: ["upload"], methods: ["GET", "POST"] },
  // §7.5 – §7.12
  "file/ls.cgi": read(true),
  "file/info.cgi": read(),
  // A scan that finds a virus removes the file (spec §7.7): a change, not a read.
  "file/scan.cgi": manage(),
  "file/rm.cgi": manage(),
  "file/mv.cgi": manage(),
  "file/rename.cgi": manage(),
  "file/cp.cgi": manage(true),
  "file/chattr.cgi": manage(),
  // §7.13 – §7.17; creating folders is part of uploading into one's folder (issue 17).
  "folder/ls.cgi": read(true),
  "folder/mkdir.cgi": { scopes: ["upload", "manage"], methods: POST, mutates: true },
  "folder/share.cgi": manage(),
  "folder/mv.cgi": manage(),
  "folder/rm.cgi": manage(),
  // §7.18: the body may also change settings; the gateway caches only the bodiless read.
  "user/info.cgi": { scopes: ["account"], methods: POST, cacheable: true },
  // §7.19
  "remote/ls.cgi": { scopes: ["remote"], methods: POST },
  "remote/info.cgi": { scopes: ["remote"], methods: POST },
  "remote/request.cgi": { scopes: ["remote"], methods: POST, mutates: true, once: true },
  // §7.20, §7.21: FTP users and vouchers act on the whole account.
  "ftp/process.cgi": account(true),
  "ftp/users/ls.cgi": account(),
  "ftp/users/add.cgi": account(true, true),
  "ftp/users/rm.cgi": account(true),
  "vouchers/ls.cgi": account(),
  "vouchers/check.cgi": account(),
  "vouchers/use.cgi": account(true, true),
};

/** The upload node's pages, relayed by the gateway (spec §7.3, §7.4). */
export const NODE_PAGES: Readonly<Record<string, Scope>> = { "upload.cgi": "upload", "end.pl": "upload" };

/**
 * Checks and normalises scope names (comma-separated or repeated), in table order without repeats.
 * @throws Error naming the unknown scope and the valid ones
 * @example
 * parseScopes(["read,download", "upload"]); // ["read", "download", "upload"]
 */
export function parseScopes(values: readonly string[]): Scope[] {
  const wanted = new Set<string>();
  for (const v of values) for (const s of v.split(",")) if (s.trim() !== "") wanted.add(s.trim());
  for (const s of wanted) {
    if (!(SCOPES as readonly string[]).includes(s)) {
      throw new Error(`unknown scope "${s}" (scopes: ${SCOPES.join(", ")})`);
    }
  }
  if (wanted.size === 0) throw new Error(`no scope given (scopes: ${SCOPES.join(", ")})`);
  return SCOPES.filter((s) => wanted.has(s));
}

/**
 * Whether a token holding `held` may call an endpoint needing any of `needed`.
 * @example
 * allows(["read"], ENDPOINTS["file/ls.cgi"]!.scopes); // true
 */
export function allows(held: readonly Scope[], needed: readonly Scope[]): boolean {
  return needed.some((s) => held.includes(s));
}
