// The one rule for a folder named as a transfer's source (rsync's): `dir/` means its contents.
import { describe, expect, it } from "vitest";
import { sourcePath } from "../../../src/transfer/source-path.js";

describe("sourcePath", () => {
  it("a trailing slash means the contents; the path loses its slashes", () => {
    expect(sourcePath("photos/")).toEqual({ path: "photos", contents: true });
    expect(sourcePath("/backups/2026//")).toEqual({ path: "/backups/2026", contents: true });
    expect(sourcePath("./")).toEqual({ path: ".", contents: true });
  });

  it("no trailing slash means the folder itself", () => {
    expect(sourcePath("photos")).toEqual({ path: "photos", contents: false });
    expect(sourcePath("/backups/2026")).toEqual({ path: "/backups/2026", contents: false });
    expect(sourcePath(".")).toEqual({ path: ".", contents: false });
  });

  it("the root stays the root, and means its contents", () => {
    expect(sourcePath("/")).toEqual({ path: "/", contents: true });
  });
});
