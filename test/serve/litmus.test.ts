// The WebDAV conformance suite litmus (apt package `litmus`), run against the server over the memory backend and
// over the account (the emulator, through the index, the client and the transfer layer). Its suites basic,
// copymove, props and locks must pass whole: docs/serve.md lists no exception.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { useEmulator } from "../helpers/emulator.js";
import { has, titled } from "../helpers/system-deps.js";
import { serveAccount } from "./account-support.js";
import { serve } from "./support.js";

const LITMUS = "/usr/bin/litmus";
const SUITES = ["basic", "copymove", "props", "locks"];

/** The test count of each suite, from litmus's "<- summary for `x': of N tests run: P passed, F failed" lines. */
function summaries(output: string): Map<string, { run: number; passed: number; failed: number }> {
  const out = new Map<string, { run: number; passed: number; failed: number }>();
  for (const m of output.matchAll(/summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g)) {
    out.set(m[1] as string, { run: Number(m[2]), passed: Number(m[3]), failed: Number(m[4]) });
  }
  return out;
}

/** Runs litmus's four suites against `url` (a collection it may delete and make again). */
function runLitmus(url: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(LITMUS, ["--keep-going", url], {
      // litmus writes debug.log and child.log in its working folder.
      cwd: mkdtempSync(`${tmpdir()}/litmus-`),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TESTS: SUITES.join(" ") },
    });
    let text = "";
    child.stdout.on("data", (d: Buffer) => (text += d.toString()));
    child.stderr.on("data", (d: Buffer) => (text += d.toString()));
    child.on("error", reject);
    child.on("close", () => resolve(text));
  });
}

function expectAllPassed(output: string): void {
  const counts = summaries(output);
  expect([...counts.keys()], output).toEqual(SUITES);
  for (const suite of SUITES) expect(counts.get(suite)?.failed, `${suite}:\n${output}`).toBe(0);
  expect(counts.get("basic")?.passed).toBe(16);
  expect(counts.get("copymove")?.passed).toBe(13);
  expect(counts.get("props")?.passed).toBe(30);
  expect(counts.get("locks")?.passed).toBe(41);
  expect(output).not.toMatch(/WARNING/);
}

describe.skipIf(!has("litmus"))(titled("litmus, the WebDAV conformance suite", "litmus"), () => {
  const emu = useEmulator();

  it("passes basic, copymove, props and locks with no failure and no warning (memory backend)", async () => {
    const t = await serve();
    // litmus works in a "litmus/" collection it makes (and first deletes) under the URL it is given.
    await t.backend.mkdir("/litmus");
    expectAllPassed(await runLitmus(`${t.url}litmus/`));
  });

  it("passes them too over the account (the emulator, through the index, the client and the transfers)", async () => {
    const t = await serveAccount(emu, { root: "/litmus-root" });
    await t.call("MKCOL", "/litmus");
    expectAllPassed(await runLitmus(`${t.url}litmus/`));
  }, 120_000);
});
