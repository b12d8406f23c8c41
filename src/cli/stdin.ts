/**
 * Reading from the user: stdin to its end (a piped key or password), a hidden prompt, a yes/no question. Only a
 * terminal is ever asked anything; without one, a question is a usage error naming the option to pass instead.
 */
import { createInterface } from "node:readline";
import { UsageError } from "./errors.js";

/** Stdin helpers given to commands. */
export interface StdinHelpers {
  readonly isTTY: boolean;
  /** Reads stdin to its end (for `--api-key-stdin`, `key set` from a pipe); "" on a terminal. */
  readAll(): Promise<string>;
  /** Asks on stderr and reads one line without echo; only on a terminal. */
  promptHidden(question: string): Promise<string>;
  /** Asks a yes/no question on a terminal; false (never blocks) when stdin is not a terminal. */
  confirm(question: string): Promise<boolean>;
}

/**
 * The stdin helpers of one run (stdin is read at most once, then remembered).
 *
 * @example
 * const stdin = createStdin(process.stdin, process.stderr);
 * if (await stdin.confirm("Delete 3 files?")) ...
 */
export function createStdin(input: NodeJS.ReadStream, stderr: NodeJS.WritableStream): StdinHelpers {
  let text: Promise<string> | undefined;
  const readAll = (): Promise<string> => {
    text ??= (async () => {
      if (input.isTTY) return "";
      const chunks: Buffer[] = [];
      for await (const c of input) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
      return Buffer.concat(chunks).toString("utf8");
    })();
    return text;
  };
  return {
    get isTTY() {
      return input.isTTY === true;
    },
    readAll,
    promptHidden: (q) => askLine(input, stderr, q, true),
    async confirm(question) {
      if (!input.isTTY) return false;
      const answer = await askLine(input, stderr, `${question} [y/N] `, false);
      return /^y(es)?$/i.test(answer.trim());
    },
  };
}

/** One line typed at a terminal, echoed or not; a usage error without a terminal, "cancelled" on Ctrl-C. */
function askLine(
  input: NodeJS.ReadStream,
  errStream: NodeJS.WritableStream,
  question: string,
  hidden: boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!input.isTTY) {
      reject(new UsageError("cannot ask a question: stdin is not a terminal", "pass the value as an option"));
      return;
    }
    const rl = createInterface({ input, output: errStream, terminal: true });
    const answered = (answer: string) => {
      rl.close();
      if (hidden) errStream.write("\n");
      resolve(answer);
    };
    if (hidden) {
      // Mute the echo of typed characters (readline's internal writer: no public switch exists); the question
      // itself is written before muting.
      errStream.write(question);
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
      rl.question("", answered);
    } else {
      rl.question(question, answered);
    }
    rl.on("SIGINT", () => {
      rl.close();
      reject(new UsageError("cancelled", "run the command again"));
    });
  });
}
