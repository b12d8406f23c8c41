/**
 * Builds the commander program: global options, error output, and the table of commands. Each command lives
 * in `src/cli/commands/<module>.ts` and is imported only when the command line needs it, so `--help` and simple
 * commands start fast.
 */
import { Command, Help, Option } from "commander";
import { VERSION } from "../version.js";
import type { CliContext } from "./context.js";
import { parseDurationOption } from "./options.js";
import { SUMMARIES } from "./summaries.js";

/** What a command module exports. */
export interface CommandModule {
  register(program: Command, ctx: CliContext): void | Promise<void>;
}

/** One command module, the commands (with aliases) it registers, and how to import it. */
export interface CommandEntry {
  module: string;
  commands: string[];
  /**
   * Imports the module. A literal specifier in each entry, so the bundler that builds the command
   * (`rolldown.config.mjs`) splits every module into chunks of its own, loaded only when its command runs.
   */
  load: () => Promise<CommandModule>;
}

/** Every command of `fichier`, in the order `--help` lists them. */
export const COMMANDS: CommandEntry[] = [
  { module: "about", commands: ["about", "whoami"], load: () => import("./commands/about.js") },
  { module: "ls", commands: ["ls", "tree"], load: () => import("./commands/ls.js") },
  { module: "info", commands: ["info"], load: () => import("./commands/info.js") },
  { module: "upload", commands: ["upload"], load: () => import("./commands/upload.js") },
  { module: "download", commands: ["download"], load: () => import("./commands/download.js") },
  { module: "cat", commands: ["cat"], load: () => import("./commands/cat.js") },
  { module: "sync", commands: ["sync", "check"], load: () => import("./commands/sync.js") },
  { module: "folders", commands: ["mkdir", "rmdir"], load: () => import("./commands/folders.js") },
  {
    module: "manage",
    commands: ["rm", "mv", "cp", "rename", "attr"],
    load: () => import("./commands/manage.js"),
  },
  { module: "share", commands: ["share"], load: () => import("./commands/share.js") },
  { module: "link", commands: ["link", "play"], load: () => import("./commands/link.js") },
  { module: "remote", commands: ["remote"], load: () => import("./commands/remote.js") },
  { module: "key", commands: ["key"], load: () => import("./commands/key.js") },
  { module: "doctor", commands: ["doctor"], load: () => import("./commands/doctor.js") },
  { module: "serve", commands: ["serve"], load: () => import("./commands/serve.js") },
  { module: "gateway", commands: ["gateway"], load: () => import("./commands/gateway.js") },
  { module: "emulator", commands: ["emulator"], load: () => import("./commands/emulator.js") },
  { module: "demo", commands: ["demo"], load: () => import("./commands/demo.js") },
  { module: "completion", commands: ["completion"], load: () => import("./commands/completion.js") },
];

/** Global options that take a value (to find the command word in argv, and the values to redact early). */
export const VALUE_OPTIONS: readonly string[] = [
  "--api-url",
  "--profile",
  "--api-key",
  "--max-wait",
  "--stats",
];

/**
 * Whether `word` is one of fichier's commands (or aliases).
 *
 * @example
 * isCommand("whoami"); // true
 * isCommand("lss"); // false
 */
export function isCommand(word: string): boolean {
  return COMMANDS.some((e) => e.commands.includes(word));
}

/**
 * The first operand of the command line (the command word), skipping global options and their values.
 * `help ls` yields `ls`.
 *
 * @example
 * commandWord(["--api-url", "http://x", "ls", "-l"]); // "ls"
 */
export function commandWord(args: string[]): string | undefined {
  let sawHelp = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") return args[i + 1];
    if (a.startsWith("-")) {
      if (VALUE_OPTIONS.includes(a)) i++;
      continue;
    }
    if (a === "help" && !sawHelp) {
      sawHelp = true;
      continue;
    }
    return a;
  }
  return undefined;
}

/**
 * The modules to load for a command line: only the one that owns the command word, or all of them for
 * completion scripts. None for the top-level help, a bare `--version` or an unknown command: the list of
 * commands (and commander's "did you mean") comes from SUMMARIES, without importing any module.
 *
 * @example
 * modulesFor(["ls", "-l"]).map((e) => e.module); // ["ls"]
 * modulesFor(["--help"]); // []
 */
