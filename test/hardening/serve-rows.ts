// The bad-input corpus rows that are HTTP requests to `fichier serve` (setup `serve`, `serve-auth`, `serve-idle`):
// each sends one request (written out raw, so a `..` or a NUL goes out as written) to the BUILT command serving
// a folder of the account with the canary key, and must get its documented status (the row's `exit` column)
// with a body whose first line matches the row's pattern: the cause, in one line, no stack trace, no key.
//
// A row's `args` are [METHOD, PATH, "Header: value"...] plus directives:
//   @body=TEXT        the request body (Content-Length set; a literal \r\n in TEXT is sent as CR LF);
//   @cut=N/M          announce M bytes, send N, close: the row then judges the @then request;
//   @then=METHOD PATH a second request, judged instead of the first (what the first left behind);
//   @repeat=N         send the request N times, judge the last;
//   @idle=N           first open N idle connections (a server capped at 64 closes the rest at once), then
//                     close them and send the request: the server must still answer;
//   @header=NAME      the answer must carry this header (405's Allow, 416's Content-Range).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import type { CorpusCase } from "./corpus.js";

/** The setups of rows this module runs. */
export const SERVE_SETUPS = ["serve", "serve-auth", "serve-idle"] as const;

/**
 * True when a corpus row is an HTTP request to `fichier serve`.
 * @example
 * if (isServeRow(c)) return runServeRow(c, servers);
 */
export function isServeRow(c: CorpusCase): boolean {
  return c.setup.some((s) => (SERVE_SETUPS as readonly string[]).includes(s));
}

/** A running `fichier serve` and everything it printed. */
export interface ServeProcess {
  port: number;
  child: ChildProcess;
  out: { stdout: string; stderr: string };
}

/**
 * Starts the built `fichier ARGS` (a serve command on 127.0.0.1:0) and waits for the URL it prints.
 * @example
 * const s = await startServe(bin, ["serve", "webdav", "/corpus-serve", "--addr", "127.0.0.1:0"], env);
 */
export function startServe(bin: string, args: string[], env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (out.stderr += d));
  child.stdin?.end();
  return new Promise((resolve, reject) => {
    child.on("close", (code) =>
      reject(new Error(`fichier serve exited ${code} before listening:\n${out.stderr}`)),
    );
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      out.stdout += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out.stdout);
      if (m) {
        child.removeAllListeners("close");
        resolve({ port: Number(m[1]), child, out });
      }
    });
  });
}

/**
 * Stops a server with Ctrl-C; resolves with its exit code.
 * @example
 * expect(await stopServe(s)).toBe(130);
 */
export async function stopServe(s: ServeProcess): Promise<number | null> {
  if (s.child.exitCode !== null) return s.child.exitCode;
  const closed = once(s.child, "close");
  s.child.kill("SIGINT");
  const [code] = (await closed) as [number | null];
  return code;
}

/** What one row's request got. */
export interface HttpOutcome {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The whole answer as text (status line, headers, body), for the leak and stack-trace checks. */
  raw: string;
}

interface Plan {
  method: string;
  path: string;
  headers: string[];
  body?: string;
  cut?: { sent: number; announced: number };
  followUp?: { method: string; path: string };
  repeat: number;
  idle: number;
  header?: string;
}

function planOf(c: CorpusCase, fill: (s: string) => string): Plan {
  const [method = "GET", path = "/", ...rest] = c.args.map(fill);
  const plan: Plan = { method, path, headers: [], repeat: 1, idle: 0 };
  for (const a of rest) {
    const d = /^@(\w+)=(.*)$/s.exec(a);
    if (!d) plan.headers.push(a);
    else if (d[1] === "body") plan.body = d[2];
    else if (d[1] === "cut") {
      const [sent, announced] = (d[2] ?? "").split("/").map(Number);
      plan.cut = { sent: sent ?? 0, announced: announced ?? 0 };
    } else if (d[1] === "then") {
      const [m = "GET", p = "/"] = (d[2] ?? "").split(" ");
      plan.followUp = { method: m, path: p };
    } else if (d[1] === "repeat") plan.repeat = Number(d[2]);
    else if (d[1] === "idle") plan.idle = Number(d[2]);
    else if (d[1] === "header") plan.header = (d[2] ?? "").toLowerCase();
    else throw new Error(`${c.id}: unknown directive ${a}`);
  }
  return plan;
}

/** Writes `data` on a new connection; resolves with all the server sent before closing. */
function exchange(port: number, data: string, o: { endAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => (text += d));
    socket.on("close", () => resolve(text));
    socket.on("error", (e) => (text ? resolve(text) : reject(e)));
    socket.write(data, "latin1", () => {
      if (o.endAfterWrite) socket.end();
    });
    socket.setTimeout(30_000, () => socket.destroy());
  });
}

