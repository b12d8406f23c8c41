// The pure parts of serving the account: how the client's errors become backend errors (and so statuses), and
// the empty files held in memory.
import { describe, expect, it } from "vitest";
import {
  ConflictError,
  FloodError,
  InvalidNameError,
  NetworkError,
  NotAllowedError,
  NotFoundError,
} from "../../src/api/errors.js";
import { WrongKindError } from "../../src/remote-index/errors.js";
import { toBackendError } from "../../src/serve/account/errors.js";
import { BackendError } from "../../src/serve/backend.js";
import { EmptyFiles } from "../../src/serve/empty-files.js";
import { toHttpError } from "../../src/serve/status.js";
import { UploadRefusedError } from "../../src/transfer/errors.js";

const statusOf = (e: unknown, method = "GET") =>
  toHttpError(toBackendError(e, "/a.txt", 1_000), method).status;

describe("toBackendError", () => {
  it("maps each failure of the service to one status", () => {
    expect(statusOf(new NotFoundError("gone"))).toBe(404);
    expect(statusOf(new WrongKindError("/a.txt/b", "folder", "file", "give a folder"))).toBe(404);
    expect(statusOf(new ConflictError("exists", { code: 9002 }), "MKCOL")).toBe(405);
    expect(statusOf(new ConflictError("exists", { code: 9002 }), "MOVE")).toBe(412);
    expect(statusOf(new InvalidNameError("bad name"))).toBe(403);
    expect(statusOf(new NotAllowedError("password"))).toBe(403);
    expect(statusOf(new UploadRefusedError("empty", { path: "serve:/a.txt", reason: "empty" }))).toBe(403);
    expect(statusOf(new NetworkError("reset"))).toBe(502);
  });

  it("turns flood protection into 503 with Retry-After until the unlock time", () => {
    const e = toHttpError(
      toBackendError(new FloodError("flood", { unlockAt: 31_000 }), "/a.txt", 1_000),
      "GET",
    );
    expect(e.status).toBe(503);
    expect(e.headers["Retry-After"]).toBe("30");
  });

  it("names the path, keeps backend errors as they are, and leaves bugs alone (500, not shown)", () => {
    expect((toBackendError(new NotFoundError("no such file"), "/x/y.txt") as Error).message).toBe(
      "/x/y.txt: no such file",
    );
    const own = new BackendError("busy", "wait");
    expect(toBackendError(own, "/a")).toBe(own);
    const bug = new TypeError("undefined is not a function");
    expect(toBackendError(bug, "/a")).toBe(bug);
    expect(toHttpError(bug, "GET").status).toBe(500);
  });
});

describe("EmptyFiles", () => {
  it("holds, moves, copies and drops placeholders, folders' contents included", () => {
    let now = 1_000;
    const empty = new EmptyFiles({ now: () => now });
    empty.add("/a/x.txt");
    now = 2_000;
    empty.add("/a/b/y.txt");
    expect(empty.childrenOf("/a")).toEqual(["/a/x.txt"]);
    empty.moveTree("/a", "/c");
    expect(empty.get("/a/x.txt")).toBeUndefined();
    expect(empty.get("/c/b/y.txt")?.getTime()).toBe(2_000);
    empty.copyTree("/c/x.txt", "/d.txt", false);
    expect(empty.get("/d.txt")?.getTime()).toBe(1_000);
    empty.removeTree("/c");
    expect(empty.childrenOf("/c/b")).toEqual([]);
    expect(empty.get("/d.txt")).toBeDefined();
  });

  it("is bounded: past its size an empty PUT is 507", () => {
    const empty = new EmptyFiles({ max: 2 });
    empty.add("/1");
    empty.add("/2");
    empty.add("/2"); // touching one already held is fine
    expect(() => empty.add("/3")).toThrow(/already holds 2 empty files/);
  });
});
