/** The HTTP server: routing, the API pipeline (faults, limits, auth, JSON), website and admin endpoints. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiRoute, Ctx } from "./context.js";
import {
  ApiError,
  BodyAborted,
  BodyTooLarge,
  bearerKey,
  clientIp,
  KO,
  readBody,
  sendHtml,
  sendJson,
  sendKo,
  sleep,
} from "./http.js";
import { handleLogin, handleParams } from "./routes/console.js";
import { downloadRoutes, serveDownload } from "./routes/download.js";
import { fileRoutes } from "./routes/files.js";
import { folderRoutes } from "./routes/folders.js";
import { miscRoutes } from "./routes/misc.js";
import { remoteRoutes } from "./routes/remote.js";
import { handleEnd, handleUpload, uploadRoutes } from "./routes/upload.js";
import { userRoutes } from "./routes/user.js";
import { handleCheckLinks, handleDir, handleRemove } from "./routes/web.js";

const JSON_LIMIT = 1024 * 1024;
const BODY_STALL_MS = 30_000;

/** Every API endpoint, keyed by its path under `/v1/` (spec §7). */
export const API_ROUTES: Record<string, ApiRoute> = {
  ...downloadRoutes,
  ...uploadRoutes,
  ...fileRoutes,
  ...folderRoutes,
  ...userRoutes,
  ...remoteRoutes,
  ...miscRoutes,
};

/** Admin actions the HTTP admin API maps onto. */
export interface AdminActions {
  call(method: string, args: Record<string, unknown>): unknown;
  regenerateKey(email: string): string;
  disableApi(email: string): void;
}

function count(ctx: Ctx, name: string): void {
  ctx.stats.requests++;
  ctx.stats.byEndpoint[name] = (ctx.stats.byEndpoint[name] ?? 0) + 1;
}

function maintenance(res: ServerResponse): void {
  sendHtml(
    res,
    503,
    "Maintenance",
    "<h1>Maintenance</h1>\n<p>Our services are in maintenance. Please come back after 20 minutes.</p>",
    { "Retry-After": "1200" },
  );
}

async function handleApi(ctx: Ctx, req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
  const route = API_ROUTES[name];
  if (!route) {
    sendKo(res, KO.unknownPath());
    return;
  }
  const method = req.method ?? "";
  if (!(route.methods as readonly string[]).includes(method)) {
    res.setHeader("Allow", route.methods.join(", "));
    sendKo(res, KO.methodNotAllowed());
    return;
  }
  if (ctx.faults.roll("503")) return maintenance(res);
  if (ctx.faults.roll("500")) return sendKo(res, KO.internal());
  if (ctx.faults.roll("slow")) await sleep(ctx.faults.slowMs);
  const key = bearerKey(req);
  const ip = clientIp(req);
  const account = key ? (ctx.store.accountByKey(key) ?? null) : null;
  if (ctx.faults.roll("flood")) {
    // A real lock, as an overflow makes: the IP and the key stay refused for lockSeconds, so a client that
    // retries at once (the behaviour that gets users locked on 1fichier) meets the lock again.
    const now = ctx.clock.now();
    ctx.limiter.lockIp(ip, ctx.lockSeconds, now);
    if (account?.api_key) ctx.limiter.lockKey(account.api_key, ctx.lockSeconds, now);
    ctx.stats.floodLocks++;
    ctx.log(`flood fault: lock for ${ctx.lockSeconds}s (${ip}${account ? `, ${account.email}` : ""})`);
    const code = name === "user/info.cgi" ? "#38" : "#374";
    return sendKo(res, new ApiError(403, `Flood detected: IP Locked ${code}`, ctx.lockSeconds));
  }
  const refusal = ctx.limiter.checkApi(account?.api_key ?? null, ip, ctx.clock.now());
  if (refusal) {
    if (refusal.newLock) {
      ctx.stats.floodLocks++;
      ctx.log(`flood lock for ${refusal.retryAfterSeconds}s (${ip}${account ? `, ${account.email}` : ""})`);
    }
    // DECISIONS error table: every flood answer of user/info.cgi carries #38.
    const message = name === "user/info.cgi" ? refusal.message.replace("#374", "#38") : refusal.message;
    return sendKo(res, new ApiError(403, message, refusal.retryAfterSeconds));
  }
  let raw: Buffer;
  if (method === "POST") {
    try {
      raw = await readBody(req, JSON_LIMIT, BODY_STALL_MS);
    } catch (e) {
      if (e instanceof BodyTooLarge) sendKo(res, KO.tooLarge(), { Connection: "close" });
      return;
    }
  } else {
    raw = Buffer.alloc(0);
  }
  // DECISIONS: a key that was given but is unknown is refused even where the key is optional.
  if ((key !== null && !account) || (route.auth === "required" && !account)) return sendKo(res, KO.auth());
  let body: Record<string, unknown> = {};
  const text = raw.toString("utf8").trim();
  if (text !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return sendKo(res, KO.badRequest());
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      return sendKo(res, KO.badRequest());
    body = parsed as Record<string, unknown>;
  }
  if (body.pretty !== undefined && body.pretty !== 0 && body.pretty !== 1)
    return sendKo(res, KO.badRequest());
  const result = await route.handle(ctx, { req, res, body, account, ip });
  sendJson(res, 200, result, body.pretty === 1);
}

