/** A minimal web console (spec §1.6): log in, "Get my API key", "Disable API usage". Server-rendered forms. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Ctx } from "../context.js";
import { esc, readBody, sendHtml } from "../http.js";
import { ids } from "../ids.js";

function sessionOf(ctx: Ctx, req: IncomingMessage): string | undefined {
  const cookie = req.headers.cookie ?? "";
  const m = /(?:^|;\s*)SID=([a-f0-9]{32})/.exec(cookie);
  return m?.[1] ? ctx.sessions.get(m[1]) : undefined;
}

async function form(req: IncomingMessage): Promise<URLSearchParams> {
  if (req.method !== "POST") return new URLSearchParams();
  return new URLSearchParams((await readBody(req, 64 * 1024, 30_000)).toString("utf8"));
}

/**
 * `GET|POST /login.pl`: e-mail + password form; success sets the `SID` cookie and redirects to the console.
 * @example
 * await handleLogin(ctx, req, res);
 */
export async function handleLogin(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const f = await form(req);
  let error = "";
  if (req.method === "POST") {
    const account = ctx.store.account(f.get("mail") ?? "");
    if (account && account.password === f.get("pass")) {
      const sid = ids.secret();
      ctx.sessions.set(sid, account.email);
      res.writeHead(302, {
        Location: "/console/params.pl",
        "Set-Cookie": `SID=${sid}; Path=/; HttpOnly; SameSite=Lax`,
        "Content-Length": 0,
      });
      res.end();
      return;
    }
    error = '<p class="error" id="login-error">Invalid e-mail or password</p>';
  }
  sendHtml(
    res,
    req.method === "POST" ? 403 : 200,
    "Login",
    `<h1>Login</h1>\n${error}\n<form method="post" action="/login.pl" id="login-form">
<input type="email" name="mail" id="mail" placeholder="E-mail">
<input type="password" name="pass" id="pass" placeholder="Password">
<button type="submit" id="login">Login</button></form>`,
  );
}

/**
 * `GET|POST /console/params.pl`: the account's parameters with "Get my API key" (regenerate, shown once) and
 * "Disable API usage" (revoke). Stable ids: `#get-api-key`, `#disable-api`, `#api-key`.
 * @example
 * await handleParams(ctx, req, res, admin);
 */
export async function handleParams(
  ctx: Ctx,
  req: IncomingMessage,
  res: ServerResponse,
  actions: { regenerateKey(email: string): string; disableApi(email: string): void },
): Promise<void> {
  const email = sessionOf(ctx, req);
  if (!email) {
    res.writeHead(302, { Location: "/login.pl", "Content-Length": 0 });
    res.end();
    return;
  }
  const f = await form(req);
  let shown = "";
  let note = "";
  if (req.method === "POST") {
    const action = f.get("action");
    if (action === "get_api_key") {
      shown = actions.regenerateKey(email);
      note = "Your new API key is shown once: keep it safe. The previous key no longer works.";
    } else if (action === "disable_api") {
      actions.disableApi(email);
      note = "API usage is disabled: the key has been revoked.";
    }
  }
  const account = ctx.store.account(email);
  if (!account) {
    res.writeHead(302, { Location: "/login.pl", "Content-Length": 0 });
    res.end();
    return;
  }
  const keyBlock = shown
    ? `<p>API key: <code id="api-key">${esc(shown)}</code></p>`
    : `<p id="api-status">API: ${account.api_key ? "enabled" : "disabled"}</p>`;
  sendHtml(
    res,
    200,
    "Parameters",
    `<h1>Parameters of ${esc(account.email)}</h1>
<p id="offer">Offer: ${account.offer}</p>
${note ? `<p id="note">${esc(note)}</p>` : ""}
${keyBlock}
<form method="post" action="/console/params.pl"><input type="hidden" name="action" value="get_api_key"><button type="submit" id="get-api-key">Get my API key</button></form>
<form method="post" action="/console/params.pl"><input type="hidden" name="action" value="disable_api"><button type="submit" id="disable-api">Disable API usage</button></form>`,
    { "Cache-Control": "no-store" },
  );
}
