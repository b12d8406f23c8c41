// API call overhead of the typed client, and the governor's real-time workload.
//
//   node bench/api-overhead.mjs              ms per call on loopback, emulator limits off: the client without a
//                                            governor, with an in-memory governor, with the shared-file governor,
//                                            against curl (one process per call, and N calls in one keep-alive run)
//   node bench/api-overhead.mjs --workload   200 mixed calls against `--limits real` in real time (about 80 s):
//                                            flood errors (must be 0) and elapsed time against the minimum
//
// Env: BENCH_API_CALLS (default 200), BENCH_WORKLOAD_CALLS (default 200). Needs `npm run build` first.
// Results are printed and saved to bench/out/api-overhead.json (or api-workload.json).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bearer, curl, ROOT, saveResults, startEmulatorProcess, table, tempFolder, timed } from "./lib.mjs";

const DIST = join(ROOT, "dist", "index.js");
if (!existsSync(DIST)) {
  console.error(`${DIST} is missing: run "npm run build" first (npm run bench does it)`);
  process.exit(2);
}
const { createClient, isFloodError } = await import(DIST);

const round = (x, d = 2) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

async function overhead() {
  const calls = Number(process.env.BENCH_API_CALLS ?? 200);
  const { dir, remove } = await tempFolder("fichier-bench-api-");
  const emu = await startEmulatorProcess(["--limits", "off", "--data", join(dir, "data")]);
  try {
    const { apiUrl } = emu.info;
    const key = emu.account(1).apiKey;
    const endpoint = "remote/ls.cgi";
    const rows = [];

    const measure = async (label, client) => {
      for (let i = 0; i < 50; i++) await client.remote.list(); // warm-up
      const { seconds } = await timed(async () => {
        for (let i = 0; i < calls; i++) await client.remote.list();
      });
      await client.close();
      rows.push([label, calls, round((seconds * 1000) / calls)]);
    };
    await measure("client, no governor", createClient({ apiKey: key, apiUrl, governor: false }));
    const unpaced = { rate: 1e9, burst: 1e9, retry: { attempts: 1 } };
    await measure(
      "client + governor (memory)",
      createClient({ apiKey: key, apiUrl, governor: { ...unpaced, shared: false } }),
    );
    await measure(
      "client + governor (shared file)",
      createClient({
        apiKey: key,
        apiUrl,
        governor: { ...unpaced, shared: true, stateDir: join(dir, "state") },
      }),
    );

    // curl: the same POST with the key fed on stdin (-K -), never in argv.
    const url = `${apiUrl}/${endpoint}`;
    const cfg = [bearer(key), 'header = "Content-Type: application/json"', 'data = "{}"'];
    const spawnCalls = Math.min(calls, 50);
    const spawned = await timed(async () => {
      for (let i = 0; i < spawnCalls; i++) {
        const r = await curl([url], cfg);
        if (r.status !== 200) throw new Error(`curl got HTTP ${r.status}`);
      }
    });
    rows.push(["curl, one process per call", spawnCalls, round((spawned.seconds * 1000) / spawnCalls)]);
    // One curl process, N requests on a kept-alive connection: the protocol cost without process start-up.
    const urls = Array.from({ length: calls }, () => url);
    const batch = await timed(() => curl(urls, cfg));
    rows.push(["curl, N calls in one process", calls, round((batch.seconds * 1000) / calls)]);
    console.log(
      table(
        `API call overhead (${endpoint}, loopback, emulator limits off)`,
        ["how", "calls", "ms/call"],
        rows,
      ),
    );
    await saveResults(join(ROOT, "bench/out/api-overhead.json"), { endpoint, rows });
  } finally {
    await emu.stop();
    await remove();
  }
}

async function workload() {
  const n = Number(process.env.BENCH_WORKLOAD_CALLS ?? 200);
  const rate = 2.5;
  const burst = 3;
  const { dir, remove } = await tempFolder("fichier-bench-wl-");
  const emu = await startEmulatorProcess(["--limits", "real", "--data", join(dir, "data")]);
  const events = [];
  try {
    const { apiUrl } = emu.info;
    const key = emu.account(1).apiKey;
    const client = createClient({
      apiKey: key,
      apiUrl,
      governor: { rate, burst, shared: true, stateDir: join(dir, "state") },
      onEvent: (e) => events.push(e),
    });
    // One file to act on, uploaded through the same governed client.
    const server = await client.upload.getServer();
    async function* one() {
      yield Buffer.from("workload payload");
    }
    await client.upload.send({ server, files: [{ name: "workload.txt", size: 16, body: one() }] });
    let link;
    for (let i = 0; i < 100 && !link; i++) {
      link = (await client.upload.finish({ server }).catch(() => ({ links: [] }))).links[0];
      if (!link) await new Promise((r) => setTimeout(r, 100));
    }
    if (!link) throw new Error("the setup upload never finished");

    let floods = 0;
    let errors = 0;
    let sent = 0;
    let lastFolder = 0;
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      try {
        switch (i % 10) {
          case 0:
            await client.user.info({ fresh: i === 0 });
            if (i === 0) sent++;
            break;
          case 1:
            lastFolder = (await client.folders.create({ name: `w${i}` })).folderId;
            sent++;
            break;
          case 3:
            await client.folders.list({ folderId: lastFolder });
            sent++;
            break;
          case 4:
            await client.download.getToken({ url: link.download });
            sent++;
            break;
          case 5:
            await client.remote.list();
            sent++;
            break;
          case 6:
            await client.files.setAttributes({ urls: [link.download], description: `d${i}` });
            sent++;
            break;
          default:
            await client.files.info({ url: link.download });
            sent++;
        }
      } catch (e) {
        if (isFloodError(e)) floods++;
        else errors++;
      }
    }
    const seconds = (Date.now() - t0) / 1000;
    await client.close();
    const minGovernor = Math.max(0, (sent - burst) / rate);
    const minLimits = Math.max(0, (sent - 3) / 3);
    const floodEvents = events.filter((e) => e.type === "flood").length;
    const rows = [
      ["calls", n],
      ["requests sent (user info cached)", sent],
      ["flood errors", floods],
      ["flood locks seen", floodEvents],
      ["other errors", errors],
      ["elapsed s", round(seconds, 1)],
      [`minimum s at the governor's pace (${rate}/s, burst ${burst})`, round(minGovernor, 1)],
      ["minimum s at the limits (3/s, burst 3)", round(minLimits, 1)],
    ];
    console.log(table("Governor workload against --limits real (real time)", ["measure", "value"], rows));
    await saveResults(join(ROOT, "bench/out/api-workload.json"), { rate, burst, rows });
    if (floods > 0 || floodEvents > 0) process.exitCode = 1;
  } finally {
    await emu.stop();
    await remove();
  }
}

if (process.argv.includes("--workload")) await workload();
else await overhead();
