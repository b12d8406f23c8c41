// `startGateway`: the HTTP(S) front end. It routes each request (the API under /v1/, the upload node's
// pages, relayed download links), writes one audit record per request, and drains on close.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import { createClient, DEFAULT_API_URL } from "../api/client.js";
import { Governor, type GovernorOptions, systemClock } from "../api/governor.js";
import { openIndex } from "../remote-index/open.js";
import { GatewayKo } from "./answers.js";
import { handleApi } from "./api.js";
import { AuditLog, type AuditLogOptions, type AuditRecord } from "./audit.js";
import { AuthThrottle, type AuthThrottleOptions } from "./auth-throttle.js";
import { type Exchange, type GatewayContext, refuse } from "./context.js";
import { IndexFolderView } from "./folder-view.js";
import { clientIp, Guard } from "./guard.js";
import { fileSeenOf, listingOf } from "./index-feed.js";
import { allowList } from "./ip-allow.js";
import { treeSource } from "./listing-source.js";
import { handleDownload, handleNodePage } from "./relay-routes.js";
import { TokenStore } from "./token-store.js";
import { DownloadRelay, UploadRelay } from "./transfers.js";
import { type KeySource, Upstream } from "./upstream.js";

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** The real key (never a token), and how to read it again after `fichier key rotate`. */
  key: KeySource;
  /** The gateway folder: tokens.json, audit.log, the governor's state. */
  dir: string;
  /** 1fichier's API base; default `https://api.1fichier.com/v1`. */
  apiUrl?: string;
  /** Default 127.0.0.1 and 8443 (0: any free port). */
  host?: string;
  port?: number;
  /** PEM certificate and key: HTTPS. Required for any address but loopback, unless `insecureHttp`. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  insecureHttp?: boolean;
  /** The longest a client waits in the shared queue before a 429; default 60 000 ms. */
  maxWaitMs?: number;
  /** Relay download bytes through the gateway (rewrite get_token answers). */
  proxyTransfers?: boolean;
  /**
   * The origin clients reach the gateway by (`https://gw.example.net`), for the URLs it hands out (upload
   * host, relayed download links); default: the scheme it serves and the Host header of each request.
   */
  publicUrl?: string;
  /**
   * Reverse proxies (addresses or CIDRs) whose `X-Forwarded-For` names the client: allow-lists, the
   * failed-authentication throttle and the audit log then see the client's address, not the proxy's.
   */
  trustedProxies?: readonly string[];
  /** Pacing of the one governor (default: fichier's, shared through a state file in `dir`); tests inject a clock. */
  governor?: GovernorOptions;
  audit?: AuditLogOptions;
  authThrottle?: Omit<AuthThrottleOptions, "now">;
  /** One call per request, after its audit record is written. */
  onRequest?: (r: AuditRecord) => void;
  /** Notable events (a token in a URL, a throttled address, an unwritable log); never a secret. */
  warn?: (message: string) => void;
  userAgent?: string;
}

/** A running gateway. */
export interface RunningGateway {
  /** `http://127.0.0.1:8443`: the base clients use as `<url>/v1`. */
  url: string;
  apiUrl: string;
  host: string;
  port: number;
  governor: Governor;
  /** Stops accepting, lets the requests under way finish (up to `drainMs`, default 10 s), then closes. */
  close(drainMs?: number): Promise<void>;
}

/**
 * Refused listening address (exit 2 on the command line).
 * @example
 * throw new ListenPolicyError(`"${addr}" is not HOST:PORT`);
 */
export class ListenPolicyError extends Error {
  override readonly name = "ListenPolicyError";
}

/**
 * True for loopback addresses, which need no TLS.
 * @example
 * isLoopback("::1"); // true
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  return h === "::1" || /^::ffff:127\./i.test(h);
}

/**
 * Splits `host:port` (`[v6]:port` for IPv6).
 * @throws ListenPolicyError for anything else
 * @example
 * parseAddr("[::1]:8443"); // { host: "::1", port: 8443 }
 */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new ListenPolicyError(`"${addr}" is not HOST:PORT (e.g. 127.0.0.1:8443, [::1]:8443, 0.0.0.0:8443)`);
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

