// Pure parts of the output rules: control characters escaped, the one time convention, durations, paths
// relative to what was named, key-shaped words masked, the player's argv, progress lines (with an injected
// clock), errors re-hinted.
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/api/errors.js";
import { serviceDateMs } from "../../src/api/service-time.js";
import { refuseTerminal } from "../../src/cli/commands/cat.js";
import { checkTokenUrl, findPlayer, playerArgs } from "../../src/cli/commands/link.js";
import { relativeToNamed } from "../../src/cli/commands/upload.js";
import { governorOptions } from "../../src/cli/context.js";
import { UsageError, withHint } from "../../src/cli/errors.js";
import { escapeControls, escapeLines } from "../../src/cli/escape.js";
import { exitCodeFor, formatErrorLine } from "../../src/cli/exit-codes.js";
import { durationMs, parseDurationOption } from "../../src/cli/options.js";
import { createOutput, fitWidth, plural, table } from "../../src/cli/output.js";
import { createProgram } from "../../src/cli/program.js";
import { createProgressView } from "../../src/cli/progress.js";
import { rewrittenPathNote } from "../../src/cli/resolve.js";
import { keepMemoryOutOfCoreDumps, maskKeyShaped, registerKnownSecrets } from "../../src/cli/secrets.js";
import { formatClock, jsonServiceDate } from "../../src/cli/time.js";
import { clearSecrets, redact } from "../../src/redact.js";

describe("control characters in human output", () => {
  it("escapes C0, DEL, C1 and bidi controls as ls -b and gh do", () => {
    expect(escapeControls("\x1b]0;PWNED\x07.txt")).toBe("\\e]0;PWNED\\x07.txt");
    expect(escapeControls("a\nfichier: error: forged\r.txt")).toBe("a\\nfichier: error: forged\\r.txt");
    expect(escapeControls("tab\there\x7f\x9b")).toBe("tab\\there\\x7f\\x9b");
    expect(escapeControls("invoice\u202etxt.exe")).toBe("invoice\\u{202e}txt.exe");
    expect(escapeControls("plain é ünïcode ＜＞")).toBe("plain é ünïcode ＜＞");
    // Idempotent: an escape holds no control character.
    expect(escapeControls(escapeControls("\x1b\n"))).toBe("\\e\\n");
  });

  it("keeps line breaks between lines and, when asked, our own colours only", () => {
    expect(escapeLines("a\nb\x07")).toBe("a\nb\\x07");
    expect(escapeLines("\x1b[32mok\x1b[39m \x1b]0;x\x07", { keepColors: true })).toBe(
      "\x1b[32mok\x1b[39m \\e]0;x\\x07",
    );
    expect(escapeLines("\x1b[32mok", {})).toBe("\\e[32mok");
  });

  it("the writer escapes every human line and leaves --json exact", () => {
    const writer = (json: boolean) => {
      const sink = { text: "", write: (t: string) => (sink.text += t) };
      const out = createOutput({
        json,
        quiet: false,
        verbose: false,
        debug: false,
        color: false,
        stdout: sink,
        stderr: sink,
        redact,
      });
      return { out, sink };
    };
    const human = writer(false);
    human.out.warn("bad \x1b[2Jname");
    human.out.info("x\ny");
    human.out.result("one\ntwo\x07", {});
    expect(human.sink.text).toBe("fichier: warning: bad \\e[2Jname\nx\\ny\none\ntwo\\x07\n");
    const json = writer(true);
    json.out.result("", { name: "a\nb\x1b" });
    expect(JSON.parse(json.sink.text)).toEqual({ name: "a\nb\x1b" });
  });

  it("table cells and error lines are escaped", () => {
    expect(table([["a\nb", "c\x1b"]])).toBe("a\\nb  c\\e");
    expect(formatErrorLine(new Error('no file named "x\ny\x07"'), {})).toBe(
      'fichier: no file named "x\\ny\\x07".',
    );
  });
});

describe("the time convention", () => {
  it("reads 1fichier's Paris time, daylight saving included", () => {
    expect(serviceDateMs("2026-01-15 12:00:00")).toBe(Date.UTC(2026, 0, 15, 11, 0, 0));
    expect(serviceDateMs("2026-07-15 12:00:00")).toBe(Date.UTC(2026, 6, 15, 10, 0, 0));
    expect(serviceDateMs("2026-10-25 04:00:00")).toBe(Date.UTC(2026, 9, 25, 3, 0, 0));
    expect(serviceDateMs("")).toBeUndefined();
    expect(serviceDateMs("2026-01-15T12:00:00Z")).toBe(Date.UTC(2026, 0, 15, 12));
  });

  it("gives RFC 3339 in JSON, the text as given when it is not a date", () => {
    expect(jsonServiceDate("2026-12-06 14:03:00")).toBe("2026-12-06T13:03:00.000Z");
    expect(jsonServiceDate("")).toBe("");
  });

  it("shows a moment close to now as a time of day, else with its date, 24-hour", () => {
    const now = new Date(2026, 11, 6, 14, 0, 0).getTime();
    expect(formatClock(now + 25_000, now)).toBe("14:00:25");
    expect(formatClock(now + 12 * 3_600_000, now)).toBe("2026-12-07 02:00:00");
  });
});

