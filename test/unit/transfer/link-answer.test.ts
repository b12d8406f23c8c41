// What each answer of a download link calls for, decided in one place (link-answer.ts).
import { describe, expect, it } from "vitest";
import { NotAllowedError, NotFoundError, ServerError } from "../../../src/api/errors.js";
import { linkAnswer } from "../../../src/transfer/link-answer.js";

describe("linkAnswer", () => {
  it("reads 200 and 206, refreshes the token on 410", () => {
    expect(linkAnswer(200, "a.bin")).toEqual({ action: "read" });
    expect(linkAnswer(206, "a.bin")).toEqual({ action: "read" });
    expect(linkAnswer(410, "a.bin")).toEqual({ action: "refresh" });
  });

  it("retries too many connections, timeouts and server trouble", () => {
    for (const status of [408, 429, 500, 502, 503, 504, 599]) {
      expect(linkAnswer(status, "a.bin")).toEqual({ action: "retry", reason: `HTTP ${status}` });
    }
  });

  it("never retries a 403: the link is refused", () => {
    const a = linkAnswer(403, "a.bin");
    expect(a.action).toBe("fail");
    if (a.action !== "fail") return;
    expect(a.error).toBeInstanceOf(NotAllowedError);
    expect(a.error.message).toBe("a.bin: the download link was refused (HTTP 403)");
    expect(a.error.httpStatus).toBe(403);
    expect(a.error.retryable).toBe(false);
    expect(a.error.hint).toMatch(/allowed address/);
  });

  it("stops on 404 (not found) and on answers no retry can change", () => {
    const missing = linkAnswer(404, "a.bin");
    expect(missing.action === "fail" && missing.error).toBeInstanceOf(NotFoundError);
    for (const status of [204, 301, 302, 400, 401, 416]) {
      const a = linkAnswer(status, "a.bin");
      expect(a.action, String(status)).toBe("fail");
      if (a.action !== "fail") continue;
      expect(a.error).toBeInstanceOf(ServerError);
      expect(a.error.retryable).toBe(false);
      expect(a.error.message).toBe(`a.bin: the download link answered HTTP ${status}`);
    }
  });
});
