// The gateway's own answers, shaped like the API's (spec §1.10, DECISIONS "Errors"): a JSON KO body with a
// `#code`, so every client already knows what to do with them. Codes the API has are reused (401 #247,
// 403 #631, 400 #9005); the gateway's own are in the 9000 range and listed in docs/gateway.md.
import type { ServerResponse } from "node:http";

/** A KO answer: HTTP status, message ending in `#code`, extra headers. */
export interface KoAnswer {
  status: number;
  message: string;
  code: number;
  headers?: Record<string, string>;
}

function ko(status: number, text: string, code: number, headers?: Record<string, string>): KoAnswer {
  return { status, message: `${text} #${code}`, code, ...(headers ? { headers } : {}) };
}

const retryAfter = (ms: number) => ({ "Retry-After": String(Math.max(1, Math.ceil(ms / 1000))) });

/** Every answer the gateway makes itself. */
export const GatewayKo = {
  /** No token, an unknown, wrong, expired or revoked one: one answer for all, so nothing can be probed. */
  auth: () => ko(401, "Not authenticated", 247),
  tokenInQuery: () =>
    ko(
      401,
      "Not authenticated: a token in the URL is refused, send it in the Authorization: Bearer header",
      247,
    ),
  /** The API's own not-allowed answer: a scope, an address or a folder outside the token's reach. */
  notAllowed: (detail?: string) =>
    ko(403, detail ? `Resource not allowed: ${detail}` : "Resource not allowed", 631),
  badRequest: () => ko(400, "Bad request", 9005),
  unknownEndpoint: () => ko(404, "Unknown endpoint", 9404),
  methodNotAllowed: (allow: readonly string[]) =>
    ko(405, "Method not allowed", 9405, { Allow: allow.join(", ") }),
  /** The shared budget would make this client wait longer than --max-wait. */
  busy: (ms: number) =>
    ko(
      429,
      `Too many requests: the gateway's queue is full, retry in ${Math.ceil(ms / 1000)} s`,
      9429,
      retryAfter(ms),
    ),
  /** Too many failed authentications from this address. */
  throttled: (ms: number) =>
    ko(
      429,
      `Too many failed authentications from this address, retry in ${Math.ceil(ms / 1000)} s`,
      9430,
      retryAfter(ms),
    ),
  upstreamDown: () => ko(502, "1fichier could not be reached by the gateway", 9502),
  shuttingDown: () => ko(503, "The gateway is shutting down", 9503, { "Retry-After": "5" }),
};

/**
 * Sends a KO answer as the API does: JSON, `Content-Type: application/json; charset=utf-8`.
 * @example
 * sendKo(res, GatewayKo.auth());
 */
export function sendKo(res: ServerResponse, answer: KoAnswer): void {
  const body = JSON.stringify({ status: "KO", message: answer.message });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(answer.status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    ...(answer.headers ?? {}),
  });
  res.end(body);
}
