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
  warn(message: string): void;
}

/** One request being handled: what the audit log will say about it. */
export type Exchange = Omit<AuditRecord, "status" | "ms"> & { startedAt: number };

/**
 * The host clients reached the gateway by (its Host header when it is a plain `host[:port]`), for the URLs
 * it hands out; else the listening address.
 * @example
 * publicHost(req, "127.0.0.1:8443"); // "nas.lan:8443"
 */
export function publicHost(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host ?? "";
  return /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/.test(host) ? host : fallback;
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
