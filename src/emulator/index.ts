/**
 * fichier/emulator: a faithful local emulator of the 1fichier.com API (spec `1fichier-api.md`, DECISIONS.md).
 * Real HTTP on loopback, persistent state (SQLite + blob files), real-profile rate limits, fault injection.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
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

function toAccount(a: AccountRow): EmulatorAccount {
  return { email: a.email, offer: a.offer, apiKey: a.api_key ?? "", password: a.password };
}

function adminError(message: string, status = 400): Error {
  return Object.assign(new Error(message), { status });
}

function num(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw adminError(`"${name}" must be a number`);
  return v;
}

function str(v: unknown, name: string): string {
  if (typeof v !== "string") throw adminError(`"${name}" must be a string`);
  return v;
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
  const log = options.log ?? (() => {});
  const faults = new Faults(options.faults ?? "");
  const temporary = options.dataDir === undefined;
  const dataDir = temporary ? mkdtempSync(join(tmpdir(), "fichier-emulator-")) : resolve(options.dataDir!);
  const store = new Store(dataDir);
  const clock = createClock(options.now);
  store.txImmediate(() => {
    for (const a of DEFAULT_ACCOUNTS) {
      if (store.account(a.email)) continue;
      store.insertAccount({
        email: a.email,
        offer: a.offer,
        api_key: ids.apiKey(),
        password: ids.password(),
        created: clock.now(),
        settings: JSON.stringify(DEFAULT_SETTINGS),
      });
      if (a.offer !== 0) store.insertVoucher(a.email, "Premium 1 month");
    }
  });
  const lockSeconds = options.lockSeconds ?? 30;
  const limiter = new Limiter({ enabled: (options.limits ?? "real") !== "off", lockSeconds });
  const stats: Stats = { requests: 0, byEndpoint: {}, faults: faults.counts, floodLocks: 0 };
  const abort = new AbortController();
  const host = options.host ?? "127.0.0.1";
  const hashes = new HashPool();
  const ctx: Ctx = {
    store,
    hashes,
    clock,
    limiter,
    faults,
    stats,
    log,
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
  ctx.runRemoteJob = remoteRunner(ctx, abort.signal);

  const keyOf = (email: string): AccountRow => {
    const a = store.account(email);
    if (!a) throw adminError(`no account "${email}"`, 404);
    return a;
  };
  const admin: EmulatorAdmin = {
    createAccount(a) {
      if (![0, 1, 2, 3].includes(a.offer)) throw adminError("offer must be 0, 1, 2 or 3");
      if (typeof a.email !== "string" || !/^[^\s@]+@[^\s@]+$/.test(a.email))
        throw adminError("invalid e-mail");
      if (store.account(a.email)) throw adminError(`account "${a.email}" already exists`, 409);
      const apiKey = a.apiKey ?? ids.apiKey();
      if (!/^\S{1,128}$/.test(apiKey)) throw adminError("apiKey must be 1 to 128 non-space characters");
      if (store.accountByKey(apiKey)) throw adminError("apiKey already used by another account", 409);
      const row: AccountRow = {
        email: a.email,
        offer: a.offer,
        api_key: apiKey,
        password: ids.password(),
        created: clock.now(),
        settings: JSON.stringify(DEFAULT_SETTINGS),
      };
      store.insertAccount(row);
      log(`account created: ${a.email} (offer ${a.offer})`);
      // The contract's shape is {email, offer, apiKey}; the console password rides along, not enumerable.
      return Object.defineProperty({ email: row.email, offer: row.offer, apiKey }, "password", {
        value: row.password,
        enumerable: false,
      }) as EmulatorAccount;
    },
    regenerateKey(email) {
      const a = keyOf(email);
      if (a.api_key) limiter.forgetKey(a.api_key);
      const key = ids.apiKey();
      store.setKey(email, key);
      log(`API key regenerated for ${email}`);
      return key;
    },
    disableApi(email) {
      const a = keyOf(email);
      if (a.api_key) limiter.forgetKey(a.api_key);
      store.setKey(email, null);
      log(`API disabled for ${email}`);
    },
    advanceClock(ms) {
      clock.advance(ms);
    },
    setFaults(spec) {
      faults.set(spec);
      log(`faults set to "${spec}"`);
    },
    stats() {
      return {
        requests: stats.requests,
        byEndpoint: { ...stats.byEndpoint },
        faults: { ...faults.counts },
        floodLocks: stats.floodLocks,
      };
    },
    lock(apiKey, seconds) {
      limiter.lockKey(apiKey, seconds, clock.now());
      stats.floodLocks++;
    },
    expireTokens() {
      store.expireAllTokens();
    },
  };
  const actions: AdminActions = {
    regenerateKey: admin.regenerateKey,
    disableApi: admin.disableApi,
    call(method, args) {
      switch (method) {
        case "createAccount": {
          const created = admin.createAccount({
            email: str(args.email, "email"),
            offer: num(args.offer, "offer") as 0 | 1 | 2 | 3,
            apiKey: args.apiKey === undefined ? undefined : str(args.apiKey, "apiKey"),
          });
          return { ...created, password: created.password };
        }
        case "regenerateKey":
          return { apiKey: admin.regenerateKey(str(args.email, "email")) };
        case "disableApi":
          admin.disableApi(str(args.email, "email"));
          return { status: "OK" };
        case "advanceClock":
          admin.advanceClock(num(args.ms, "ms"));
          return { status: "OK", now: clock.now() };
        case "setFaults":
          try {
            admin.setFaults(str(args.spec, "spec"));
          } catch (e) {
            throw adminError((e as Error).message);
          }
          return { status: "OK" };
        case "stats":
          return admin.stats();
        case "lock":
          admin.lock(str(args.apiKey, "apiKey"), num(args.seconds, "seconds"));
          return { status: "OK" };
        case "expireTokens":
          admin.expireTokens();
          return { status: "OK" };
        case "accounts":
          return store.accounts().map(toAccount);
        default:
          throw adminError(`unknown admin method "${method}"`, 404);
      }
    },
  };

  const server: Server = createServer(createHandler(ctx, actions));
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // uploads may last hours; stalled bodies are cut by per-route idle timeouts
  server.keepAliveTimeout = 5_000;
  server.on("clientError", (_err, socket) => {
    if (socket.writable && !socket.destroyed)
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  try {
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", fail);
        ok();
      });
    });
  } catch (e) {
    hashes.close();
    store.close();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  // A wildcard listen address is no address to hand out: URLs name the loopback instead.
  const urlHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  const hostPart = urlHost.includes(":") ? `[${urlHost}]` : urlHost;
  const webUrl = `http://${hostPart}:${port}`;
  ctx.webUrl = webUrl;
  ctx.publicUploadHost = options.publicUploadHost ?? `${hostPart}:${port}`;
  ctx.publicDownloadUrl = (options.publicDownloadUrl ?? `${webUrl}/dl`).replace(/\/+$/, "");
  log(
    `emulator listening on ${webUrl}, data in ${dataDir}${temporary ? " (temporary folder, removed on close)" : ""}`,
  );
  for (const job of store.pendingRemoteJobs()) ctx.runRemoteJob(job.id);

  // `accounts` lists the four default accounts (contract), with their current keys; createAccount returns the others.
  const defaults = (): EmulatorAccount[] =>
    DEFAULT_ACCOUNTS.map((d) => store.account(d.email))
      .filter((a): a is AccountRow => a !== undefined)
      .map(toAccount);
  let lastAccounts = defaults();
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ctx.closing = true;
      abort.abort();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      lastAccounts = defaults();
      const settle = (ms: number) =>
        Promise.race([Promise.allSettled([...ctx.inflight]), new Promise((r) => setTimeout(r, ms).unref())]);
      await settle(CLOSE_WAIT_MS);
      server.closeAllConnections();
      await closed;
      await settle(2_000);
      hashes.close();
      store.close();
      try {
        if (temporary) rmSync(dataDir, { recursive: true, force: true });
      } catch (e) {
        log(`could not remove the temporary data folder ${dataDir}: ${(e as Error).message}`);
      }
      log("emulator closed");
    })();
    return closing;
  };

  return {
    apiUrl: `${webUrl}/v1`,
    webUrl,
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
