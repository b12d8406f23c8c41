/**
 * `fichier cat URL|PATH [--range A-B]`: streams a file to stdout over one connection (resuming after a drop
 * or an expired token), for pipes and players: `fichier cat URL | mpv -`.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { parseUserRange } from "../../transfer/segments.js";
import { streamFile } from "../../transfer/stream.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { readPassword } from "../prompts.js";
import { onFile } from "../resolve.js";
import { SUMMARIES } from "../summaries.js";

/**
 * Refuses a reversed `--range A-B` (A after B) with its own message, before any call: the range parser would
 * only say the range is "outside the file", which sends the user looking at the file's size.
 *
 * @example
 * checkRangeOrder("0-99"); // fine
 * checkRangeOrder("5-2"); // throws UsageError: --range 5-2 is reversed ...
 */
export function checkRangeOrder(text: string): void {
  const m = /^\s*(\d+)-(\d+)\s*$/.exec(text);
  if (!m) return;
  const [a, b] = [BigInt(m[1] as string), BigInt(m[2] as string)];
  if (a > b) {
    throw new UsageError(
      `--range ${text.trim()} is reversed: it starts at byte ${a}, after its end at byte ${b}`,
      `swap the two numbers: --range ${b}-${a}`,
    );
  }
}

/**
 * Refuses to write a file's bytes to a terminal (as curl does): binary bytes would garble it, and could drive
 * it. `--force` writes them anyway; a pipe or a file never needs it.
 *
 * @example
 * refuseTerminal(process.stdout.isTTY === true, opts.force === true);
 */
export function refuseTerminal(stdoutIsTTY: boolean, force: boolean): void {
  if (stdoutIsTTY && !force) {
    throw new UsageError(
      "cat writes the file's bytes and stdout is a terminal",
      "pipe it (`fichier cat URL | mpv -`), redirect it (`> file`), or pass --force to print it anyway",
    );
  }
}

/** The options of `cat`, as commander parses them. */
interface CatOptions {
  range?: string;
  password?: string | boolean;
  /** Write to a terminal too. */
  force?: boolean;
}

/**
 * Registers `cat`.
 *
 * @example
 * register(program, ctx); // fichier cat URL [--range A-B]
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("cat")
    .description(SUMMARIES.cat.description)
    .argument("<target>", "file URL or remote path")
    .option("--range <A-B>", "only bytes A to B inclusive (A-, -N for the last N bytes)")
    .option("--password [password]", "file password (asked, or read from stdin, when no value)")
    .option("--force", "write to a terminal too")
    .action(async (target: string, opts: CatOptions) => {
      refuseTerminal(process.stdout.isTTY === true, opts.force === true);
      if (opts.range !== undefined) checkRangeOrder(opts.range);
      const password = await readPassword(ctx, opts.password);
      const index = await ctx.index();
      const client = index.client;
      const { file, info } = await onFile(index, target, {}, async (file) => ({
        file,
        info: await client.files.info({ url: file.url, ...(password ? { password } : {}) }),
      }));
      let range: { start: number; end: number } | undefined;
      if (opts.range !== undefined) {
        try {
          range = parseUserRange(opts.range, info.size);
        } catch (e) {
          throw new UsageError((e as Error).message, "e.g. --range 0-1048575 for the first MiB");
        }
      }
      // No SIGINT hook: a stream has nothing to save, so main.ts ends the run at once on Ctrl-C (exit 130).
      // A reader that goes away (`| head`) ends the stream quietly: main.ts treats EPIPE as success.
      await pipeline(
        Readable.from(
          streamFile(client, {
            url: info.url || file.url,
            name: info.filename,
            size: info.size,
            ...(range ? { range } : {}),
            ...(password ? { password } : {}),
          }),
        ),
        process.stdout,
      );
    });
}
