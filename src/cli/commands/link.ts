/**
 * `fichier link URL`: a direct link for a player (`download/get_token.cgi` with `inline`, spec §7.1; range
 * requests allowed), with its expiry. `fichier play URL`: a fresh link handed at once to mpv or VLC.
 */
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { withoutSecrets } from "../../redact.js";
import type { CliContext, FichierClient } from "../context.js";
import { CliError } from "../errors.js";
import { SUMMARIES } from "../summaries.js";
import { resolveFile } from "../targets.js";
import { readPassword } from "./ls.js";

/** DECISIONS.md "Transfers": an unused token lives 5 minutes; once used, 30 minutes (multi-use). */
const USED_TOKEN_LIFETIME_MIN = 30;

async function fetchLink(
  client: FichierClient,
  url: string,
  o: { password?: string; cdn?: boolean; inline: boolean },
): Promise<{ url: string; expiresAt: number }> {
  return (await client.download.getToken({
    url,
    // single: false so the player can seek (several range requests on one token).
    single: false,
    inline: o.inline,
    ...(o.cdn ? { cdn: true } : {}),
    ...(o.password ? { password: o.password } : {}),
  })) as { url: string; expiresAt: number };
}

/** The players `play` knows, in the order it tries them. */
export const PLAYERS = ["mpv", "vlc"] as const;

/** Registers `link` and `play`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("link")
    .description(SUMMARIES.link.description)
    .argument("<target>", "file URL or remote file path")
    .option("--password [password]", "password of the file")
    .option("--cdn", "use CDN credits")
    .option("--attachment", "ask the browser to save rather than show (no inline)")
    .addHelpText(
      "after",
      "\nThe link is a secret while valid: anyone holding it can download the file.\n" +
        "JSON: {url, file, expiresAt (ISO 8601, if unused), usedLifetimeMinutes}",
    )
    .action(
      async (target: string, opts: { password?: string | boolean; cdn?: boolean; attachment?: boolean }) => {
        const client = await ctx.client();
        const f = await resolveFile(client, target);
        const password = await readPassword(ctx, opts.password);
        const link = await fetchLink(client, f.url, {
          ...(password ? { password } : {}),
          cdn: opts.cdn === true,
          inline: opts.attachment !== true,
        });
        const expiresAt = new Date(link.expiresAt).toISOString();
        ctx.out.info(
          `fichier: valid until ${new Date(link.expiresAt).toLocaleTimeString()} if unused, then ${USED_TOKEN_LIFETIME_MIN} min after the first request`,
        );
        ctx.out.result(
          link.url,
          { url: link.url, file: f.url, expiresAt, usedLifetimeMinutes: USED_TOKEN_LIFETIME_MIN },
          { reveal: [link.url] },
        );
      },
    );

  program
    .command("play")
    .description(SUMMARIES.play.description)
    .argument("<target>", "file URL or remote file path")
    .option(
      "--player <command>",
      "mpv, vlc, or a player command (default: FICHIER_PLAYER, else mpv, else vlc)",
    )
    .option("--password [password]", "password of the file")
    .addHelpText("after", "\nJSON: {file, player, exitCode}")
    .action(async (target: string, opts: { player?: string; password?: string | boolean }) => {
      const client = await ctx.client();
      const f = await resolveFile(client, target);
      const password = await readPassword(ctx, opts.password);
      const chosen = opts.player ?? ctx.env.FICHIER_PLAYER;
      const candidates = chosen ? [chosen] : [...PLAYERS];
      // Fetched right before the player starts: an unused token lives only 5 minutes.
      const link = await fetchLink(client, f.url, { ...(password ? { password } : {}), inline: true });
      for (const player of candidates) {
        ctx.out.info(`fichier: playing ${f.name} with ${player}`);
        const code = await runPlayer(player, link.url);
        if (code === "missing") continue;
        ctx.out.result("", { file: f.url, player, exitCode: code });
        if (code !== 0)
          throw new CliError(`${player} exited with code ${code}`, "see the player's messages above");
        return;
      }
      throw new CliError(
        `no player found (${candidates.join(", ")})`,
        "install mpv or VLC, or pass --player <command> (or set FICHIER_PLAYER)",
      );
    });
}

/** Runs the player on the URL (argv, no shell); "missing" when it is not installed. */
function runPlayer(player: string, url: string): Promise<number | "missing"> {
  return new Promise((resolve) => {
    // The player's own output goes to stderr: stdout carries only our result.
    // The player gets our environment minus the key: it has no use for it and may log or pass it on.
    const child = spawn(player, [url], {
      stdio: ["inherit", process.stderr, "inherit"],
      env: withoutSecrets(process.env),
    });
    child.on("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ENOENT" ? "missing" : 1));
    child.on("exit", (code) => resolve(code ?? 1));
  });
}
