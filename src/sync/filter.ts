// rclone's filter rules, a documented subset (docs/sync.md, "Filters"): `--include`, `--exclude`,
// `--exclude-from`, `--filter-from`; first match wins; a path no rule matches is included; any `--include`
// implies a final `- /**`. Directory rules (a trailing `/`, or `**`) decide which folders are walked at all.
// Pure: the caller reads the rule files and passes their text, so errors name the file and the line.
import { dirPatternsOf, GlobError, globToRegExp } from "./glob.js";

/** A rule file's name and text (the caller read it; `-` for stdin). */
export interface FilterSource {
  name: string;
  text: string;
}

/** The filter options of `sync` and `check`. */
export interface FilterSpec {
  include?: string[];
  exclude?: string[];
  excludeFrom?: FilterSource[];
  filterFrom?: FilterSource[];
}

/** One rule as the user wrote it. */
export interface FilterRule {
  include: boolean;
  pattern: string;
  /** Where it was written: `--include`, `--exclude`, or `file:line`. */
  origin: string;
  /** Paths this rule decided (first match), so far. */
  hits: number;
}

/**
 * A malformed filter rule: the message names the file and line (or the option) and the fix. The command line
 * maps it to exit 2 (usage).
 *
 * @example
 * ```ts
 * try { buildFilter(spec); } catch (e) { if (e instanceof FilterError) console.error(e.origin, e.message); }
 * ```
 */
export class FilterError extends Error {
  override name = "FilterError";
  readonly hint: string;
  constructor(
    readonly origin: string,
    message: string,
    hint = "fix the rule; docs/sync.md lists the patterns fichier takes",
  ) {
    super(`${origin}: ${message}`);
    this.hint = hint;
  }
}

interface Compiled {
  re: RegExp;
  include: boolean;
  rule: FilterRule;
  /** False for directory patterns implied by an include rule: they are not the rule matching a file. */
  counts: boolean;
}

/**
 * Decides which relative paths (`a/b.txt`, no leading `/`) a sync or check takes.
 *
 * @example
 * ```ts
 * const f = buildFilter({ include: ["*.{jpg,png}"] });
 * f.includesFile("2026/cat.jpg"); // true
 * f.includesFile("notes.txt"); // false
 * ```
 */
export class Filter {
  private fileRules: Compiled[] = [];
  private dirRules: Compiled[] = [];
  private userRules: FilterRule[] = [];

  /**
   * True when there is at least one rule.
   * @example
   * ```ts
   * buildFilter({}).active; // false
   * ```
   */
  get active(): boolean {
    return this.fileRules.length > 0 || this.dirRules.length > 0;
  }

  /**
   * The rules as written, in the order they are tried (implied ones excluded).
   * @example
   * ```ts
   * buildFilter({ exclude: ["*.tmp"] }).rules[0]?.origin; // "--exclude"
   * ```
   */
  get rules(): readonly FilterRule[] {
    return this.userRules;
  }

  /**
   * Whether a file is taken: the first rule matching its path decides; none matching, it is.
   * @example
   * ```ts
   * buildFilter({ exclude: ["*.tmp"] }).includesFile("a/b.tmp"); // false
   * ```
   */
  includesFile(path: string): boolean {
    return decide(this.fileRules, path.replace(/^\/+/, ""));
  }

  /**
   * Whether a folder is walked (its path with or without a trailing `/`). The root always is.
   * @example
   * ```ts
   * buildFilter({ exclude: ["cache/"] }).includesDir("x/cache"); // false
   * ```
   */
  includesDir(path: string): boolean {
    const p = path.replace(/^\/+|\/+$/g, "");
    return p === "" || decide(this.dirRules, `${p}/`);
  }

  /**
   * The rules that have decided no path so far: after a run, the ones that matched nothing.
   * @example
   * ```ts
   * for (const r of filter.unmatched()) console.error(`${r.origin}: ${r.pattern} matched nothing`);
   * ```
   */
  unmatched(): FilterRule[] {
    return this.userRules.filter((r) => r.hits === 0);
  }