function request(port: number, method: string, path: string, headers: string[], body?: string): string {
  const given = (name: string) => headers.some((h) => h.toLowerCase().startsWith(`${name}:`));
  const lines = [`${method} ${path} HTTP/1.1`, ...headers, "Connection: close"];
  // A row may name its own Host (DNS rebinding) or send a chunked body (written out in @body).
  if (!given("host")) lines.splice(1, 0, `Host: 127.0.0.1:${port}`);
  if (body !== undefined && !given("transfer-encoding"))
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join("\r\n")}\r\n\r\n${(body ?? "").replace(/\\r\\n/g, "\r\n")}`;
}

function parse(raw: string): HttpOutcome {
  const [head = "", ...rest] = raw.split("\r\n\r\n");
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of headerLines) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(" ")[1] ?? 0), headers, body: rest.join("\r\n\r\n"), raw };
}

/** Opens `n` idle connections and waits until the server has closed all it would not keep. */
async function idleConnections(port: number, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i += 500) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(500, n - i) }, () => {
        const s = connect(port, "127.0.0.1");
        s.on("error", () => {});
        s.resume();
        return new Promise<Socket>((resolve) => {
          s.once("connect", () => resolve(s));
          s.once("close", () => resolve(s));
        });
      }),
    );
    sockets.push(...batch);
  }
  return sockets;
}

/**
 * Runs one serve row against `port` (the server its setup names).
 * @example
 * const o = await runServeRow(c, port, (s) => s);
 */
export async function runServeRow(
  c: CorpusCase,
  port: number,
  fill: (s: string) => string,
): Promise<HttpOutcome> {
  const p = planOf(c, fill);
  let idle: Socket[] = [];
  if (p.idle > 0) {
    idle = await idleConnections(port, p.idle);
    // Past the cap, the server closed new connections at once; ours now go, and it must still serve.
    for (const s of idle) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
  }
  if (p.cut) {
    const head = [`${p.method} ${p.path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...p.headers];
    head.push(`Content-Length: ${p.cut.announced}`);
    await exchange(port, `${head.join("\r\n")}\r\n\r\n${"x".repeat(p.cut.sent)}`, { endAfterWrite: true });
    // Let the server notice the cut and give up the upload before the follow-up looks.
    await new Promise((r) => setTimeout(r, 500));
  }
  let last: HttpOutcome | undefined;
  if (!p.cut) {
    for (let i = 0; i < p.repeat; i++)
      last = parse(await exchange(port, request(port, p.method, p.path, p.headers, p.body)));
  }
  if (p.followUp) last = parse(await exchange(port, request(port, p.followUp.method, p.followUp.path, [])));
  if (!last) throw new Error(`${c.id}: a @cut row needs @then`);
  return last;
}

/**
 * What is wrong with a serve row's outcome (empty when it behaves as documented): its status, one line naming
 * the cause at the start of the body (or the WebDAV precondition element), the header it must carry.
 * @example
 * expect(judgeServe(c, o)).toEqual([]);
 */
export function judgeServe(c: CorpusCase, o: HttpOutcome): string[] {
  const problems: string[] = [];
  if (o.status !== c.exit) problems.push(`HTTP ${o.status}, documented ${c.exit}`);
  // A WebDAV precondition comes as <D:error> after the XML declaration: judge the line after it.
  const first = o.body.replace(/^<\?xml[^>]*\?>\s*/, "").split("\n")[0] ?? "";
  if (!c.stderr.test(first))
    problems.push(`the body's first line ${JSON.stringify(first)} does not match ${c.stderr}`);
  const wanted = c.args
    .find((a) => a.startsWith("@header="))
    ?.slice("@header=".length)
    .toLowerCase();
  if (wanted && o.headers[wanted] === undefined) problems.push(`no ${wanted} header`);
  return problems;
}

/** The three servers the serve rows talk to. */
export interface ServeFixtures {
  /** Port of each setup's server. */
  ports: Record<(typeof SERVE_SETUPS)[number], number>;
  servers: ServeProcess[];
}

/**
 * Starts the servers of the serve rows with the canary key: `serve` serves the account's /corpus-serve (a
 * file.txt and a folder dir/ made here through `client`), `serve-auth` an in-memory tree behind `--user corpus`
 * (the password from a file), `serve-idle` an in-memory tree capped at 64 connections.
 * @example
 * const fx = await startServeFixtures(bin, client, env, dir);
 */
export async function startServeFixtures(
  bin: string,
  client: {
    paths: { resolveFolder(p: string, o?: { create?: boolean }): Promise<number> };
  },
  upload: (folderId: number, name: string) => Promise<unknown>,
  env: Record<string, string>,
  passwordFile: string,
): Promise<ServeFixtures> {
  const root = await client.paths.resolveFolder("/corpus-serve", { create: true });
  await client.paths.resolveFolder("/corpus-serve/dir", { create: true });
  await upload(root, "file.txt");
  const addr = ["--addr", "127.0.0.1:0"];
  const [shared, auth, idle] = await Promise.all([
    startServe(bin, ["serve", "webdav", "/corpus-serve", ...addr], env),
    startServe(
      bin,
      ["serve", "webdav", ":memory:", ...addr, "--user", "corpus", "--password-file", passwordFile],
      env,
    ),
    startServe(bin, ["serve", "webdav", ":memory:", ...addr, "--max-connections", "64"], env),
  ]);
  return {
    ports: { serve: shared.port, "serve-auth": auth.port, "serve-idle": idle.port },
    servers: [shared, auth, idle],
  };
}

/**
 * The port of the server a serve row's setup names.
 * @example
 * portFor(c, fixtures); // fixtures.ports.serve
 */
export function portFor(c: CorpusCase, fx: ServeFixtures): number {
  const setup = SERVE_SETUPS.find((s) => c.setup.includes(s)) ?? "serve";
  return fx.ports[setup];
}