describe("durations", () => {
  it("parses rclone's forms; a bare number is seconds", () => {
    expect(durationMs("90s")).toBe(90_000);
    expect(durationMs("10m")).toBe(600_000);
    expect(durationMs("1h30m")).toBe(5_400_000);
    expect(durationMs("500ms")).toBe(500);
    expect(durationMs("45")).toBe(45_000);
    expect(durationMs("0")).toBe(0);
    for (const bad of ["", "soon", "10 m", "-5s", "1x"]) expect(durationMs(bad)).toBeUndefined();
  });

  it("a bad value is a usage error naming the option and the variable", () => {
    expect(() => parseDurationOption("--max-wait", "FICHIER_MAX_WAIT")("soon")).toThrow(
      /--max-wait \(or FICHIER_MAX_WAIT\) takes a duration/,
    );
    expect(exitCodeFor(new UsageError("x"))).toBe(2);
  });

  it("--max-wait, else FICHIER_MAX_WAIT, reaches the governor as maxWaitMs; --stats and -v set the interval", () => {
    expect(governorOptions({}, 90_000)).toEqual({ maxWaitMs: 90_000 });
    expect(governorOptions({ FICHIER_MAX_WAIT: "10m" })).toEqual({ maxWaitMs: 600_000 });
    expect(governorOptions({ FICHIER_MAX_WAIT: "10m" }, 5_000)).toEqual({ maxWaitMs: 5_000 });
    const program = createProgram({ out: () => {}, err: () => {} });
    program.parse(["node", "fichier", "--max-wait", "2m", "--stats", "15s"]);
    expect(program.opts()).toMatchObject({ maxWait: 120_000, stats: 15_000 });
  });
});

describe("names", () => {
  it("an uploaded file is named relative to what was named", () => {
    const cwd = "/home/me";
    expect(relativeToNamed("/home/me/photos/2026/a.jpg", ["photos"], cwd)).toBe("photos/2026/a.jpg");
    expect(relativeToNamed("/home/me/photos/2026/a.jpg", ["photos/"], cwd)).toBe("2026/a.jpg");
    expect(relativeToNamed("/tmp/x/a.txt", ["/tmp/x/a.txt"], cwd)).toBe("a.txt");
    expect(relativeToNamed("/data/b/c.txt", ["/data", "/data/b"], cwd)).toBe("b/c.txt");
    expect(relativeToNamed("/elsewhere/z", ["photos"], cwd)).toBe("/elsewhere/z");
  });

  it("a path typed with spaces at its ends is said to be rewritten", () => {
    expect(rewrittenPathNote("/trailing ", "/trailing")).toMatch(/"\/trailing ".*it is \/trailing$/);
    expect(rewrittenPathNote("/a//b/", "/a/b")).toBeUndefined();
  });

  it("counts are singular or plural", () => {
    expect([0, 1, 2].map((n) => plural(n, "file"))).toEqual(["0 files", "1 file", "2 files"]);
  });

  it("the progress line fits the terminal", () => {
    expect(fitWidth("abcdef", 4)).toBe("abc");
    expect(fitWidth("abc", 4)).toBe("abc");
    expect(fitWidth("abcdef", undefined)).toBe("abcdef");
  });
});

describe("keys in usage errors", () => {
  const key = "Kx9_abcdefghijklmnopqrstuvwx-=YZ";

  it("masks every word that may hold a key, an option's dashes and = included; not a shorter one", () => {
    expect(maskKeyShaped(`unknown command '${key}'`)).toBe("unknown command '****-=YZ'");
    expect(maskKeyShaped(`unknown option '--${key}'`)).toBe("unknown option '****-=YZ'");
    expect(maskKeyShaped(`'--stats=${key}'`)).toBe("'****-=YZ'");
    expect(maskKeyShaped(`"${key.slice(1)}"`)).toBe(`"${key.slice(1)}"`);
    expect(maskKeyShaped("https://1fichier.com/?abcdefghij0123456789")).toBe(
      "https://1fichier.com/?abcdefghij0123456789",
    );
  });

  it("registers every key source before argv is parsed", () => {
    clearSecrets();
    try {
      const other = "Zz9_abcdefghijklmnopqrstuvwx-=YZ";
      const flagged = "Fl9_abcdefghijklmnopqrstuvwx-=YZ";
      registerKnownSecrets(
        [other, "--api-url", key, `--api-key=${flagged}`, "ls", "Ar9_abcdefghijklmnopqrstuvwx-=YZ"],
        { RCLONE_FICHIER_API_KEY: "Rc9_abcdefghijklmnopqrstuvwx-=YZ" },
        "/nonexistent",
        ["--api-url", "--profile"],
      );
      const text = redact(`${other} ${key} ${flagged} Rc9_abcdefghijklmnopqrstuvwx-=YZ`);
      expect(text).toBe("****-=YZ ****-=YZ ****-=YZ ****-=YZ");
      // An argument of a command is left alone (a 32-character name is possible there).
      expect(redact("Ar9_abcdefghijklmnopqrstuvwx-=YZ")).toBe("Ar9_abcdefghijklmnopqrstuvwx-=YZ");
    } finally {
      clearSecrets();
    }
  });

  it("keeps memory out of core dumps on Linux", () => {
    expect(keepMemoryOutOfCoreDumps()).toBe(process.platform === "linux");
  });
});

