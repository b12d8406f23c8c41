// The gateway under load, in real time: 10 clients × 60 mixed calls at once through a gateway (its own
// process) to the emulator with `--limits real` (the load test of test/gateway/load.test.ts, on the wall
// clock). Prints the calls answered, 429s, flood locks at the emulator (must be 0), the requests that reached
// it, the elapsed time against the minimum the limits allow for those requests (3/s, burst 3: must be within
// 1.2×), and the gateway process's peak RSS. The gateway's governor paces at BENCH_GATEWAY_RATE calls/s
// (default 2.8, no burst: just under the limits, to measure the gateway rather than its pacing; `fichier
// gateway` itself paces at 1 call/s).
//
//   node bench/gateway.mjs    (`npm run bench` runs it as the "gateway" section; needs `npm run build`)
//
// It takes about 10 minutes: the mix lists one folder with folder/ls.cgi and file/ls.cgi, which share that
// folder's 30 s listing spacing, so the listings bound the run (docs/gateway.md, "Last measured").
//
// Env: BENCH_GATEWAY_CLIENTS (10), BENCH_GATEWAY_CALLS (60), BENCH_GATEWAY_RATE (2.8).
// Results are printed and saved to bench/out/gateway.json.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { peakRss, ROOT, saveResults, startEmulatorProcess, table, tempFolder, timed } from "./lib.mjs";

const DIST = join(ROOT, "dist");
if (!existsSync(join(DIST, "gateway", "server.js"))) {
  console.error(`${DIST}/gateway/server.js is missing: run "npm run build" first (npm run bench does it)`);
  process.exit(2);
}

const CLIENTS = Number(process.env.BENCH_GATEWAY_CLIENTS ?? 10);
const CALLS = Number(process.env.BENCH_GATEWAY_CALLS ?? 60);
const RATE = Number(process.env.BENCH_GATEWAY_RATE ?? 2.8);
/**
 * The emulator's `real` limits (DECISIONS "Limits"): 3 requests/s per key and IP, burst 3; one listing of a folder
 * per 30 s; account info once a minute per IP (5 min per key).
 */
const LIMIT = { rate: 3, burst: 3, folderListS: 30, userInfoS: 60 };

/** One client's i-th call, as the load test mixes them: listings and account info, file info, tokens. */
const MIX = [
  () => ["folder/ls.cgi", { folder_id: 0 }],
  () => ["user/info.cgi", {}],
  (url) => ["download/get_token.cgi", { url }],
  (url) => ["download/get_token.cgi", { url }],
  () => ["file/ls.cgi", { folder_id: 0 }],
  (url) => ["file/info.cgi", { url }],
];

/** The gateway process: the key comes on stdin (never argv or the environment); one JSON line once listening. */
async function serve() {
  const { startGateway } = await import(join(DIST, "gateway", "server.js"));
  const lines = createInterface({ input: process.stdin });
  const [key, dir, apiUrl] = await new Promise((resolve) => {
    const got = [];
    lines.on("line", (l) => {
      got.push(l);
      if (got.length === 3) resolve(got);
    });
  });
  const gw = await startGateway({
    key: { current: () => key, refresh: async () => false },
    dir,
    apiUrl,
    port: 0,
    maxWaitMs: 600_000,
    governor: { rate: RATE, burst: 1, shared: false },
  });
  process.stdout.write(`${JSON.stringify({ apiUrl: gw.apiUrl })}\n`);
  process.once("SIGTERM", () => gw.close(2000).then(() => process.exit(0)));
}

