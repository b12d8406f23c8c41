// The built command: --help of every command, usage errors, exit codes of each error class, global options
// (--json, -q, --debug, colours, --api-key-stdin, --emulator), non-TTY behaviour, completion, about, doctor,
// remote upload, demo.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRangeOrder } from "../../src/cli/commands/cat.js";
import { NODE_FLAGS } from "../../src/cli/node-flags.js";
import { COMMANDS } from "../../src/cli/program.js";
import { workingFilesFor } from "../../src/transfer/working-files.js";
import { useEmulator, withEmulator } from "../helpers/emulator.js";
import { assertBuilt, BIN, captured, errorLines, json, ok, run, runner, sandbox } from "./support.js";

const CANARY = `CANARY${randomBytes(20).toString("hex").slice(0, 26)}`;
const emu = useEmulator();
let env: Record<string, string>;
const fichier = runner(() => env);

beforeAll(async () => {
  assertBuilt();
  emu.admin.createAccount({ email: "canary-basics@test.local", offer: 1, apiKey: CANARY });
  env = { ...sandbox(), FICHIER_API_KEY: CANARY, FICHIER_API_URL: emu.apiUrl };
});

afterAll(async () => {
  for (const text of captured) expect(text).not.toContain(CANARY);
});

describe("--help", () => {
  const names = COMMANDS.flatMap((c) => c.commands);
  it("the program's help lists every command and the exit codes", async () => {
    const r = ok(await fichier(["--help"]));
    for (const n of names) expect(r.stdout).toMatch(new RegExp(`\\n  (\\S+\\|)?${n}[ |]`));
    expect(r.stdout).toContain("Exit codes:");
    expect(r.stderr).toBe("");
  });

  for (const name of [...names, "remote add", "remote ls", "remote info"]) {
    it(`fichier ${name} --help`, async () => {
      const r = ok(await fichier([...name.split(" "), "--help"]));
      expect(r.stdout).toMatch(/^Usage: fichier /);
      expect(r.stdout).not.toContain("not available in this build");
    });
  }

  it("help text is not mangled by the redactor", async () => {
    const r = ok(await fichier(["attr", "--help"]));
    expect(r.stdout).toContain("--password [password]");
    expect(r.stdout).toContain("--no-password");
  });

  it("help COMMAND works like COMMAND --help", async () => {
    const a = ok(await fichier(["help", "ls"]));
    const b = ok(await fichier(["ls", "--help"]));
    expect(a.stdout).toBe(b.stdout);
  });

  it("--version prints the version", async () => {
    expect(ok(await fichier(["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("usage errors: exit 2, one line", () => {
  // Commander's own errors point at --help; the command's own errors name the precise fix.
  const cases: [string, string[], RegExp, RegExp][] = [
    [
      "unknown command, with the closest suggested",
      ["lss"],
      /unknown command 'lss' \(Did you mean ls\?\)/,
      /Run `fichier --help`/,
    ],
    ["unknown option", ["ls", "--frobnicate"], /unknown option '--frobnicate'/, /fichier ls --help/],
    ["missing argument", ["info"], /missing required argument/, /fichier info --help/],
    ["bad value", ["completion", "tcsh"], /unknown shell "tcsh"/, /Choose bash, zsh or fish/],
    ["'..' in a path", ["ls", "/a/../b"], /not allowed in a remote path/, /Give the full path/],
  ];
  for (const [what, args, re, fix] of cases) {
    it(what, async () => {
      const r = await fichier(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^fichier: /);
      expect(lines[0]).toMatch(re);
      expect(lines[0]).toMatch(fix);
    });
  }
});

describe("no command", () => {
  it("shows the list on stderr and exits 2 with one line saying what is missing", async () => {
    const r = await fichier(["remote"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("add [options] <url...>");
    expect(errorLines(r)).toEqual([
      "fichier: a command is needed (the list is above). Run `fichier remote --help`.",
    ]);
  });
});

describe("the governor's waits", () => {
  it("a second listing of a folder within 30 s waits, and stderr says why and for how long", async () => {
    const state = mkdtempSync(join(tmpdir(), "fichier-shared-state-"));
    ok(await fichier(["ls", "/"], { env: { FICHIER_STATE_DIR: state } }));
    // Without --refresh the remote index serves the folder (listed moments ago): no listing, no wait.
    const served = ok(await fichier(["ls", "/"], { env: { FICHIER_STATE_DIR: state } }));
    expect(served.stderr).not.toMatch(/waiting/);
    const second = ok(await fichier(["--refresh", "ls", "/"], { env: { FICHIER_STATE_DIR: state } }));
    expect(second.stderr).toMatch(/^fichier: waiting \d+ s: .*listing/m);
  }, 60_000);
});

describe("exit codes of each error class", () => {
  it("4: missing key, naming the ways to give one", async () => {
    const r = await fichier(["ls"], { env: { FICHIER_API_KEY: undefined } });
    expect(r.code).toBe(4);
    expect(errorLines(r)).toHaveLength(1);
    expect(r.stderr).toContain("FICHIER_API_KEY");
  });

  it("4: a key the service refuses (#247)", async () => {
    const wrong = `WRONG${randomBytes(16).toString("hex").slice(0, 27)}`;
    const r = await fichier(["ls"], { env: { FICHIER_API_KEY: wrong } });
    expect(r.code).toBe(4);
    expect(errorLines(r)).toHaveLength(1);
    expect(r.stderr).toContain("#247");
    expect(r.stderr).not.toContain(wrong);
  });

  it("3: not found (#469)", async () => {
    const r = await fichier(["info", "https://1fichier.com/?aaaaaaaaaaaaaaaaaaaa"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("#469");
  });

  it("6: a flood lock, with the unlock time", async () => {
    const key = `FLOOD${randomBytes(16).toString("hex").slice(0, 27)}`;
    emu.admin.createAccount({ email: "flooded@test.local", offer: 1, apiKey: key });
    emu.admin.lock(key, 120);
    const r = await fichier(["ls"], { env: { FICHIER_API_KEY: key, FICHIER_FLOOD_RETRIES: "0" } });
    expect(r.code).toBe(6);
    expect(errorLines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(/Locked until \d\d:\d\d:\d\d \(in \d+ s\)/);
    expect(r.stderr).toContain("#374");
    expect(r.stderr).not.toContain(key);
  });

  it("7: the API cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, "127.0.0.1", res));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((res) => closed.close(() => res()));
    const r = await fichier(["ls"], {
      env: { FICHIER_API_URL: `http://127.0.0.1:${port}/v1`, FICHIER_RETRIES: "0" },
    });
    expect(r.code).toBe(7);
    expect(errorLines(r)).toHaveLength(1);
  });

  it("5: entitlement (#200) comes from the free account", async () => {
    const r = await fichier(["link", "https://1fichier.com/?bbbbbbbbbbbbbbbbbbbb"], {
      env: { FICHIER_API_KEY: emu.free.apiKey },
    });
    // The file does not exist either; the offer is checked first (get_token refuses a free account).
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("#200");
  });

  it("--debug adds the stack and the HTTP trace, still without the key", async () => {
    const r = await fichier(["--debug", "info", "https://1fichier.com/?cccccccccccccccccccc"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("file/info.cgi");
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe("an error nothing caught (the last resort)", () => {
  // A module loaded before the command (NODE_OPTIONS --import) throws, or rejects, while the command waits on
  // an API that never answers: what a bug deep in a dependency would do. The error carries the key.
  // The module throws once the command's request has reached the server (which then creates CRASH_GO), so
  // the command is running with its handlers in place however slowly it started (a fixed delay raced it).
  let silent: Server;
  let preload: string;
  let go = "";
  beforeAll(async () => {
    silent = createServer(() => writeFileSync(go, ""));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    preload = join(mkdtempSync(join(tmpdir(), "fichier-crash-")), "crash.mjs");
    writeFileSync(
      preload,
      [
        'import { existsSync } from "node:fs";',
        "const key = process.env.FICHIER_API_KEY;",
        "const timer = setInterval(() => {",
        "  if (!existsSync(process.env.CRASH_GO)) return;",
        "  clearInterval(timer);",
        '  const e = new Error("boom while holding " + key);',
        '  if (process.env.CRASH_MODE === "reject") Promise.reject(e);',
        "  else throw e;",
        "}, 20);",
        "timer.unref();",
      ].join("\n"),
    );
  });
  afterAll(() => {
    silent?.closeAllConnections();
    silent?.close();
  });
  const crashRun = (mode: string, extra: string[] = []) => {
    go = join(mkdtempSync(join(tmpdir(), "fichier-crash-go-")), "go");
    return fichier([...extra, "ls", "/"], {
      env: {
        NODE_OPTIONS: `--import=${preload}`,
        CRASH_MODE: mode,
        CRASH_GO: go,
        FICHIER_API_URL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`,
      },
    });
  };

  for (const mode of ["throw", "reject"]) {
    it(`${mode}: one redacted line calling it a bug, exit 1, no stack`, async () => {
      const r = await crashRun(mode);
      expect(r.code).toBe(1);
      const lines = errorLines(r);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^fichier: boom while holding \S+.*this is a bug in fichier: run again with --debug/i,
      );
      expect(r.stderr).not.toMatch(/^\s+at /m);
      // The canary check in afterAll covers the key itself; here, that it was masked rather than dropped.
      expect(lines[0]).toContain("****");
    });
  }

  it("with --debug, the stack follows, still redacted", async () => {
    const r = await crashRun("throw", ["--debug"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\s+at /m);
    expect(r.stderr).toContain("boom while holding ****");
  });
});

describe("global options", () => {
  it("--api-key-stdin reads the key from a pipe", async () => {
    const r = ok(
      await fichier(["--api-key-stdin", "--json", "about"], {
        env: { FICHIER_API_KEY: undefined },
        input: `${CANARY}\n`,
      }),
    );
    expect(json<{ email: string }>(r).email).toBe("canary-basics@test.local");
  });

  it("--api-key works with a warning", async () => {
    const r = ok(
      await fichier(["--api-key", CANARY, "--json", "about"], { env: { FICHIER_API_KEY: undefined } }),
    );
    expect(r.stderr).toMatch(/shell history|ps/);
  });

  it("-q keeps stderr quiet on success; -v adds detail", async () => {
    const q = ok(await fichier(["-q", "ls", "-R"]));
    expect(q.stderr).toBe("");
    const v = ok(await fichier(["-v", "ls", "-R"]));
    expect(v.stderr).toContain("listing /");
  });

  it("colours follow --no-color and NO_COLOR even when forced", async () => {
    const forced = ok(await fichier(["doctor"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } }));
    expect(forced.stdout).toContain("\x1b[32m");
    const off = ok(
      await fichier(["--no-color", "doctor"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } }),
    );
    expect(off.stdout).not.toContain("\x1b[");
    const envOff = ok(await fichier(["doctor"], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } }));
    expect(envOff.stdout).not.toContain("\x1b[");
  });

  it("--emulator talks to the embedded emulator and says so, on every command", async () => {
    const box = sandbox();
    const r = ok(
      await run(["--emulator", "--json", "about"], {
        env: { ...box, FICHIER_API_KEY: undefined, FICHIER_API_URL: undefined },
      }),
    );
    expect(json<{ email: string; emulator: boolean }>(r)).toMatchObject({
      email: "premium@emulator.local",
      emulator: true,
    });
    expect(r.stderr).toContain("talking to the embedded emulator");
    const q = ok(
      await run(["--emulator", "-q", "mkdir", "/kept"], { env: { ...box, FICHIER_API_KEY: undefined } }),
    );
    expect(q.stderr).toContain("talking to the embedded emulator");
    // Persistent: the folder is still there in the next process.
    const ls = ok(await run(["--emulator", "ls"], { env: { ...box, FICHIER_API_KEY: undefined } }));
    expect(ls.stdout.split("\n")).toContain("kept/");
  });
});

describe("about, doctor, completion", () => {
  it("about: human and JSON; whoami is the same", async () => {
    const h = ok(await fichier(["about"]));
    expect(h.stdout).toMatch(/E-mail\s+canary-basics@test\.local/);
    expect(h.stdout).toMatch(/Offer\s+Premium/);
    const j = json<Record<string, unknown>>(ok(await fichier(["whoami", "--json"])));
    expect(j).toMatchObject({
      email: "canary-basics@test.local",
      offer: 1,
      offerName: "Premium",
      overQuota: false,
    });
    for (const k of [
      "subscriptionEnd",
      "cdnCredits",
      "hotStorage",
      "coldStorage",
      "availableStorage",
      "uploadForbidden",
    ]) {
      expect(j).toHaveProperty(k);
    }
  });

  it("doctor: a readable report, JSON checks, exit 4 without a key", async () => {
    const h = ok(await fichier(["doctor"]));
    for (const name of ["API key", "connectivity", "clock", "account", "rate limits"])
      expect(h.stdout).toContain(name);
    expect(h.stdout).toContain("from env");
    const j = json<{ ok: boolean; checks: { name: string; status: string }[] }>(
      ok(await fichier(["doctor", "--json"])),
    );
    expect(j.ok).toBe(true);
    expect(j.checks.find((c) => c.name === "account")?.status).toBe("ok");
    const none = await fichier(["doctor", "--json"], { env: { FICHIER_API_KEY: undefined } });
    expect(none.code).toBe(4);
    expect(json<{ ok: boolean }>(none).ok).toBe(false);
  });

  it("completion scripts parse in their shell", async () => {
    const bash = ok(await fichier(["completion", "bash"]));
    expect(spawnSync("bash", ["-n"], { input: bash.stdout }).status).toBe(0);
    expect(bash.stdout).toContain("/remote/add)");
    expect(bash.stdout).toContain("--no-password");
    const zsh = ok(await fichier(["completion", "zsh"]));
    expect(zsh.stdout).toMatch(/^#compdef fichier/);
    const fish = ok(await fichier(["completion", "fish"]));
    expect(fish.stdout).toContain("complete -c fichier -n __fish_use_subcommand -a ls");
  });
});

describe("remote upload", () => {
  let server: Server;
  let base: string;
  const seenHeaders: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const h = req.headers["x-fichier-test"];
      if (typeof h === "string") seenHeaders.push(h);
      if (req.url === "/file.bin") {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": "5" });
        res.end("12345");
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("add --wait prints the resulting links; ls and info show the job", async () => {
    const r = ok(await fichier(["remote", "add", `${base}/file.bin`, "--wait", "--json"]));
    const j = json<{
      id: number;
      job: { done: boolean; result: { status: string; downloadLink: string }[] };
    }>(r);
    expect(j.job.done).toBe(true);
    expect(j.job.result[0]?.status).toBe("OK");
    expect(j.job.result[0]?.downloadLink).toMatch(/^https:\/\/1fichier\.com\/\?[a-z0-9]{20}$/);
    const ls = json<{ jobs: { id: number; done: boolean }[] }>(ok(await fichier(["remote", "ls", "--json"])));
    expect(ls.jobs).toContainEqual(expect.objectContaining({ id: j.id, done: true }));
    const info = ok(await fichier(["remote", "info", String(j.id)]));
    expect(info.stdout).toContain(`${base}/file.bin -> https://1fichier.com/?`);
  });

  it("--to puts the file in a folder and --header reaches the remote server", async () => {
    ok(await fichier(["mkdir", "-p", "/incoming"]));
    const r = ok(
      await fichier([
        "remote",
        "add",
        `${base}/file.bin`,
        "--to",
        "/incoming",
        "--header",
        "X-Fichier-Test: hello",
        "--wait",
        "--json",
      ]),
    );
    const j = json<{ folderId: number; job: { result: { status: string }[] } }>(r);
    expect(j.job.result[0]?.status).toBe("OK");
    expect(seenHeaders).toContain("hello");
    const listed = json<{ files: { filename: string }[] }>(ok(await fichier(["ls", "/incoming", "--json"])));
    expect(listed.files.map((f) => f.filename)).toEqual(["file.bin"]);
  });

  it("a URL that fails makes --wait exit 1 with the reason", async () => {
    const r = await fichier(["remote", "add", `${base}/missing.bin`, "--wait"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAILED");
    expect(errorLines(r)).toHaveLength(1);
  });

  it("refuses a non-URL and a malformed header (exit 2)", async () => {
    expect((await fichier(["remote", "add", "ftp://x"])).code).toBe(2);
    expect((await fichier(["remote", "add", `${base}/file.bin`, "--header", "nocolon"])).code).toBe(2);
    expect((await fichier(["remote", "info", "abc"])).code).toBe(2);
  });
});

describe("emulator", () => {
  it("serves until SIGTERM, printing one JSON line, and exits 0", async () => {
    const child = spawn(process.execPath, [BIN, "emulator", "--json", "--limits", "off"], {
      env: { PATH: process.env.PATH ?? "", ...sandbox() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        if (out.includes("\n")) resolve(out.split("\n")[0] ?? "");
      });
      child.on("error", reject);
      setTimeout(() => reject(new Error("no JSON line within 20 s")), 20_000);
    });
    const info = JSON.parse(line) as { apiUrl: string; accounts: { email: string }[] };
    expect(info.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(info.accounts.map((a) => a.email)).toContain("premium@emulator.local");
    const code = new Promise<number | null>((resolve) => child.on("close", resolve));
    child.kill("SIGTERM");
    expect(await code).toBe(0);
  });

  it("a bad option value is a usage error", async () => {
    const r = await fichier(["emulator", "--limits", "sometimes"]);
    expect(r.code).toBe(2);
    expect(errorLines(r)).toHaveLength(1);
  });
});

describe("demo", () => {
  it("uploads and downloads back through the embedded emulator, byte-identical", async () => {
    const r = ok(await run(["demo", "--json", "--size", "3000001"], { env: { ...sandbox() } }));
    const j = json<{ ok: boolean; size: number; identical: boolean; whirlpool: string }>(r);
    expect(j).toMatchObject({ ok: true, size: 3000001, identical: true });
    expect(j.whirlpool).toMatch(/^[0-9a-f]{128}$/);
    // The demo runs the real commands, each in its own process, against the persistent --emulator data.
    expect(r.stderr).toContain("[4/4]");
    expect(r.stderr).toMatch(/fichier --emulator upload \S+ --to \/demo/);
    expect(r.stderr).toMatch(/fichier --emulator download https:\/\/1fichier\.com\/\?[a-z0-9]{20} -o /);
    const env = { ...sandbox() };
    const human = ok(await run(["demo", "--size", "100000"], { env }));
    const listed = ok(await run(["--emulator", "--json", "ls", "/demo"], { env }));
    expect(JSON.stringify(json(listed))).toMatch(/demo-[^"]+\.bin/);
    expect(human.stdout.trim().split("\n")).toHaveLength(1);
    expect(human.stdout).toMatch(/^demo ok: /);
  });
});

describe("interruptions and small defects (exploratory test)", () => {
  it("Ctrl-C during a download exits 130 with one line saying to run it again, leaving the resumable .part", async () => {
    // The file goes in at full speed; the same data folder is then served with a low bandwidth cap, so the
    // download is still running when the signal comes.
    const data = mkdtempSync(join(tmpdir(), "fichier-sigint-emu-"));
    const src = mkdtempSync(join(tmpdir(), "fichier-sigint-src-"));
    writeFileSync(join(src, "slow.bin"), randomBytes(400_000));
    let fast = await withEmulator({ dataDir: data });
    const key = fast.premium.apiKey;
    const up = ok(
      await run(["--json", "upload", join(src, "slow.bin"), "--to", "/sigint"], {
        env: { ...sandbox(), FICHIER_API_KEY: key, FICHIER_API_URL: fast.apiUrl },
      }),
    );
    await fast.close();
    const url = json<{ uploaded: { url: string }[] }>(up).uploaded[0]?.url ?? "";
    fast = await withEmulator({ dataDir: data, bandwidth: 20_000 });
    try {
      const dest = mkdtempSync(join(tmpdir(), "fichier-sigint-dst-"));
      const child = spawn(process.execPath, [...NODE_FLAGS, BIN, "download", url, "-o", dest], {
        env: {
          ...sandbox(),
          PATH: process.env.PATH ?? "",
          NO_COLOR: "1",
          FICHIER_API_KEY: key,
          FICHIER_API_URL: fast.apiUrl,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const code = new Promise<number | null>((resolve) => child.on("close", resolve));
      // The resume journal appears once bytes flow.
      const journal = workingFilesFor(join(dest, "slow.bin")).journal;
      for (let i = 0; i < 200 && !existsSync(journal); i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(journal)).toBe(true);
      child.kill("SIGINT");
      expect(await code).toBe(130);
      captured.push(stderr);
      expect(stderr.trim().split("\n").at(-1)).toBe(
        "fichier: interrupted: run the same command again to resume.",
      );
      expect(existsSync(join(dest, "slow.bin"))).toBe(false);
      expect(existsSync(journal)).toBe(true);
    } finally {
      await fast.close();
    }
  }, 60_000);

  it("a remote path with .. is a usage error (exit 2), for --to as for a target", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fichier-dotdot-"));
    writeFileSync(join(dir, "a.txt"), "a");
    for (const args of [
      ["upload", join(dir, "a.txt"), "--to", "/a/../b"],
      ["ls", "/a/../b"],
    ]) {
      const r = await fichier(args);
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(2);
      expect(errorLines(r)).toHaveLength(1);
      expect(errorLines(r)[0]).toContain('".."');
    }
  });

  it("cat --range 5-2 says the range is reversed (exit 2), before any call", async () => {
    const r = await fichier(["cat", "/no-such-file", "--range", "5-2"]);
    expect(r.code).toBe(2);
    expect(errorLines(r)).toEqual([
      "fichier: --range 5-2 is reversed: it starts at byte 5, after its end at byte 2. Swap the two numbers: --range 2-5.",
    ]);
    expect(() => checkRangeOrder("2-5")).not.toThrow();
    expect(() => checkRangeOrder("5-5")).not.toThrow();
    expect(() => checkRangeOrder("-5")).not.toThrow();
  });
});
