// The `fichier emulator --json` process (contract "CLI"): one JSON line on stdout, serves, exits 0 on
// SIGTERM and SIGINT, and keeps its accounts across restarts on the same --data. Needs `npm run build`.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/emulator.js";

const MAIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const built = existsSync(MAIN);

interface Spawned {
  child: ChildProcess;
  line: string;
  info: {
    apiUrl: string;
    webUrl: string;
    adminToken: string;
    accounts: Array<{ email: string; offer: number; apiKey: string }>;
  };
  /** Everything written on stdout and stderr, and the exit code, once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function spawnEmulator(args: string[]): Promise<Spawned> {
  const child = spawn(process.execPath, [MAIN, "emulator", "--json", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no JSON line within 20 s; stderr: ${stderr}`));
    }, 20_000);
    child.stderr?.on("data", (c: string) => {
      stderr += c;
    });
    child.stdout?.on("data", (c: string) => {
      stdout += c;
      const nl = stdout.indexOf("\n");
      if (nl >= 0 && timer) {
        clearTimeout(timer);
        const line = stdout.slice(0, nl);
        try {
          resolve({ child, line, info: JSON.parse(line), exited });
        } catch (e) {
          reject(new Error(`first stdout line is not JSON: ${line} (${e})`));
        }
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited early with ${code}; stderr: ${stderr}`));
    });
  });
}

let seq = 0;
/** A cheap authenticated call that no per-folder listing rule limits: mkdir with a fresh name. */
async function apiOk(info: Spawned["info"], key: string) {
  const res = await fetch(`${info.apiUrl}/folder/mkdir.cgi`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `p${process.pid}-${seq++}`, folder_id: 0 }),
  });
  return { status: res.status, json: (await res.json()) as { status: string } };
}

// Skipped (not failed) while dist/cli/main.js is not built: run `npm run build` first.
describe.skipIf(!built)("fichier emulator --json", () => {
  let data: { dir: string; remove(): Promise<void> };
  const running: ChildProcess[] = [];
  beforeAll(async () => {
    data = await tempDir();
  });
  afterAll(async () => {
    for (const c of running) if (c.exitCode === null) c.kill("SIGKILL");
    await data?.remove();
  });

  let firstKeys: string[] = [];

  it("prints one JSON line with apiUrl, webUrl, adminToken and 4 accounts, serves, and exits 0 on SIGTERM", async () => {
    const p = await spawnEmulator(["--data", data.dir]);
    running.push(p.child);
    expect(p.info.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(p.info.webUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(typeof p.info.adminToken).toBe("string");
    expect(p.info.accounts.map((a) => a.offer).sort()).toEqual([0, 1, 2, 3]);
    for (const a of p.info.accounts) {
      expect(a.apiKey).toMatch(/^[A-Za-z0-9_=-]{32}$/);
      expect(a.email).toMatch(/@emulator\.local$/);
    }
    firstKeys = p.info.accounts.map((a) => a.apiKey);

    const premium = p.info.accounts.find((a) => a.offer === 1)?.apiKey ?? "";
    const r = await apiOk(p.info, premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");

    const admin = await fetch(`${p.info.webUrl}/_emulator/stats`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-emulator-admin": p.info.adminToken },
      body: "{}",
    });
    expect(admin.status).toBe(200);

    p.child.kill("SIGTERM");
    const end = await p.exited;
    expect(end.code).toBe(0);
    const lines = end.stdout.split("\n").filter((l) => l.length > 0);
    expect(lines).toEqual([p.line]);
  });

  it("keeps the same keys when restarted on the same --data, and exits 0 on SIGINT", async () => {
    expect(firstKeys).toHaveLength(4);
    const p = await spawnEmulator(["--data", data.dir]);
    running.push(p.child);
    expect(p.info.accounts.map((a) => a.apiKey)).toEqual(firstKeys);
    const r = await apiOk(p.info, firstKeys[1] ?? "");
    expect(r.json.status).toBe("OK");
    p.child.kill("SIGINT");
    const end = await p.exited;
    expect(end.code).toBe(0);
  });

  it("honours --limits off (no flood on a burst)", async () => {
    const p = await spawnEmulator(["--limits", "off"]);
    running.push(p.child);
    const key = p.info.accounts.find((a) => a.offer === 1)?.apiKey ?? "";
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => apiOk(p.info, key).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    p.child.kill("SIGTERM");
    expect((await p.exited).code).toBe(0);
  });

  it("with --limits real (the default), a burst floods with 403", async () => {
    const p = await spawnEmulator([]);
    running.push(p.child);
    const key = p.info.accounts.find((a) => a.offer === 1)?.apiKey ?? "";
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await apiOk(p.info, key)).status);
    expect(statuses).toContain(403);
    p.child.kill("SIGTERM");
    expect((await p.exited).code).toBe(0);
  });
});
