#!/usr/bin/env -S node --openssl-legacy-provider --max-semi-space-size=1
/**
 * The `fichier` command. The only place that calls `process.exit`: every error thrown below is mapped to an exit
 * code (`exit-codes.ts`) and printed as one redacted line on stderr (stack only with `--debug`).
 * The first line's Node options are explained in `node-flags.ts` (a test keeps the two equal).
 */
import { redact } from "../redact.js";
import { createContext } from "./context.js";
import { ExitCode, exitCodeFor, formatErrorLine } from "./exit-codes.js";
import { commandWord, createProgram, registerCommands } from "./program.js";

const args = process.argv.slice(2);
const debug = args.includes("--debug");

function writeErr(s: string): void {
  process.stderr.write(redact(s));
}

/** Last resort for an error nothing caught: still one redacted line, and the exit code its class calls for. */
function crash(e: unknown): never {
  const err = typeof e === "object" && e !== null ? e : new Error(String(e));
  const hasFix =
    typeof (err as { hint?: unknown }).hint === "string" ||
    typeof (err as { fix?: unknown }).fix === "string";
  const line = formatErrorLine(
    hasFix
      ? err
      : Object.assign(Object.create(err), {
          message: (err as Error).message,
          hint: "this is a bug in fichier: run again with --debug and report the output",
        }),
    { debug },
  );
  writeErr(`${line}\n`);
  process.exit(exitCodeFor(err));
}
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

// A closed pipe (`fichier ls | head`) is a normal end, not a crash.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(ExitCode.ok);
  crash(e);
});

async function main(): Promise<number> {
  // Help text is static (no user value, no secret); the redactor would mangle "--password [password]".
  const program = createProgram({ out: (s) => process.stdout.write(s), err: writeErr });
  const ctx = createContext(program, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  });
  try {
    await registerCommands(program, ctx, args);
    await program.parseAsync(process.argv);
    return ExitCode.ok;
  } catch (e) {
    const code = exitCodeFor(e);
    // commander's own usage errors carry no fix: point at the help of the command that failed.
    if (code === ExitCode.usage && (e as { name?: string }).name === "CommanderError") {
      // An unknown command has no help of its own: point at the list of commands instead.
      const unknown = (e as { code?: string }).code === "commander.unknownCommand";
      const word = unknown ? undefined : commandWord(args);
      Object.assign(e as object, {
        hint: `run \`fichier ${word && !word.startsWith("-") ? `${word} ` : ""}--help\``,
      });
      // No (sub)command given: commander printed the help on stderr; say what was missing.
      if ((e as { code?: string }).code === "commander.help") {
        (e as Error).message = "a command is needed (the list is above)";
      }
    }
    if (code !== ExitCode.ok) writeErr(`${formatErrorLine(e, { debug })}\n`);
    return code;
  } finally {
    await ctx.close().catch(() => {});
  }
}

const code = await main();
// Flush stdout (a pipe may still hold the result), then end: open sockets must not keep the process alive.
process.stdout.write("", () => process.exit(code));
