/**
 * `fichier gateway`: serve the 1fichier API to clients holding gateway tokens, with the real key kept here
 * (docs/gateway.md); `gateway token add|ls|revoke` manage the tokens, `gateway log` reads the audit log.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { AuditRecord } from "../../gateway/audit.js";
import type { RunningGateway } from "../../gateway/server.js";
import type { TokenRecord } from "../../gateway/token-store.js";
import type { KeySource } from "../../gateway/upstream.js";
import { KeyError } from "../../keys/errors.js";
import { registerSecret } from "../../redact.js";
import { listenForCleanStop } from "../clean-stop.js";
import type { CliContext } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { table } from "../output.js";
import { SUMMARIES } from "../summaries.js";

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration such as `30d`, `12h`, `90s` or `500ms` into milliseconds.
 * @example
 * parseDuration("30d", "--expires"); // 2592000000
 */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d{1,9})(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m)
    throw new UsageError(`${option} "${text}" is not a duration`, "write it like 90s, 15m, 12h, 30d or 2w");
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** How long a client waits in the shared queue before a 429, unless --max-wait says otherwise. */
const DEFAULT_MAX_WAIT_MS = 60_000;

/** Runs a check of an option's value; its error becomes a usage error (exit 2) with the fix. */
function usage<T>(f: () => T, fix: string): T {
  try {
    return f();
  } catch (e) {
    throw new UsageError((e as Error).message, fix);
  }
}

/** The one line a request makes on stderr. */
function requestLine(r: AuditRecord): string {
  const code = r.code !== null ? ` #${r.code}` : "";
  const why = r.reason ? ` (${r.reason})` : "";
  return `${r.time} ${r.ip} ${r.token ?? "-"} ${r.method} ${r.endpoint} ${r.status}${code} ${r.ms} ms${why}`;
}

/**
 * The real key for the gateway: the stored one only (keychain or encrypted file, `fichier key set`), never a
 * flag or a variable, so it sits in no process listing and no unit file. A passphrase typed at start is kept
 * in memory to read the store again after `fichier key rotate`.
 */
async function storedKey(ctx: CliContext): Promise<KeySource> {
  const g = ctx.globals();
  if (g.emulator) {
    const k = (await ctx.key()).key;
    return { current: () => k, refresh: async () => false };
  }
  if (g.apiKey !== undefined || g.apiKeyStdin) {
    throw new UsageError(
      "the gateway reads the key only from the key store, not from --api-key or --api-key-stdin",
      "run `fichier key set` on this host once, then start the gateway without the key option",
    );
  }
  if (ctx.env.FICHIER_API_KEY || ctx.env.RCLONE_FICHIER_API_KEY) {
    ctx.out.warn("the gateway ignores FICHIER_API_KEY and RCLONE_FICHIER_API_KEY: it uses the stored key");
  }
  const { pickProfile } = await import("../../keys/config.js");
  const { readStoredKey } = await import("../../keys/resolve.js");
  const profile = pickProfile(g.profile, ctx.env);
  let typed: string | undefined;
  const prompt = ctx.stdin.isTTY
    ? async (q: string) => {
        typed ??= await ctx.stdin.promptHidden(q);
        return typed;
      }
    : undefined;
  const read = async () => {
    const s = await readStoredKey({ profile, env: ctx.env, ...(prompt ? { promptHidden: prompt } : {}) });
    if (!s) {
      throw new KeyError(
        `no stored 1fichier key for profile "${profile}": the gateway uses only the keychain or the encrypted key file`,
        "run `fichier key set` on this host (with FICHIER_PASSPHRASE for the encrypted file), then start the gateway again",
      );
    }
    registerSecret(s.key);
    return s.key;
  };
  let key = await read();
  let lastRefresh = 0;
  return {
    current: () => key,
    async refresh() {
      // 1fichier refused the key: maybe `fichier key rotate` ran. Read the store again, at most every 30 s.
      if (Date.now() - lastRefresh < 30_000) return false;
      lastRefresh = Date.now();
      const fresh = await read().catch(() => key);
      if (fresh === key) return false;
      key = fresh;
      return true;
    },
  };
}

