// What every request handler of the gateway receives: the shared pieces, and the record of the request
// being handled (filled in as it goes, written to the audit log when it ends).
import type { IncomingMessage, ServerResponse } from "node:http";
import { extractCode } from "../api/errors.js";
import type { Governor } from "../api/governor.js";
import { type KoAnswer, sendKo } from "./answers.js";
import type { AuditRecord } from "./audit.js";
import type { FolderView } from "./folder-view.js";
import type { Guard } from "./guard.js";
import type { TokenStore } from "./token-store.js";
import type { DownloadRelay, UploadRelay } from "./transfers.js";
import type { RawAnswer, Upstream } from "./upstream.js";

/** The gateway's pieces, built once by startGateway. */
export interface GatewayContext {
  store: TokenStore;
  guard: Guard;
  upstream: Upstream;
  governor: Governor;
  view: FolderView;
  uploads: UploadRelay;
  /** Present with --proxy-transfers. */
  downloads: DownloadRelay | undefined;
  /** `http:` or `https:`, for the URLs the gateway hands out. */
  scheme: string;
  /** The address the server listens on (`host:port`), when a request has no usable Host header. */
  listenHost: string;
  /** `--public-url`: the origin clients reach the gateway by, for the URLs it hands out. */
  publicUrl: URL | undefined;
  /** The governor's clock (ms). */
  now(): number;
  warn(message: string): void;
}

/** One request being handled: what the audit log will say about it. */
export type Exchange = Omit<AuditRecord, "status" | "ms"> & { startedAt: number };

/**
 * Where clients reach the gateway, for the URLs it hands out: `--public-url` when given; else the scheme it
 * serves and the Host header of the request (when it is a plain `host[:port]`), or the listening address.
 * @example
 * publicOrigin(g, req); // { host: "nas.lan:8443", origin: "http://nas.lan:8443" }
 */
export function publicOrigin(
  g: Pick<GatewayContext, "publicUrl" | "scheme" | "listenHost">,
  req: IncomingMessage,
): { host: string; origin: string } {
  if (g.publicUrl) return { host: g.publicUrl.host, origin: g.publicUrl.origin };
  const sent = req.headers.host ?? "";
  const host = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/.test(sent)
    ? sent
    : g.listenHost;
  return { host, origin: `${g.scheme}//${host}` };
}

/**
 * Sends one of the gateway's own KO answers and notes it on the exchange.
 * @example
 * return refuse(ex, res, GatewayKo.badRequest(), "bad-body");
 */
export function refuse(ex: Exchange, res: ServerResponse, answer: KoAnswer, reason: string): void {
  ex.code = answer.code;
  ex.reason = reason;
  sendKo(res, answer);
}

/**
 * Sends 1fichier's answer (or its rewritten form) and notes its `#code`.
 * @example
 * respond(ex, res, await g.upstream.call("folder/ls.cgi", { method: "POST", body }));
 */
export function respond(ex: Exchange, res: ServerResponse, answer: RawAnswer): void {
  const m = /"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(answer.body);
  ex.code =
    answer.status >= 400 || /"status"\s*:\s*"KO"/i.test(answer.body) ? (extractCode(m?.[1]) ?? null) : null;
  res.writeHead(answer.status, {
    ...answer.headers,
    "content-length": String(Buffer.byteLength(answer.body)),
  });
  res.end(answer.body);
}
