/**
 * `fichier serve webdav|http [PATH]`: serves a folder over WebDAV (a network drive) or plain HTTP (a streaming
 * library for players and browsers), docs/serve.md. This module only reads and checks the options, builds the
 * backend and runs the server (src/serve) until Ctrl-C, then drains open transfers for up to 10 s. It refuses
 * to listen beyond loopback without a password.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { registerSecret } from "../../redact.js";
import { type Credentials, HtpasswdError, parseHtpasswd, singleUser } from "../../serve/auth.js";
import type { ServeBackend } from "../../serve/backend.js";
import {
  type AccessOptions,
  checkAccess,
  type ListenAddress,
  parseAddr,
  ServeConfigError,
} from "../../serve/config.js";
import { MemoryBackend } from "../../serve/memory-backend.js";
import { type ServeLogEvent, startServer } from "../../serve/server.js";
import { openUploadJournal } from "../../transfer/upload-journal.js";
import { listenForCleanStop } from "../clean-stop.js";
import type { CliContext } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import { parseDurationOption, parseIntOption } from "../options.js";
import { formatBytes } from "../output.js";
import { SUMMARIES } from "../summaries.js";

/** The options of `serve webdav` and `serve http`, as commander hands them over. */
interface ServeCliOptions extends Omit<AccessOptions, "apiKeyStdin"> {
  addr: string;
  readOnly?: boolean;
  maxConnections: number;
  dirCacheTime: number;
}

/** How long Ctrl-C waits for open transfers before cutting them (docs/serve.md). */
export const DRAIN_MS = 10_000;

/**
 * How long a folder read in full is served from the index (rclone's `--dir-cache-time` and its default): the
 * index's own 30 s window would make a folder of 5 000 files or more (read in pages, each waiting the folder's
 * 30 s spacing) stale by the time its last page came, so it would be listed again on every PROPFIND.
 */
const DIR_CACHE_MS = 5 * 60_000;

/** The PATH that serves an in-memory tree instead of the account (as rclone's `:memory:` remote). */
const MEMORY = ":memory:";

/** Registers `fichier serve` and its two protocols. */
export function register(program: Command, ctx: CliContext): void {
  const serve = program.command("serve").description(SUMMARIES.serve.description);
  for (const [flavour, what] of [
    ["webdav", "serve PATH over WebDAV: mount it as a network drive (Windows, macOS, GNOME, davfs2, rclone)"],
    ["http", "serve PATH over HTTP: a page per folder, and every file with Range for players and browsers"],
  ] as const) {
    const cmd = serve
      .command(`${flavour} [path]`)
      .description(
        `${what}; PATH is a folder of the account (default /), or ${MEMORY} for an empty tree in memory`,
      )
      .option(
        "--addr <host:port>",
        "where to listen (a non-loopback address needs --user or --htpasswd)",
        "127.0.0.1:8080",
      )
      .option("--read-only", "refuse every change (PUT, DELETE, MKCOL, MOVE, COPY, PROPPATCH, LOCK)")
      .option(
        "--user <name>",
        "require this user name (the password from a prompt, --password-stdin or --password-file)",
      )
      .option("--password-stdin", "read the --user password from stdin")
      .option("--password-file <file>", "read the --user password from the first line of a file")
      .option("--htpasswd <file>", "require a user of this htpasswd file (bcrypt lines: htpasswd -B)")
      .option("--cert <file>", "serve HTTPS with this certificate (PEM; with --key)")
      .option("--key <file>", "the private key of --cert (PEM)")
      .option(
        "--max-connections <n>",
        "most connections open at once",
        parseIntOption("--max-connections", 1, 999_999),
        1024,
      )
      .option(
        "--dir-cache-time <duration>",
        "serve a folder listed this recently from the index (changes made elsewhere show after it)",
        parseDurationOption("--dir-cache-time"),
        DIR_CACHE_MS,
      );
    cmd.action((path: string | undefined, opts: ServeCliOptions) =>
      runServe(ctx, flavour, path ?? "/", opts),
    );
  }
}

async function runServe(
  ctx: CliContext,
  flavour: "webdav" | "http",
  path: string,
  opts: ServeCliOptions,
): Promise<void> {
  const access: AccessOptions = { ...opts, apiKeyStdin: ctx.globals().apiKeyStdin };
  let addr: ListenAddress;
  try {
    addr = parseAddr(opts.addr);
    checkAccess(addr, access);
  } catch (e) {
    if (e instanceof ServeConfigError) throw new UsageError(e.message, e.hint);
    throw e;
  }
  const credentials = await readCredentials(ctx, opts);
  const tls =
    opts.cert !== undefined && opts.key !== undefined ? await readTls(opts.cert, opts.key) : undefined;
  if (!addr.loopback && !tls) {
    ctx.out.warn("without --cert and --key, passwords and files cross the network unencrypted");
  }
  const backend = await openBackend(ctx, path, opts.dirCacheTime);
  const server = await listen(ctx, flavour, addr, { backend, credentials, tls, opts }).catch(async (e) => {
    await backend.close?.();
    throw e;
  });
  const root = path === MEMORY ? "an empty in-memory tree (gone when the server stops)" : path;
  ctx.out.info(
    `fichier: serving ${root} over ${flavour === "webdav" ? "WebDAV" : "HTTP"} at ${server.url} (Ctrl-C to stop)`,
  );
  ctx.out.result(server.url, {
    url: server.url,
    protocol: flavour,
    root: path,
    readOnly: opts.readOnly === true,
  });
  await new Promise<void>((resolve) => listenForCleanStop(resolve));
  ctx.out.info(`fichier: stopping: open transfers have ${DRAIN_MS / 1000} s to finish`);
  const { drained } = await server.close({ drainMs: DRAIN_MS });
  if (!drained) ctx.out.warn("open transfers were cut after 10 s: their clients will retry");
  // main.ts ends the run with 130 (or 143 for SIGTERM) and the one line saying it was interrupted.
  throw new CliError("interrupted", "run the same command to serve again", 130);
}

