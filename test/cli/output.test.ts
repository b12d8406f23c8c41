// Output people and scripts read, spawned against an emulator: hostile remote names never reach the terminal
// raw, one time convention, upload names files as they were named, cat refuses a terminal, the progress line
// fits the terminal and a cron log gets progress lines, doctor tells a 404 from a working API and says which
// checks need the key, a link that is not http(s) is refused, hints that fit.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadFile } from "../../src/transfer/upload.js";
import { VERSION } from "../../src/version.js";
import { type TestEmulator, withEmulator } from "../helpers/emulator.js";
import { canaryAccount, errorLines, json, ok, type RunResult, run, runTTY } from "./support.js";

const account = canaryAccount("canary-output@test.local");
const { fichier } = account;
const work = mkdtempSync(join(tmpdir(), "fichier-cli-output-"));

/** A scripted API on loopback: `answer(path)` gives the status and JSON body of each request. */
async function scriptedApi(
  answer: (path: string, headers: IncomingHttpHeaders) => [number, unknown],
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    const [status, body] = answer(req.url ?? "", req.headers);
    res.writeHead(status, { "content-type": "application/json", date: new Date().toUTCString() });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

describe("hostile remote names", () => {
  const TITLE = "\x1b]0;PWNED\x07.txt";
  const FORGED = "a\nfichier: error: forged\r.txt";
  // Every control character but the line break between lines.
  const raw = (text: string): string[] =>
    Array.from(text).filter((c) => (c < " " && c !== "\n") || c === "\x7f");
  let outputs: RunResult[] = [];

  beforeAll(async () => {
    const folder = (await account.client.folders.create({ name: "hostile", parentId: 0 })).folderId;
    for (const name of [TITLE, FORGED]) {
      const p = join(work, `seed-${randomBytes(4).toString("hex")}`);
      writeFileSync(p, name);
      await uploadFile(account.client, { path: p, folderId: folder, name });
    }
    const local = join(work, "local-hostile");
    mkdirSync(local);
    writeFileSync(join(local, "\x1b[2J.bin"), "clear screen");
    const dl = join(work, "dl-hostile");
    outputs = [
      ok(await fichier(["ls", "/hostile"])),
      ok(await fichier(["ls", "-l", "--url", "/hostile"])),
      ok(await fichier(["ls", "-R", "/"])),
      ok(await fichier(["tree", "/hostile"])),
      ok(await fichier(["info", `/hostile/${TITLE}`])),
      ok(await fichier(["download", "/hostile", "-o", dl])),
      ok(await fichier(["upload", local, "--to", "/hostile-up"])),
      ok(await fichier(["mv", `/hostile/${FORGED}`, "/hostile-up"])),
      await fichier(["rm", `/hostile/\x1b[2Jno-such${FORGED}`]),
    ];
  }, 120_000);

  it("never reach the terminal raw: control characters are escaped, one name per line", () => {
    for (const r of outputs) {
      expect(raw(r.stdout)).toEqual([]);
      expect(raw(r.stderr)).toEqual([]);
      for (const line of `${r.stdout}\n${r.stderr}`.split("\n")) {
        expect(line.startsWith("fichier: error: forged")).toBe(false);
      }
    }
    expect(outputs[0]?.stdout.split("\n")).toEqual([
      "\\e]0;PWNED\\x07.txt",
      "a\\nfichier: error: forged\\r.txt",
      "",
    ]);
    expect(outputs[3]?.stdout).toContain("├── \\e]0;PWNED\\x07.txt");
    expect(outputs[4]?.stdout).toMatch(/Name +\\e\]0;PWNED\\x07\.txt/);
    // Named by where it landed: -o's folder, the remote folder, then the escaped name.
    expect(outputs[5]?.stderr).toMatch(/fichier: downloaded \S*\/hostile\/\\e\]0;PWNED\\x07\.txt/);
    expect(outputs[6]?.stdout).toContain("local-hostile/\\e[2J.bin");
    expect(outputs[7]?.stdout.trim()).toBe(
      "moved /hostile/a\\nfichier: error: forged\\r.txt -> /hostile-up/a\\nfichier: error: forged\\r.txt",
    );
    expect(outputs[8]?.code).toBe(3);
    expect(errorLines(outputs[8] as RunResult)).toHaveLength(1);
  });

  it("stay exact in --json", async () => {
    const j = json<{ files: { filename: string }[] }>(ok(await fichier(["--json", "ls", "/hostile"])));
    expect(j.files.map((f) => f.filename)).toEqual([TITLE]);
  });
});

