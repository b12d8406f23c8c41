// Emulator fuzzing: 10,000 random and malformed requests (fast-check), sent over loopback to the BUILT emulator
// running as its own process (`fichier emulator --json`), so its memory can be read from /proc. Every answer to a
// malformed API request must be a well-formed KO (`{"status":"KO","message":...}`) with a 4xx status; malformed
// HTTP gets a 400; the emulator must keep serving, and its resident memory must stay bounded.
// FICHIER_FUZZ_RUNS changes the count; FICHIER_FUZZ_SEED replays a run.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { resolve } from "node:path";
import fc from "fast-check";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_ROUTES } from "../../src/emulator/server.js";

const BIN = resolve(import.meta.dirname, "../../dist/cli/main.js");
const RUNS = Number(process.env.FICHIER_FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FICHIER_FUZZ_SEED ?? 424242);
// Raw-socket cases are slower (one connection each): a tenth of the budget.
const RAW_RUNS = Math.ceil(RUNS / 10);
const API_RUNS = RUNS - RAW_RUNS;
/** Growth of the emulator's resident memory allowed over the whole run. */
const MAX_RSS_GROWTH = 150 * 1024 * 1024;

let child: ChildProcess;
let apiUrl = "";
let host = "";
let port = 0;
let key = "";
const agent = new Agent({ connections: 8, keepAliveTimeout: 5_000 });

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

const routes = Object.entries(API_ROUTES).map(([name, r]) => ({
  name,
  methods: r.methods as readonly string[],
  auth: r.auth,
}));
const postRoutes = routes.filter((r) => r.methods.includes("POST"));

/** A body that is not a JSON object: broken JSON text, or JSON of the wrong shape. */
const notAnObject = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => {
    try {
      const v = JSON.parse(s);
      return v === null || typeof v !== "object" || Array.isArray(v);
    } catch {
      return s.trim() !== "";
    }
  }),
  fc
    .jsonValue({ maxDepth: 3 })
    .filter((v) => v === null || typeof v !== "object" || Array.isArray(v))
    .map((v) => JSON.stringify(v)),
  fc.constantFrom(
    "{",
    "}",
    "[",
    '{"a":',
    "\u0000",
    '{"url":"x"',
    "\uFEFF{",
    "nul",
    "tru",
    "1e99999",
    '{"a":1}}',
  ),
);