/**
 * The address rule: loopback may serve plain HTTP; any other address needs TLS, or `insecureHttp` (then
 * the caller warns at every start).
 * @throws ListenPolicyError
 * @example
 * listenPolicy("0.0.0.0", { tls: false, insecureHttp: true }); // "insecure"
 */
export function listenPolicy(host: string, o: { tls: boolean; insecureHttp: boolean }): "ok" | "insecure" {
  if (o.tls || isLoopback(host)) return "ok";
  if (o.insecureHttp) return "insecure";
  throw new ListenPolicyError(
    `${host} is not a loopback address: the gateway serves it only over TLS, since tokens would cross the network in clear`,
  );
}

const ENDPOINT_SHAPE = /^[a-z_]{1,32}(?:\/[a-z_]{1,32}){0,3}\.cgi$/;

/** Routes one request; the exchange is filled in for the audit record. */
async function route(
  g: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  ex: Exchange,
  closing: boolean,
) {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (closing) {
    res.setHeader("Connection", "close");
    return refuse(ex, res, GatewayKo.shuttingDown(), "shutting-down");
  }
  if (path.startsWith("/v1/")) {
    const endpoint = path.slice(4);
    // Only an endpoint's shape is logged: a path is the client's text and could hold anything.
    ex.endpoint = ENDPOINT_SHAPE.test(endpoint) ? endpoint : "(unknown)";
    const checked = await g.guard.check(req, ex.ip);
    ex.token = checked.ok ? checked.record.name : checked.token;
    if (!checked.ok) return refuse(ex, res, checked.answer, checked.reason);
    return handleApi(g, req, res, endpoint, checked.record, ex);
  }
  if (path === "/upload.cgi" || path === "/end.pl") {
    ex.endpoint = path.slice(1);
    return handleNodePage(g, req, res, path.slice(1) as "upload.cgi" | "end.pl", ex);
  }
  if (path.startsWith("/dl/")) {
    ex.endpoint = "dl";
    return handleDownload(g, req, res, path.slice(4), ex);
  }
  ex.endpoint = "(unknown)";
  refuse(ex, res, GatewayKo.unknownEndpoint(), "unknown-endpoint");
}

/**
 * Checks a `--public-url`: an http(s) origin, nothing after the host but an optional `/`.
 * @throws ListenPolicyError
 * @example
 * parsePublicUrl("https://gw.example.net:8443/"); // URL of https://gw.example.net:8443
 */
export function parsePublicUrl(text: string): URL {
  const u = URL.canParse(text) ? new URL(text) : undefined;
  if (
    !u ||
    (u.protocol !== "https:" && u.protocol !== "http:") ||
    u.pathname !== "/" ||
    u.search !== "" ||
    u.hash !== "" ||
    u.username !== "" ||
    u.password !== ""
  ) {
    throw new ListenPolicyError(
      `"${text}" is not an origin such as https://gw.example.net or https://gw.example.net:8443 (a scheme and a host, no path)`,
    );
  }
  return u;
}