/** Starts the gateway process (with fichier's Node options) and waits for its line. */
function startGatewayProcess(key, dir, apiUrl) {
  const child = spawn(
    process.execPath,
    ["--max-semi-space-size=1", fileURLToPath(import.meta.url), "--serve"],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  child.stdin.end(`${key}\n${dir}\n${apiUrl}\n`);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the gateway exited early (code ${code})`)));
    createInterface({ input: child.stdout }).once("line", (l) =>
      resolve({
        ...JSON.parse(l),
        pid: child.pid,
        stop: () => new Promise((r) => child.once("exit", r).kill("SIGTERM")),
      }),
    );
  });
}

async function emulatorStats(emu) {
  const res = await fetch(`${emu.info.webUrl}/_emulator/stats`, {
    method: "POST",
    headers: { "x-emulator-admin": emu.info.adminToken },
    body: "{}",
  });
  return res.json();
}

async function call(apiUrl, token, endpoint, body) {
  const res = await fetch(`${apiUrl}/${endpoint}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  return {
    status: res.status,
    ok: res.status === 200 && json.status !== "KO",
    retryAfter: res.headers.get("retry-after"),
  };
}

/** One file to ask about, uploaded through the gateway with the library. */
async function setUpFile(apiUrl, token, dir) {
  const { createClient, uploadFile } = await import(join(DIST, "index.js"));
  const { writeFile } = await import("node:fs/promises");
  const path = join(dir, "f.bin");
  await writeFile(path, "the gateway bench");
  const client = createClient({ apiKey: token, apiUrl, governor: false });
  try {
    return (await uploadFile(client, { path })).url;
  } finally {
    await client.close();
  }
}

async function drive() {
  const tmp = await tempFolder("fichier-bench-gw-");
  const emu = await startEmulatorProcess(["--limits", "real", "--data", join(tmp.dir, "data")]);
  let gw;
  try {
    const { TokenStore } = await import(join(DIST, "gateway", "token-store.js"));
    const dir = join(tmp.dir, "gateway");
    const store = new TokenStore(dir);
    const spec = {
      scopes: ["read", "download", "upload", "manage", "account"],
      folder: null,
      allowIps: [],
      expires: null,
    };
    const tokens = [];
    for (let c = 0; c <= CLIENTS; c++) tokens.push((await store.add({ name: `client${c}`, ...spec })).token);
    gw = await startGatewayProcess(emu.account(1).apiKey, dir, emu.info.apiUrl);
    const url = await setUpFile(gw.apiUrl, tokens[CLIENTS], tmp.dir);
    const before = await emulatorStats(emu);
    const { value: answers, seconds } = await timed(() =>
      Promise.all(
        tokens.slice(0, CLIENTS).map(async (t, c) => {
          const out = [];
          for (let i = 0; i < CALLS; i++) {
            const [endpoint, body] = MIX[(i + c) % MIX.length](url);
            out.push(await call(gw.apiUrl, t, endpoint, body));
          }
          return out;
        }),
      ),
    );
    const after = await emulatorStats(emu);
    const rss = await peakRss(gw.pid);
    const delta = (e) => (after.byEndpoint[e] ?? 0) - (before.byEndpoint[e] ?? 0);
    await report(answers.flat(), seconds, {
      sent: after.requests - before.requests,
      listings: delta("folder/ls.cgi") + delta("file/ls.cgi"),
      userInfo: delta("user/info.cgi"),
      floods: after.floodLocks - before.floodLocks,
      rss,
    });
  } finally {
    await gw?.stop();
    await emu.stop();
    await tmp.remove();
  }
}

async function report(all, seconds, { sent, listings, userInfo, floods, rss }) {
  const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  const ok = all.filter((a) => a.ok).length;
  const busy = all.filter((a) => a.status === 429 && Number(a.retryAfter) >= 1).length;
  const lost = all.length - ok - busy;
  // The limits' minimum for these requests: the request bucket, and the spacing of the listings of one folder
  // (all of them list the root) and of the account info, whichever is longest.
  const minLimits = Math.max(
    (sent - LIMIT.burst) / LIMIT.rate,
    (listings - 1) * LIMIT.folderListS,
    (userInfo - 1) * LIMIT.userInfoS,
    0,
  );
  const minGovernor = Math.max(0, (sent - 1) / RATE);
  const ratio = minLimits > 0 ? seconds / minLimits : null;
  const rows = [
    ["calls (clients × calls)", `${all.length} (${CLIENTS} × ${CALLS})`],
    ["answered OK", ok],
    ["answered 429 with Retry-After", busy],
    ["lost or failed", lost],
    ["flood locks at the emulator", floods],
    ["requests that reached the emulator", sent],
    ["of which listings of the root, account info", `${listings}, ${userInfo}`],
    ["elapsed s", round(seconds)],
    [`minimum s at the limits (${LIMIT.rate}/s, burst ${LIMIT.burst}, listing spacing)`, round(minLimits)],
    [`minimum s at the gateway's pace (${RATE}/s)`, round(minGovernor)],
    ["elapsed / limits' minimum (bound 1.2)", ratio === null ? null : round(ratio, 2)],
    ["gateway peak RSS MiB", rss === null ? null : round(rss / 1024 / 1024)],
  ];
  console.log(
    table("Gateway under load: 10 clients at once, --limits real (real time)", ["measure", "value"], rows),
  );
  await saveResults(join(ROOT, "bench/out/gateway.json"), {
    clients: CLIENTS,
    calls: CALLS,
    rate: RATE,
    rows,
  });
  if (floods > 0 || lost > 0 || (ratio !== null && ratio > 1.2)) process.exitCode = 1;
}

if (process.argv.includes("--serve")) await serve();
else await drive();
