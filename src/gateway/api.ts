// One API call through the gateway (`/v1/<endpoint>`): the endpoint and method, the token's scope, the
// body, the token's folder, then the shared upstream; the answer goes back as 1fichier gave it, rewritten
// only where the gateway stands in for a transfer host or must hide what is outside a token's folder.
import type { IncomingMessage, ServerResponse } from "node:http";
import { GatewayKo } from "./answers.js";
import { auditTargets, BadTargetError, checkInside, targetsOf } from "./confine.js";
import { type Exchange, type GatewayContext, publicOrigin, refuse, respond } from "./context.js";
import { changeOf } from "./index-feed.js";
import { allows, ENDPOINTS, type EndpointRule } from "./scopes.js";
import type { TokenRecord } from "./token-store.js";
import { parseJson, type RawAnswer, UpstreamDownError, WaitTooLongError } from "./upstream.js";

type Body = Record<string, unknown>;

const BODY_LIMIT = 1024 * 1024;

/** Reads a JSON object body (empty: `{}`); undefined when it is not one, or too large. */
async function readBody(req: IncomingMessage): Promise<Body | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Body) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Handles `/v1/<endpoint>` for an authenticated token. Resolves once the answer was sent.
 * @example
 * await handleApi(g, req, res, "folder/ls.cgi", record, exchange);
 */
export async function handleApi(
  g: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: string,
  record: TokenRecord,
  ex: Exchange,
): Promise<void> {
  const rule = ENDPOINTS[endpoint];
  if (!rule) return refuse(ex, res, GatewayKo.unknownEndpoint(), "unknown-endpoint");
  const method = req.method === "GET" ? "GET" : req.method === "POST" ? "POST" : undefined;
  if (!method || !rule.methods.includes(method)) {
    return refuse(ex, res, GatewayKo.methodNotAllowed(rule.methods), "method");
  }
  if (!allows(record.scopes, rule.scopes)) {
    const need = rule.scopes.map((s) => `"${s}"`).join(" or ");
    return refuse(ex, res, GatewayKo.notAllowed(`this token lacks the ${need} scope`), "scope");
  }
  const body = await readBody(req);
  if (body === undefined) return refuse(ex, res, GatewayKo.badRequest(), "bad-body");
  ex.targets = auditTargets(endpoint, body);
  if (record.folder) {
    const why = await confinementRefusal(g, endpoint, body, record);
    if (why)
      return refuse(ex, res, why === "bad-body" ? GatewayKo.badRequest() : GatewayKo.notAllowed(), why);
  }
  const answer = await forward(g, endpoint, rule, method, body, res, ex);
  if (!answer) return;
  respond(ex, res, await afterwards(g, req, endpoint, rule, body, record, answer));
}

/** Why a confined token may not make this call, or undefined. */
async function confinementRefusal(
  g: GatewayContext,
  endpoint: string,
  body: Body,
  record: TokenRecord,
): Promise<string | undefined> {
  let targets: ReturnType<typeof targetsOf>;
  try {
    targets = targetsOf(endpoint, body);
  } catch (e) {
    if (e instanceof BadTargetError) return "bad-body";
    throw e;
  }
  const root = (record.folder as { id: number }).id;
  const why = await checkInside(targets, root, g.view, record.remoteJobs ?? []);
  return why === undefined ? undefined : `folder: ${why}`;
}

/** Sends the call upstream; answers 429 or 502 itself (and resolves undefined) when there is no answer. */
async function forward(
  g: GatewayContext,
  endpoint: string,
  rule: EndpointRule,
  method: "GET" | "POST",
  body: Body,
  res: ServerResponse,
  ex: Exchange,
): Promise<RawAnswer | undefined> {
  const gone = new AbortController();
  res.once("close", () => gone.abort());
  // Only the bodiless account-info read is cached: a body with settings changes them (spec §7.18).
  const cache =
    rule.cacheable === true &&
    (endpoint !== "user/info.cgi" || Object.keys(body).every((k) => k === "pretty"));
  try {
    return await g.upstream.call(endpoint, {
      method,
      body: method === "POST" ? body : undefined,
      cache,
      once: rule.once === true,
      signal: gone.signal,
    });
  } catch (e) {
    if (e instanceof WaitTooLongError) refuse(ex, res, GatewayKo.busy(e.retryAfterMs), "max-wait");
    else if (e instanceof UpstreamDownError) refuse(ex, res, GatewayKo.upstreamDown(), "upstream-down");
    else if (!gone.signal.aborted) throw e;
    return undefined;
  }
}

/** What a successful answer changes: the gateway's caches and views, and the transfer URLs it hands out. */
async function afterwards(
  g: GatewayContext,
  req: IncomingMessage,
  endpoint: string,
  rule: EndpointRule,
  body: Body,
  record: TokenRecord,
  answer: RawAnswer,
): Promise<RawAnswer> {
  const json = parseJson(answer);
  if (answer.status >= 300 || !json || String(json.status ?? "OK").toUpperCase() === "KO") return answer;
  if (rule.mutates) g.governor.invalidate("listings");
  if (endpoint === "user/info.cgi" && Object.keys(body).some((k) => k !== "pretty"))
    g.governor.invalidate("user-info");
  // The index is written through before the client gets its answer: its next call may use what this one made.
  const change = changeOf({ endpoint, body, json, at: g.now() });
  if (change) g.view.changed(change);
  const gateway = publicOrigin(g, req);
  switch (endpoint) {
    case "upload/get_upload_server.cgi":
      return g.uploads.adopt(answer, record, gateway.host);
    case "download/get_token.cgi":
      return g.downloads ? g.downloads.adopt(answer, record.name, gateway.origin) : answer;
    case "remote/request.cgi":
      if (typeof json.id === "number" || typeof json.id === "string") {
        await g.store.noteRemoteJob(record.name, Number(json.id)).catch(() => {});
      }
      return answer;
    case "remote/ls.cgi":
      return record.folder ? onlyOwnJobs(answer, json, record.remoteJobs ?? []) : answer;
    default:
      return answer;
  }
}

/** remote/ls.cgi for a confined token: only the jobs it created (the others may fetch anything, anywhere). */
function onlyOwnJobs(answer: RawAnswer, json: Body, own: readonly number[]): RawAnswer {
  const data = Array.isArray(json.data) ? json.data : [];
  const kept = data.filter((j) => own.includes(Number((j as Body)?.id)));
  return { ...answer, body: JSON.stringify({ ...json, data: kept }) };
}
