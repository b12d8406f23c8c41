// The quoting of the commands hints suggest: what is shown, typed back into a POSIX shell, is one argument.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellArg, shellQuote } from "../../src/shell-quote.js";

/** What `sh` hands a program for `printf '%s\n' ARG`: the argument as the shell parsed it. */
function throughShell(arg: string): string[] {
  return execFileSync("sh", ["-c", `printf '%s\\n' ${arg}`], { encoding: "utf8" })
    .split("\n")
    .slice(0, -1);
}

describe("shell quoting of suggested commands", () => {
  it("leaves plain paths alone and quotes the rest so the shell reads them back as one argument", () => {
    expect(shellArg("/backups/2026")).toBe("/backups/2026");
    expect(shellArg("/a/ mid")).toBe("'/a/ mid'");
    for (const s of ["/a/ mid", "it's", "$HOME", "a`b`", "x;rm -rf y", "*", "", "tab\there"]) {
      expect(throughShell(shellArg(s)), s).toEqual([s]);
      expect(throughShell(shellQuote(s)), s).toEqual([s]);
    }
  });
});
