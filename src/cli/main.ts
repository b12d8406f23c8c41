#!/usr/bin/env -S node --openssl-legacy-provider --max-semi-space-size=1
/**
 * The `fichier` command. The only place that calls `process.exit`: every error thrown below is mapped to an exit
 * code (`exit-codes.ts`) and printed as one redacted line on stderr (stack only with `--debug`); with `--json`
 * that line is one JSON object (`{"type":"error","message","hint","code","exit"}`), like every stderr line.
 * Ctrl-C (SIGINT), SIGTERM and SIGHUP end a run they cut short with 128 + the signal's number after one line.
 * The first line's Node options are explained in `node-flags.ts` (a test keeps the two equal).
 */
import { CommanderError } from "commander";
import { redact } from "../redact.js";
import { cleanStopListening } from "./clean-stop.js";
import { createContext } from "./context.js";
import {
  ExitCode,
  errorEvent,
  exitCodeFor,
  formatErrorLine,
  SIGNAL_NUMBERS,
  type StopSignal,
  signalExitCode,
} from "./exit-codes.js";
import { stderrJson } from "./output.js";
import { commandWord, createProgram, isCommand, registerCommands, VALUE_OPTIONS } from "./program.js";
import { keepMemoryOutOfCoreDumps, maskKeyShaped, registerKnownSecrets } from "./secrets.js";

// Before anything reads a key: no core dump of this process holds it, and every key the run could be given is
// known to the redactor before argv is parsed (a usage error quotes the command line).
keepMemoryOutOfCoreDumps();
const args = process.argv.slice(2);
registerKnownSecrets(args, process.env, process.cwd(), VALUE_OPTIONS);
// Options end at "--": a file named --json after it is an operand.
const optionArgs = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
const debug = optionArgs.includes("--debug");
const json = optionArgs.includes("--json");

function writeErr(s: string): void {
  process.stderr.write(redact(s));
}

/**
 * The closing line of a failed run: text, or one JSON object with --json. A usage error quotes the command
 * line: anything key-shaped in it is masked, registered or not.
 */
function writeError(e: unknown, exit: number, signal?: StopSignal): void {
  const mask = exit === ExitCode.usage ? maskKeyShaped : (text: string) => text;
  if (json) {
    writeErr(
      stderrJson(errorEvent(e, { exit, debug, ...(signal ? { signal } : {}) }), (t) => redact(mask(t))),
    );
  } else {
    writeErr(`${mask(formatErrorLine(e, { debug }))}\n`);
  }
}

/** Last resort for an error nothing caught: still one redacted line, and the exit code its class calls for. */
function crash(e: unknown): never {
  const err = typeof e === "object" && e !== null ? e : new Error(String(e));
  const hasHint = typeof (err as { hint?: unknown }).hint === "string";
  const code = exitCodeFor(err);
  writeError(
    hasHint
      ? err
      : Object.assign(Object.create(err), {
          message: (err as Error).message,
          hint: "this is a bug in fichier: run again with --debug and report the output",
        }),
    code,
  );
  process.exit(code);
}
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

// A closed pipe (`fichier ls | head`) is a normal end, not a crash.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(ExitCode.ok);
  crash(e);
});

// Signals. upload, download and the emulator listen for SIGINT themselves and stop cleanly (the transfers keep
// their journals), and so does the gateway while it serves or follows its log (it drains); main only remembers the signal so the run ends with 128 + its number and one line saying so.
// Other commands (cat included: a stream has nothing to save) have nothing to wind down: the line is printed
// and the run ends at once.
// (Listeners cannot tell: write-file-atomic's signal-exit listens to every signal without stopping anything.)
let stoppedBy: StopSignal | undefined;
const commandName = commandWord(args) ?? "";
const resumable = ["upload", "download"].includes(commandName);
const windsDown =
  resumable || commandName === "emulator" || commandName === "serve" || commandName === "gateway";
