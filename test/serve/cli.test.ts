// `fichier serve` as a user runs it: the built command, spawned, with a canary key in its environment.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/api/client.js";
import { NODE_FLAGS } from "../../src/cli/node-flags.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { assertBuilt, BIN, captured, errorLines, run, sandbox } from "../cli/support.js";
import { uploadOne } from "../integration/client/support.js";
import { call, type Reply } from "./support.js";

const CANARY = `CANARY${randomBytes(20).toString("hex").slice(0, 26)}`;
const PASSWORD = "correct-horse-battery-staple";
let env: Record<string, string>;
let emu: RunningEmulator;
const auth = { Authorization: `Basic ${Buffer.from(`bob:${PASSWORD}`).toString("base64")}` };

beforeAll(async () => {
  assertBuilt();
  env = { ...sandbox(), FICHIER_API_KEY: CANARY };
  emu = await startEmulator({ limits: "off" });
  emu.admin.createAccount({ email: "serve-cli@emulator.local", offer: 1, apiKey: CANARY });
});
afterAll(async () => {
  await emu?.close();
  for (const text of captured) {
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(PASSWORD);
  }
});

describe("fichier serve refuses unsafe or malformed setups", () => {
  it.each([
    [
      ["serve", "webdav", ":memory:", "--addr", "0.0.0.0:0"],
      2,
      /can be reached from other machines, and no password protects it\. Add --user/,
    ],
    [["serve", "webdav", ":memory:", "--addr", ":0"], 2, /no password protects it/],
    [["serve", "http", ":memory:", "--addr", "127.0.0.1:99999"], 2, /is not HOST:PORT/],
    [["serve", "webdav", ":memory:", "--user", "bob"], 2, /needs a password, and stdin is not a terminal/],
    [["serve", "webdav", ":memory:", "--password-stdin"], 2, /--password-stdin needs --user NAME/],
    [
      ["serve", "webdav", ":memory:", "--htpasswd", "/nonexistent/users"],
      2,
      /--htpasswd \/nonexistent\/users cannot be read \(ENOENT\)/,
    ],
    [["serve", "webdav", ":memory:", "--cert", "c.pem"], 2, /--cert and --key go together/],
    [["serve", "webdav", ":memory:", "--max-connections", "0"], 2, /--max-connections must be/],
    [["serve", "ftp"], 2, /unknown command/],
  ])("%j exits %i with one line", async (args, code, pattern) => {
    const r = await run(args as string[], { env });
    expect(r.code).toBe(code);
    const lines = errorLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses an htpasswd file with a non-bcrypt line, naming the line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "serve-htpasswd-"));
    writeFileSync(join(dir, "users"), "alice:$apr1$xyz$0123456789abcdef\n");
    const r = await run(["serve", "webdav", ":memory:", "--htpasswd", join(dir, "users")], { env });
    expect(r.code).toBe(2);
    expect(errorLines(r)[0]).toMatch(/line 1 is not "user:bcrypt-hash"/);
  });
});

/** Starts `fichier ARGS` and waits for the URL it prints on stdout. */
function start(
  args: string[],
  input: string,
): Promise<{ child: ChildProcess; url: string; out: { stdout: string; stderr: string } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin", NO_COLOR: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out = { stdout: "", stderr: "" };
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      out.stdout += d;
      const m = /(https?:\/\/127\.0\.0\.1:\d+\/)/.exec(out.stdout);
      if (m) resolve({ child, url: m[1] as string, out });
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (out.stderr += d));
    child.on("close", (code) => reject(new Error(`exited ${code} before listening:\n${out.stderr}`)));
    child.stdin?.end(input);
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners("close");
    child.on("close", (code) => resolve(code));
    child.kill("SIGINT");
  });
}

