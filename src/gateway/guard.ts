// Who is asking: the checks every request passes before anything is forwarded, in this order: the address
// is not throttled for failed authentications; no token sits in the URL; the Bearer token is valid (not
// expired, not revoked); the address is in the token's allow-list.
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { GatewayKo, type KoAnswer } from "./answers.js";
import type { AuthThrottle } from "./auth-throttle.js";
import { type AllowList, allowList } from "./ip-allow.js";
import type { TokenRecord, TokenStore } from "./token-store.js";
import { parseToken, TOKEN_IN_TEXT } from "./tokens.js";

export type GuardResult =
  | { ok: true; record: TokenRecord }
  | { ok: false; answer: KoAnswer; reason: string; token: string | null };

/** Query parameters that carry credentials in other APIs: refused here whatever their value. */
const CREDENTIAL_PARAMS = /^(?:token|access_token|api_?key|apikey|key|auth|authorization|bearer)$/i;

/**
 * The address of the client: the socket's; or, when the socket's is a trusted reverse proxy (`--trusted-proxy`),
 * the nearest address of `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the address it
 * saw, so only the hops trusted proxies wrote are read; a malformed hop stops the reading at the last good one).
 * @example
 * clientIp(req); // "::ffff:192.168.1.20"
 * clientIp(req, allowList(["127.0.0.1/32"])); // "203.0.113.9", from X-Forwarded-For: 203.0.113.9
 */
export function clientIp(req: IncomingMessage, trusted?: AllowList): string {
  const peer = req.socket.remoteAddress ?? "";
  if (!trusted?.allows(peer)) return peer;
  const header = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((h) => h.trim());
  let ip = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (isIP(hop) === 0) break;
    ip = hop;
    if (!trusted.allows(hop)) break;
  }
  return ip;
}

/**
 * The Bearer credential of a request, or undefined.
 * @example
 * bearerOf({ headers: { authorization: "Bearer fgw_..." } } as IncomingMessage); // "fgw_..."
 */
export function bearerOf(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m?.[1];
}

/** A token (or a credential parameter) in the query string, and the token's id when one is there. */
function tokenInQuery(url: string): { found: boolean; id?: string } {
  const q = url.indexOf("?");
  if (q < 0) return { found: false };
  const params = new URLSearchParams(url.slice(q + 1));
  for (const [name, value] of params) {
    const token = value.match(TOKEN_IN_TEXT)?.[0];
    if (token) {
      const id = parseToken(token)?.id;
      return id ? { found: true, id } : { found: true };
    }
    if (CREDENTIAL_PARAMS.test(name)) return { found: true };
  }
  return { found: false };
}

/**
 * Runs the checks of one request.
 * @example
 * const g = await guard.check(req, ip);
 * if (!g.ok) return refuse(g.answer, g.reason);
 */
export class Guard {
  private readonly lists = new Map<string, AllowList>();

  constructor(
    private readonly store: TokenStore,
    private readonly throttle: AuthThrottle,
    private readonly warn: (message: string) => void,
    private readonly now: () => number,
  ) {}

  async check(req: IncomingMessage, ip: string): Promise<GuardResult> {
    const blocked = this.throttle.blockedForMs(ip);
    if (blocked > 0)
      return { ok: false, answer: GatewayKo.throttled(blocked), reason: "throttled", token: null };
    const inQuery = tokenInQuery(req.url ?? "");
    if (inQuery.found) {
      const name = inQuery.id ? (await this.store.list()).find((t) => t.id === inQuery.id)?.name : undefined;
      if (name)
        this.warn(
          `token "${name}" was sent in a URL from ${ip}: it may sit in logs now; consider revoking it`,
        );
      this.failed(ip);
      return { ok: false, answer: GatewayKo.tokenInQuery(), reason: "token-in-query", token: name ?? null };
    }
    const auth = await this.store.authenticate(bearerOf(req));
    if (!auth.ok) {
      this.failed(ip);
      return { ok: false, answer: GatewayKo.auth(), reason: `auth:${auth.reason}`, token: auth.name ?? null };
    }
    const record = auth.record;
    if (!this.allowListOf(record).allows(ip)) {
      return {
        ok: false,
        answer: GatewayKo.notAllowed("this address is not in the token's allow-list"),
        reason: "ip",
        token: record.name,
      };
    }
    this.store.touch(record.name);
    return { ok: true, record };
  }

  /**
   * The checks of a transfer URL the gateway handed out (an upload id, a relayed download link): such a URL
   * is a credential of its own, bound to the token that asked for it. A Bearer token, when sent, must be
   * that one; without one, that token must still be valid (not revoked, not expired) and allow the address.
   * @example
   * const g = await guard.checkOwner(req, ip, uploads.ownerOf(id));
   */
  async checkOwner(req: IncomingMessage, ip: string, owner: string | undefined): Promise<GuardResult> {
    if (bearerOf(req) !== undefined || owner === undefined) {
      const r = await this.check(req, ip);
      if (!r.ok || r.record.name === owner) return r;
      const why =
        owner === undefined ? "unknown or expired transfer" : "this transfer was handed to another token";
      return { ok: false, answer: GatewayKo.notAllowed(why), reason: "transfer-owner", token: r.record.name };
    }
    const blocked = this.throttle.blockedForMs(ip);
    if (blocked > 0)
      return { ok: false, answer: GatewayKo.throttled(blocked), reason: "throttled", token: null };
    const record = (await this.store.list()).find((t) => t.name === owner);
    if (!record || (record.expires !== null && Date.parse(record.expires) <= this.now())) {
      return { ok: false, answer: GatewayKo.auth(), reason: "auth:revoked", token: owner };
    }
    if (!this.allowListOf(record).allows(ip)) {
      const answer = GatewayKo.notAllowed("this address is not in the token's allow-list");
      return { ok: false, answer, reason: "ip", token: owner };
    }
    return { ok: true, record };
  }

  private failed(ip: string): void {
    if (this.throttle.fail(ip)) this.warn(`too many failed authentications from ${ip}: refused for a minute`);
  }

  private allowListOf(record: TokenRecord): AllowList {
    const key = record.allowIps.join(" ");
    let list = this.lists.get(key);
    if (!list) {
      list = allowList(record.allowIps);
      this.lists.set(key, list);
    }
    return list;
  }
}