// serve and gateway drain open requests and transfers for up to 10 s (docs/serve.md, docs/gateway.md) before they
// end; the others stop within a second.
const stopGraceMs = commandName === "serve" || commandName === "gateway" ? 12_000 : 3_000;

function interruptedError(): Error {
  return new Error(resumable ? "interrupted: run the same command again to resume" : "interrupted");
}

function onSignal(signal: StopSignal): void {
  const code = signalExitCode(signal);
  if (stoppedBy !== undefined) {
    // A second signal: the user does not want to wait for the clean stop.
    process.exit(signalExitCode(stoppedBy));
  }
  stoppedBy = signal;
  // A transfer (or gateway) not yet listening (still resolving the key or the folder) has nothing to save: end now.
  if (!windsDown || (commandName !== "emulator" && !cleanStopListening())) {
    writeError(interruptedError(), code, signal);
    process.exit(code);
  }
  // The commands' listeners are SIGINT ones: a SIGTERM or SIGHUP asks them for the same clean stop. (On a
  // SIGINT they run right after this handler, on the same emit.)
  if (signal !== "SIGINT") {
    const mine = handlers.SIGINT;
    for (const l of process.rawListeners("SIGINT")) if (l !== mine) (l as (s: string) => void)("SIGINT");
  }
  // A clean stop takes well under a second (abort the requests, save the journal). One that hangs must not
  // keep the terminal.
  setTimeout(() => {
    writeError(interruptedError(), code, signal);
    process.exit(code);
  }, stopGraceMs).unref();
}
const handlers = Object.fromEntries(
  Object.keys(SIGNAL_NUMBERS).map((s) => [s, () => onSignal(s as StopSignal)]),
) as Record<StopSignal, () => void>;
for (const [s, h] of Object.entries(handlers)) process.on(s, h);

async function main(): Promise<number> {
  // Help text is static (no user value, no secret); the redactor would mangle "--password [password]".
  // With --json the help commander writes on stderr (a missing subcommand) is one JSON object too.
  const program = createProgram({
    out: (s) => process.stdout.write(s),
    err: json ? (s) => process.stderr.write(stderrJson({ type: "help", text: s }, (t) => t)) : writeErr,
  });
  const ctx = createContext(program, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  });
  try {
    await registerCommands(program, ctx, args);
    await program.parseAsync(process.argv);
    // A command whose normal end is a signal (`fichier emulator` until Ctrl-C), or a transfer that finished
    // as the signal came, did its work: exit 0.
    return ExitCode.ok;
  } catch (e) {
    // Whatever error the command made of its abort, a signal ends the run as the signal's own.
    if (stoppedBy !== undefined) {
      const code = signalExitCode(stoppedBy);
      writeError(interruptedError(), code, stoppedBy);
      return code;
    }
    const code = exitCodeFor(e);
    if (code !== ExitCode.ok) writeError(e instanceof CommanderError ? withUsageHint(e) : e, code);
    return code;
  } finally {
    await ctx.close().catch(() => {});
  }
}

/**
 * commander's own usage errors carry no hint: point at the help of the command that failed (only a known
 * command: the word in that place may be anything, a key pasted in the wrong place included).
 */
function withUsageHint(e: CommanderError): CommanderError & { hint: string } {
  const word = e.code === "commander.unknownCommand" ? undefined : commandWord(args);
  const hint = `run \`fichier ${word !== undefined && isCommand(word) ? `${word} ` : ""}--help\``;
  // No (sub)command given: commander printed the help on stderr; say what was missing.
  if (e.code === "commander.help") {
    e.message = json
      ? "a command is needed (the list is in the help event above)"
      : "a command is needed (the list is above)";
  }
  return Object.assign(e, { hint });
}

// No top-level await: the command is bundled as CommonJS (rolldown.config.mjs), which has none.
main().then((code) => {
  // Flush stdout (a pipe may still hold the result), then end: open sockets must not keep the process alive.
  process.stdout.write("", () => process.exit(code));
}, crash);
