// `fichier serve` over the account, checked with clients nobody here wrote: rclone's webdav backend (a tree of
// 200 files round-tripped byte-identical) and ffprobe/ffmpeg (a video's header and a seek near its end through
// the HTTP URL, with the download tokens counted at the emulator). Each is skipped, with the reason, where the
// tool is missing (.ci/system-deps installs them).
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.js";
import { callsTo, serveAccount } from "./account-support.js";

/** Runs a tool without blocking the event loop (the server under test lives in this process). */
function tool(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const has = (bin: string) => existsSync(`/usr/bin/${bin}`);

const emu = useEmulator();

/** Every file below `dir`, relative path → SHA-256. */
function digests(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash("sha256").update(readFileSync(p)).digest("hex"));
    }
  };
  walk(dir);
  return out;
}

describe.skipIf(!has("rclone"))(
  has("rclone")
    ? "rclone's webdav backend"
    : "rclone: SKIPPED, /usr/bin/rclone is missing (apt-get install rclone)",
  () => {
    it("copies a tree of 200 files up, checks it byte for byte, lists it, and copies it back identical", async () => {
      const t = await serveAccount(emu, { root: "/rclone" });
      const src = mkdtempSync(join(tmpdir(), "serve-rclone-src-"));
      for (let i = 0; i < 200; i++) {
        const dir = join(src, `d${i % 7}`, i % 3 === 0 ? "deeper é" : "");
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `file ${i}.bin`), randomBytes(1 + ((i * 7919) % 70_000)));
      }
      // Configuration through the environment only: no config file, no key (the server holds none to give).
      const env = { RCLONE_CONFIG: join(src, "..", "no-rclone.conf"), RCLONE_WEBDAV_VENDOR: "other" };
      const remote = `:webdav,url='${t.url}':tree`;
      const up = await tool("rclone", ["copy", src, remote, "--transfers", "4"], env);
      expect(up.code, up.stderr).toBe(0);
      const check = await tool("rclone", ["check", src, remote, "--download"], env);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stderr).toMatch(/0 differences found/);
      const ls = await tool("rclone", ["lsjson", "-R", "--files-only", remote], env);
      expect(ls.code, ls.stderr).toBe(0);
      const listed = JSON.parse(ls.stdout) as { Path: string; Size: number }[];
      expect(listed).toHaveLength(200);
      const back = mkdtempSync(join(tmpdir(), "serve-rclone-back-"));
      const down = await tool("rclone", ["copy", remote, back], env);
      expect(down.code, down.stderr).toBe(0);
      expect(digests(back)).toEqual(digests(src));
      expect(t.log.some((e) => e.type === "server-error")).toBe(false);
    }, 300_000);
  },
);

describe.skipIf(!has("ffmpeg") || !has("ffprobe"))(
  has("ffmpeg") && has("ffprobe")
    ? "ffprobe and ffmpeg through the HTTP URL"
    : "ffmpeg: SKIPPED, /usr/bin/ffmpeg or ffprobe is missing (apt-get install ffmpeg)",
  () => {
    it("reads a video's header and seeks near its end with at most 2 token calls", async () => {
      const dir = mkdtempSync(join(tmpdir(), "serve-ffmpeg-"));
      const video = join(dir, "test.mp4");
      const made = await tool("ffmpeg", [
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc=duration=20:size=320x240:rate=25",
        "-c:v",
        "mpeg4",
        "-q:v",
        "8",
        video,
      ]);
      expect(made.code, made.stderr).toBe(0);
      const t = await serveAccount(emu, { root: "/video" });
      expect((await t.call("PUT", "/test.mp4", { body: readFileSync(video) })).status).toBe(201);
      const http = await serveAccount(emu, { root: "/video", server: { flavour: "http" } });
      const url = `${http.url}test.mp4`;
      const before = callsTo(emu, "download/get_token.cgi");
      const probe = await tool("ffprobe", [
        "-v",
        "error",
        "-show_entries",
        "format=duration:stream=codec_name,width",
        "-of",
        "json",
        url,
      ]);
      expect(probe.code, probe.stderr).toBe(0);
      const info = JSON.parse(probe.stdout) as {
        format: { duration: string };
        streams: { codec_name: string; width: number }[];
      };
      expect(Number(info.format.duration)).toBeCloseTo(20, 0);
      expect(info.streams[0]).toMatchObject({ codec_name: "mpeg4", width: 320 });
      const seek = await tool("ffmpeg", [
        "-v",
        "error",
        "-ss",
        "19",
        "-i",
        url,
        "-frames:v",
        "1",
        "-f",
        "image2",
        join(dir, "last.png"),
      ]);
      expect(seek.code, seek.stderr).toBe(0);
      expect(statSync(join(dir, "last.png")).size).toBeGreaterThan(0);
      const ranges = http.log.filter((e) => e.type === "request" && e.method === "GET" && e.status === 206);
      expect(ranges.length).toBeGreaterThan(0);
      expect(callsTo(emu, "download/get_token.cgi") - before).toBeLessThanOrEqual(2);
    }, 120_000);
  },
);
