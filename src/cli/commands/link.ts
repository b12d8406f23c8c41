/**
 * `fichier link URL`: a direct link for a player (`download/get_token.cgi` with `inline`, spec §7.1; range
 * requests allowed), with its expiry. `fichier play URL`: a fresh link handed at once to mpv or VLC.
 * A link that is not an http(s) URL is refused before it is shown or handed over: a hostile server could
 * otherwise make the player open `file:///...` or read the "URL" as one of its options.
 */
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { basename, delimiter, join } from "node:path";
import type { Command } from "commander";
import { withoutSecrets } from "../../redact.js";
import type { CliContext, FichierClient } from "../context.js";
import { CliError } from "../errors.js";
import { escapeControls } from "../escape.js";
import { readPassword } from "../prompts.js";
import { onFile } from "../resolve.js";
import { SUMMARIES } from "../summaries.js";
import { formatClock, rfc3339 } from "../time.js";

/** DECISIONS.md "Transfers": an unused token lives 5 minutes; once used, 30 minutes (multi-use). */
const USED_TOKEN_LIFETIME_MIN = 30;

/**
 * Refuses a download link that is not an `http(s)://` URL (exit 7: the server's answer is wrong), before it is
 * printed or given to a player.
 *
 * @example
 * checkTokenUrl("https://a-4.1fichier.com/c123"); // fine
 * checkTokenUrl("file:///etc/passwd"); // throws CliError
 */
export function checkTokenUrl(url: string): void {
  let ok = false;
  try {
    const u = new URL(url);
    ok = (u.protocol === "https:" || u.protocol === "http:") && u.hostname !== "";
  } catch {
    ok = false;
  }
  if (!ok || !/^https?:\/\//i.test(url)) {
    throw new CliError(
      "the download link the server gave is not an http(s) URL; it was not used",
      "try again later; if it persists, the API URL may not be 1fichier's (check --api-url and FICHIER_API_URL)",
      7,
    );
  }
}

async function fetchLink(
  client: FichierClient,
  url: string,
  o: { password?: string; cdn?: boolean; inline: boolean },
): Promise<{ url: string; expiresAt: number }> {
  const link = await client.download.getToken({
    url,
    // single: false so the player can seek (several range requests on one token).
    single: false,
    inline: o.inline,
    ...(o.cdn ? { cdn: true } : {}),
    ...(o.password ? { password: o.password } : {}),
  });
  checkTokenUrl(link.url);
  return link;
}

/** The players `play` knows, in the order it tries them. */
export const PLAYERS = ["mpv", "vlc"] as const;

/** Players whose command line ends its options at `--` (mpv's parser and VLC's getopt both do). */
const TAKES_DOUBLE_DASH = new Set(["mpv", "vlc", "cvlc"]);

/**
 * The player's argv for a URL: `-- URL` for players that end their options at `--`, so no URL can be read as
 * an option; just the URL for other commands.
 *
 * @example
 * playerArgs("mpv", "https://a-1.1fichier.com/c1"); // ["--", "https://a-1.1fichier.com/c1"]
 */
export function playerArgs(player: string, url: string): string[] {
  return TAKES_DOUBLE_DASH.has(basename(player)) ? ["--", url] : [url];
}

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
        "JSON: {url, file, expiresAt (RFC 3339, if unused), usedLifetimeMinutes}",
    )
    .action((target: string, opts: LinkOptions) => runLink(ctx, target, opts));

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
    .action((target: string, opts: { player?: string; password?: string | boolean }) =>
      runPlay(ctx, target, opts),
    );
}

/** The options of `link`. */
export interface LinkOptions {
  password?: string | boolean;
  cdn?: boolean;
  attachment?: boolean;
}

/**
 * `fichier link TARGET`: the direct link on stdout (revealed: the user asked for it), its expiry on stderr.
 *
 * @example
 * await runLink(ctx, "/movie.mkv", {});
 */
export async function runLink(ctx: CliContext, target: string, opts: LinkOptions): Promise<void> {
  const index = await ctx.index();
  const password = await readPassword(ctx, opts.password);
  const { f, link } = await onFile(index, target, {}, async (f) => ({
    f,
    link: await fetchLink(index.client, f.url, {
      ...(password ? { password } : {}),
      cdn: opts.cdn === true,
      inline: opts.attachment !== true,
    }),
  }));
  ctx.out.info(
    `fichier: valid until ${formatClock(link.expiresAt, Date.now())} if unused, then ${USED_TOKEN_LIFETIME_MIN} min after the first request`,
  );
  ctx.out.result(
    link.url,
    {
      url: link.url,
      file: f.url,
      expiresAt: rfc3339(link.expiresAt),
      usedLifetimeMinutes: USED_TOKEN_LIFETIME_MIN,
    },
    { reveal: [link.url] },
  );
}

/**
 * `fichier play TARGET`: picks the player first (`--player`, `FICHIER_PLAYER`, else the first of mpv and VLC
 * installed), then fetches a fresh link and hands it over at once (an unused link lives 5 minutes).
 *
 * @example
 * await runPlay(ctx, "/movie.mkv", { player: "vlc" });
 */
export async function runPlay(
  ctx: CliContext,
  target: string,
  opts: { player?: string; password?: string | boolean },
): Promise<void> {
  const chosen = opts.player ?? ctx.env.FICHIER_PLAYER;
  const candidates = chosen ? [chosen] : [...PLAYERS];
  const player = await findPlayer(candidates, ctx.env.PATH ?? "");
  if (!player) {
    throw new CliError(
      `no player found (${candidates.join(", ")})`,
      "install mpv or VLC, or pass --player <command> (or set FICHIER_PLAYER)",
    );
  }
  const index = await ctx.index();
  const password = await readPassword(ctx, opts.password);
  const { f, link } = await onFile(index, target, {}, async (f) => ({
    f,
    link: await fetchLink(index.client, f.url, { ...(password ? { password } : {}), inline: true }),
  }));
  ctx.out.info(`fichier: playing ${escapeControls(f.name)} with ${player}`);
  const code = await runPlayer(player, link.url);
  ctx.out.result("", { file: f.url, player, exitCode: code });
  if (code !== 0) throw new CliError(`${player} exited with code ${code}`, "see the player's messages above");
}

/**
 * The first of `candidates` that can be run: a path that is executable, or a name found on `PATH`.
 *
 * @example
 * await findPlayer(["mpv", "vlc"], process.env.PATH ?? ""); // "vlc" when only VLC is installed
 */
export async function findPlayer(candidates: readonly string[], path: string): Promise<string | undefined> {
  const runnable = (file: string) =>
    access(file, constants.X_OK).then(
      () => true,
      () => false,
    );
  for (const c of candidates) {
    const places = c.includes("/")
      ? [c]
      : path
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, c));
    for (const p of places) if (await runnable(p)) return c;
  }
  return undefined;
}

/** Runs the player on the URL (argv, no shell) and resolves with its exit code. */
function runPlayer(player: string, url: string): Promise<number> {
  return new Promise((resolve) => {
    // The player's own output goes to stderr: stdout carries only our result.
    // The player gets our environment minus the key: it has no use for it and may log or pass it on.
    const child = spawn(player, playerArgs(player, url), {
      stdio: ["inherit", process.stderr, "inherit"],
      env: withoutSecrets(process.env),
    });
    child.on("error", () => resolve(127));
    child.on("exit", (code) => resolve(code ?? 1));
  });
}