export function modulesFor(args: string[]): CommandEntry[] {
  const word = commandWord(args);
  if (word === "completion") return COMMANDS;
  if (word === undefined) return [];
  const hit = COMMANDS.find((e) => e.commands.includes(word));
  return hit ? [hit] : [];
}

/** Adds the global options and error handling to a fresh program (no commands yet). */
export function createProgram(write: { out: (s: string) => void; err: (s: string) => void }): Command {
  const program = new Command("fichier");
  program
    .description("Command line for 1fichier.com: results on stdout, messages on stderr, --json for scripts.")
    .version(VERSION, "-V, --version", "print the version")
    .option("--json", "machine-readable result on stdout (one JSON document)")
    .addOption(new Option("--api-url <url>", "API base URL").env("FICHIER_API_URL"))
    .option("--emulator", "use the embedded emulator (persistent, premium account) instead of 1fichier.com")
    .addOption(new Option("--profile <name>", "key profile to use").env("FICHIER_PROFILE"))
    .option("-q, --quiet", "only results and errors")
    .option("-v, --verbose", "more detail on stderr")
    .option("--debug", "HTTP trace and stack traces on stderr (secrets redacted)")
    .option("--no-color", "no colours (NO_COLOR is honoured too)")
    .option("--api-key-stdin", "read the API key from stdin")
    .option("--api-key <value>", "API key on the command line (discouraged: visible in ps and history)")
    .addOption(
      new Option("--max-wait <duration>", "longest rate-limit wait sat through, else exit 6 (default 1h)")
        .env("FICHIER_MAX_WAIT")
        .argParser(parseDurationOption("--max-wait", "FICHIER_MAX_WAIT")),
    )
    .option(
      "--refresh",
      "list folders again even when the remote index's entry is fresh; `about`: ask again, not the 5-minute cache",
    )
    .addOption(
      new Option(
        "--stats <duration>",
        "without a terminal, a transfer progress line this often (-v: 30s)",
      ).argParser(parseDurationOption("--stats")),
    )
    .helpCommand("help [command]", "show help for a command")
    .addHelpText(
      "after",
      "\nExit codes: 0 ok, 1 other error, 2 usage, 3 not found, 4 invalid or missing key, 5 premium needed,\n" +
        "6 rate-limited or locked, 7 server or network trouble, 8 checksum mismatch, 9 partial success,\n" +
        "130 interrupted (Ctrl-C; 143 SIGTERM).\n" +
        "Full reference: docs/cli.md",
    )
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: write.out,
      writeErr: write.err,
      // main.ts prints the one-line error itself (exit code 2), so commander stays quiet.
      outputError: () => {},
    });
  return program;
}

/**
 * Imports and registers the command modules needed for `args`.
 *
 * @example
 * await registerCommands(program, ctx, process.argv.slice(2));
 */
export async function registerCommands(program: Command, ctx: CliContext, args: string[]): Promise<void> {
  const entries = modulesFor(args);
  if (entries.length === 0) {
    registerSummaries(program);
    return;
  }
  const loaded = await Promise.all(entries.map((e) => e.load()));
  for (const mod of loaded) await mod.register(program, ctx);
}

/**
 * Lists every command from SUMMARIES, with the same term and description a loaded module shows, for the
 * top-level help and commander's suggestions. Never run: a command line naming a command loads its module.
 */
function registerSummaries(program: Command): void {
  const terms = new Map<Command, string>();
  for (const entry of COMMANDS) {
    for (const name of entry.commands) {
      const summary = SUMMARIES[name as keyof typeof SUMMARIES];
      if (!summary) continue; // an alias (whoami): listed with its command
      const cmd = program
        .command(name)
        .description(summary.description)
        .allowUnknownOption()
        .allowExcessArguments()
        .action(() => {
          throw new Error(`internal: the summary of "${name}" ran instead of its module`);
        });
      const alias = /^[^\s|]+\|(\S+)/.exec(summary.term)?.[1];
      if (alias) cmd.alias(alias);
      terms.set(cmd, summary.term);
    }
  }
  program.configureHelp({
    subcommandTerm(this: Help, cmd: Command): string {
      return terms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
}
