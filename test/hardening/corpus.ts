// The bad-input corpus as data: `corpus/bad-input.tsv`, one case a row, columns
//   id  area  args  env  setup  exit  stderr  cause
// `args` is a JSON array of strings, `env` a JSON object (null deletes a variable) or "-", `setup` a comma list
// of flags or "-" (nobody: run as uid 65534; tmpfs: needs the small full file system), `exit` the documented exit
// code, `stderr` a case-insensitive regular expression the error line must match, `cause` what the row tests.
// `{name}` placeholders in args and env are filled by the suite (see bad-input.test.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One row of the corpus. */
export interface CorpusCase {
  id: string;
  area: string;
  args: string[];
  env: Record<string, string | null>;
  setup: string[];
  exit: number;
  stderr: RegExp;
  cause: string;
}

const COLUMNS = ["id", "area", "args", "env", "setup", "exit", "stderr", "cause"] as const;

/** The corpus file. */
export const CORPUS_PATH = join(import.meta.dirname, "corpus", "bad-input.tsv");

/**
 * Parses the corpus text; throws naming the line of any malformed row, so a bad edit fails loudly.
 * @example
 * parseCorpus(readFileSync(CORPUS_PATH, "utf8")).length; // >= 150
 */
export function parseCorpus(text: string): CorpusCase[] {
  const lines = text.split("\n");
  const header = lines[0]?.split("\t") ?? [];
  if (header.join("\t") !== COLUMNS.join("\t")) {
    throw new Error(`${CORPUS_PATH}: the header must be ${COLUMNS.join(" TAB ")}`);
  }
  const out: CorpusCase[] = [];
  const seen = new Set<string>();
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const where = `${CORPUS_PATH}:${i + 2}`;
    const cells = line.split("\t");
    if (cells.length !== COLUMNS.length) throw new Error(`${where}: ${cells.length} columns, expected 8`);
    const [id, area, args, env, setup, exit, stderr, cause] = cells as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (seen.has(id)) throw new Error(`${where}: duplicate id ${id}`);
    seen.add(id);
    let parsedArgs: unknown;
    let parsedEnv: unknown = {};
    try {
      parsedArgs = JSON.parse(args);
      if (env !== "-") parsedEnv = JSON.parse(env);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsedArgs) || !parsedArgs.every((a) => typeof a === "string")) {
      throw new Error(`${where}: args must be a JSON array of strings`);
    }
    if (!/^\d+$/.test(exit)) throw new Error(`${where}: exit must be a number`);
    out.push({
      id,
      area,
      args: parsedArgs as string[],
      env: parsedEnv as Record<string, string | null>,
      setup: setup === "-" ? [] : setup.split(","),
      exit: Number(exit),
      stderr: new RegExp(stderr, "i"),
      cause,
    });
  });
  return out;
}

/** The corpus, read from disk. */
export function loadCorpus(): CorpusCase[] {
  return parseCorpus(readFileSync(CORPUS_PATH, "utf8"));
}
