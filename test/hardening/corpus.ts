// The bad-input corpus as data: `corpus/bad-input.tsv`, one case a row, columns
//   id  area  args  env  setup  exit  stderr  cause
// `args` is a JSON array of strings, `env` a JSON object (null deletes a variable) or "-", `setup` a comma list
// of flags or "-" (nobody: run as uid 65534; tmpfs: needs the small full file system), `exit` the documented exit
// code, `stderr` a case-insensitive regular expression the error line must match, `cause` what the row tests.
// `{name}` placeholders in args and env are filled by the suite (see bad-input.test.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HOSTILE_CASES, RSS_CEILING_MIB } from "./hostile-cases.js";

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

const EXIT_NAMES: Record<number, string> = {
  0: "ok",
  1: "other",
  2: "usage",
  3: "not found",
  4: "key",
  5: "premium needed",
  6: "rate-limited",
  7: "network",
  8: "checksum",
  9: "partial",
};

function cell(text: string): string {
  const clipped = text.length > 70 ? `${text.slice(0, 67)}...` : text;
  return (
    clipped
      .replace(/\|/g, "\\|")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped
      .replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  );
}

/**
 * docs/bad-input.md, rendered from the corpus (the test checks the page is up to date).
 * @example
 * renderCorpusPage(loadCorpus()).startsWith("# Bad input"); // true
 */
export function renderCorpusPage(cases: readonly CorpusCase[]): string {
  const areas = [...new Set(cases.map((c) => c.area))];
  const bugs = cases.filter((c) => c.setup.includes("bug"));
  const lines = [
    "# Bad input: the corpus",
    "",
    "<!-- Generated from test/hardening/corpus/bad-input.tsv by test/hardening/bad-input-doc.test.ts",
    "     (FICHIER_WRITE_DOCS=1 npx vitest run test/hardening/bad-input-doc.test.ts). Edit the TSV, not this page. -->",
    "",
    `${cases.length} cases, one a row in [\`test/hardening/corpus/bad-input.tsv\`](../test/hardening/corpus/bad-input.tsv).`,
    "Each row runs the built `fichier` once (`test/hardening/bad-input.test.ts`, part of `npm test`) with a canary",
    "API key, and must end with the documented exit code and one error line on stderr that matches the row's",
    "pattern and names the cause and the fix, with no stack trace and the key nowhere in the output. After the",
    "whole corpus, every remote file and local fixture must still be there.",
    "",
    "Placeholders: `{url}` a file of the account, `{other_url}` a private file of another account, `{missing_url}`",
    "a well-formed id that does not exist, `{dead}` the URL of an emulator that was killed, `{fx}` local",
    "fixtures (empty file, FIFO, unreadable file, invalid UTF-8 name...), `{full}` a 1 MiB tmpfs, `{out}` a",
    "fresh folder, `{unknown_key}` a well-formed key no account has, `{long_key}` 33 characters (both made at",
    "run time: no key-shaped literal in the corpus). Setup `nobody` runs the row as uid 65534 (root reads",
    "everything); `tmpfs` needs root to mount.",
    "",
    "Rows of setup `serve`, `serve-auth` and `serve-idle` are HTTP requests (written out raw: a `..` or a NUL goes",
    "out as written) to the built `fichier serve` run with the canary key: `serve` serves the account's",
    "`/corpus-serve` (a `file.txt` and a folder `dir/`), `serve-auth` an in-memory tree behind `--user`,",
    "`serve-idle` one capped at 64 connections. Their `exit` is the HTTP status and their pattern must match the",
    "first line of the answer's body (the cause, in one line); the servers must survive every row, print the key",
    "nowhere and stop with 130 on Ctrl-C. Directives: `@body=` the body, `@cut=N/M` M bytes announced and N sent",
    "(then `@then=` judges what was left), `@repeat=N`, `@idle=N` idle connections first, `@header=` a header the",
    "answer must carry (test/hardening/serve-rows.ts).",
    "",
    `Rows flagged \`bug\` (${bugs.length}) state the documented behaviour that fichier does not meet yet; the`,
    "suite checks they still fail (no stack trace and no key leak even so), and fails once one is fixed so the",
    "flag gets dropped.",
    "",
    "Add a case: append a row (tab-separated; `args` and `env` are JSON), run the suite, regenerate this page.",
    "",
  ];
  for (const area of areas) {
    lines.push(
      `## ${area}`,
      "",
      "| id | command | exit | stderr must match | case |",
      "|---|---|---|---|---|",
    );
    for (const c of cases.filter((x) => x.area === area)) {
      const env = Object.entries(c.env)
        .map(([k, v]) => (v === null ? `-${k}` : `${k}=${v}`))
        .join(" ");
      const quoted = c.args.map((a) => (/[\s"]/.test(a) || a === "" ? JSON.stringify(a) : a)).join(" ");
      // A serve row is an HTTP request; its "exit" is the status.
      const http = c.setup.some((x) => x.startsWith("serve"));
      const cmd = http ? quoted : `${env ? `${env} ` : ""}fichier ${quoted}`;
      const exit = http ? `HTTP ${c.exit}` : `${c.exit} ${EXIT_NAMES[c.exit] ?? ""}`;
      const flags = c.setup.length > 0 ? ` (${c.setup.join(", ")})` : "";
      lines.push(
        `| ${c.id} | \`${cell(cmd).replace(/`/g, "'")}\` | ${exit} | \`${cell(c.stderr.source).replace(/`/g, "'")}\` | ${cell(c.cause)}${flags} |`,
      );
    }
    lines.push("");
  }
  lines.push(...hostileSection());
  return `${lines.join("\n")}`;
}

/** The hostile-server cases (hostile-cases.ts): they need a scripted server, so they are not corpus rows. */
function hostileSection(): string[] {
  return [
    "## The hostile server",
    "",
    "These cases need a server that breaks the rules, which the emulator will not play: a small scripted one on",
    "loopback (`test/helpers/scripted-server.ts`), fair on every route a case does not script. Each runs the built",
    "`fichier --api-url <that server>` once (`test/hardening/hostile-server.test.ts`, part of `npm test`) and must",
    `end with the exit code below, its error line last, a peak resident memory under ${RSS_CEILING_MIB} MiB (measured in the`,
    "spawned process), well within a time ceiling that only a hang reaches, no request to any other host (a",
    "redirect followed), no key sent to a download link or share page, and the canary key in no output.",
    "",
    "| case | command | exit |",
    "|---|---|---|",
    ...HOSTILE_CASES.map((c) => {
      const env = Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v} `);
      const cmd = `${env.join("")}fichier ${c.args.join(" ")}`.replace(/\|/g, "\\|");
      return `| ${c.name.replace(/\|/g, "\\|")} | \`${cmd}\` | ${c.exit} ${EXIT_NAMES[c.exit] ?? ""} |`;
    }),
    "",
  ];
}
