// Pure parts of the --json stderr contract: the writer's JSON lines, the closing error event, the exit code
// of a signal, cat's reversed range.
import { describe, expect, it } from "vitest";
import { checkRangeOrder } from "../../src/cli/commands/cat.js";
import { describeEvent, reportClientEvent } from "../../src/cli/context.js";
import { errorEvent, formatErrorLine, signalExitCode } from "../../src/cli/exit-codes.js";
import { createOutput, type Output, stderrJson } from "../../src/cli/output.js";
import { redact, registerSecret } from "../../src/redact.js";

function writer(opts: { json: boolean; quiet?: boolean; verbose?: boolean }): {
  out: Output;
  err: () => string[];
} {
  let err = "";
  const out = createOutput({
    json: opts.json,
    quiet: opts.quiet ?? false,
    verbose: opts.verbose ?? false,
    debug: false,
    color: false,
    stdout: { write: () => true },
    stderr: { write: (c: string) => (err += c) },
    redact,
  });
  return { out, err: () => err.split("\n").filter((l) => l !== "") };
}

describe("the writer under --json", () => {
  it("turns every kind of message into one JSON object per line, prefixes dropped", () => {
    const { out, err } = writer({ json: true, verbose: true });
    out.info("fichier: resuming x at 1 KiB");
    out.warn("disk nearly full\nsecond line");
    out.warn("fichier: talking to the embedded emulator");
    out.progress("[####] 40%");
    out.verbose("fichier: walked /a");
    out.event({ type: "start", file: "/f", size: 1 }, undefined);
    expect(err().map((l) => JSON.parse(l))).toEqual([
      { type: "info", message: "resuming x at 1 KiB" },
      { type: "warning", message: "disk nearly full\nsecond line" },
      { type: "warning", message: "talking to the embedded emulator" },
      { type: "progress", message: "[####] 40%" },
      { type: "verbose", message: "walked /a" },
      { type: "start", file: "/f", size: 1 },
    ]);
  });

  it("reports a failed item once, as an error event with its item; a transfer's own event counts", () => {
    const { out, err } = writer({ json: true });
    out.event({ type: "error", file: "/e.txt", item: "/e.txt", message: "/e.txt is empty" }, undefined);
    out.failed("/e.txt", "/e.txt is empty");
    out.failed("/other.txt", "refused", 469);
    expect(err()).toHaveLength(2);
    expect(JSON.parse(err()[1] ?? "")).toEqual({
      type: "error",
      item: "/other.txt",
      message: "refused",
      code: 469,
    });
  });

  it("without --json a failed item is a warning line", () => {
    const { out, err } = writer({ json: false });
    out.failed("/other.txt", "refused");
    expect(err()).toEqual(["fichier: warning: /other.txt: refused"]);
  });

  it("without --json the lines are the human ones", () => {
    const { out, err } = writer({ json: false });
    out.warn("disk nearly full");
    reportClientEvent(out, {
      type: "wait",
      ms: 12_000,
      reason: "rate limit",
      message: "waiting 12 s: rate limit",
    });
    expect(err()).toEqual(["fichier: warning: disk nearly full", "fichier: waiting 12 s: rate limit"]);
  });

  it("client events keep their fields; cache hits only with -v; -q hides waits but not warnings", () => {
    const { out, err } = writer({ json: true });
    reportClientEvent(out, { type: "wait", ms: 1500, reason: "rate limit", endpoint: "a", message: "w" });
    reportClientEvent(out, { type: "cache", endpoint: "a", message: "cached" });
    expect(err().map((l) => JSON.parse(l))).toEqual([
      { type: "wait", ms: 1500, reason: "rate limit", endpoint: "a", message: "w" },
    ]);
    const quiet = writer({ json: true, quiet: true });
    reportClientEvent(quiet.out, { type: "wait", ms: 1, reason: "r", message: "w" });
    quiet.out.warn("still said");
    expect(quiet.err()).toEqual(['{"type":"warning","message":"still said"}']);
    expect(describeEvent({ type: "wait", ms: 1500, reason: "x" })).toBe("waiting 2 s: x");
  });

  it("never lets a registered secret through, and every line stays JSON", () => {
    const secret = `SECRETJSON${"k".repeat(22)}`;
    registerSecret(secret);
    const line = stderrJson(
      { type: "warning", message: `key ${secret}`, pass: "x", nested: { v: secret } },
      redact,
    );
    expect(line).not.toContain(secret);
    expect(line.endsWith("\n")).toBe(true);
    expect(() => JSON.parse(line)).not.toThrow();
    // A shape spanning a key and its value is masked too.
    expect(JSON.parse(stderrJson({ type: "debug", body: { pass: "hunter2" } }, redact)).body.pass).toBe(
      "****",
    );
  });
});

describe("the closing error event", () => {
  it("has the parts of the human line as fields", () => {
    const e = Object.assign(new Error("file/info.cgi: Resource not found #469"), { hint: "check the URL" });
    expect(errorEvent(e, { exit: 3 })).toEqual({
      type: "error",
      message: "file/info.cgi: Resource not found.",
      hint: "Check the URL.",
      code: 469,
      exit: 3,
    });
    expect(formatErrorLine(e, {})).toBe("fichier: file/info.cgi: Resource not found. Check the URL. (#469)");
  });

  it("gives a lock's end as an ISO date, the signal when interrupted, the stack only with debug", () => {
    const unlockAt = Date.UTC(2030, 0, 1, 12, 0, 0);
    const e = Object.assign(new Error("Flood detected #374"), { unlockAt });
    expect(errorEvent(e, { exit: 6 })).toMatchObject({ code: 374, unlockAt: "2030-01-01T12:00:00.000Z" });
    expect(errorEvent(e, { exit: 6 }).stack).toBeUndefined();
    expect(String(errorEvent(e, { exit: 6, debug: true }).stack)).toMatch(/\n\s+at /);
    expect(errorEvent(new Error("interrupted"), { exit: 130, signal: "SIGINT" })).toEqual({
      type: "error",
      message: "interrupted.",
      exit: 130,
      signal: "SIGINT",
    });
  });

  it("signals exit with 128 + their number", () => {
    expect(signalExitCode("SIGINT")).toBe(130);
    expect(signalExitCode("SIGTERM")).toBe(143);
    expect(signalExitCode("SIGHUP")).toBe(129);
  });
});

describe("cat --range order", () => {
  it("refuses a reversed range with the swap as the fix, and nothing else", () => {
    expect(() => checkRangeOrder("5-2")).toThrow(/--range 5-2 is reversed/);
    const thrown = (() => {
      try {
        checkRangeOrder(" 10-3 ");
      } catch (e) {
        return e as { hint?: string };
      }
      return undefined;
    })();
    expect(thrown?.hint).toBe("swap the two numbers: --range 3-10");
    for (const ok of ["2-5", "5-5", "5-", "-5", "abc", "99999999999999999999-99999999999999999999"]) {
      expect(() => checkRangeOrder(ok)).not.toThrow();
    }
  });
});