interface ServeOptions {
  addr: string;
  cert?: string;
  key?: string;
  insecureHttp?: boolean;
  proxyTransfers?: boolean;
  publicUrl?: string;
  trustedProxy?: string[];
}

/** Checks `--public-url` and `--trusted-proxy` (exit 2 for a bad one). */
async function frontOptions(o: ServeOptions): Promise<{ publicUrl?: string; trustedProxies?: string[] }> {
  const { parsePublicUrl } = await import("../../gateway/server.js");
  const { parseCidr } = await import("../../gateway/ip-allow.js");
  const publicUrl = o.publicUrl;
  if (publicUrl !== undefined) {
    usage(
      () => parsePublicUrl(publicUrl),
      "give the origin clients use, e.g. --public-url https://gw.example.net",
    );
  }
  const trusted = (o.trustedProxy ?? []).map((c) =>
    usage(() => parseCidr(c), "give the reverse proxy's address, e.g. --trusted-proxy 127.0.0.1"),
  );
  return {
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    ...(trusted.length ? { trustedProxies: trusted } : {}),
  };
}

/** Checks the address and TLS options; reads the certificate files. */
async function listenOptions(o: ServeOptions) {
  const { ListenPolicyError, listenPolicy, parseAddr } = await import("../../gateway/server.js");
  if ((o.cert === undefined) !== (o.key === undefined)) {
    throw new UsageError("--cert and --key go together", "give both PEM files, or neither for loopback");
  }
  const readPem = async (file: string, option: string) =>
    readFile(file).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(
        `cannot read ${option} ${file} (${e.code ?? e.message})`,
        "give a readable PEM file",
      );
    });
  const { host, port } = usage(() => parseAddr(o.addr), "e.g. --addr 127.0.0.1:8443 (port 0: any free port)");
  try {
    const tls =
      o.cert !== undefined && o.key !== undefined
        ? { cert: await readPem(o.cert, "--cert"), key: await readPem(o.key, "--key") }
        : undefined;
    const policy = listenPolicy(host, { tls: tls !== undefined, insecureHttp: o.insecureHttp === true });
    return { host, port, tls, policy };
  } catch (e) {
    if (!(e instanceof ListenPolicyError)) throw e;
    throw new UsageError(
      e.message,
      "give --cert and --key, or listen on 127.0.0.1 behind a TLS reverse proxy, or accept clear text with --insecure-http",
    );
  }
}