  /**
   * Adds one rule (as rclone's `Add`): `dir/` rules are for folders, `**` rules for both.
   * @example
   * ```ts
   * filter.add(false, "*.bak", "--exclude");
   * ```
   */
  add(include: boolean, pattern: string, origin: string, implied = false): void {
    const rule: FilterRule = { include, pattern, origin, hits: 0 };
    let glob = pattern;
    const forDirs = glob.endsWith("/");
    // Excluding `dir/` excludes what is in it too, as `dir/**` does.
    if (forDirs && !include) glob += "**";
    const both = glob.includes("**");
    const re = compile(glob, origin);
    if (!implied) this.userRules.push(rule);
    if (!forDirs || both) {
      this.fileRules.push({ re, include, rule, counts: true });
      // An include rule needs the folders on the way to what it matches walked.
      if (include) {
        for (const d of dirPatternsOf(glob))
          this.dirRules.push({ re: compile(d, origin), include, rule, counts: false });
      }
    }
    if (forDirs || both) this.dirRules.push({ re, include, rule, counts: forDirs });
  }

  /**
   * `!` in a filter file: forget every rule so far.
   * @example
   * ```ts
   * filter.clear();
   * ```
   */
  clear(): void {
    this.fileRules = [];
    this.dirRules = [];
    this.userRules = [];
  }
}

function decide(rules: Compiled[], path: string): boolean {
  for (const r of rules) {
    if (r.re.test(path)) {
      if (r.counts) r.rule.hits++;
      return r.include;
    }
  }
  return true;
}

function compile(glob: string, origin: string): RegExp {
  try {
    return globToRegExp(glob);
  } catch (e) {
    if (e instanceof GlobError)
      throw new FilterError(origin, `bad pattern ${JSON.stringify(glob)}: ${e.message}`);
    throw e;
  }
}

/**
 * Builds the filter of a run, in rclone's order: `--include`, `--exclude`, `--exclude-from`, `--filter-from`,
 * then the `- /**` any `--include` implies. Rule files: one rule a line, blank lines and lines starting with
 * `#` or `;` skipped; in `--filter-from`, `+ pattern`, `- pattern`, or `!` (clear).
 *
 * @example
 * ```ts
 * const f = buildFilter({ filterFrom: [{ name: "rules.txt", text: "- secret*.jpg\n+ *.jpg\n- *\n" }] });
 * f.includesFile("secret17.jpg"); // false
 * ```
 * @throws FilterError naming the file and line of a malformed rule
 */
export function buildFilter(spec: FilterSpec): Filter {
  const f = new Filter();
  for (const p of spec.include ?? []) f.add(true, p, "--include");
  for (const p of spec.exclude ?? []) f.add(false, p, "--exclude");
  for (const src of spec.excludeFrom ?? []) {
    for (const { line, text } of ruleLines(src)) f.add(false, text, `${src.name}:${line}`);
  }
  for (const src of spec.filterFrom ?? []) {
    for (const { line, text } of ruleLines(src)) filterLine(f, text, `${src.name}:${line}`);
  }
  if ((spec.include ?? []).length > 0) f.add(false, "/**", "--include (implied)", true);
  return f;
}

function filterLine(f: Filter, text: string, origin: string): void {
  if (text === "!") f.clear();
  else if (text.startsWith("+ ")) f.add(true, text.slice(2), origin);
  else if (text.startsWith("- ")) f.add(false, text.slice(2), origin);
  else
    throw new FilterError(
      origin,
      `malformed rule ${JSON.stringify(text)}`,
      'start each rule with "+ " (include) or "- " (exclude), or write "!" to clear the rules above',
    );
}

function* ruleLines(src: FilterSource): Generator<{ line: number; text: string }> {
  const lines = src.text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text === "" || text.startsWith("#") || text.startsWith(";")) continue;
    yield { line: i + 1, text };
  }
}
