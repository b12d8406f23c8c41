// The built command under --json: stdout is the one result document and EVERY stderr line is one JSON object
// (warnings, transfer events, the governor's waits and retries, the closing error), in the situations an
// exploratory test found mixed output in; and without --json the human text is what it was. The test key
// never appears in any output. Needs `npm run build`.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_FLAGS } from "../../src/cli/node-flags.js";
import { useEmulator } from "../helpers/emulator.js";
import { assertBuilt, BIN, captured, json, type RunResult, run, sandbox } from "./support.js";

const CANARY = `CANARY${randomBytes(20).toString("hex").slice(0, 26)}`;
const emu = useEmulator();
let env: Record<string, string>;
const fichier = (args: string[], extra: Record<string, string | undefined> = {}) =>
  run(args, { env: { ...env, ...extra } });

type Line = { type: string } & Record<string, unknown>;

/** Every stderr line parsed as JSON; fails naming the first line that is not one JSON object with a type. */
function stderrEvents(r: RunResult): Line[] {
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  return lines.map((l) => {
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      throw new Error(`stderr line is not JSON: ${JSON.stringify(l)}\nwhole stderr:\n${r.stderr}`);
    }
    if (typeof v !== "object" || v === null || typeof (v as Line).type !== "string") {
      throw new Error(`stderr line is not an object with a type: ${l}`);
    }
    return v as Line;
  });
}

/** The closing error event, which must be the last line and the only `error` without a `file`. */
function closingError(events: Line[]): Line {
  const last = events.at(-1);
  expect(last?.type).toBe("error");
  expect(events.filter((e) => e.type === "error" && e.file === undefined)).toHaveLength(1);
  return last as Line;
}

beforeAll(async () => {
  assertBuilt();
  emu.admin.createAccount({ email: "canary-json@test.local", offer: 1, apiKey: CANARY });
  env = { ...sandbox(), FICHIER_API_KEY: CANARY, FICHIER_API_URL: emu.apiUrl };
});

afterAll(async () => {
  for (const text of captured) expect(text).not.toContain(CANARY);
});

describe("--json: every stderr line is one JSON object", () => {
  it("a usage error: nothing on stdout, one error event with exit 2 and the fix", async () => {
    const r = await fichier(["--json", "ls", "--no-such-option"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const events = stderrEvents(r);
    expect(events).toHaveLength(1);
    expect(closingError(events)).toMatchObject({ exit: 2, hint: "Run `fichier ls --help`." });
    expect(String(events[0]?.message)).toContain("--no-such-option");
  });

  it("a missing subcommand: commander's help becomes a help event before the error", async () => {
    const r = await fichier(["--json", "remote"]);
    expect(r.code).toBe(2);
    const events = stderrEvents(r);
    expect(events.map((e) => e.type)).toEqual(["help", "error"]);
    expect(String(events[0]?.text)).toContain("add [options] <url...>");
  });

  it("not found: exit 3, the 1fichier code as a number", async () => {
    const r = await fichier(["--json", "info", "https://1fichier.com/?aaaaaaaaaaaaaaaaaaaa"]);
    expect(r.code).toBe(3);
    // info is a batch command: its result document (with the `failed` list) is still printed.
    expect(json<{ failed: unknown[] }>(r).failed).toHaveLength(1);
    expect(closingError(stderrEvents(r))).toMatchObject({ type: "error", code: 469, exit: 3 });
  });

  it("an empty file next to a good one: the failure is reported once, the partial-failure line is JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fichier-json-up-"));
    writeFileSync(join(dir, "good.txt"), "hello\n");
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "");
    const r = await fichier(["--json", "upload", join(dir, "good.txt"), empty, "--to", "/json-up"]);
    expect(r.code).toBe(9);
    const doc = json<{ uploaded: unknown[]; failed: { item: string }[] }>(r);
    expect(doc.uploaded).toHaveLength(1);
    expect(doc.failed.map((f) => f.item)).toEqual([empty]);
    const events = stderrEvents(r);
    // The empty file: one transfer `error` event, no warning repeating it.
    const aboutEmpty = events.filter((e) => JSON.stringify(e).includes("empty.txt"));
    expect(aboutEmpty).toHaveLength(1);
    expect(aboutEmpty[0]).toMatchObject({ type: "error", file: empty });
    expect(events.some((e) => e.type === "done")).toBe(true);
    expect(closingError(events)).toMatchObject({ message: "1 of 2 items failed.", exit: 9 });
  });

  it("without --json the same upload prints the human lines, each file by the path named", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fichier-human-up-"));
    writeFileSync(join(dir, "good.txt"), "hello\n");
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "");
    const r = await fichier(["upload", join(dir, "good.txt"), empty, "--to", "/human-up"]);
    expect(r.code).toBe(9);
    expect(r.stderr.split("\n").filter((l) => l !== "")).toEqual([
      "fichier: uploaded good.txt",
      `fichier: warning: ${empty}: ${empty} is empty: 1fichier drops empty files`,
      "fichier: 1 of 2 items failed. See the lines above (or the `failed` list of --json) and retry those items.",
    ]);
  });

  it("a flood lock: the error event carries the code, the unlock time and exit 6", async () => {
    const key = `FLOOD${randomBytes(16).toString("hex").slice(0, 27)}`;
    emu.admin.createAccount({ email: "flooded-json@test.local", offer: 1, apiKey: key });
    emu.admin.lock(key, 120);
    const r = await fichier(["--json", "ls"], { FICHIER_API_KEY: key, FICHIER_FLOOD_RETRIES: "0" });
    expect(r.code).toBe(6);
    const err = closingError(stderrEvents(r));
    expect(err).toMatchObject({ code: 374, exit: 6 });
    expect(Date.parse(String(err.unlockAt))).toBeGreaterThan(Date.now());
    expect(r.stderr).not.toContain(key);
  });

  it("the governor's retries after a server error are retry events", async () => {
    emu.admin.setFaults("500=1");
    try {
      // file/info.cgi: user/info.cgi would sit through its 5-minute spacing after the first attempt.
      const r = await fichier(["--json", "info", "https://1fichier.com/?dddddddddddddddddddd"], {
        FICHIER_RETRIES: "1",
      });
      expect(r.code).toBe(7);
      const events = stderrEvents(r);
      expect(events.filter((e) => e.type === "retry")).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: "retry", attempt: 1 });
      expect(typeof events[0]?.ms).toBe("number");
      expect(closingError(events)).toMatchObject({ exit: 7 });
    } finally {
      emu.admin.setFaults("");
    }
  });

  it("--debug: the HTTP trace lines and the stack are JSON too, without the key", async () => {
    const r = await fichier(["--json", "--debug", "info", "https://1fichier.com/?cccccccccccccccccccc"]);
    expect(r.code).toBe(3);
    const events = stderrEvents(r);
    expect(events.some((e) => e.type === "debug" && String(e.message).includes("file/info.cgi"))).toBe(true);
    expect(String(closingError(events).stack)).toMatch(/\n\s+at /);
  });
});

