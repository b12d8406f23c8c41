import { describe, expect, it } from "vitest";
import {
  AccountLockedError,
  AuthError,
  BadRequestError,
  ConflictError,
  classifyFailure,
  EntitlementError,
  extractCode,
  FichierError,
  FloodError,
  HtmlResponseError,
  InvalidNameError,
  isFichierError,
  NotAllowedError,
  NotFoundError,
  ServerError,
  shouldRetry,
} from "../../../src/api/errors.js";
import { parseRetryAfter } from "../../../src/api/retry-after.js";

const NOW = 1_700_000_000_000;
const ko = (
  httpStatus: number,
  message: string,
  extra: Partial<Parameters<typeof classifyFailure>[0]> = {},
) => classifyFailure({ endpoint: "file/ls.cgi", httpStatus, message, now: NOW, ...extra });

describe("classifyFailure: the decision table", () => {
  // [status, message, class, code, retryable]
  const table: [number, string, new (...a: never[]) => FichierError, number | undefined, boolean][] = [
    [401, "Not authenticated #247", AuthError, 247, false],
    [200, "No such user #93", AuthError, 93, false],
    [403, "Must be a customer (Premium, Access) #200", EntitlementError, 200, false],
    [403, "Flood detected: IP Locked #374", FloodError, 374, true],
    [403, "Flood detected: IP Locked #412", FloodError, 412, true],
    [403, "Flood detected: IP Locked #38", FloodError, 38, true],
    [200, "Owner locked #649", AccountLockedError, 649, false],
    [403, "Only 1 location allowed at a time #887", AccountLockedError, 887, false],
    [404, "Resource not found #469", NotFoundError, 469, false],
    [404, "Folder not found #9001", NotFoundError, 9001, false],
    [403, "Resource not allowed #631", NotAllowedError, 631, false],
    [200, "Invalid name #9004", InvalidNameError, 9004, false],
    [200, "No file has been renamed #312", ConflictError, 312, false],
    [200, "Folder already exists #9002", ConflictError, 9002, false],
    [200, "Folder not empty #9003", ConflictError, 9003, false],
    [400, "Bad request #9005", BadRequestError, 9005, false],
  ];
  for (const [status, message, cls, code, retryable] of table) {
    it(`${status} "${message}" -> ${cls.name}`, () => {
      const e = ko(status, message);
      expect(e).toBeInstanceOf(cls);
      expect(e.code).toBe(code);
      expect(e.retryable).toBe(retryable);
      expect(e.httpStatus).toBe(status);
      expect(e.endpoint).toBe("file/ls.cgi");
      expect(e.hint.length).toBeGreaterThan(10);
      expect(e.message).toContain(message);
    });
  }

  it("uses the #code before the HTTP status", () => {
    // A flood code on a 200 is still a flood; a not-found code on a 403 is still not-found.
    expect(ko(200, "Flood detected: IP Locked #374")).toBeInstanceOf(FloodError);
    expect(ko(403, "Resource not found #469")).toBeInstanceOf(NotFoundError);
    expect(ko(500, "Not authenticated #247")).toBeInstanceOf(AuthError);
  });

  it("recognises flood texts without a known code (JD patterns)", () => {
    expect(ko(403, "Flood detected: User Locked")).toBeInstanceOf(FloodError);
    expect(ko(403, "Flood detected: User APK Locked #1032")).toBeInstanceOf(FloodError);
  });

  it("recognises entitlement texts (VPN / CDN)", () => {
    const e = ko(403, "Premium users on professional equipment, must have CDN credits");
    expect(e).toBeInstanceOf(EntitlementError);
  });

  it("password texts are NotAllowed", () => {
    expect(ko(403, "Invalid password. Resource not allowed")).toBeInstanceOf(NotAllowedError);
    expect(ko(403, "Password not provided. Resource not allowed")).toBeInstanceOf(NotAllowedError);
  });

  it("flood unlock time: Retry-After first, then an announced time, then the default", () => {
    const a = ko(403, "Flood detected: IP Locked #374", { retryAfter: "12" }) as FloodError;
    expect(a.unlockAt).toBe(NOW + 12_000);
    expect(a.retryAfterMs).toBe(12_000);
    const b = ko(403, "Flood detected: IP Locked #374. Will be unlocked within 1h.") as FloodError;
    expect(b.unlockAt).toBe(NOW + 3_600_000);
    const c = ko(403, "Flood detected: IP Locked #374") as FloodError;
    expect(c.unlockAt).toBe(NOW + 30_000);
    const d = ko(403, "Flood detected: IP Locked #374", { defaultLockMs: 5000 }) as FloodError;
    expect(d.unlockAt).toBe(NOW + 5000);
  });

  it("status second: 5xx, 401, 429, HTML", () => {
    const s = classifyFailure({ endpoint: "x", httpStatus: 502, bodyText: "bad gateway", now: NOW });
    expect(s).toBeInstanceOf(ServerError);
    expect(s.retryable).toBe(true);
    const m = classifyFailure({
      endpoint: "x",
      httpStatus: 503,
      bodyText: "<html><body>Our services are in maintenance. Please come back after 20 min</body></html>",
      html: true,
      now: NOW,
    });
    expect(m).toBeInstanceOf(ServerError);
    expect(m.message).toContain("maintenance");
    expect(m.message).not.toContain("<body>");
    // A page whose <title> repeats its heading is quoted once; a #code only in the title is still read.
    const titled = classifyFailure({
      endpoint: "x",
      httpStatus: 503,
      bodyText:
        "<html><head><title>Maintenance</title></head><body><h1>Maintenance</h1><p>Our services are in maintenance.</p></body></html>",
      html: true,
      now: NOW,
    });
    expect(titled.message).toContain("Maintenance Our services are in maintenance.");
    expect(titled.message).not.toContain("Maintenance Maintenance");
    const coded = classifyFailure({
      endpoint: "x",
      httpStatus: 403,
      bodyText: "<html><head><title>Flood detected #374</title></head><body>Come back later</body></html>",
      html: true,
      now: NOW,
    });
    expect(coded).toBeInstanceOf(FloodError);
    expect(classifyFailure({ endpoint: "x", httpStatus: 401, bodyText: "", now: NOW })).toBeInstanceOf(
      AuthError,
    );
    expect(classifyFailure({ endpoint: "x", httpStatus: 429, bodyText: "slow", now: NOW })).toBeInstanceOf(
      FloodError,
    );
    const h = classifyFailure({
      endpoint: "end.pl",
      httpStatus: 200,
      bodyText: "<html>wait</html>",
      html: true,
      now: NOW,
    });
    expect(h).toBeInstanceOf(HtmlResponseError);
    expect(h.retryable).toBe(true);
    const missing = classifyFailure({
      endpoint: "dir/abc",
      httpStatus: 404,
      bodyText: "<html>no</html>",
      html: true,
      now: NOW,
    });
    expect(missing).toBeInstanceOf(NotFoundError);
    const block = classifyFailure({
      endpoint: "x",
      httpStatus: 403,
      bodyText: "<html>blocked</html>",
      html: true,
      now: NOW,
    });
    expect(block).toBeInstanceOf(FloodError);
  });

  it("a 403 JSON KO without code or known text is NotAllowed, a 200 KO is a plain error", () => {
    expect(ko(403, "Something odd")).toBeInstanceOf(NotAllowedError);
    const e = ko(200, "Something odd");
    expect(e.constructor).toBe(FichierError);
    expect(e.retryable).toBe(false);
  });

  it("an HTML error page with #42 is a server error", () => {
    const e = classifyFailure({
      endpoint: "x",
      httpStatus: 200,
      bodyText: "<html><h1>Error on request #42</h1>Please try again later</html>",
      html: true,
      now: NOW,
    });
    expect(e).toBeInstanceOf(ServerError);
    expect(e.code).toBe(42);
  });

  it("never retries auth, entitlement, permission, not-found or invalid-name errors", () => {
    for (const m of ["#247", "#93", "#200", "#631", "#469", "#9001", "#9004", "#649"]) {
      expect(shouldRetry(ko(403, `x ${m}`))).toBe(false);
    }
    expect(shouldRetry(ko(403, "Flood detected #374"))).toBe(true);
    expect(shouldRetry(new Error("plain"))).toBe(false);
    expect(isFichierError(ko(404, "#469"))).toBe(true);
  });
});

