// Pure parts of the command: exit-code table, error line, argv scanning, parsers, completion, output.
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import {
  AccountLockedError,
  AuthError,
  ConflictError,
  EntitlementError,
  FichierError,
  FloodError,
  HtmlResponseError,
  InvalidNameError,
  NetworkError,
  NotAllowedError,
  NotFoundError,
  ServerError,
  TimeoutError,
} from "../../src/api/errors.js";
import { clockSkewMs } from "../../src/cli/commands/doctor.js";
import { parseHeader, pollDelayMs } from "../../src/cli/commands/remote.js";
import { parseShareWith } from "../../src/cli/commands/share.js";
import { commandTree, completionScript } from "../../src/cli/completion.js";
import { createContext, governorOptions } from "../../src/cli/context.js";
import { CliError, PartialSuccessError, UsageError } from "../../src/cli/errors.js";
import { ExitCode, exitCodeFor, formatErrorLine } from "../../src/cli/exit-codes.js";
import { createOutput, formatBytes, redactExcept, table, useColor } from "../../src/cli/output.js";
import { COMMANDS, commandWord, createProgram, modulesFor, registerCommands } from "../../src/cli/program.js";
import { isNativeLoadFailure } from "../../src/cli/run-index.js";
import { formatAge } from "../../src/cli/time.js";
import { InvalidKeyFormatError, MissingKeyError, NoSecureStoreError } from "../../src/keys/errors.js";
import { NotIndexedError, WrongKindError } from "../../src/remote-index/errors.js";
import { FilterError } from "../../src/sync/filter.js";
import { ChecksumMismatchError } from "../../src/transfer/errors.js";

describe("exitCodeFor", () => {
  const cases: [string, unknown, number][] = [
    ["UsageError", new UsageError("bad"), 2],
    ["InvalidNameError", new InvalidNameError("bad name"), 2],
    ["WrongKindError", new WrongKindError("/a/notes.txt/b", "folder", "file", "give a folder"), 2],
    ["FilterError", new FilterError("--filter-from rules.txt:3", "bad rule"), 2],
    ["NotIndexedError (--cached, never listed)", new NotIndexedError("/x", "list it once"), 3],
    ["NotFoundError", new NotFoundError("gone", { code: 469 }), 3],
    ["AuthError", new AuthError("Not authenticated #247", { code: 247, httpStatus: 401 }), 4],
    ["MissingKeyError", new MissingKeyError("default"), 4],
    ["InvalidKeyFormatError", new InvalidKeyFormatError("31 characters"), 4],
    ["EntitlementError", new EntitlementError("Must be a customer #200", { code: 200 }), 5],
    ["FloodError", new FloodError("Flood detected #374", { code: 374, unlockAt: Date.now() + 30_000 }), 6],
    ["AccountLockedError", new AccountLockedError("Owner locked #649", { code: 649 }), 6],
    ["ServerError", new ServerError("HTTP 503", { httpStatus: 503 }), 7],
    ["HtmlResponseError", new HtmlResponseError("HTML"), 7],
    ["NetworkError", new NetworkError("ECONNREFUSED"), 7],
    ["TimeoutError", new TimeoutError("slow"), 7],
    [
      "ChecksumMismatchError",
      new ChecksumMismatchError("differs", { expected: "a".repeat(128), actual: "b".repeat(128) }),
      8,
    ],
    ["PartialSuccessError", new PartialSuccessError(1, 2, [{ item: "x", error: "y" }]), 9],
    ["NotAllowedError", new NotAllowedError("Resource not allowed #631", { code: 631 }), 1],
    ["ConflictError", new ConflictError("Folder not empty #9003", { code: 9003 }), 1],
    ["NoSecureStoreError (own exit code 1)", new NoSecureStoreError("none"), 1],
    ["CliError with its code", new CliError("x", "y", 6), 6],
    ["plain Error", new Error("boom"), 1],
    ["a string", "boom", 1],
    ["errno ECONNRESET", Object.assign(new Error("reset"), { code: "ECONNRESET" }), 7],
  ];
  for (const [name, err, code] of cases) {
    it(`${name} -> ${code}`, () => expect(exitCodeFor(err)).toBe(code));
  }

  it("falls back on the HTTP status of a bare FichierError", () => {
    expect(exitCodeFor(new FichierError("x", { httpStatus: 401 }))).toBe(ExitCode.auth);
    expect(exitCodeFor(new FichierError("x", { httpStatus: 404 }))).toBe(ExitCode.notFound);
    expect(exitCodeFor(new FichierError("x", { httpStatus: 502 }))).toBe(ExitCode.network);
    expect(exitCodeFor(new FichierError("x", { httpStatus: 400 }))).toBe(ExitCode.other);
  });

  it("maps a subclass by its nearest listed ancestor", () => {
    class FolderGone extends NotFoundError {}
    expect(exitCodeFor(new FolderGone("x"))).toBe(ExitCode.notFound);
  });

  it("maps commander's errors: help is 0, the rest is usage", () => {
    const program = new Command().exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    program.command("a");
    let help: unknown;
    let unknown: unknown;
    try {
      program.parse(["node", "x", "--help"]);
    } catch (e) {
      help = e;
    }
    try {
      program.parse(["node", "x", "--nope"]);
    } catch (e) {
      unknown = e;
    }
    expect(exitCodeFor(help)).toBe(0);
    expect(exitCodeFor(unknown)).toBe(2);
  });
});

