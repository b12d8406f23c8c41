/**
 * fichier/emulator: a faithful local emulator of the 1fichier.com API (spec `1fichier-api.md`, DECISIONS.md).
 * Real HTTP on loopback, persistent state (SQLite + blob files), real-profile rate limits, fault injection.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { adminActions, createAdmin, toAccount } from "./admin.js";
import { createClock } from "./clock.js";
import type { Ctx, Stats } from "./context.js";
import { Faults } from "./faults.js";
import { HashPool } from "./hasher.js";
import { ids } from "./ids.js";
import { Limiter } from "./limits.js";
import { remoteRunner } from "./routes/remote.js";
import { type AdminActions, createHandler } from "./server.js";
import { type AccountRow, DEFAULT_SETTINGS, Store } from "./store.js";
import { type PaceClock, realPace } from "./throttle.js";

export interface EmulatorOptions {
  /** Interface to listen on; default "127.0.0.1". */
  host?: string;
  /** Port; default 0 = pick a free port. */
  port?: number;
  /** Persistent state folder; default: a fresh temp folder (removed on close). */
  dataDir?: string;
  /** DECISIONS.md limits; default "real". */
  limits?: "real" | "off";
  /** Flood-lock duration in seconds, default 30. */
  lockSeconds?: number;
  /** Bytes/s cap per connection for uploads and downloads; 0/undefined = none. */
  bandwidth?: number;
  /** Time source of the bandwidth cap; default real time (tests inject one to count its waits). */
  pace?: PaceClock;
  /** Fault spec, e.g. "500=0.05,503=0.01,reset=0.02,seed=42" (docs/emulator.md). */
  faults?: string;
  /** HOST[:PORT] returned by get_upload_server.cgi; default "<host>:<port>". */
  publicUploadHost?: string;
  /** Base of download-token URLs; default "http://<host>:<port>/dl". */
  publicDownloadUrl?: string;
  /** Injectable clock (ms since epoch) used by every limit and expiry. */
  now?: () => number;
  /** One line per notable event (never an API key). */
  log?: (line: string) => void;
}

export interface EmulatorAccount {
  email: string;
  offer: 0 | 1 | 2 | 3;
  apiKey: string;
  /** Password of the web console (`/login.pl`). */
  password?: string;
}

export interface EmulatorAdmin {
  createAccount(a: { email: string; offer: 0 | 1 | 2 | 3; apiKey?: string }): EmulatorAccount;
  regenerateKey(email: string): string;
  disableApi(email: string): void;
  advanceClock(ms: number): void;
  setFaults(spec: string): void;
  stats(): {
    requests: number;
    byEndpoint: Record<string, number>;
    faults: Record<string, number>;
    floodLocks: number;
  };
  lock(apiKey: string, seconds: number): void;
  expireTokens(): void;
}

export interface RunningEmulator {
  /** "http://127.0.0.1:PORT/v1" (API endpoints /v1/<group>/<name>.cgi). */
  apiUrl: string;
  /** "http://127.0.0.1:PORT" (website: /dir/<hash>, /check_links.pl, /remove/<id>/<code>, /console/...). */
  webUrl: string;
  /** What get_upload_server returns as `url` (upload.cgi and end.pl are served on it). */
  uploadHost: string;
  dataDir: string;
  /** For the HTTP admin API (`POST <webUrl>/_emulator/<method>`, header `X-Emulator-Admin`). */
  adminToken: string;
  /** free (0), premium (1), access (2), gold (3), created on first start, persisted. */
  accounts: EmulatorAccount[];
  admin: EmulatorAdmin;
  /** Finishes in-flight writes (bounded), closes the DB; idempotent. */
  close(): Promise<void>;
}

const DEFAULT_ACCOUNTS: { email: string; offer: 0 | 1 | 2 | 3 }[] = [
  { email: "free@emulator.local", offer: 0 },
  { email: "premium@emulator.local", offer: 1 },
  { email: "access@emulator.local", offer: 2 },
  { email: "gold@emulator.local", offer: 3 },
];

const CLOSE_WAIT_MS = 5_000;

/** The four default accounts, made on the first start of a data folder (each premium one with its voucher). */
function seedDefaultAccounts(store: Store, now: number): void {
  store.txImmediate(() => {
    for (const a of DEFAULT_ACCOUNTS) {
      if (store.account(a.email)) continue;
      store.insertAccount({
        email: a.email,
        offer: a.offer,
        api_key: ids.apiKey(),
        password: ids.password(),
        created: now,
        settings: JSON.stringify(DEFAULT_SETTINGS),
      });
      if (a.offer !== 0) store.insertVoucher(a.email, "Premium 1 month");
    }
  });
}