describe("errors re-hinted where they are met", () => {
  it("keep their class, message, code and exit code", () => {
    const e = withHint(
      new NotFoundError("remote/info.cgi: not found #9014", { code: 9014 }),
      "use remote ls",
    );
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.message).toBe("remote/info.cgi: not found #9014");
    expect(e.hint).toBe("use remote ls");
    expect(exitCodeFor(e)).toBe(3);
  });
});

describe("the player", () => {
  it("mpv and VLC get -- before the URL; another command just the URL", () => {
    expect(playerArgs("mpv", "https://h/x")).toEqual(["--", "https://h/x"]);
    expect(playerArgs("/usr/bin/vlc", "https://h/x")).toEqual(["--", "https://h/x"]);
    expect(playerArgs("my-player", "https://h/x")).toEqual(["https://h/x"]);
  });

  it("a link that is not http(s) is refused (exit 7)", () => {
    expect(() => checkTokenUrl("https://a-1.1fichier.com/c1")).not.toThrow();
    expect(() => checkTokenUrl("http://127.0.0.1:1/dl/x")).not.toThrow();
    for (const bad of ["file:///etc/passwd", "--script=x", "javascript:alert(1)", "ftp://h/x", ""]) {
      let code: number | undefined;
      try {
        checkTokenUrl(bad);
      } catch (e) {
        code = exitCodeFor(e);
      }
      expect(code, bad).toBe(7);
    }
  });

  it("is found on PATH before anything is fetched", async () => {
    expect(await findPlayer(["no-such-player-here"], "/usr/bin:/bin")).toBeUndefined();
    expect(await findPlayer(["no-such-player-here", "sh"], "/usr/bin:/bin")).toBe("sh");
    expect(await findPlayer(["/bin/sh"], "")).toBe("/bin/sh");
  });

  it("cat refuses a terminal unless --force", () => {
    expect(() => refuseTerminal(true, false)).toThrow(UsageError);
    expect(() => refuseTerminal(true, true)).not.toThrow();
    expect(() => refuseTerminal(false, false)).not.toThrow();
  });
});

describe("progress without a terminal", () => {
  function view(statsMs: number) {
    const lines: string[] = [];
    let t = 0;
    const out = createOutput({
      json: false,
      quiet: false,
      verbose: false,
      debug: false,
      color: false,
      stdout: { write: () => true },
      stderr: { write: (s: string) => lines.push(s) },
      redact: (s) => s,
    });
    const v = createProgressView(out, { statsMs, now: () => t, label: (f) => f.replace("/abs/", "") });
    return { v, lines, tick: (ms: number) => (t += ms) };
  }

  it("--stats prints a progress line at its interval, then the file done", () => {
    const { v, lines, tick } = view(30_000);
    v.expect(1000, 1);
    v.onProgress({ type: "start", direction: "upload", file: "/abs/a.bin", size: 1000, resumedBytes: 0 });
    for (let i = 1; i <= 10; i++) {
      tick(10_000);
      const bytes = i * 100;
      v.onProgress({
        type: "progress",
        direction: "upload",
        file: "/abs/a.bin",
        bytes,
        size: 1000,
        speed: 0,
        eta: null,
      });
    }
    v.onProgress({ type: "done", direction: "upload", file: "/abs/a.bin", size: 1000, whirlpool: "w" });
    const stats = lines.filter((l) => l.includes("% 0/1 files"));
    expect(stats).toHaveLength(3);
    expect(stats[0]).toMatch(/^fichier: \[#+-*\] 30% 0\/1 files 300 B\/1000 B \S+ \S+\/s ETA \d+:\d\d\n$/);
    expect(lines.at(-1)).toBe("fichier: uploaded a.bin\n");
  });

  it("prints none without --stats or -v", () => {
    const { v, lines, tick } = view(0);
    v.onProgress({ type: "start", direction: "download", file: "/abs/b", size: 10, resumedBytes: 0 });
    tick(120_000);
    v.onProgress({
      type: "progress",
      direction: "download",
      file: "/abs/b",
      bytes: 5,
      size: 10,
      speed: 0,
      eta: null,
    });
    expect(lines).toEqual([]);
  });
});
