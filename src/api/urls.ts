// Parsing and normalising of file URLs, share URLs and folder ids (spec §3).
import { InvalidUrlError, NotFoundError } from "./errors.js";

/**
 * Display domains by upload `domain` id (spec §3.2, api.html). Index = id.
 */
export const DOMAINS = [
  "1fichier.com",
  "alterupload.com",
  "cjoint.net",
  "desfichiers.com",
  "dfichiers.com",
  "megadl.fr",
  "mesfichiers.org",
  "piecejointe.net",
  "pjointe.com",
  "tenvoi.com",
  "dl4free.com",
] as const;

/** Other spellings seen in clients (spec §3.2, §13); accepted on input and kept as given. */
const ALIASES = [
  "cjoint.org",
  "desfichiers.net",
  "desfichiers.org",
  "desfichiers.fr",
  "dfichiers.net",
  "dfichiers.org",
  "dfichiers.fr",
  "mesfichiers.net",
  "piecejointe.org",
  "pjointe.net",
  "pjointe.org",
  "pjointe.fr",
  "tenvoi.net",
  "tenvoi.org",
];

const KNOWN = new Set<string>([...DOMAINS, ...ALIASES]);

/** spec §3.1: 5–20 alphanumeric characters (20 lower-case in practice; mixed case accepted). */
const ID_RE = /^[A-Za-z0-9]{5,20}$/;

export interface ParsedFileUrl {
  /** File id, as given. */
  id: string;
  /** Domain as the user gave it, without `www.`. */
  domain: string;
  /** Normalised URL `https://<domain>/?<id>`, the identity every file endpoint takes. */
  url: string;
}

/** True when `host` (without `www.`) is one of 1fichier's domains. */
export function isFichierDomain(host: string): boolean {
  return KNOWN.has(host.toLowerCase().replace(/^www\./, ""));
}

/**
 * Domain id (0–10) for the upload `domain` field from an id or a domain name.
 * @example
 * ```ts
 * domainId("alterupload.com"); // 1
 * ```
 */
export function domainId(domain: number | string): number {
  if (typeof domain === "number") {
    if (Number.isInteger(domain) && domain >= 0 && domain < DOMAINS.length) return domain;
  } else {
    const d = domain.toLowerCase().replace(/^www\./, "");
    const i = (DOMAINS as readonly string[]).indexOf(d);
    if (i >= 0) return i;
    const alias = ALIASES.find((a) => a === d);
    if (alias) {
      const stem = alias.slice(0, alias.lastIndexOf("."));
      const j = DOMAINS.findIndex((x) => x.startsWith(`${stem}.`));
      if (j >= 0) return j;
    }
  }
  throw new InvalidUrlError(`Unknown 1fichier domain ${JSON.stringify(String(domain))}.`, {
    hint: `Use an id from 0 to 10 or one of: ${DOMAINS.join(", ")}.`,
  });
}

function tryUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/**
 * Parses a file reference: `https://1fichier.com/?<id>` on any listed domain (with `www.`, `http:`,
 * `&af=`/`&lg=`/`&inline=` suffixes), the legacy `https://<id>.1fichier.com/` form, or a bare id.
 * Keeps the domain the user gave (spec §3.1: a file may only be valid on its own domain).
 * Throws InvalidUrlError otherwise, and says so when a folder share URL (`/dir/<hash>`) is given.
 *
 * @example
 * ```ts
 * parseFileUrl("https://www.alterupload.com/?abcde12345&af=1234");
 * // { id: "abcde12345", domain: "alterupload.com", url: "https://alterupload.com/?abcde12345" }
 * ```
 */