describe("formatErrorLine", () => {
  it("is one line: cause, fix, #code, the code shown once", () => {
    const line = formatErrorLine(
      new NotFoundError("Resource not found #469", { code: 469, hint: "check the URL" }),
      {},
    );
    expect(line).toBe("fichier: Resource not found. Check the URL. (#469)");
    expect(line.split("\n")).toHaveLength(1);
  });

  it("uses the key library's `fix`", () => {
    const line = formatErrorLine(new MissingKeyError("work"), {});
    expect(line).toMatch(/^fichier: no 1fichier API key found for profile "work"\. Create one at /);
  });

  it("names the unlock time of a flood lock", () => {
    const now = Date.parse("2030-01-01T12:00:00Z");
    const line = formatErrorLine(
      new FloodError("Flood detected: IP Locked #374", { code: 374, unlockAt: now + 25_000 }),
      {
        now,
      },
    );
    expect(line).toContain("Locked until");
    expect(line).toContain("(in 25 s)");
    expect(line.endsWith("(#374)")).toBe(true);
  });

  it("adds the stack and causes only with debug", () => {
    const e = new Error("outer", { cause: new Error("inner") });
    expect(formatErrorLine(e, {}).split("\n")).toHaveLength(1);
    const dbg = formatErrorLine(e, { debug: true });
    expect(dbg).toContain("caused by:");
    expect(dbg).toContain("inner");
  });

  it("folds commander's two-line message into one", () => {
    const e = new CommanderError(
      1,
      "commander.unknownCommand",
      "error: unknown command 'lss'\n(Did you mean ls?)",
    );
    expect(formatErrorLine(e, {})).toBe("fichier: unknown command 'lss' (Did you mean ls?).");
  });
});

describe("argv scanning", () => {
  it("finds the command word after global options and their values", () => {
    expect(commandWord(["--api-url", "http://x/v1", "--json", "ls", "-l"])).toBe("ls");
    expect(commandWord(["--profile", "work", "rm", "a"])).toBe("rm");
    expect(commandWord(["help", "mv"])).toBe("mv");
    expect(commandWord(["--json"])).toBeUndefined();
  });

  it("loads only the owning module, all of them for completion, none for the list of commands", () => {
    expect(modulesFor(["whoami"]).map((e) => e.module)).toEqual(["about"]);
    expect(modulesFor(["tree"]).map((e) => e.module)).toEqual(["ls"]);
    expect(modulesFor(["completion", "bash"])).toBe(COMMANDS);
    // The top-level help and an unknown command (with its suggestion) come from SUMMARIES.
    expect(modulesFor([])).toEqual([]);
    expect(modulesFor(["--help"])).toEqual([]);
    expect(modulesFor(["help"])).toEqual([]);
    expect(modulesFor(["lss"])).toEqual([]);
    // A bare --version loads none; with a command, that command's module (its own --version is the same).
    expect(modulesFor(["--version"])).toEqual([]);
    expect(modulesFor(["-V", "--json"])).toEqual([]);
    expect(modulesFor(["ls", "--version"]).map((e) => e.module)).toEqual(["ls"]);
  });
});