describe("helpers", () => {
  it("extractCode accepts more than 3 digits (spec §10)", () => {
    expect(extractCode("Flood #1032")).toBe(1032);
    expect(extractCode("no code")).toBeUndefined();
    expect(extractCode(undefined)).toBeUndefined();
  });
  it("parseRetryAfter: seconds and HTTP dates", () => {
    expect(parseRetryAfter("3", NOW)).toBe(3000);
    expect(parseRetryAfter(new Date(NOW + 10_000).toUTCString(), NOW)).toBe(10_000);
    expect(parseRetryAfter("garbage", NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});

describe("maintenance hint", () => {
  it("names the time to come back", () => {
    const e = classifyFailure({
      endpoint: "x",
      httpStatus: 503,
      bodyText: "<p>Our services are in maintenance. Please come back after 20 minutes.</p>",
      html: true,
      retryAfter: "1200",
      now: NOW,
    });
    expect(e).toBeInstanceOf(ServerError);
    expect(e.hint).toContain("in 20 minutes");
    expect(e.retryAfterMs).toBe(1_200_000);
    const noHeader = classifyFailure({
      endpoint: "x",
      httpStatus: 503,
      bodyText: "<p>Our services are in maintenance. Please come back after 2 hours.</p>",
      html: true,
      now: NOW,
    });
    expect(noHeader.hint).toContain("in 120 minutes");
  });
});
