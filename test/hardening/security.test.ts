// Security: the canary key never leaves where it belongs (stdout, stderr, --debug traces, the emulator's log,
// journals, state and config files, and the arguments of every process: fichier, its helpers, the player, curl);
// one account's key can never read, change or download another account's private files; a stored key file is
// 0600 and encrypted; TLS certificate checks are never switched off.
import { execFile, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/api/client.js";
import { uploadFile } from "../../src/transfer/upload.js";
import { useEmulator } from "../helpers/emulator.js";

const BIN = resolve(import.meta.dirname, "../../dist/cli/main.js");
const SRC = resolve(import.meta.dirname, "../../src");
const CANARY = "SecurityCanary_0123456789abcdefg";
const OTHER = "SecurityOtherKey_0123456789abcde";
const PASSPHRASE = "a long passphrase for the test";

let root: string;
let home: string;
let bin: string;
const emulatorLog: string[] = [];
const em = useEmulator({ bandwidth: 4 * 1024 * 1024, log: (l) => emulatorLog.push(l) });
let runs = 0;
/** Every text a run produced (stdout, stderr) plus what the fake player and curl saw. */
const seen: { what: string; text: string }[] = [];
/** Command lines of fichier and its descendants, sampled from /proc while they ran. */
const cmdlines: string[] = [];

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_DATA_HOME: join(home, "data"),
    FICHIER_CONFIG_DIR: join(home, "config", "fichier"),
    // One state folder per run (all under HOME, all scanned): no run waits out the pacing of the one before.
    FICHIER_STATE_DIR: join(home, `state-${runs++}`),
    FICHIER_KEYCHAIN: "off",
    NO_COLOR: "1",
    FICHIER_API_KEY: CANARY,
    FICHIER_API_URL: em.apiUrl,
    ...extra,
  };
}

/** The pids of `pid` and all its descendants. */
function tree(pid: number): number[] {
  const out = [pid];
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const k of kids) out.push(...tree(Number(k)));
  } catch {
    // gone already
  }
  return out;
}