/** Values of the wrong type, or strings that name nothing, for fields the endpoints read. */
const junk = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.anything({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.string({ maxLength: 300 }).map((s) => `zz${s}`),
  fc.constantFrom(
    "",
    "-1",
    "99999999999999999999",
    "https://1fichier.com/?",
    "../../etc/passwd",
    "\u0000",
    "%00",
  ),
);

/** Fields the endpoints read (spec §7), filled with junk: ids that do not exist or values of the wrong type. */
const badFields = fc.record(
  {
    url: junk,
    urls: junk,
    folder_id: junk,
    destination_folder_id: junk,
    name: junk,
    pass: junk,
    files: junk,
    share: junk,
    id: junk,
  },
  { requiredKeys: [] },
);

interface ApiCase {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const apiCase: fc.Arbitrary<ApiCase> = fc.oneof(
  // Broken or non-object JSON with a valid key: 400.
  fc.record({ route: fc.constantFrom(...postRoutes), body: notAnObject }).map(({ route, body }) => ({
    kind: "bad json",
    method: "POST",
    path: route.name,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body,
  })),
  // Unknown keys (given, so refused even where the key is optional), or no usable key where one is required: 401.
  fc
    .record({
      route: fc.constantFrom(...postRoutes),
      auth: fc.string({ maxLength: 80 }).map((s) => `Bearer zz${s.replace(/[\r\n\s]/g, "")}`),
    })
    .map(({ route, auth }) => ({
      kind: "unknown key",
      method: "POST",
      path: route.name,
      headers: {
        authorization: Buffer.from(auth, "utf8").toString("latin1"),
        "content-type": "application/json",
      },
      body: "{}",
    })),
  fc
    .record({
      route: fc.constantFrom(...postRoutes.filter((r) => r.auth === "required")),
      auth: fc.constantFrom("Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "", "Bearer\t"),
    })
    .map(({ route, auth }) => ({
      kind: "no key",
      method: "POST",
      path: route.name,
      headers: { authorization: auth, "content-type": "application/json" },
      body: "{}",
    })),
  // Unknown endpoints: 404.
  fc.string({ minLength: 1, maxLength: 60 }).map((s) => ({
    kind: "unknown path",
    method: "POST",
    path: `zz/${encodeURIComponent(s)}.cgi`,
    headers: { authorization: `Bearer ${key}` },
    body: "{}",
  })),
  // Methods the endpoint does not take: 405.
  fc
    .record({
      route: fc.constantFrom(...routes),
      method: fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS"),
    })
    .filter(({ route, method }) => !route.methods.includes(method))
    .map(({ route, method }) => ({
      kind: "wrong method",
      method,
      path: route.name,
      headers: { authorization: `Bearer ${key}` },
    })),
  // Well-formed JSON objects whose fields are junk, on endpoints that need a real target: some 4xx.
  fc
    .record({
      route: fc.constantFrom(
        "file/info.cgi",
        "file/rm.cgi",
        "file/mv.cgi",
        "file/cp.cgi",
        "file/rename.cgi",
        "file/chattr.cgi",
        "folder/rm.cgi",
        "folder/share.cgi",
        "folder/move.cgi",
        "download/get_token.cgi",
        "remote/info.cgi",
      ),
      fields: badFields,
    })
    .filter(({ route }) => routes.some((r) => r.name === route))
    .map(({ route, fields }) => ({
      kind: "junk fields",
      method: "POST",
      path: route,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(fields),
    })),
);

/** Malformed HTTP on a raw socket: bad request lines, bad headers, lying lengths. */
const rawCase = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => `${s.replace(/\r?\n/g, " ")} HTTP/1.1\r\n\r\n`),
  fc
    .string({ minLength: 1, maxLength: 40 })
    .map((s) => `POST /v1/user/info.cgi HTTP/1.1\r\nHost: x\r\n${s.replace(/[\r\n:]/g, "")}\r\n\r\n`),
  fc.constantFrom(
    "GET / HTTP/9.9\r\n\r\n",
    "POST /v1/user/info.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "POST /v1/user/info.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
    "POST /v1/user/info.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "\u0000\u0001\u0002\r\n\r\n",
    `GET /${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: x\r\nX: ${"b".repeat(40_000)}\r\n\r\n`,
  ),
);

async function sendApi(c: ApiCase): Promise<{ status: number; text: string; type: string }> {
  const res = await request(`${apiUrl}/${c.path}`, {
    method: c.method as "POST",
    headers: c.headers,
    ...(c.body !== undefined ? { body: c.body } : {}),
    dispatcher: agent,
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, type: String(res.headers["content-type"] ?? "") };
}

function sendRaw(payload: string): Promise<string> {
  return new Promise((ok, fail) => {
    const socket = connect(port, host);
    let answer = "";
    socket.setTimeout(10_000, () => {
      socket.destroy();
      fail(new Error("no answer in 10 s"));
    });
    socket.on("data", (d) => {
      answer += d.toString("latin1");
    });
    socket.on("error", () => ok(answer));
    socket.on("close", () => ok(answer));
    socket.end(Buffer.from(payload, "latin1"));
  });
}

beforeAll(async () => {
  expect(existsSync(BIN), `${BIN} is missing: run \`npm run build\` first`).toBe(true);
  child = spawn(process.execPath, [BIN, "emulator", "--json", "--limits", "off"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  let line = "";
  for await (const chunk of child.stdout!) {
    line += String(chunk);
    if (line.includes("\n")) break;
  }
  const info = JSON.parse(line) as { apiUrl: string; accounts: { offer: number; apiKey: string }[] };
  apiUrl = info.apiUrl;
  const u = new URL(apiUrl);
  host = u.hostname;
  port = Number(u.port);
  key = info.accounts.find((a) => a.offer === 1)?.apiKey ?? "";
});

afterAll(async () => {
  await agent.close();
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
});

describe(`emulator fuzzing: ${RUNS} random and malformed requests`, () => {
  it("answers every one with a well-formed 4xx, keeps serving, memory bounded", async () => {
    const pid = child.pid ?? 0;
    // Warm up, then take the baseline.
    for (let i = 0; i < 200; i++)
      await sendApi({
        kind: "warm",
        method: "POST",
        path: "user/info.cgi",
        headers: { authorization: `Bearer ${key}` },
        body: "{}",
      });
    const before = rssBytes(pid);
    const kinds: Record<string, number> = {};

    await fc.assert(
      fc.asyncProperty(apiCase, async (c) => {
        kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
        const r = await sendApi(c);
        const what = `${c.kind} ${c.method} ${c.path} ${c.body?.slice(0, 80) ?? ""} -> ${r.status} ${r.text.slice(0, 120)}`;
        expect(r.status >= 400 && r.status < 500, what).toBe(true);
        expect(r.type, what).toMatch(/application\/json/);
        const body = JSON.parse(r.text) as { status?: unknown; message?: unknown };
        expect(body.status, what).toBe("KO");
        expect(typeof body.message === "string" && body.message.length > 0, what).toBe(true);
      }),
      { numRuns: API_RUNS, seed: SEED },
    );

    await fc.assert(
      fc.asyncProperty(rawCase, async (payload) => {
        kinds.raw = (kinds.raw ?? 0) + 1;
        const answer = await sendRaw(payload);
        // Node answers a request it cannot parse with a bare 400 (or 431 for huge headers, 414 for long URLs),
        // or closes the socket; it never answers 5xx, and the process stays up.
        const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
        if (status !== undefined) {
          expect(
            Number(status),
            `${JSON.stringify(payload.slice(0, 80))} -> ${answer.slice(0, 120)}`,
          ).toBeGreaterThanOrEqual(400);
          expect(Number(status)).toBeLessThan(500);
        }
        expect(child.exitCode).toBeNull();
      }),
      { numRuns: RAW_RUNS, seed: SEED + 1 },
    );

    // Still serving, correctly.
    const ok = await sendApi({
      kind: "check",
      method: "POST",
      path: "user/info.cgi",
      headers: { authorization: `Bearer ${key}` },
      body: "{}",
    });
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.text) as { status?: string }).status).not.toBe("KO");
    const after = rssBytes(pid);
    console.log(
      `fuzz seed ${SEED}: ${JSON.stringify(kinds)}; emulator RSS ${(before / 2 ** 20).toFixed(1)} MiB -> ${(after / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(after - before).toBeLessThan(MAX_RSS_GROWTH);
  });
});
