import { describe, expect, it } from "vitest";
import { FichierError } from "../../../src/api/errors.js";
import { exitCodeFor } from "../../../src/cli/exit-codes.js";
import { ChecksumMismatchError, UploadRefusedError } from "../../../src/transfer/errors.js";

describe("transfer errors", () => {
  it("a checksum mismatch is a FichierError the CLI maps to exit 8, naming the bad copy", () => {
    const e = new ChecksumMismatchError("bad", {
      expected: "a".repeat(128),
      actual: "b".repeat(128),
      remoteUrl: "https://1fichier.com/?abcdefghij0123456789",
    });
    expect(e).toBeInstanceOf(FichierError);
    expect(e.retryable).toBe(false);
    expect(e.hint).toContain("https://1fichier.com/?abcdefghij0123456789");
    expect(exitCodeFor(e)).toBe(8);
  });
  it("an upload refusal names the path and a fix", () => {
    const e = new UploadRefusedError("x.bin is empty", { path: "x.bin" });
    expect(e.path).toBe("x.bin");
    expect(e.hint).not.toBe("");
  });
});