describe("top-level help without the command modules", () => {
  const build = async (args: string[]) => {
    const program = createProgram({ out: () => {}, err: () => {} });
    const ctx = createContext(program, {
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
      env: {},
    });
    await registerCommands(program, ctx, args);
    return { program };
  };

  it("lists every command exactly as the loaded modules do", async () => {
    const full = await build(["completion"]);
    const light = await build(["--help"]);
    expect(light.program.commands.map((c) => c.name())).toEqual(full.program.commands.map((c) => c.name()));
    expect(light.program.helpInformation()).toBe(full.program.helpInformation());
  });

  it("suggests the closest command for a typo, aliases included", async () => {
    for (const [typo, suggestion] of [
      ["lss", "ls"],
      ["whoamj", "whoami"],
      ["downlaod", "download"],
    ] as const) {
      const { program } = await build([typo]);
      let message = "";
      try {
        await program.parseAsync(["node", "fichier", typo]);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(`(Did you mean ${suggestion}?)`);
    }
  });
});

describe("the run's remote index", () => {
  it("tells better-sqlite3's native module failing to load from a bad index file", () => {
    const missing = Object.assign(new Error("Cannot find package 'better-sqlite3'"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    const dlopen = Object.assign(new Error("libc.so: cannot open"), { code: "ERR_DLOPEN_FAILED" });
    const abi = new Error("was compiled against a different Node.js version using NODE_MODULE_VERSION 115");
    const bindings = new Error("Could not locate the bindings file. Tried: ...better_sqlite3.node");
    for (const e of [missing, dlopen, abi, bindings]) expect(isNativeLoadFailure(e)).toBe(true);
    const perm = Object.assign(new Error("EACCES: permission denied, mkdir '/state'"), { code: "EACCES" });
    expect(isNativeLoadFailure(perm)).toBe(false);
  });

  it("says how old an entry is", () => {
    expect([0, 999, 12_000, 180_000, 7_200_000, 86_400_000, 3 * 86_400_000].map(formatAge)).toEqual([
      "just now",
      "just now",
      "12 s ago",
      "3 min ago",
      "2 h ago",
      "1 day ago",
      "3 days ago",
    ]);
  });
});

describe("option parsers", () => {
  it("--with EMAIL[:rw|:hide]", () => {
    expect(parseShareWith("a@b.c")).toEqual({ email: "a@b.c", rw: false, hideLinks: false });
    expect(parseShareWith("a@b.c:rw")).toEqual({ email: "a@b.c", rw: true, hideLinks: false });
    expect(parseShareWith("a@b.c:hide")).toEqual({ email: "a@b.c", rw: false, hideLinks: true });
    expect(() => parseShareWith("nobody")).toThrow(UsageError);
    expect(() => parseShareWith("a@b.c:admin")).toThrow(UsageError);
  });

  it("--header 'Name: value'", () => {
    expect(parseHeader("Cookie:a=b")).toBe("Cookie: a=b");
    expect(() => parseHeader("no colon")).toThrow(UsageError);
  });

  it("remote --wait backs off politely", () => {
    expect([0, 1, 2, 3, 4, 10].map(pollDelayMs)).toEqual([5000, 10000, 20000, 40000, 60000, 60000]);
  });

  it("governor knobs from the environment", () => {
    expect(governorOptions({})).toEqual({});
    expect(governorOptions({ FICHIER_RETRIES: "0", FICHIER_FLOOD_RETRIES: "2" })).toEqual({
      retry: { attempts: 1 },
      floodRetries: 2,
    });
    expect(governorOptions({ FICHIER_RETRIES: "lots" })).toEqual({});
  });

  it("clock skew from a Date header", () => {
    expect(clockSkewMs("Tue, 01 Jan 2030 00:00:00 GMT", Date.parse("2030-01-01T00:00:05Z"))).toBe(5000);
    expect(clockSkewMs(undefined, 0)).toBeUndefined();
    expect(clockSkewMs("garbage", 0)).toBeUndefined();
  });
});

describe("output", () => {
  function sinks() {
    const o = { out: "", err: "" };
    return {
      o,
      stdout: { write: (s: string) => (o.out += s) },
      stderr: { write: (s: string) => (o.err += s), isTTY: false },
    };
  }
  const mask = (s: string) => s.replaceAll("SECRET", "****");

  it("results on stdout (JSON with --json), messages on stderr, all redacted", () => {
    const human = sinks();
    const out = createOutput({
      json: false,
      quiet: false,
      verbose: false,
      debug: false,
      color: false,
      ...human,
      redact: mask,
    });
    out.result("value SECRET", { v: "SECRET" });
    out.info("info SECRET");
    expect(human.o.out).toBe("value ****\n");
    expect(human.o.err).toBe("info ****\n");
    const j = sinks();
    const outJ = createOutput({
      json: true,
      quiet: true,
      verbose: false,
      debug: false,
      color: false,
      ...j,
      redact: mask,
    });
    outJ.result("ignored", { v: "SECRET" });
    outJ.info("hidden by -q");
    outJ.warn("shown");
    expect(JSON.parse(j.o.out)).toEqual({ v: "****" });
    // --json: stderr lines are JSON objects too (docs/cli.md "--json").
    expect(j.o.err).toBe('{"type":"warning","message":"shown"}\n');
  });

  it("reveals only the values asked for", () => {
    expect(redactExcept("a SECRET b SECRET-URL", ["SECRET-URL"], mask)).toBe("a **** b SECRET-URL");
  });

  it("colours only when allowed", () => {
    expect(useColor({ flag: true, env: {}, isTTY: true })).toBe(true);
    expect(useColor({ flag: true, env: { NO_COLOR: "1" }, isTTY: true })).toBe(false);
    expect(useColor({ flag: false, env: { FORCE_COLOR: "1" }, isTTY: true })).toBe(false);
    expect(useColor({ flag: true, env: {}, isTTY: false })).toBe(false);
    expect(useColor({ flag: true, env: { FORCE_COLOR: "1" }, isTTY: false })).toBe(true);
  });

  it("formats sizes and tables", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(32 * 1024 * 1024)).toBe("32.0 MiB");
    expect(
      table([
        ["a", "1"],
        ["bbb", "22"],
      ]),
    ).toBe("a    1\nbbb  22");
    expect(
      table(
        [
          ["1", "x"],
          ["100", "y"],
        ],
        ["right", "left"],
      ),
    ).toBe("  1  x\n100  y");
  });
});

describe("completion", () => {
  const program = new Command("fichier").option("--json", "json out");
  program.command("ls").option("-l, --long", "long").description("list");
  const remote = program.command("remote").description("remote");
  remote.command("add").option("--wait", "wait").description("add");

  it("bash: every command path and its options", () => {
    const s = completionScript("bash", commandTree(program));
    expect(s).toContain("complete -o default -F _fichier fichier");
    expect(s).toMatch(/\/ls\) words="[^"]*--long -l/);
    expect(s).toMatch(/\/remote\/add\) words="[^"]*--wait/);
    expect(s).toMatch(/""\) words="ls remote help --json/);
  });

  it("zsh wraps the bash function; fish lists commands and options", () => {
    expect(completionScript("zsh", commandTree(program))).toContain("bashcompinit");
    const fish = completionScript("fish", commandTree(program));
    expect(fish).toContain("complete -c fichier -n __fish_use_subcommand -a ls -d 'list'");
    expect(fish).toContain("-l long -s l");
    expect(fish).toContain("-a add -d 'add'");
  });
});