async function fichier(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: env(opts.env), cwd: home, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin.end(opts.input ?? "");
  const sample = setInterval(() => {
    for (const pid of tree(child.pid ?? 0)) {
      try {
        cmdlines.push(readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " "));
      } catch {
        // exited between the listing and the read
      }
    }
  }, 20);
  const t0 = Date.now();
  const [code] = (await once(child, "close")) as [number | null];
  clearInterval(sample);
  if (process.env.FICHIER_SECURITY_TRACE)
    console.log(`${Date.now() - t0} ms: fichier ${args.join(" ")} -> ${code}`);
  seen.push(
    { what: `fichier ${args.join(" ")} (stdout)`, text: stdout },
    { what: `fichier ${args.join(" ")} (stderr)`, text: stderr },
  );
  return { code, stdout, stderr };
}

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  expect(existsSync(BIN), `${BIN} is missing: run \`npm run build\` first`).toBe(true);
  root = mkdtempSync(join(tmpdir(), "fichier-security-"));
  home = join(root, "home");
  bin = join(root, "bin");
  mkdirSync(home);
  mkdirSync(bin);
  // A fake player and a curl wrapper that record their arguments and environment, then do their job.
  const record = join(root, "launched.txt");
  writeFileSync(
    join(bin, "fakeplayer"),
    `#!/bin/sh\n{ echo "ARGV: $*"; echo "ENV:"; env; } >> ${record}\nexec /usr/bin/curl -sS -o /dev/null "$1"\n`,
  );
  chmodSync(join(bin, "fakeplayer"), 0o755);
  em.admin.createAccount({ email: "security@emulator.local", offer: 1, apiKey: CANARY });
  em.admin.createAccount({ email: "security-other@emulator.local", offer: 1, apiKey: OTHER });
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("security", () => {
  it("the canary key appears in no output, trace, log, journal, state file, or process argument", async () => {
    const src = join(root, "data");
    mkdirSync(src);
    writeFileSync(join(src, "clip.bin"), Buffer.alloc(6 * 1024 * 1024, 3));
    writeFileSync(join(src, "note.txt"), "hello\n");
    const up = await fichier(["--json", "--debug", "upload", src, "--to", "/sec"]);
    expect(up.code, up.stderr).toBe(0);
    const uploaded = (JSON.parse(up.stdout) as { uploaded: { filename: string; url: string }[] }).uploaded;
    const clip = uploaded.find((u) => u.filename === "clip.bin")?.url ?? "";
    for (const args of [
      ["about"],
      ["--debug", "ls", "-l", "/sec"],
      ["info", clip],
      ["--json", "link", clip],
      ["download", clip, "-o", join(root, "out"), "--connections", "3"],
      ["--debug", "cat", clip, "--range", "0-99"],
      ["play", clip, "--player", "fakeplayer"],
      ["key", "status"],
      ["doctor"],
    ]) {
      const r = await fichier(args);
      expect(r.code, `fichier ${args.join(" ")}: ${r.stderr}`).toBe(0);
    }
    // curl on the direct link: the link alone is enough, no key travels with it.
    const link = await fichier(["link", clip]);
    if (process.env.FICHIER_SECURITY_TRACE) console.log(JSON.stringify(link));
    const curlArgs = [
      "-sS",
      "--max-time",
      "30",
      "-o",
      join(root, "curl.bin"),
      "-w",
      "%{http_code}",
      link.stdout.trim(),
    ];
    // Asynchronous: the emulator answering curl runs in this process.
    const { stdout: status } = await promisify(execFile)("curl", curlArgs, { encoding: "utf8" });
    expect(status).toBe("200");
    cmdlines.push(`curl ${curlArgs.join(" ")}`);
    // The key given on stdin, and the encrypted file store with its passphrase, leave no trace either.
    const stored = await fichier(["key", "set", "--store", "file"], {
      env: { FICHIER_PASSPHRASE: PASSPHRASE },
      input: `${CANARY}\n`,
    });
    expect(stored.code, stored.stderr).toBe(0);
    const viaStdin = await fichier(["--api-key-stdin", "about"], {
      env: { FICHIER_API_KEY: "" },
      input: CANARY,
    });
    expect(viaStdin.code, viaStdin.stderr).toBe(0);

    const launched = readFileSync(join(root, "launched.txt"), "utf8");
    const argvLine = launched.split("\n").find((l) => l.startsWith("ARGV: ")) ?? "";
    expect(argvLine).toMatch(/^ARGV: http/);
    seen.push({ what: "player argv", text: argvLine });
    seen.push({ what: "emulator log", text: emulatorLog.join("\n") });
    for (const f of [...filesUnder(home), ...filesUnder(join(root, "out"))]) {
      if (f.endsWith(".enc")) continue; // the encrypted key file: checked below, it must not hold the key in clear
      seen.push({ what: f, text: readFileSync(f).toString("latin1") });
    }
    expect(cmdlines.length).toBeGreaterThan(10);
    for (const c of cmdlines) seen.push({ what: `process ${c.slice(0, 120)}`, text: c });
    const leaks = seen.filter((s) => s.text.includes(CANARY)).map((s) => s.what);
    expect(leaks).toEqual([]);
  });

  // A player (or its plugins and crash reports) must not be able to read the key from its environment.
  it("the player is started without the key in its environment", () => {
    const launched = readFileSync(join(root, "launched.txt"), "utf8");
    expect(launched).not.toContain(CANARY);
  });

  it("one account's key can never read, change or download another's private files", async () => {
    const owner = createClient({ apiKey: CANARY, apiUrl: em.apiUrl, governor: false });
    const intruder = createClient({ apiKey: OTHER, apiUrl: em.apiUrl, governor: false });
    const file = join(root, "private.txt");
    writeFileSync(file, "private bytes\n");
    const folderId = await owner.paths.resolveFolder("/private", { create: true });
    const mine = await uploadFile(owner, { path: file, folderId });
    const before = await owner.files.info({ url: mine.url });
    const attempts: [string, () => Promise<unknown>][] = [
      ["files.info", () => intruder.files.info({ url: mine.url })],
      ["download.getToken", () => intruder.download.getToken({ url: mine.url })],
      ["files.remove", () => intruder.files.remove([mine.url])],
      ["files.rename", () => intruder.files.rename({ url: mine.url, filename: "stolen.txt" })],
      ["files.move", () => intruder.files.move({ urls: [mine.url], folderId: 0 })],
      ["files.copy", () => intruder.files.copy({ urls: [mine.url], folderId: 0 })],
      ["files.setAttributes", () => intruder.files.setAttributes({ urls: [mine.url], inline: true })],
      ["files.list (owner's folder)", () => intruder.files.list({ folderId })],
      ["folders.list (owner's folder)", () => intruder.folders.list({ folderId })],
      ["folders.remove", () => intruder.folders.remove({ folderId })],
    ];
    for (const [name, attempt] of attempts) {
      let refused = false;
      try {
        await attempt();
      } catch (e) {
        refused = true;
        expect((e as Error).name, `${name}: ${(e as Error).message}`).toMatch(
          /NotFound|NotAllowed|Auth|BadRequest/,
        );
      }
      expect(refused, `${name} succeeded with another account's key`).toBe(true);
    }
    // The owner's file is untouched: same name, same checksum, same folder, and still downloadable by the owner.
    const after = await owner.files.info({ url: mine.url });
    expect(after).toEqual(before);
    expect((await owner.files.list({ folderId })).map((f) => f.url)).toEqual([mine.url]);
    expect((await intruder.files.list({ folderId: 0 })).map((f) => f.url)).not.toContain(mine.url);
    await owner.close();
    await intruder.close();
  });

  it("stores the key file 0600, encrypted, in a 0700 folder", async () => {
    const dir = join(root, "keystore");
    const r = await fichier(["key", "set", "--store", "file"], {
      env: { FICHIER_CONFIG_DIR: dir, FICHIER_PASSPHRASE: PASSPHRASE },
      input: `${CANARY}\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    const encFiles = filesUnder(dir).filter((f) => f.endsWith(".enc"));
    expect(encFiles.length).toBe(1);
    const enc = encFiles[0] ?? "";
    expect(statSync(enc).mode & 0o777).toBe(0o600);
    expect(statSync(join(enc, "..")).mode & 0o077).toBe(0);
    const bytes = readFileSync(enc);
    for (const form of [
      CANARY,
      Buffer.from(CANARY).toString("base64"),
      Buffer.from(CANARY).toString("hex"),
      Buffer.from(CANARY).toString("base64url"),
    ]) {
      expect(bytes.toString("latin1")).not.toContain(form);
    }
    // Nothing else in the config folder holds the key.
    for (const f of filesUnder(dir)) expect(readFileSync(f).toString("latin1")).not.toContain(CANARY);
  });

  it("never switches TLS checks off: a self-signed server is refused (exit 7)", async () => {
    const certDir = join(root, "tls");
    mkdirSync(certDir);
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
        "-keyout",
        join(certDir, "key.pem"),
        "-out",
        join(certDir, "cert.pem"),
      ]),
      { stdio: "ignore" },
    );
    let hits = 0;
    const server = createServer(
      { key: readFileSync(join(certDir, "key.pem")), cert: readFileSync(join(certDir, "cert.pem")) },
      (_req, res) => {
        hits++;
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"email":"mallory@example.test","offer":1}');
      },
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    const r = await fichier(["about"], {
      env: { FICHIER_API_URL: `https://127.0.0.1:${port}/v1`, FICHIER_RETRIES: "0" },
    });
    server.close();
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/certificate|self.signed|TLS|SSL/i);
    expect(hits).toBe(0);

    // And no source file turns the checks off.
    const offenders: string[] = [];
    for (const f of filesUnder(SRC).filter((p) => p.endsWith(".ts"))) {
      const text = readFileSync(f, "utf8");
      // `fichier gateway --insecure-http` serves plain HTTP on a trusted network; it turns no TLS check off.
      if (
        /rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity\s*:|--insecure(?!-http)/.test(
          text,
        )
      ) {
        offenders.push(f);
      }
    }
    expect(offenders).toEqual([]);
  });
});
