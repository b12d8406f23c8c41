// rclone's filter patterns (docs/sync.md, "Filters"), a documented subset, turned into regular expressions:
// `*` (within a name), `**` (across `/`), `?`, `[...]` (with `!` or `^` to negate), `{a,b}` alternatives
// (nestable), `\c` for a literal c and `\d \D \s \S \w \W` classes; a leading `/` anchors at the root of the
// transfer, else the pattern matches whole trailing path elements. rclone's `{{regexp}}` and POSIX
// `[[:class:]]` are refused rather than matched differently.

/** A pattern fichier cannot take; `reason` says why. The caller adds where it came from. */
export class GlobError extends Error {
  override name = "GlobError";
}

const CLASS_ESCAPES = new Set(["d", "D", "s", "S", "w", "W"]);

/**
 * The regular expression of a filter pattern, matched against a relative path without a leading `/`
 * (`dir/file.jpg`, and `dir/sub/` for a directory).
 *
 * @example
 * ```ts
 * globToRegExp("*.jpg").test("dir/file.jpg"); // true
 * globToRegExp("/*.jpg").test("dir/file.jpg"); // false
 * ```
 * @throws GlobError for a pattern outside the subset (unbalanced `[` or `{`, `***`, `{{regexp}}`)
 */
export function globToRegExp(glob: string): RegExp {
  const anchored = glob.startsWith("/");
  let out = anchored ? "^" : "(?:^|/)";
  let depth = 0;
  for (let i = anchored ? 1 : 0; i < glob.length; ) {
    const c = glob[i]!;
    if (c === "\\") {
      const next = glob[i + 1];
      if (next === undefined) throw new GlobError("it ends with a lone backslash");
      out += CLASS_ESCAPES.has(next) ? `\\${next}` : escapeRegExp(next);
      i += 2;
    } else if (c === "*") {
      let stars = 0;
      while (glob[i] === "*") {
        stars++;
        i++;
      }
      if (stars > 2) throw new GlobError(`"${"*".repeat(stars)}": at most two stars in a row`);
      out += stars === 2 ? ".*" : "[^/]*";
    } else if (c === "[") {
      const cls = characterClass(glob, i);
      out += cls.source;
      i = cls.end;
    } else {
      out += braceOrLiteral(c, glob[i + 1], depth);
      if (c === "{") depth++;
      if (c === "}") depth--;
      i++;
    }
  }
  if (depth !== 0) throw new GlobError("a `{` is not closed");
  return new RegExp(`${out}$`);
}

function braceOrLiteral(c: string, next: string | undefined, depth: number): string {
  switch (c) {
    case "?":
      return "[^/]";
    case "{":
      if (next === "{")
        throw new GlobError("regular expressions ({{...}}) are not supported: use glob patterns");
      return "(?:";
    case "}":
      if (depth === 0) throw new GlobError("a `}` has no `{`");
      return ")";
    case ",":
      return depth > 0 ? "|" : ",";
    default:
      return escapeRegExp(c);
  }
}

/** `[...]` from `start` (the `[`): its regular expression and the index after its `]`. */
function characterClass(glob: string, start: number): { source: string; end: number } {
  let i = start + 1;
  let source = "[";
  if (glob[i] === "!" || glob[i] === "^") {
    source += "^";
    i++;
  }
  let members = 0;
  for (; i < glob.length && glob[i] !== "]"; i++) {
    const c = glob[i]!;
    if (c === "[" && glob[i + 1] === ":") {
      throw new GlobError("POSIX classes like [[:alpha:]] are not supported: use ranges like [a-zA-Z]");
    }
    if (c === "\\") {
      const next = glob[++i];
      if (next === undefined) throw new GlobError("it ends with a lone backslash");
      // `\d` is a class; another letter or digit is itself (`\b` in a class would be a backspace).
      source += CLASS_ESCAPES.has(next) || !/[A-Za-z0-9]/.test(next) ? `\\${next}` : next;
    } else {
      source += c === "-" ? "-" : escapeClassMember(c);
    }
    members++;
  }
  if (i >= glob.length) throw new GlobError("a `[` is not closed");
  if (members === 0) throw new GlobError("`[]` is an empty character class");
  return { source: `${source}]`, end: i + 1 };
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

function escapeClassMember(c: string): string {
  return /[\]\\^[]/.test(c) ? `\\${c}` : c;
}

/**
 * The directory patterns an include pattern needs traversed: an anchored `/a/b/*.jpg` needs `/a/b/` and `/a/`;
 * `/dir/**` needs `/dir/` and every directory below it. A pattern that can match at any depth (not anchored), or one too
 * complex to split (`{...}` holding `/` or `**`), needs every directory (`/**`). (rclone also prunes with
 * unanchored patterns, which can miss `x/a/b/f.jpg` for `a/b/*.jpg`; fichier does not.)
 *
 * @example
 * ```ts
 * dirPatternsOf("/a/b/*.jpg"); // ["/a/b/", "/a/"]
 * dirPatternsOf("*.jpg"); // ["/**"]
 * ```
 */
export function dirPatternsOf(glob: string): string[] {
  if (!glob.startsWith("/") || /\{[^{}]*(\*\*|\/)[^{}]*\}/.test(glob)) return ["/**"];
  const out: string[] = [];
  let rest = glob.replace(/\/{2,}/g, "/");
  for (;;) {
    const slash = rest.lastIndexOf("/");
    const stars = rest.lastIndexOf("**");
    const at = Math.max(slash, stars);
    if (at < 0) break;
    rest = rest.slice(0, at);
    const dir = `${rest}${stars > slash ? "**" : ""}/`;
    if (dir !== "/" && out.at(-1) !== dir) out.push(dir);
  }
  return out;
}
