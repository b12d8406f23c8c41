/** Pure helpers: names, file URLs, domains and MIME types (spec §3, §5). */

/** Domain table of the upload `domain` field (spec §3.2), index = domain id. */
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

// spec §3.2 "Other spellings seen": accepted in URLs given to the API, never generated.
const EXTRA_DOMAINS = [
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
const KNOWN_HOSTS = new Set<string>([...DOMAINS, ...EXTRA_DOMAINS]);

/**
 * Checks a file or folder name against the emulator's rules (DECISIONS "Invalid name #9004"; spec §5):
 * no `\ < > " ' $ \``, no control character, no leading/trailing space, 1 to 250 characters.
 * @example
 * isValidName("report.pdf"); // true
 * isValidName(" x"); // false
 */
export function isValidName(name: string): boolean {
  if (name.length === 0 || name.length > 250) return false;
  if (name.startsWith(" ") || name.endsWith(" ")) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
  return !/[\\<>"'$`\u0000-\u001f\u007f]/.test(name);
}

/**
 * Extracts the file id from a file URL in any accepted form (spec §3.1): `https://<domain>/?<id>`, with `www.`,
 * with `&af=..`/`&lg=..` suffixes, or the legacy `https://<id>.1fichier.com/`. Returns null when not a file URL.
 * @example
 * parseFileUrl("https://www.alterupload.com/?abcde12345&af=1"); // "abcde12345"
 */
export function parseFileUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return null;
  const host = u.hostname.toLowerCase().replace(/^www\./, "");
  if (KNOWN_HOSTS.has(host)) {
    if (u.pathname !== "/" && u.pathname !== "") return null;
    const id = u.search.slice(1).split("&")[0] ?? "";
    return /^[a-z0-9]{5,20}$/i.test(id) ? id.toLowerCase() : null;
  }
  const legacy = /^([a-z0-9]{5,20})\.1fichier\.com$/.exec(host);
  if (legacy?.[1] && (u.pathname === "/" || u.pathname === "")) return legacy[1];
  return null;
}

/**
 * Builds the canonical download URL of a file (spec §3.1).
 * @example
 * fileUrl("abcde12345abcde12345", 1); // "https://alterupload.com/?abcde12345abcde12345"
 */
export function fileUrl(id: string, domain: number): string {
  return `https://${DOMAINS[domain] ?? DOMAINS[0]}/?${id}`;
}

/**
 * Builds the removal URL of an anonymous upload (spec §3.1).
 * @example
 * removeUrl("abcde12345abcde12345", "CODE", 0); // "https://1fichier.com/remove/abcde12345abcde12345/CODE"
 */
export function removeUrl(id: string, code: string, domain: number): string {
  return `https://${DOMAINS[domain] ?? DOMAINS[0]}/remove/${id}/${code}`;
}

const MIME: Record<string, string> = {
  txt: "text/plain",
  html: "text/html",
  htm: "text/html",
  css: "text/css",
  csv: "text/csv",
  js: "application/javascript",
  json: "application/json",
  xml: "application/xml",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  tar: "application/x-tar",
  "7z": "application/x-7z-compressed",
  rar: "application/vnd.rar",
  iso: "application/x-iso9660-image",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  mp3: "audio/mpeg",
  flac: "audio/flac",
  wav: "audio/wav",
  mp4: "video/mp4",
  mkv: "video/x-matroska",
  avi: "video/x-msvideo",
  webm: "video/webm",
};

/**
 * Guesses a MIME type from the file name's extension, `application/octet-stream` otherwise.
 * @example
 * mimeOf("a.TXT"); // "text/plain"
 */
export function mimeOf(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot < 0) return "application/octet-stream";
  return MIME[name.slice(dot + 1).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Builds a `Content-Disposition` value with an ASCII fallback and an RFC 5987 `filename*`.
 * @example
 * contentDisposition("été.txt", false); // 'attachment; filename="_t_.txt"; filename*=UTF-8\'\'%C3%A9t%C3%A9.txt'
 */
export function contentDisposition(name: string, inline: boolean): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${inline ? "inline" : "attachment"}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Result of {@link parseRange}. */
export type RangeResult = { start: number; end: number } | "none" | "invalid";

/**
 * Parses a `Range` header against a size: a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range.
 * Returns "none" without header, "invalid" for anything unsatisfiable or not a single byte range (→ 416).
 * @example
 * parseRange("bytes=0-9", 100); // { start: 0, end: 9 }
 * parseRange("bytes=100-", 100); // "invalid"
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return "none";
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return "invalid";
  const [, a = "", b = ""] = m;
  if (a === "" && b === "") return "invalid";
  if (a === "") {
    const n = Number(b);
    if (n === 0 || size === 0) return "invalid";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  let end = b === "" ? size - 1 : Number(b);
  if (start >= size || end < start) return "invalid";
  if (end >= size) end = size - 1;
  return { start, end };
}

/**
 * True when an IPv4 address is inside a CIDR (or equals a bare address). IPv6 only matches exactly.
 * @example
 * ipInCidr("10.1.2.3", "10.0.0.0/8"); // true
 */
export function ipInCidr(ip: string, cidr: string): boolean {
  const clean = ip.replace(/^::ffff:/, "");
  const [net = "", bitsText] = cidr.split("/");
  const toInt = (s: string): number | null => {
    const p = s.split(".").map(Number);
    if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return null;
    return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
  };
  const a = toInt(clean);
  const b = toInt(net);
  if (a === null || b === null) return clean === net;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const mask = (~0 << (32 - bits)) >>> 0;
  return (a & mask) === (b & mask);
}