/** Spawns the built command and resolves once a stderr line matches `ready`; then it can be signalled. */
function spawnUntil(args: string[], extra: Record<string, string>, ready: (line: string) => boolean) {
  const child = spawn(process.execPath, [...NODE_FLAGS, BIN, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1", ...env, ...extra },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end();
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  const seen = new Promise<void>((resolve) => {
    createInterface({ input: child.stderr }).on("line", (line) => {
      stderr += `${line}\n`;
      if (ready(line)) resolve();
    });
  });
  const done = new Promise<RunResult>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      captured.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, seen, done };
}

describe("a governor wait, then Ctrl-C", () => {
  it("--json: the wait is a wait event; SIGINT ends the run with 130 and an interrupted error event", async () => {
    const state = mkdtempSync(join(tmpdir(), "fichier-json-wait-"));
    expect((await fichier(["ls", "/"], { FICHIER_STATE_DIR: state })).code).toBe(0);
    // The same folder listed again within 30 s (--refresh: not served from the remote index): the governor
    // waits (spec: 1 listing per folder per 30 s).
    const p = spawnUntil(["--json", "--refresh", "ls", "/"], { FICHIER_STATE_DIR: state }, (l) =>
      l.includes('"wait"'),
    );
    await p.seen;
    p.child.kill("SIGINT");
    const r = await p.done;
    expect(r.code).toBe(130);
    const events = stderrEvents(r);
    expect(events[0]).toMatchObject({ type: "wait", reason: expect.stringContaining("listing") });
    expect(events[0]?.ms).toBeGreaterThan(0);
    expect(closingError(events)).toEqual({
      type: "error",
      message: "interrupted.",
      exit: 130,
      signal: "SIGINT",
    });
    expect(r.stdout).toBe("");
  }, 60_000);

  it("without --json: the human wait line, then one interrupted line; SIGTERM exits 143", async () => {
    const state = mkdtempSync(join(tmpdir(), "fichier-human-wait-"));
    expect((await fichier(["ls", "/"], { FICHIER_STATE_DIR: state })).code).toBe(0);
    const p = spawnUntil(["ls", "--refresh", "/"], { FICHIER_STATE_DIR: state }, (l) =>
      l.startsWith("fichier: waiting"),
    );
    await p.seen;
    p.child.kill("SIGTERM");
    const r = await p.done;
    expect(r.code).toBe(143);
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^fichier: waiting \d+ s: folder listing limit/);
    expect(lines[1]).toBe("fichier: interrupted.");
  }, 60_000);
});
