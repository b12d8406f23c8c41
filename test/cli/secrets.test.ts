// The key and the process: the canary key in usage errors (given as the value of every global option, as the
// command word, as a command's option value and as an argument) appears in no output, whether it is in the
// environment (the redactor knows it before argv is parsed) or only on the command line (the mask of usage
// errors); and a running fichier keeps its memory out of core dumps.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_FLAGS } from "../../src/cli/node-flags.js";
import { useEmulator } from "../helpers/emulator.js";
import { assertBuilt, BIN, captured, errorLines, run, sandbox } from "./support.js";

/** A canary of the key's exact shape (32 characters of [A-Za-z0-9_=-]), so only masking can hide it. */
const CANARY = `Cn_${randomBytes(24).toString("base64url").slice(0, 26)}=-Z`;
const emu = useEmulator();
let env: Record<string, string>;

beforeAll(async () => {
  assertBuilt();
  expect(CANARY).toMatch(/^[A-Za-z0-9_=-]{32}$/);
  emu.admin.createAccount({ email: "canary-usage@test.local", offer: 1, apiKey: CANARY });
  env = { ...sandbox(), FICHIER_API_URL: emu.apiUrl };
});

afterAll(async () => {
  for (const text of captured) expect(text).not.toContain(CANARY);
});

/** Every global option, given the key where its value (or the command) goes. */
const GLOBAL_CASES: string[][] = [
  ["--json", CANARY],
  ["--json", CANARY, "about"],
  ["--api-url", CANARY, "about"],
  ["--api-url", "--json", CANARY],
  [`--api-url=${CANARY}`, "about"],
  ["--emulator", CANARY],
  ["--profile", CANARY, "about"],
  ["-q", CANARY],
  ["-v", CANARY],
  ["--debug", CANARY],
  ["--no-color", CANARY],
  ["--api-key-stdin", CANARY],
  ["--max-wait", CANARY, "about"],
  ["--stats", CANARY, "about"],
  ["-V", CANARY],
  ["--api-keyy", CANARY, "about"],
  ["--apikey", CANARY, "about"],
  [CANARY, "about"],
  [CANARY],
  ["help", CANARY],
];

/** The key as a command's option value or argument. */
const COMMAND_CASES: string[][] = [
  ["download", "--connections", CANARY, "x"],
  ["upload", "--parallel", CANARY, "/nonexistent"],
  ["remote", "info", CANARY],
  ["remote", "add", CANARY],
  ["completion", CANARY],
  ["ls", `--${CANARY}`],
  ["rename", "/a", `${CANARY}/x`],
  ["mkdir", CANARY],
  ["info", CANARY],
  ["cat", "--range", CANARY, "/a"],
];

describe("the key in a usage error", () => {
  for (const [where, extra] of [
    ["known from the environment", { FICHIER_API_KEY: CANARY }],
    ["only on the command line", { FICHIER_API_KEY: undefined }],
  ] as const) {
    describe(where, () => {
      for (const args of [...GLOBAL_CASES, ...COMMAND_CASES]) {
        const shown = args.map((a) => a.replace(CANARY, "$KEY")).join(" ");
        it(`fichier ${shown}`, async () => {
          const r = await run(args, { env: { ...env, ...extra, FICHIER_RETRIES: "0" } });
          expect(r.stdout + r.stderr).not.toContain(CANARY);
          // Only a usage error can be met with the key nowhere but on the command line; with it in the
          // environment, `--profile KEY about` and `info KEY` run (and fail or not) without printing it.
          if (r.code === 2)
            expect(errorLines(r).length + (r.stderr.startsWith("{") ? 1 : 0)).toBeGreaterThan(0);
        });
      }
    });
  }

  it("an unknown command shows the key masked to its last 4 characters", async () => {
    const r = await run([CANARY, "about"], { env: { ...env, FICHIER_API_KEY: undefined } });
    expect(r.code).toBe(2);
    expect(errorLines(r)).toEqual([
      `fichier: unknown command '****${CANARY.slice(-4)}'. Run \`fichier --help\`.`,
    ]);
  });

  it("a mistyped option before the key does not name the key as the command in the hint", async () => {
    const r = await run(["--api-keyy", CANARY, "about"], { env: { ...env, FICHIER_API_KEY: undefined } });
    expect(r.code).toBe(2);
    expect(errorLines(r)).toEqual([
      "fichier: unknown option '--api-keyy' (Did you mean --api-key?). Run `fichier --help`.",
    ]);
  });
});

describe("core dumps", () => {
  it.runIf(process.platform === "linux")("a running fichier has set its core dump filter to 0", async () => {
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, "emulator", "--json", "--limits", "off"], {
      env: { PATH: process.env.PATH ?? "", ...sandbox() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once("data", () => resolve());
        child.on("error", reject);
        child.on("close", (code) => reject(new Error(`exited with ${code}`)));
      });
      // man 5 core: bit 0 anonymous private, 1 anonymous shared, 2-3 file-backed, 4 ELF headers, 5-8 huge/DAX.
      expect(Number.parseInt(readFileSync(`/proc/${child.pid}/coredump_filter`, "utf8"), 16)).toBe(0);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