/**
 * The backend of PATH: `:memory:`, or the account's folder PATH over the persistent remote index (shared with
 * the machine's other fichier processes), the client and the upload journal. The backend closes the index.
 */
async function openBackend(ctx: CliContext, path: string, maxAgeMs: number): Promise<ServeBackend> {
  if (path === MEMORY) return new MemoryBackend();
  const client = await ctx.client();
  const { key } = await ctx.key();
  const warn = (m: string) => ctx.out.warn(`fichier: warning: ${m}`);
  const [{ openIndex }, { openAccountBackend }] = await Promise.all([
    import("../../remote-index/open.js"),
    import("../../serve/account/backend.js"),
  ]);
  const index = await openIndex(client, { maxAgeMs, onEvent: (e) => warn(e.message) });
  try {
    const journal = openUploadJournal(key, { env: ctx.env, warn });
    return await openAccountBackend(index, { root: path, journal, onWarning: warn });
  } catch (e) {
    await index.close();
    throw e;
  }
}

async function readCredentials(ctx: CliContext, opts: ServeCliOptions): Promise<Credentials | undefined> {
  if (opts.htpasswd !== undefined) {
    const text = await readOptionFile("--htpasswd", opts.htpasswd);
    try {
      return parseHtpasswd(text, opts.htpasswd);
    } catch (e) {
      if (e instanceof HtpasswdError) throw new UsageError(e.message, "fix the file, or use --user");
      throw e;
    }
  }
  if (opts.user === undefined) return undefined;
  let password: string;
  if (opts.passwordFile !== undefined)
    password = firstLine(await readOptionFile("--password-file", opts.passwordFile));
  else if (opts.passwordStdin) password = firstLine(await ctx.stdin.readAll());
  else if (ctx.stdin.isTTY)
    password = await ctx.stdin.promptHidden(`Password for ${opts.user} (not echoed): `);
  else {
    throw new UsageError(
      `--user ${opts.user} needs a password, and stdin is not a terminal to ask for it`,
      "pass --password-stdin (and pipe it) or --password-file FILE",
    );
  }
  registerSecret(password);
  if (password === "")
    throw new UsageError("the password is empty", "give a password of at least one character");
  return singleUser(opts.user, password);
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? "";
}

async function readOptionFile(option: string, file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    throw new UsageError(
      `${option} ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`,
      "give a readable file",
    );
  }
}

async function readTls(cert: string, key: string): Promise<{ cert: string; key: string }> {
  return { cert: await readOptionFile("--cert", cert), key: await readOptionFile("--key", key) };
}

async function listen(
  ctx: CliContext,
  flavour: "webdav" | "http",
  addr: ListenAddress,
  o: {
    backend: ServeBackend;
    credentials: Credentials | undefined;
    tls: { cert: string; key: string } | undefined;
    opts: ServeCliOptions;
  },
) {
  try {
    return await startServer({
      backend: o.backend,
      flavour,
      host: addr.host,
      port: addr.port,
      readOnly: o.opts.readOnly === true,
      maxConnections: o.opts.maxConnections,
      ...(o.credentials ? { credentials: o.credentials } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
      log: (e) => logEvent(ctx, e),
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      throw new CliError(
        `cannot listen on ${shownAddr(addr)} (${code})`,
        "choose another --addr (port 0 picks a free one)",
        ExitCode.other,
      );
    }
    if (/key|cert|PEM|asn1/i.test(String((e as Error).message))) {
      throw new UsageError(
        `--cert/--key cannot be used: ${(e as Error).message}`,
        "give a PEM certificate and its private key",
      );
    }
    throw e;
  }
}

function shownAddr(addr: ListenAddress): string {
  return addr.host.includes(":") ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}

/** One stderr line per event: the request log (hidden by -q), warnings for wrong passwords and server errors. */
function logEvent(ctx: CliContext, e: ServeLogEvent): void {
  if (e.type === "request") {
    const human = `${e.method} ${e.path} ${e.status} ${formatBytes(e.bytes)} ${e.ms} ms`;
    ctx.out.event(e, human, "info");
  } else if (e.type === "auth-failure") {
    const wait = e.waitMs > 0 ? `; it must wait ${Math.ceil(e.waitMs / 1000)} s` : "";
    ctx.out.event(
      e,
      `fichier: warning: wrong password for "${e.user}" from ${e.ip} (${e.failures} in a row${wait})`,
      "warn",
    );
  } else {
    ctx.out.event(e, `fichier: warning: ${e.method} ${e.path} failed: ${e.message}`, "warn");
  }
}