describe("one time convention", () => {
  let url: string;
  beforeAll(async () => {
    const folder = (await account.client.folders.create({ name: "times", parentId: 0 })).folderId;
    const p = join(work, "t.txt");
    writeFileSync(p, "time");
    url = (await uploadFile(account.client, { path: p, folderId: folder, name: "t.txt" })).url;
  });

  for (const tz of ["UTC", "Asia/Tokyo", "America/New_York"]) {
    it(`ls -l shows the local time of ${tz}, 24-hour, ISO-like`, async () => {
      const r = ok(await fichier(["ls", "-l", "/times"], { env: { TZ: tz } }));
      const shown = /^4 {2}(\d{4}-\d\d-\d\d \d\d:\d\d) {2}t\.txt$/m.exec(r.stdout)?.[1];
      expect(shown, r.stdout).toBeDefined();
      // The file was uploaded a moment ago: the time shown is now, as a clock in that zone says it.
      const clock = new Intl.DateTimeFormat("sv-SE", {
        timeZone: tz,
        dateStyle: "short",
        timeStyle: "short",
      }).format(Date.now());
      const asUtc = (text: string): number => Date.parse(`${text.replace(" ", "T")}:00Z`);
      expect(Math.abs(asUtc(shown ?? "") - asUtc(clock))).toBeLessThanOrEqual(5 * 60_000);
    });
  }

  it("link says its expiry in 24-hour local time; --json in RFC 3339", async () => {
    const r = ok(await fichier(["link", url], { env: { TZ: "UTC", LANG: "en_US.UTF-8" } }));
    expect(r.stderr).toMatch(/^fichier: valid until \d\d:\d\d:\d\d if unused/m);
    expect(r.stderr).not.toMatch(/\b(AM|PM)\b/);
    const j = json<{ expiresAt: string }>(ok(await fichier(["--json", "link", url])));
    expect(j.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe("upload names each file by the path named", () => {
  it("a tree by its folder's name, a file by its own name; stdout and --json agree", async () => {
    const base = join(work, "named");
    mkdirSync(join(base, "docs", "inner"), { recursive: true });
    writeFileSync(join(base, "docs", "inner", "file_1.dat"), "one");
    writeFileSync(join(base, "docs", "file_1.dat"), "two");
    writeFileSync(join(base, "solo.txt"), "solo");
    const r = ok(await fichier(["upload", join(base, "docs"), join(base, "solo.txt"), "--to", "/named"]));
    const names = r.stdout
      .trim()
      .split("\n")
      .slice(0, -1)
      .map((l) => l.split("  ")[1]);
    expect(names.sort()).toEqual(["docs/file_1.dat", "docs/inner/file_1.dat", "solo.txt"]);
    const again = json<{ uploaded: { relativePath: string; path: string; skipped?: string }[] }>(
      ok(await fichier(["--json", "upload", join(base, "docs"), "--to", "/named"])),
    );
    expect(again.uploaded.map((u) => u.relativePath).sort()).toEqual([
      "docs/file_1.dat",
      "docs/inner/file_1.dat",
    ]);
    expect(again.uploaded.every((u) => u.path.startsWith(base))).toBe(true);
  });
});

describe("transfers on a terminal and in a cron log", () => {
  let slow: TestEmulator;
  let slowEnv: Record<string, string>;
  beforeAll(async () => {
    // A capped emulator keeps a 3 MiB transfer running for a few seconds.
    slow = await withEmulator({ bandwidth: 1024 * 1024 });
    slow.admin.createAccount({ email: "canary-slow@test.local", offer: 1, apiKey: account.key });
    slowEnv = { ...account.env, FICHIER_API_URL: slow.apiUrl };
    writeFileSync(join(work, "big.bin"), randomBytes(3 * 1024 * 1024 + 5));
  });
  afterAll(() => slow?.close());

  it("the progress line fits a 60-column terminal", async () => {
    const r = await runTTY(["upload", join(work, "big.bin"), "--to", "/tty60"], "", slowEnv, { columns: 60 });
    expect(r.code, r.stdout).toBe(0);
    const drawn = r.stdout.split("\r\x1b[K").slice(1);
    expect(drawn.length).toBeGreaterThan(1);
    for (const d of drawn) expect(Array.from(d.split(/\r?\n/)[0] ?? "").length).toBeLessThan(60);
  });

  it("without a terminal, --stats prints progress lines at its interval", async () => {
    const r = ok(
      await run(["upload", join(work, "big.bin"), "--to", "/stats", "--stats", "500ms"], { env: slowEnv }),
    );
    const lines = r.stderr.split("\n").filter((l) => /^fichier: \[[#-]{20}\] \d+% 0\/1 files /.test(l));
    expect(lines.length, r.stderr).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/^fichier: uploaded big\.bin$/m);
  });

  it("cat refuses a terminal (exit 2, one line) unless --force", async () => {
    writeFileSync(join(work, "cat.txt"), "solo");
    const up = json<{ uploaded: { url: string }[] }>(
      ok(await fichier(["--json", "upload", join(work, "cat.txt"), "--to", "/cat"])),
    );
    const url = up.uploaded[0]?.url ?? "";
    const refused = await runTTY(["cat", url], "", account.env);
    expect(refused.code).toBe(2);
    expect(refused.stdout.trim().split("\n")).toEqual([
      "fichier: cat writes the file's bytes and stdout is a terminal. Pipe it (`fichier cat URL | mpv -`), " +
        "redirect it (`> file`), or pass --force to print it anyway.",
    ]);
    const forced = await runTTY(["cat", url, "--force"], "", account.env);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain("solo");
  });
});

describe("the user agent", () => {
  it("is the client's fichier/<version>, the one user agent fichier sends", async () => {
    const agents: (string | undefined)[] = [];
    const api = await scriptedApi((_path, headers) => {
      agents.push(headers["user-agent"]);
      return [200, { status: "OK", folder_id: 0, name: "", sub_folders: [], items: [] }];
    });
    try {
      ok(await fichier(["ls", "/"], { env: { FICHIER_API_URL: api.url } }));
      expect(agents.length).toBeGreaterThan(0);
      expect(new Set(agents)).toEqual(new Set([`fichier/${VERSION}`]));
    } finally {
      api.server.close();
    }
  });
});

describe("doctor", () => {
  it("a URL answering 404 is a failed connectivity check (exit 7), not ok", async () => {
    const api = await scriptedApi(() => [404, { status: "KO", message: "Not found" }]);
    try {
      const r = await fichier(["doctor", "--json"], { env: { FICHIER_API_URL: api.url } });
      expect(r.code).toBe(7);
      const checks = json<{ checks: { name: string; status: string; detail: string }[] }>(r).checks;
      expect(checks.find((c) => c.name === "connectivity")).toMatchObject({ status: "fail" });
      expect(checks.find((c) => c.name === "connectivity")?.detail).toMatch(/HTTP 404.*not a 1fichier API/);
    } finally {
      api.server.close();
    }
  });

  it("without a key, every check is listed and those that need the key say so", async () => {
    const r = await fichier(["doctor"], { env: { FICHIER_API_KEY: undefined } });
    expect(r.code).toBe(4);
    for (const name of [
      "fichier",
      "configuration",
      "API key",
      "API URL",
      "connectivity",
      "clock",
      "account",
      "rate limits",
      "remote index",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^\\S+ +${name} `, "m"));
    }
    expect(r.stdout).toMatch(/^skip +account +not run: needs an API key/m);
    expect(r.stdout).toMatch(/^FAIL +API key /m);
  });
});

describe("a download link that is not http(s)", () => {
  it("is refused before link shows it or play runs a player (exit 7)", async () => {
    const api = await scriptedApi((path) =>
      path.includes("get_token")
        ? [200, { status: "OK", url: "file:///etc/passwd" }]
        : [404, { status: "KO", message: "Resource not found #469" }],
    );
    try {
      const file = "https://1fichier.com/?abcdefghij0123456789";
      const link = await fichier(["link", file], { env: { FICHIER_API_URL: api.url } });
      expect(link.code).toBe(7);
      expect(link.stdout).toBe("");
      expect(errorLines(link)).toEqual([
        "fichier: the download link the server gave is not an http(s) URL; it was not used. Try again later; " +
          "if it persists, the API URL may not be 1fichier's (check --api-url and FICHIER_API_URL).",
      ]);
      const bin = mkdtempSync(join(tmpdir(), "fichier-noplay-"));
      const ran = join(bin, "ran");
      writeFileSync(join(bin, "mpv"), `#!/bin/sh\ntouch '${ran}'\n`, { mode: 0o755 });
      const play = await fichier(["play", file], { env: { FICHIER_API_URL: api.url, PATH: bin } });
      expect(play.code).toBe(7);
      expect(play.stderr).not.toContain("playing");
    } finally {
      api.server.close();
    }
  });
});

describe("remote upload", () => {
  it("remote info of an unknown job points at remote ls, not at folder ids", async () => {
    const r = await fichier(["remote", "info", "987654"]);
    expect(r.code).toBe(3);
    expect(errorLines(r)[0]).toMatch(/List the jobs and their ids with `fichier remote ls`/);
    expect(r.stderr).not.toMatch(/folder id/);
  });

  it("remote add --to creates the folder, as upload --to does", async () => {
    ok(await fichier(["remote", "add", "http://127.0.0.1:9/file.bin", "--to", "/remote/made/here"]));
    const listed = json<{ folder: { path: string } }>(
      ok(await fichier(["--json", "ls", "/remote/made/here"])),
    );
    expect(listed.folder.path).toBe("/remote/made/here");
  });
});

describe("--max-wait", () => {
  it("takes a duration; anything else is a usage error naming it (flag or FICHIER_MAX_WAIT)", async () => {
    const flag = await fichier(["--max-wait", "soon", "about"]);
    expect(flag.code).toBe(2);
    expect(errorLines(flag)[0]).toMatch(/--max-wait \(or FICHIER_MAX_WAIT\) takes a duration such as 90s/);
    const variable = await fichier(["about"], { env: { FICHIER_MAX_WAIT: "1 hour" } });
    expect(variable.code).toBe(2);
  });

  it("a flood lock longer than --max-wait ends the call with exit 6 and the unlock time", async () => {
    const key = `MAXW${randomBytes(16).toString("hex").slice(0, 28)}`;
    account.emu.admin.createAccount({ email: "max-wait@test.local", offer: 1, apiKey: key });
    account.emu.admin.lock(key, 600);
    const r = await fichier(["--max-wait", "5s", "ls"], { env: { FICHIER_API_KEY: key } });
    expect(r.code).toBe(6);
    expect(errorLines(r)).toHaveLength(1);
    expect(errorLines(r)[0]).toMatch(/Locked until \d\d:\d\d:\d\d \(in \d+ s\)/);
    // The time is said once, in local time: the hint does not repeat it.
    expect(errorLines(r)[0]).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(r.stderr).not.toContain(key);
  }, 60_000);

  it("key commands honour it too (key check against a locked key ends at once with exit 6)", async () => {
    const key = `MAXK${randomBytes(16).toString("hex").slice(0, 28)}`;
    account.emu.admin.createAccount({ email: "max-wait-key@test.local", offer: 1, apiKey: key });
    account.emu.admin.lock(key, 600);
    const r = await fichier(["--max-wait", "5s", "key", "check"], { env: { FICHIER_API_KEY: key } });
    expect(r.code).toBe(6);
    const last = errorLines(r).at(-1);
    expect(last).toMatch(/Locked until \d\d:\d\d:\d\d/);
    expect(last).not.toMatch(/\d{4}-\d\d-\d\dT/);
  }, 60_000);
});
