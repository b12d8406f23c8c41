// The built command: `gateway token add|ls|revoke`, `gateway log`, the address rule (exit 2), and a gateway
// served by `fichier gateway` with the key from the encrypted key file, stopped by Ctrl-C (exit 0). The real
// key (a canary) appears in no output, and the token only where `token add` prints it.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_FLAGS } from "../../src/cli/node-flags.js";
import { assertBuilt, BIN, captured, errorLines, json, run, sandbox } from "../cli/support.js";
import { useEmulator } from "../helpers/emulator.js";
import { CANARY } from "./support.js";

const emu = useEmulator();
let env: Record<string, string>;
const fichier = (args: string[], input?: string) =>
  run(args, { env, ...(input !== undefined ? { input } : {}) });

beforeAll(async () => {
  assertBuilt();
  emu.admin.createAccount({ email: "canary-gateway@test.local", offer: 1, apiKey: CANARY });
  env = {
    ...sandbox(),
    FICHIER_API_URL: emu.apiUrl,
    FICHIER_KEYCHAIN: "off",
    FICHIER_PASSPHRASE: "gateway-pass",
  };
  const set = await fichier(["key", "set"], `${CANARY}\n`);
  expect(set.code, set.stderr).toBe(0);
});
afterAll(async () => {
  for (const text of captured) expect(text).not.toContain(CANARY);
});

describe("gateway token", () => {
  it("add prints the token once; ls shows everything but the token", async () => {
    const add = await fichier([
      "--json",
      "gateway",
      "token",
      "add",
      "nas",
      "--scope",
      "read,download",
      "--scope",
      "upload",
      "--allow-ip",
      "192.168.1.0/24",
      "--expires",
      "30d",
    ]);
    expect(add.code, add.stderr).toBe(0);
    const made = json<{ token: string; scopes: string[]; allowIps: string[]; expires: string }>(add);
    expect(made.token).toMatch(/^fgw_[A-Za-z0-9]{28}$/);
    expect(made.scopes).toEqual(["read", "download", "upload"]);
    expect(made.allowIps).toEqual(["192.168.1.0/24"]);
    expect(Date.parse(made.expires) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const ls = await fichier(["gateway", "token", "ls"]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(
      /^NAME +SCOPES +FOLDER +IPS +CREATED +EXPIRES +LAST USED\nnas +read,download,upload +\/ \(all\) +192\.168\.1\.0\/24 /,
    );
    expect(ls.stdout + ls.stderr).not.toContain(made.token);
  });

  it("--folder resolves the path with the stored key and confines the token", async () => {
    expect((await fichier(["mkdir", "-p", "/backups/nas"])).code).toBe(0);
    const add = await fichier([
      "--json",
      "gateway",
      "token",
      "add",
      "confined",
      "--scope",
      "read",
      "--folder",
      "/backups/nas",
    ]);
    expect(add.code, add.stderr).toBe(0);
    expect(json<{ folder: { path: string; id: number } }>(add).folder).toMatchObject({
      path: "/backups/nas",
    });
    const missing = await fichier([
      "gateway",
      "token",
      "add",
      "x",
      "--scope",
      "read",
      "--folder",
      "/no/such",
    ]);
    expect(missing.code).toBe(3);
  });

  it("bad input: one line, the documented code", async () => {
    const cases: [string[], number, RegExp][] = [
      [["gateway", "token", "add", "nas", "--scope", "read"], 1, /a token named "nas" exists already/],
      [["gateway", "token", "add", "y", "--scope", "admin"], 2, /unknown scope "admin"/],
      [["gateway", "token", "add", "y", "--scope", "read", "--allow-ip", "10.0.0.0/99"], 2, /prefix length/],
      [
        ["gateway", "token", "add", "y", "--scope", "read", "--expires", "soon"],
        2,
        /--expires "soon" is not a duration/,
      ],
      [["gateway", "token", "add", "a b", "--scope", "read"], 2, /invalid token name/],
      [["gateway", "token", "revoke", "nobody"], 3, /no token named "nobody"/],
      [["gateway", "--addr", "0.0.0.0:0"], 2, /not a loopback address.*--cert and --key.*--insecure-http/],
      [["gateway", "--addr", "nope"], 2, /is not HOST:PORT/],
      [["gateway", "--cert", "/x.pem"], 2, /--cert and --key go together/],
      [["gateway", "--max-wait", "1y"], 2, /--max-wait \(or FICHIER_MAX_WAIT\) takes a duration .*not "1y"/],
      [["--api-key-stdin", "gateway"], 2, /reads the key only from the key store/],
    ];
    for (const [args, code, message] of cases) {
      const r = await fichier(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(code);
      expect(errorLines(r), args.join(" ")).toHaveLength(1);
      expect(errorLines(r)[0]).toMatch(message);
    }
  });
});

/** Starts `fichier --json gateway --addr 127.0.0.1:0 [extra...]` and resolves with its API URL once it listens. */
function serve(extra: string[] = []): Promise<{
  child: ChildProcessWithoutNullStreams;
  apiUrl: string;
  stderr: () => string;
  exit: Promise<number | null>;
}> {
  const args = [...NODE_FLAGS, BIN, "--json", "gateway", "--addr", "127.0.0.1:0", ...extra];
  const child = spawn(process.execPath, args, { env });
  let stderr = "";
  const exit = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      captured.push(stderr);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      const m = /"type":"listening","url":"[^"]+","apiUrl":"([^"]+)"/.exec(stderr);
      if (m) resolve({ child, apiUrl: m[1] as string, stderr: () => stderr, exit });
    });
    child.on("close", () => reject(new Error(`the gateway ended before listening:\n${stderr}`)));
  });
}