describe("fichier serve webdav :memory:", () => {
  it("serves with a password from stdin, logs one line per request, and ends with 130 on Ctrl-C", async () => {
    const { child, url, out } = await start(
      ["serve", "webdav", ":memory:", "--addr", "127.0.0.1:0", "--user", "bob", "--password-stdin"],
      `${PASSWORD}\n`,
    );
    const port = Number(new URL(url).port);
    expect((await call(port, "MKCOL", "/docs/", { headers: auth })).status).toBe(201);
    expect((await call(port, "PUT", "/docs/a.txt", { headers: auth, body: "hello" })).status).toBe(201);
    expect((await call(port, "GET", "/docs/a.txt", { headers: { ...auth, Range: "bytes=1-3" } })).body).toBe(
      "ell",
    );
    expect(
      (
        await call(port, "GET", "/docs/a.txt", {
          headers: { Authorization: `Basic ${Buffer.from("bob:nope").toString("base64")}` },
        })
      ).status,
    ).toBe(401);
    const code = await stop(child);
    captured.push(out.stdout, out.stderr);
    expect(code).toBe(130);
    expect(out.stderr).toMatch(/^MKCOL \/docs\/ 201 0 B \d+ ms$/m);
    expect(out.stderr).toMatch(/^GET \/docs\/a\.txt 206 3 B \d+ ms$/m);
    expect(out.stderr).toMatch(
      /^fichier: warning: wrong password for "bob" from 127\.0\.0\.1 \(1 in a row\)$/m,
    );
    expect(out.stderr).toMatch(/fichier: interrupted/);
  });

  it("logs NDJSON with --json and prints its URL as a JSON result", async () => {
    const { child, url, out } = await start(
      ["--json", "serve", "http", ":memory:", "--addr", "127.0.0.1:0", "--read-only"],
      "",
    );
    expect(JSON.parse(out.stdout.trim().split("\n")[0] as string)).toMatchObject({
      url,
      protocol: "http",
      root: ":memory:",
      readOnly: true,
    });
    await call(Number(new URL(url).port), "GET", "/");
    expect(await stop(child)).toBe(130);
    captured.push(out.stdout, out.stderr);
    const events = out.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string });
    expect(events).toContainEqual(
      expect.objectContaining({ type: "request", method: "GET", path: "/", status: 200 }),
    );
    expect(events.at(-1)).toMatchObject({ type: "error", exit: 130 });
  });
});

describe("fichier serve webdav PATH: the account", () => {
  it.each([
    [["serve", "webdav", "/no-such-folder"], 3, /no folder named "no-such-folder" in \//],
    [["serve", "http", "/served-file.txt"], 2, /\/served-file\.txt is a file, not a folder/],
  ])("%j exits %i with one line", async (args, code, pattern) => {
    const client = createClient({ apiKey: CANARY, apiUrl: emu.apiUrl, governor: false });
    if ((await client.files.list({ folderId: 0 })).length === 0) {
      await uploadOne(client, "served-file.txt", "a file where a folder is expected");
    }
    await client.close();
    const r = await run(args as string[], { env: { ...env, FICHIER_API_URL: emu.apiUrl } });
    expect(r.code).toBe(code);
    const lines = errorLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it("serves a folder of the account; no answer, page, error or log line carries the key", async () => {
    env.FICHIER_API_URL = emu.apiUrl;
    const mkdir = await run(["mkdir", "-p", "/served/inside"], { env });
    expect(mkdir.code, mkdir.stderr).toBe(0);
    const { child, url, out } = await start(["serve", "webdav", "/served", "--addr", "127.0.0.1:0"], "");
    const port = Number(new URL(url).port);
    const replies: Reply[] = [];
    const ask = async (method: string, path: string, o: Parameters<typeof call>[3] = {}) => {
      const r = await call(port, method, path, o);
      replies.push(r);
      return r;
    };
    expect((await ask("PROPFIND", "/", { headers: { Depth: "1" } })).body).toContain("/inside/");
    expect((await ask("PUT", "/inside/a.txt", { body: "hello from serve" })).status).toBe(201);
    expect((await ask("GET", "/inside/a.txt", { headers: { Range: "bytes=6-9" } })).body).toBe("from");
    expect((await ask("GET", "/inside/")).body).toContain("a.txt");
    expect((await ask("MOVE", "/inside/a.txt", { headers: { Destination: "/b.txt" } })).status).toBe(201);
    expect((await ask("GET", "/inside/a.txt")).status).toBe(404);
    expect((await ask("GET", "/b.txt")).body).toBe("hello from serve");
    expect((await ask("GET", "/%2e%2e/x")).status).toBe(400);
    expect((await ask("DELETE", "/b.txt")).status).toBe(204);
    expect(await stop(child)).toBe(130);
    captured.push(out.stdout, out.stderr);
    for (const r of replies) {
      expect(JSON.stringify(r.headers)).not.toContain(CANARY);
      expect(r.bytes.includes(CANARY)).toBe(false);
    }
    expect(out.stderr).toMatch(/^PUT \/inside\/a\.txt 201 0 B \d+ ms$/m);
    const listed = await run(["ls", "/served"], { env });
    expect(listed.stdout).not.toContain("b.txt");
  });
});
