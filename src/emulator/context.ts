/** The state shared by every route of one running emulator. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "./clock.js";
import type { Faults } from "./faults.js";
import type { HashPool } from "./hasher.js";
import type { Limiter } from "./limits.js";
import type { AccountRow, Store } from "./store.js";
import type { PaceClock } from "./throttle.js";

/** Counters returned by `admin.stats()`. */
export interface Stats {
  requests: number;
  byEndpoint: Record<string, number>;
  faults: Record<string, number>;
  floodLocks: number;
}

/** Everything a route needs. */
export interface Ctx {
  store: Store;
  /** Whirlpool worker shared by every upload. */
  hashes: HashPool;
  clock: Clock;
  limiter: Limiter;
  faults: Faults;
  stats: Stats;
  log: (line: string) => void;
  bandwidth: number;
  /** The time the bandwidth cap is kept on (real time unless a test injects one). */
  pace: PaceClock;
  lockSeconds: number;
  publicUploadHost: string;
  publicDownloadUrl: string;
  webUrl: string;
  adminToken: string;
  /** Console sessions: cookie SID → e-mail. */
  sessions: Map<string, string>;
  /** In-flight writes (uploads, remote jobs) that close() waits for. */
  inflight: Set<Promise<unknown>>;
  closing: boolean;
  /** Starts a remote-upload job (routes/remote.ts), set by the server. */
  runRemoteJob: (id: number) => void;
}

/** One API call, after auth and JSON decoding. */
export interface ApiCall {
  req: IncomingMessage;
  res: ServerResponse;
  body: Record<string, unknown>;
  account: AccountRow | null;
  ip: string;
}

/** An API endpoint: which methods, whether a key is needed, and the handler returning the JSON body. */
export interface ApiRoute {
  methods: readonly ("GET" | "POST")[];
  auth: "required" | "optional";
  handle(ctx: Ctx, call: ApiCall): unknown;
}

/**
 * The account of a call whose route requires auth.
 * @example
 * const account = accountOf(call); // throws if the route forgot auth: "required"
 */
export function accountOf(call: ApiCall): AccountRow {
  if (!call.account) throw new Error("route declared auth: required but got no account");
  return call.account;
}