/** `fichier gateway`: runs until Ctrl-C (or SIGTERM), then drains the requests under way. */
async function serve(ctx: CliContext, o: ServeOptions): Promise<void> {
  // The global --max-wait (or FICHIER_MAX_WAIT): here, the longest a client waits in the queue before a 429.
  const maxWaitMs = ctx.globals().maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const listen = await listenOptions(o);
  const front = await frontOptions(o);
  const key = await storedKey(ctx);
  const apiUrl = await ctx.apiUrl();
  const { startGateway } = await import("../../gateway/server.js");
  const { gatewayDir } = await import("../../gateway/token-store.js");
  const dir = gatewayDir(ctx.env);
  let gw: RunningGateway;
  try {
    gw = await startGateway({
      key,
      dir,
      apiUrl,
      host: listen.host,
      port: listen.port,
      ...(listen.tls ? { tls: listen.tls } : {}),
      insecureHttp: listen.policy === "insecure",
      maxWaitMs,
      proxyTransfers: o.proxyTransfers === true,
      ...front,
      onRequest: (r) => ctx.out.event({ ...r, type: "request" }, `fichier: ${requestLine(r)}`),
      warn: (m) => ctx.out.warn(m),
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      throw new UsageError(
        `cannot listen on ${o.addr} (${code})`,
        "choose another --addr (port 0: any free port)",
      );
    }
    throw e;
  }
  if (listen.policy === "insecure") {
    ctx.out.warn(
      `serving ${listen.host} over plain HTTP (--insecure-http): tokens cross the network in clear`,
    );
  }
  ctx.out.event(
    { type: "listening", url: gw.url, apiUrl: gw.apiUrl, upstream: apiUrl, dir, maxWaitMs },
    `fichier: gateway listening on ${gw.apiUrl} (1fichier: ${apiUrl}; tokens and audit log in ${dir}); Ctrl-C stops it`,
  );
  await new Promise<void>((resolve) => listenForCleanStop(resolve));
  ctx.out.info("fichier: gateway stopping: finishing the requests under way");
  // main.ts gives serve and gateway 12 s before it ends the run anyway (docs/gateway.md: up to 10 s of drain).
  await gw.close(10_000);
}

/** The JSON of a token for `token ls` and `token add` (never its id or hash). */
function tokenJson(t: TokenRecord, now: number) {
  return {
    name: t.name,
    scopes: t.scopes,
    folder: t.folder,
    allowIps: t.allowIps,
    created: t.created,
    expires: t.expires,
    expired: t.expires !== null && Date.parse(t.expires) <= now,
    lastUsed: t.lastUsed,
  };
}

interface AddOptions {
  scope: string[];
  folder?: string;
  allowIp?: string[];
  expires?: string;
}

async function addToken(ctx: CliContext, name: string, o: AddOptions): Promise<void> {
  const { parseScopes } = await import("../../gateway/scopes.js");
  const { parseCidr } = await import("../../gateway/ip-allow.js");
  const { TokenStore, TokenNameError, checkTokenName, gatewayDir } = await import(
    "../../gateway/token-store.js"
  );
  usage(() => checkTokenName(name), "pick another name");
  const scopes = usage(() => parseScopes(o.scope), "e.g. --scope read,download");
  const allowIps = (o.allowIp ?? []).map((c) => usage(() => parseCidr(c), "e.g. --allow-ip 192.168.1.0/24"));
  const expires = o.expires
    ? new Date(Date.now() + parseDuration(o.expires, "--expires")).toISOString()
    : null;
  // The folder is resolved once, now: the token keeps its id even if the folder is renamed later.
  const folder = o.folder
    ? { path: o.folder, id: (await (await ctx.index()).resolveFolder(o.folder)).id }
    : null;
  const store = new TokenStore(gatewayDir(ctx.env));
  let made: Awaited<ReturnType<typeof store.add>>;
  try {
    made = await store.add({ name, scopes, folder, allowIps, expires });
  } catch (e) {
    if (e instanceof TokenNameError) throw new CliError(e.message, "revoke it first, or pick another name");
    throw e;
  }
  ctx.out.info(
    `fichier: token "${name}" created (${scopes.join(", ")}${folder ? `; folder ${folder.path}` : ""}` +
      `${expires ? `; expires ${expires}` : ""}). It is shown only this once: store it now.`,
  );
  ctx.out.result(
    made.token,
    { token: made.token, ...tokenJson(made.record, Date.now()) },
    { reveal: [made.token] },
  );
}

async function listTokens(ctx: CliContext): Promise<void> {
  const { TokenStore, gatewayDir } = await import("../../gateway/token-store.js");
  const now = Date.now();
  const tokens = (await new TokenStore(gatewayDir(ctx.env)).list()).map((t) => tokenJson(t, now));
  const day = (iso: string | null) => (iso ? iso.slice(0, 16).replace("T", " ") : "-");
  const rows = tokens.map((t) => [
    t.name,
    t.scopes.join(","),
    t.folder?.path ?? "/ (all)",
    t.allowIps.join(",") || "any",
    day(t.created),
    t.expired ? `EXPIRED ${day(t.expires)}` : day(t.expires),
    day(t.lastUsed),
  ]);
  const human = rows.length
    ? table([["NAME", "SCOPES", "FOLDER", "IPS", "CREATED", "EXPIRES", "LAST USED"], ...rows])
    : "no gateway tokens (fichier gateway token add NAME --scope ...)";
  ctx.out.result(human, { tokens });
}

async function revokeToken(ctx: CliContext, name: string): Promise<void> {
  const { TokenStore, TokenNameError, gatewayDir } = await import("../../gateway/token-store.js");
  try {
    await new TokenStore(gatewayDir(ctx.env)).revoke(name);
  } catch (e) {
    if (e instanceof TokenNameError) throw new CliError(e.message, "see `fichier gateway token ls`", 3);
    throw e;
  }
  ctx.out.result(`token "${name}" revoked: a running gateway refuses it from its next request`, {
    name,
    revoked: true,
  });
}

async function showLog(ctx: CliContext, o: { follow?: boolean; token?: string }): Promise<void> {
  const { readAuditLog } = await import("../../gateway/audit.js");
  const { gatewayDir } = await import("../../gateway/token-store.js");
  const records: AuditRecord[] = [];
  const ac = new AbortController();
  const stop = o.follow ? listenForCleanStop(() => ac.abort()) : () => {};
  try {
    await readAuditLog(gatewayDir(ctx.env), { ...o, signal: ac.signal }, (r) => {
      // --follow streams: one line per record (NDJSON with --json), as a server log does.
      if (o.follow) ctx.out.result(requestLine(r), r);
      else records.push(r);
    });
  } finally {
    stop();
  }
  if (!o.follow) {
    ctx.out.result(records.length ? records.map(requestLine).join("\n") : "(no requests logged)", {
      records,
    });
  }
}

/** Registers `gateway`, `gateway token add|ls|revoke` and `gateway log`. */
export function register(program: Command, ctx: CliContext): void {
  const gateway = program
    .command("gateway")
    .description(SUMMARIES.gateway.description)
    .option("--addr <host:port>", "address to listen on (loopback needs no TLS)", "127.0.0.1:8443")
    .option("--cert <file>", "TLS certificate (PEM); required for any address but loopback")
    .option("--key <file>", "TLS private key (PEM), with --cert")
    .option("--insecure-http", "serve a non-loopback address over plain HTTP (warns at every start)")
    .option("--proxy-transfers", "relay download bytes too, so every byte leaves from this host")
    .option(
      "--public-url <url>",
      "origin clients reach the gateway by (behind a reverse proxy), for the upload and download URLs it hands out",
    )
    .option(
      "--trusted-proxy <cidr>",
      "reverse proxy whose X-Forwarded-For names the client (repeatable)",
      collect,
    )
    .addHelpText(
      "after",
      "\nThe global --max-wait (FICHIER_MAX_WAIT) is how long a client waits in the queue before a 429 with\n" +
        "Retry-After (default 60s here).\n" +
        'One line per request on stderr (--json: {type:"request", ...audit record}).\nSee docs/gateway.md.',
    )
    .action((o: ServeOptions) => serve(ctx, o));

  const token = gateway.command("token").description("gateway tokens: add, ls, revoke");
  token
    .command("add")
    .description("create a token and print it once")
    .argument("<name>", "a name for the client (letters, digits, _ . -)")
    .requiredOption(
      "--scope <scopes>",
      "read, download, upload, manage, remote, account (repeatable or a,b)",
      collect,
    )
    .option("--folder <path>", "confine the token to this folder and below (path or folder id)")
    .option("--allow-ip <cidr>", "allowed client address or CIDR, IPv4 or IPv6 (repeatable)", collect)
    .option("--expires <duration>", "lifetime, e.g. 30d (default: none)")
    .addHelpText(
      "after",
      "\nJSON: {token, name, scopes, folder:{path,id}|null, allowIps, created, expires, expired, lastUsed}",
    )
    .action((name: string, o: AddOptions) => addToken(ctx, name, o));
  token
    .command("ls")
    .description("list the tokens (never the tokens themselves)")
    .addHelpText(
      "after",
      "\nJSON: {tokens:[{name, scopes, folder, allowIps, created, expires, expired, lastUsed}]}",
    )
    .action(() => listTokens(ctx));
  token
    .command("revoke")
    .description("delete a token; a running gateway refuses it from its next request")
    .argument("<name>", "the token's name")
    .addHelpText("after", "\nJSON: {name, revoked: true}")
    .action((name: string) => revokeToken(ctx, name));

  gateway
    .command("log")
    .description("print the audit log (one line per request)")
    .option("--follow", "keep printing new requests until Ctrl-C")
    .option("--token <name>", "only this token's requests")
    .addHelpText(
      "after",
      "\nJSON: {records:[{time, token, ip, method, endpoint, targets, status, code, reason?, ms}]}; with --follow one record per line",
    )
    .action((o: { follow?: boolean; token?: string }) => showLog(ctx, o));
}