async function handleAdmin(
  ctx: Ctx,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  admin: AdminActions,
): Promise<void> {
  if (req.headers["x-emulator-admin"] !== ctx.adminToken) {
    sendJson(res, 403, { status: "KO", message: "Bad admin token: send the X-Emulator-Admin header" });
    return;
  }
  if (req.method !== "POST") {
    res.setHeader("Allow", "POST");
    sendJson(res, 405, { status: "KO", message: "Use POST" });
    return;
  }
  let args: Record<string, unknown> = {};
  const text = (await readBody(req, JSON_LIMIT, BODY_STALL_MS)).toString("utf8").trim();
  try {
    if (text) args = JSON.parse(text) as Record<string, unknown>;
    if (args === null || typeof args !== "object" || Array.isArray(args)) throw new Error("not an object");
  } catch {
    sendJson(res, 400, { status: "KO", message: "The admin body must be a JSON object" });
    return;
  }
  try {
    const out = admin.call(method, args);
    sendJson(res, 200, out ?? { status: "OK" });
  } catch (e) {
    sendJson(res, (e as { status?: number }).status ?? 400, { status: "KO", message: (e as Error).message });
  }
}

/**
 * Creates the request handler of one emulator. Every handler is wrapped: an unexpected error becomes a 500 KO.
 * @example
 * http.createServer(createHandler(ctx, admin));
 */
export function createHandler(ctx: Ctx, admin: AdminActions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    req.on("error", () => {});
    res.on("error", () => {});
    void route(ctx, req, res, admin).catch((e: unknown) => {
      if (e instanceof ApiError) {
        sendKo(res, e);
        return;
      }
      if (e instanceof BodyTooLarge) {
        sendKo(res, KO.tooLarge(), { Connection: "close" });
        return;
      }
      if (e instanceof BodyAborted) {
        res.destroy(); // the client went away or stalled: nobody to answer
        return;
      }
      ctx.log(`internal error on ${req.method} ${req.url?.split("?")[0]}: ${(e as Error)?.stack ?? e}`);
      if (!res.headersSent) sendKo(res, KO.internal());
      else res.destroy();
    });
  };
}

async function route(
  ctx: Ctx,
  req: IncomingMessage,
  res: ServerResponse,
  admin: AdminActions,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? "/", "http://emulator.invalid");
  } catch {
    sendKo(res, KO.badRequest());
    return;
  }
  const path = url.pathname;
  // Closing: answer what comes on open connections, then let them go.
  if (ctx.closing) res.setHeader("Connection", "close");
  const dl = /^\/dl\/([A-Za-z0-9]{1,64})$/.exec(path);
  const dir = /^\/(?:[a-z]{2}\/)?dir\/([^/]+)\/?$/.exec(path);
  const remove = /^\/(?:[a-z]{2}\/)?remove\/([A-Za-z0-9]+)\/([A-Za-z0-9]+)\/?$/.exec(path);
  if (path.startsWith("/_emulator/")) {
    await handleAdmin(ctx, req, res, path.slice("/_emulator/".length), admin);
    return;
  }
  if (path.startsWith("/v1/")) {
    const name = path.slice(4);
    count(ctx, API_ROUTES[name] ? name : "unknown");
    await handleApi(ctx, req, res, name);
  } else if (path === "/upload.cgi") {
    count(ctx, "upload.cgi");
    await handleUpload(ctx, req, res, url);
  } else if (path === "/end.pl") {
    count(ctx, "end.pl");
    handleEnd(ctx, req, res, url);
  } else if (dl) {
    count(ctx, "dl");
    await serveDownload(ctx, req, res, dl[1]!);
  } else if (dir) {
    count(ctx, "dir");
    await handleDir(ctx, req, res, url, dir[1]!);
  } else if (path === "/check_links.pl") {
    count(ctx, "check_links.pl");
    await handleCheckLinks(ctx, req, res);
  } else if (remove) {
    count(ctx, "remove");
    await handleRemove(ctx, req, res, remove[1]!, remove[2]!);
  } else if (path === "/login.pl") {
    count(ctx, "login.pl");
    await handleLogin(ctx, req, res);
  } else if (path === "/console/params.pl") {
    count(ctx, "console/params.pl");
    await handleParams(ctx, req, res, admin);
  } else if (path === "/" && req.method === "GET") {
    sendHtml(
      res,
      200,
      "fichier emulator",
      '<h1>fichier emulator</h1>\n<p>API under <code>/v1/</code>. <a href="/login.pl">Console login</a>.</p>',
    );
  } else {
    count(ctx, "unknown");
    sendKo(res, KO.unknownPath());
  }
}