/** The state every route shares; the public addresses are filled in once the server listens. */
function newContext(options: EmulatorOptions, store: Store, signal: AbortSignal): Ctx {
  const faults = new Faults(options.faults ?? "");
  const lockSeconds = options.lockSeconds ?? 30;
  const ctx: Ctx = {
    store,
    hashes: new HashPool(),
    clock: createClock(options.now),
    limiter: new Limiter({ enabled: (options.limits ?? "real") !== "off", lockSeconds }),
    faults,
    stats: { requests: 0, byEndpoint: {}, faults: faults.counts, floodLocks: 0 } satisfies Stats,
    log: options.log ?? (() => {}),
    bandwidth: options.bandwidth ?? 0,
    pace: options.pace ?? realPace,
    lockSeconds,
    publicUploadHost: "",
    publicDownloadUrl: "",
    webUrl: "",
    adminToken: ids.secret(),
    sessions: new Map(),
    inflight: new Set(),
    closing: false,
    runRemoteJob: () => {},
  };
  ctx.runRemoteJob = remoteRunner(ctx, signal);
  return ctx;
}

/** The HTTP server over the routes, with its timeouts, listening on `host:port`. */
async function listen(ctx: Ctx, actions: AdminActions, host: string, port: number): Promise<Server> {
  const server: Server = createServer(createHandler(ctx, actions));
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // uploads may last hours; stalled bodies are cut by per-route idle timeouts
  server.keepAliveTimeout = 5_000;
  server.on("clientError", (_err, socket) => {
    if (socket.writable && !socket.destroyed)
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      ok();
    });
  });
  return server;
}

/** Fills in the addresses handed out (website, upload host, download URLs) from the listening socket. */
function publishAddresses(ctx: Ctx, server: Server, host: string, options: EmulatorOptions): void {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  // A wildcard listen address is no address to hand out: URLs name the loopback instead.
  const urlHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  const hostPart = urlHost.includes(":") ? `[${urlHost}]` : urlHost;
  ctx.webUrl = `http://${hostPart}:${port}`;
  ctx.publicUploadHost = options.publicUploadHost ?? `${hostPart}:${port}`;
  ctx.publicDownloadUrl = (options.publicDownloadUrl ?? `${ctx.webUrl}/dl`).replace(/\/+$/, "");
}

/** Closes the state: the hashers, the database, and the data folder when it was a temporary one. */
function releaseState(ctx: Ctx, dataDir: string, temporary: boolean): void {
  ctx.hashes.close();
  ctx.store.close();
  try {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  } catch (e) {
    ctx.log(`could not remove the temporary data folder ${dataDir}: ${(e as Error).message}`);
  }
}

/** The idempotent close: in-flight writes finish (bounded), then connections, then the state. */
function closer(ctx: Ctx, server: Server, abort: AbortController, release: () => void): () => Promise<void> {
  let closing: Promise<void> | null = null;
  const settle = (ms: number) =>
    Promise.race([Promise.allSettled([...ctx.inflight]), new Promise((r) => setTimeout(r, ms).unref())]);
  return () => {
    closing ??= (async () => {
      ctx.closing = true;
      abort.abort();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      await settle(CLOSE_WAIT_MS);
      server.closeAllConnections();
      await closed;
      await settle(2_000);
      release();
      ctx.log("emulator closed");
    })();
    return closing;
  };
}

/**
 * Starts an emulator and resolves once it listens.
 * @example
 * const emu = await startEmulator({ limits: "off" });
 * const premium = emu.accounts.find((a) => a.offer === 1)!;
 * await fetch(`${emu.apiUrl}/user/info.cgi`, { method: "POST", headers: { Authorization: `Bearer ${premium.apiKey}` } });
 * await emu.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const temporary = options.dataDir === undefined;
  const dataDir = temporary ? mkdtempSync(join(tmpdir(), "fichier-emulator-")) : resolve(options.dataDir!);
  const store = new Store(dataDir);
  const abort = new AbortController();
  const ctx = newContext(options, store, abort.signal);
  seedDefaultAccounts(store, ctx.clock.now());
  const admin = createAdmin(ctx);
  const host = options.host ?? "127.0.0.1";
  let server: Server;
  try {
    server = await listen(ctx, adminActions(admin, ctx), host, options.port ?? 0);
  } catch (e) {
    releaseState(ctx, dataDir, temporary);
    throw e;
  }
  publishAddresses(ctx, server, host, options);
  ctx.log(
    `emulator listening on ${ctx.webUrl}, data in ${dataDir}${temporary ? " (temporary folder, removed on close)" : ""}`,
  );
  for (const job of store.pendingRemoteJobs()) ctx.runRemoteJob(job.id);

  // `accounts` lists the four default accounts (contract), with their current keys; createAccount returns the others.
  const defaults = (): EmulatorAccount[] =>
    DEFAULT_ACCOUNTS.map((d) => store.account(d.email))
      .filter((a): a is AccountRow => a !== undefined)
      .map(toAccount);
  let lastAccounts = defaults();
  const close = closer(ctx, server, abort, () => {
    lastAccounts = defaults();
    releaseState(ctx, dataDir, temporary);
  });
  return {
    apiUrl: `${ctx.webUrl}/v1`,
    webUrl: ctx.webUrl,
    uploadHost: ctx.publicUploadHost,
    dataDir,
    adminToken: ctx.adminToken,
    get accounts() {
      if (store.db.open) lastAccounts = defaults();
      return lastAccounts;
    },
    admin,
    close,
  };
}
