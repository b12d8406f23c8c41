// The command's start-up: CPU-seconds (user + system) of one short `fichier` run, beside Node itself started
// with the same options and doing nothing, and curl making the same API call. A short command's cost is mostly
// its start, and a script that runs fichier in a loop pays it every time.
//
//   node bench/startup.mjs     (npm run bench runs it as the "startup" section; needs `npm run build` first)
//
// Env: BENCH_STARTUP_RUNS (default 15; the median is reported). Results: bench/out/startup.json.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import {
  bearer,
  MAIN,
  nodeFlags,
  ROOT,
  saveResults,
  startEmulatorProcess,
  table,
  tempFolder,
} from "./lib.mjs";

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);

/**
 * CPU-seconds and wall seconds of one process, as bash's `times` reports its children (Node gives no
 * resource usage of a child it waited for).
 */
function cpuOf(argv, env) {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const started = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", `${quoted} >/dev/null 2>&1; s=$?; times; exit $s`], {
    env,
    encoding: "utf8",
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.slice(-3).join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
  // Second line of `times`: the children's user and system time, "0m0.210s 0m0.040s".
  const children = r.stdout.trim().split("\n")[1] ?? "";
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { cpu: (secs[0] ?? 0) + (secs[1] ?? 0), wall };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round3 = (x) => Math.round(x * 1000) / 1000;

/**
 * Runs each case RUNS times, interleaved (so a busy moment of the machine touches every case alike). Each run
 * has a state folder of its own: no pacing wait carried over, no cached answer, an index that lists again.
 */
function measure(cases, env, dir) {
  const samples = cases.map(() => ({ cpu: [], wall: [] }));
  for (let i = 0; i < RUNS; i++) {
    cases.forEach((c, j) => {
      const state = mkdtempSync(join(dir, "state-"));
      const { cpu, wall } = cpuOf(c.argv, { ...env, FICHIER_STATE_DIR: state });
      samples[j].cpu.push(cpu);
      samples[j].wall.push(wall);
    });
  }
  return cases.map((c, j) => [c.label, round3(median(samples[j].cpu)), round3(median(samples[j].wall))]);
}

export async function startupBench() {
  const { dir, remove } = await tempFolder("fichier-bench-startup-");
  const emu = await startEmulatorProcess(["--limits", "off", "--data", join(dir, "data")]);
  try {
    const key = emu.account(1).apiKey;
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CACHE_HOME: join(dir, "cache"),
      XDG_CONFIG_HOME: join(dir, "config"),
      FICHIER_API_URL: emu.info.apiUrl,
      FICHIER_API_KEY: key,
      NO_COLOR: "1",
    };
    const node = [process.execPath, ...nodeFlags()];
    const fichier = (...args) => [...node, MAIN, ...args];
    const curlConfig = join(dir, "curl.conf");
    const { writeFile } = await import("node:fs/promises");
    // The key in a config file (mode 0600), never in argv; the same POST as the client's.
    const config = [bearer(key), 'header = "Content-Type: application/json"', 'data = "{}"'];
    await writeFile(curlConfig, `${config.join("\n")}\n`, { mode: 0o600 });
    const rows = measure(
      [
        { label: "node, same options, doing nothing", argv: [...node, "-e", "0"] },
        {
          label: "curl, one API call (user/info.cgi)",
          argv: ["curl", "-sf", "-K", curlConfig, `${emu.info.apiUrl}/user/info.cgi`],
        },
        { label: "fichier --version", argv: fichier("--version") },
        { label: "fichier ls --help", argv: fichier("ls", "--help") },
        { label: "fichier about (one API call)", argv: fichier("about") },
        { label: "fichier ls -l / (index, one listing)", argv: fichier("ls", "-l", "/") },
      ],
      env,
      dir,
    );
    await saveResults(join(ROOT, "bench", "out", "startup.json"), {
      date: new Date().toISOString(),
      node: process.version,
      runs: RUNS,
      rows: rows.map(([label, cpuSeconds, wallSeconds]) => ({ label, cpuSeconds, wallSeconds })),
    });
    const title = `Start-up: median of ${RUNS} runs each (one process, loopback emulator)`;
    return { tables: [{ title, columns: ["run", "CPU-s", "wall s"], rows }] };
  } finally {
    await emu.stop();
    await remove();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replaceAll("\\", "/"))) {
  const { tables } = await startupBench();
  for (const t of tables) console.log(table(t.title, t.columns, t.rows));
}