export function parseFileUrl(input: string): ParsedFileUrl {
  const s = input.trim();
  if (ID_RE.test(s)) return { id: s, domain: DOMAINS[0], url: `https://${DOMAINS[0]}/?${s}` };
  const u = tryUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`);
  if (u && (u.protocol === "https:" || u.protocol === "http:")) {
    const host = u.hostname.toLowerCase();
    const bare = host.replace(/^www\./, "");
    if (KNOWN.has(bare)) {
      if (/^\/(?:[a-z]{2}\/)?dir\//.test(u.pathname)) {
        throw new InvalidUrlError(`${s} is a shared folder (a /dir/ share hash), not a file URL.`, {
          hint: `List its files with \`fichier ls ${s}\`, then use one of the file URLs.`,
        });
      }
      // spec §3.1: the id is the first query part; `&af=`, `&lg=`, `&inline=` follow it.
      const first = u.search.replace(/^\?/, "").split("&")[0] ?? "";
      if ((u.pathname === "/" || u.pathname === "") && ID_RE.test(first)) {
        return { id: first, domain: bare, url: `https://${bare}/?${first}` };
      }
    }
    // Legacy form https://<id>.1fichier.com/ (spec §3.1, plowshare).
    const dot = host.indexOf(".");
    if (dot > 0) {
      const sub = host.slice(0, dot);
      const parent = host.slice(dot + 1);
      if (
        KNOWN.has(parent) &&
        sub !== "www" &&
        ID_RE.test(sub) &&
        (u.pathname === "/" || u.pathname === "")
      ) {
        return { id: sub, domain: parent, url: `https://${parent}/?${sub}` };
      }
    }
  }
  throw new InvalidUrlError(`${JSON.stringify(input)} is not a 1fichier file URL.`, {
    hint: "Give a URL like https://1fichier.com/?abcdefghij0123456789 (as shown by `fichier ls`) or a bare file id.",
  });
}

/**
 * Normalised file URL for API calls (`parseFileUrl(s).url`).
 * @example
 * ```ts
 * normaliseFileUrl("https://1fichier.com/?abcde12345&lg=en"); // "https://1fichier.com/?abcde12345"
 * ```
 */
export function normaliseFileUrl(input: string): string {
  return parseFileUrl(input).url;
}

/**
 * Share hash of a public folder URL `https://1fichier.com/dir/<hash>` (optionally `/en/dir/...`), or
 * undefined when `input` is not one. A bare hash is accepted only when `bareAllowed` is set.
 *
 * @example
 * ```ts
 * parseShareUrl("https://1fichier.com/dir/GwAVeQxR"); // "GwAVeQxR"
 * ```
 */
export function parseShareUrl(input: string, bareAllowed = false): string | undefined {
  const s = input.trim();
  if (bareAllowed && /^[A-Za-z0-9]{1,64}$/.test(s)) return s;
  const u = tryUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`);
  if (!u || !isFichierDomain(u.hostname)) return undefined;
  const m = /^\/(?:[a-z]{2}\/)?dir\/([A-Za-z0-9]+)\/?$/.exec(u.pathname);
  return m?.[1];
}

/**
 * Parses a folder id: a non-negative integer (root 0). A `/dir/<hash>` share URL gets a NotFoundError
 * explaining that a share hash is not a folder id; anything else an InvalidUrlError.
 *
 * @example
 * ```ts
 * parseFolderId("1234"); // 1234
 * ```
 */
export function parseFolderId(input: string | number): number {
  if (typeof input === "number" && Number.isInteger(input) && input >= 0) return input;
  const s = String(input).trim();
  if (/^\d{1,15}$/.test(s)) return Number(s);
  const hash = parseShareUrl(s);
  if (hash !== undefined) throw shareNotFolderError(s, hash);
  throw new InvalidUrlError(`${JSON.stringify(s)} is not a folder id.`, {
    hint: "Folder ids are whole numbers (0 is the root); use a path like /backups/2026 or the id shown by `fichier ls`.",
  });
}

/** The error for a share URL given where a folder id is needed. */
export function shareNotFolderError(input: string, hash: string): NotFoundError {
  return new NotFoundError(`${input} is a public share (hash ${hash}), not a folder id of your account.`, {
    hint: `Use the folder's numeric id or its path (see \`fichier ls\`); to read the share, use \`fichier ls ${input}\`.`,
  });
}
