/**
 * Request paths: the one parser that turns a request target (or a `Destination`) into a served path, refusing
 * everything a backend must never see, and the helpers that join, split and compare served paths. Pure.
 */

/** A request path that cannot be served; answered 400 with the message. */
export class BadPathError extends Error {
  override readonly name = "BadPathError";
}

/** A parsed request path. */
export interface RequestPath {
  /** `/` or `/a/b` (no trailing slash; segments decoded). */
  path: string;
  /** Whether the request named it with a trailing slash (`/a/`), as WebDAV clients do for folders. */
  slash: boolean;
}

/** Longest request path accepted, in characters of the encoded form (Node refuses headers past 16 KiB anyway). */
const MAX_PATH = 8192;

/** C0 controls and DEL: never part of a name a client means (and NUL truncates names in C code downstream). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Parses the path part of a request target (`/a/b%20c/`, or an absolute `http://host/a` as proxies send),
 * decoding each segment. Refuses, with a {@link BadPathError} naming the cause: a query-less target that is not
 * absolute, `.` and `..` segments (raw or encoded), encoded slashes (`%2F`), NULs and other control characters,
 * malformed percent-encoding or UTF-8, empty segments (`//`), a raw `#`, and overlong paths.
 *
 * @example
 * parseRequestPath("/music/caf%C3%A9/"); // { path: "/music/café", slash: true }
 * parseRequestPath("/a/../etc"); // throws BadPathError
 */
export function parseRequestPath(target: string): RequestPath {
  let raw = target;
  if (/^https?:\/\//i.test(raw)) raw = raw.replace(/^https?:\/\/[^/]*/i, "") || "/";
  const q = raw.indexOf("?");
  if (q >= 0) raw = raw.slice(0, q);
  if (raw.length > MAX_PATH) throw new BadPathError(`the path is longer than ${MAX_PATH} characters`);
  if (!raw.startsWith("/")) throw new BadPathError("the path must start with /");
  if (raw.includes("#")) throw new BadPathError('a raw "#" in the path (encode it as %23)');
  if (raw === "/") return { path: "/", slash: true };
  const slash = raw.endsWith("/");
  const parts = raw.slice(1, slash ? -1 : undefined).split("/");
  const names = parts.map(decodeSegment);
  return { path: `/${names.join("/")}`, slash };
}

function decodeSegment(segment: string): string {
  if (segment === "") throw new BadPathError("an empty segment (//) in the path");
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    throw new BadPathError(`malformed percent-encoding or UTF-8 in "${segment}"`);
  }
  if (name.includes("/")) throw new BadPathError("an encoded slash (%2F) in the path");
  if (name.includes("\\")) throw new BadPathError("a backslash in the path");
  if (hasControl(name)) throw new BadPathError("a NUL or control character in the path");
  if (name === "." || name === "..") throw new BadPathError('"." or ".." segments are not allowed');
  return name;
}

/**
 * The parent folder of a served path (`/` for a child of the root, and for the root itself).
 *
 * @example
 * parentOf("/a/b"); // "/a"
 */
export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/**
 * The last segment of a served path (`""` for the root).
 *
 * @example
 * baseName("/a/b.txt"); // "b.txt"
 */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * A child's served path.
 *
 * @example
 * childPath("/", "a"); // "/a"
 */
export function childPath(folder: string, name: string): string {
  return folder === "/" ? `/${name}` : `${folder}/${name}`;
}

/**
 * True when `path` is `ancestor` or lies inside it.
 *
 * @example
 * isSameOrInside("/a/b", "/a"); // true
 * isSameOrInside("/ab", "/a"); // false
 */
export function isSameOrInside(path: string, ancestor: string): boolean {
  if (ancestor === "/") return true;
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/**
 * The URL path (`href`) of a served path, each segment percent-encoded; folders end with `/`.
 *
 * @example
 * hrefOf("/caf\u00e9 1", true); // "/caf%C3%A9%201/"
 */
export function hrefOf(path: string, folder: boolean): string {
  if (path === "/") return "/";
  const encoded = path
    .split("/")
    .map((s) =>
      encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join("/");
  return folder ? `${encoded}/` : encoded;
}