/** The pieces of a gateway, built once. */
async function build(
  o: GatewayOptions,
  scheme: string,
): Promise<{ g: GatewayContext; close: () => Promise<void> }> {
  const clock = o.governor?.clock ?? systemClock;
  const warn = o.warn ?? (() => {});
  const apiUrl = (o.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "");
  const governorOptions: GovernorOptions = { stateDir: o.dir, service: apiUrl, ...o.governor };
  const governor = new Governor(governorOptions, o.key.current());
  const client = createClient({
    apiKey: o.key.current(),
    apiUrl,
    governor,
    userAgent: o.userAgent ?? "fichier-gateway",
  });
  let view: IndexFolderView | undefined;
  const upstream = new Upstream({
    client,
    governor,
    apiUrl,
    key: o.key,
    maxWaitMs: o.maxWaitMs ?? 60_000,
    clock,
    rate: governorOptions.rate ?? 1,
    // The index learns from every listing (and file info) 1fichier really gave, whoever asked for it.
    onAnswer: (a) => {
      const call = { endpoint: a.endpoint, body: a.body, json: a.json, at: a.startedAt };
      const listing = listingOf(call);
      if (listing) view?.listed(listing);
      const file = fileSeenOf(call);
      if (file) view?.fileSeen(file.url, file.folderId, call.at);
    },
  });
  // One index per gateway, in its folder (never the user's own cache: only the gateway's traffic feeds it).
  const index = await openIndex(client, {
    stateDir: o.dir,
    now: clock.now,
    onEvent: (e) => {
      // What the index could not record must not pass for known: every check asks 1fichier again.
      if (e.type === "write-failed") view?.forget();
      warn(`folder index: ${e.message}`);
    },
  }).catch(async (e) => {
    await client.close();
    throw e;
  });
  view = new IndexFolderView(index, treeSource(upstream), { now: clock.now });
  const deps = { client, key: o.key, upstreamScheme: new URL(apiUrl).protocol, now: clock.now };
  const store = new TokenStore(o.dir, { now: clock.now });
  const throttle = new AuthThrottle({ now: clock.now, ...o.authThrottle });
  const g: GatewayContext = {
    store,
    guard: new Guard(store, throttle, warn, clock.now),
    upstream,
    governor,
    view,
    uploads: new UploadRelay(deps, (f, r) => view.isInside(f, r)),
    downloads: o.proxyTransfers ? new DownloadRelay(deps) : undefined,
    scheme,
    listenHost: "",
    publicUrl: o.publicUrl === undefined ? undefined : parsePublicUrl(o.publicUrl),
    now: clock.now,
    warn,
  };
  return {
    g,
    close: async () => {
      await store.settle();
      await index.close();
      await client.close();
    },
  };
}

/**
 * Starts a gateway and resolves once it listens.
 * @throws ListenPolicyError for a non-loopback address without TLS (and without `insecureHttp`)
 * @example
 * const gw = await startGateway({ key: { current: () => apiKey, refresh: async () => false }, dir: "/srv/gw" });
 * const client = createClient({ apiKey: token, apiUrl: gw.apiUrl });
 */
export async function startGateway(o: GatewayOptions): Promise<RunningGateway> {
  const host = o.host ?? "127.0.0.1";
  listenPolicy(host, { tls: o.tls !== undefined, insecureHttp: o.insecureHttp === true });
  if (o.publicUrl !== undefined) parsePublicUrl(o.publicUrl);
  const scheme = o.tls ? "https:" : "http:";
  const now = o.governor?.clock?.now ?? Date.now;
  const audit = new AuditLog(o.dir, o.audit, o.warn);
  const inflight = new Set<Promise<void>>();
  const trusted = o.trustedProxies?.length ? allowList(o.trustedProxies) : undefined;
  let closing = false;
  const built = await build(o, scheme);
  const g = built.g;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const ex: Exchange = {
      time: new Date(now()).toISOString(),
      token: null,
      ip: clientIp(req, trusted),
      method: req.method ?? "",
      endpoint: "",
      targets: {},
      code: null,
      startedAt: performance.now(),
    };
    const p = route(g, req, res, ex, closing)
      .catch((e: Error) => {
        o.warn?.(`internal error on ${ex.endpoint}: ${e.message}`);
        if (!res.headersSent) refuse(ex, res, GatewayKo.upstreamDown(), "internal");
        else res.destroy();
      })
      .finally(() => {
        const { startedAt, ...rest } = ex;
        const record: AuditRecord = {
          ...rest,
          status: res.statusCode,
          ms: Math.round(performance.now() - startedAt),
        };
        audit.write(record);
        o.onRequest?.(record);
        inflight.delete(p);
      });
    inflight.add(p);
  };
  const server: Server = o.tls
    ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, handler)
    : createHttpServer(handler);
  // Uploads of many gigabytes take hours: no limit on a whole request, only on its headers.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port ?? 8443, host, () => resolve());
    });
  } catch (e) {
    await built.close();
    throw e;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (o.port ?? 8443);
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  g.listenHost = `${hostPart}:${port}`;
  const url = `${scheme}//${hostPart}:${port}`;
  return {
    url,
    apiUrl: `${url}/v1`,
    host,
    port,
    governor: g.governor,
    async close(drainMs = 10_000) {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([
        Promise.allSettled([...inflight]),
        new Promise((r) => setTimeout(r, drainMs).unref()),
      ]);
      server.closeAllConnections();
      await stopped;
      await audit.close();
      await built.close();
    },
  };
}