describe("fichier gateway", () => {
  it("serves with the stored key, sees a revoke at once, stops on Ctrl-C with 0; the log has every request", async () => {
    const add = await fichier(["--json", "gateway", "token", "add", "cli", "--scope", "read"]);
    const token = json<{ token: string }>(add).token;
    const gw = await serve();
    const ls = () =>
      fetch(`${gw.apiUrl}/folder/ls.cgi`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: "{}",
      });
    expect((await ls()).status).toBe(200);
    expect((await fichier(["gateway", "token", "revoke", "cli"])).code).toBe(0);
    expect((await ls()).status).toBe(401);
    gw.child.kill("SIGINT");
    expect(await gw.exit).toBe(0);
    const events = gw
      .stderr()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; status?: number; reason?: string });
    expect(events.filter((e) => e.type === "request").map((e) => e.status)).toEqual([200, 401]);
    expect(gw.stderr()).not.toContain(token);

    const log = await fichier(["--json", "gateway", "log", "--token", "cli"]);
    expect(log.code).toBe(0);
    const records = json<{ records: { endpoint: string; status: number; token: string }[] }>(log).records;
    // After the revoke the token is unknown: its refusal is logged without a name.
    expect(records.map((r) => [r.endpoint, r.status])).toEqual([["folder/ls.cgi", 200]]);
    const human = await fichier(["gateway", "log"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/ 127\.0\.0\.1 cli POST folder\/ls\.cgi 200 \d+ ms\n/);
    expect(human.stdout).toMatch(/ 127\.0\.0\.1 - POST folder\/ls\.cgi 401 #247 \d+ ms \(auth:unknown\)\n/);
  });

  it("log --follow prints the records and the new ones, and ends with 0 on Ctrl-C", async () => {
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, "--json", "gateway", "log", "--follow"], {
      env,
    });
    let stdout = "";
    const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
    const lines = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (stdout.split("\n").length > n) resolve();
        };
        child.stdout.on("data", check);
        check();
      });
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    await lines(2);
    // A record written while it follows (as a running gateway would append it).
    const later = {
      time: new Date().toISOString(),
      token: "cli",
      ip: "127.0.0.1",
      method: "POST",
      endpoint: "file/ls.cgi",
      targets: {},
      status: 200,
      code: null,
      ms: 1,
    };
    await appendFile(
      join(env.XDG_DATA_HOME as string, "fichier", "gateway", "audit.log"),
      `${JSON.stringify(later)}\n`,
    );
    await lines(3);
    child.kill("SIGINT");
    expect(await exit).toBe(0);
    captured.push(stdout);
    const records = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { endpoint: string });
    expect(records.map((l) => l.endpoint)).toEqual(["folder/ls.cgi", "folder/ls.cgi", "file/ls.cgi"]);
  });

  it("--public-url names the upload host it hands out; --trusted-proxy reads the client from X-Forwarded-For; --max-wait", async () => {
    const add = await fichier(["--json", "gateway", "token", "add", "front", "--scope", "upload"]);
    const token = json<{ token: string }>(add).token;
    const gw = await serve([
      "--public-url",
      "https://gw.example.net",
      "--trusted-proxy",
      "127.0.0.1",
      "--max-wait",
      "5s",
    ]);
    const res = await fetch(`${gw.apiUrl}/upload/get_upload_server.cgi`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "x-forwarded-for": "203.0.113.9" },
      body: "{}",
    });
    expect(((await res.json()) as { url: string }).url).toBe("gw.example.net");
    gw.child.kill("SIGINT");
    expect(await gw.exit).toBe(0);
    expect(gw.stderr()).toContain('"ip":"203.0.113.9"');
    // The global --max-wait is the gateway's queue patience (60 s unless given).
    expect(gw.stderr()).toContain('"maxWaitMs":5000');
  });
});
