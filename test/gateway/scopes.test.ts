// The endpoint → scope table covers every endpoint of spec §7 (the emulator serves them all) and nothing else.
import { describe, expect, it } from "vitest";
import { API_ROUTES } from "../../src/emulator/server.js";
import { allows, ENDPOINTS, parseScopes, SCOPES } from "../../src/gateway/scopes.js";

describe("scopes", () => {
  it("the table names exactly the API's endpoints", () => {
    expect(Object.keys(ENDPOINTS).sort()).toEqual(Object.keys(API_ROUTES).sort());
  });

  it("every endpoint needs a known scope and takes the methods the API takes", () => {
    for (const [endpoint, rule] of Object.entries(ENDPOINTS)) {
      expect(rule.scopes.length, endpoint).toBeGreaterThan(0);
      for (const s of rule.scopes) expect(SCOPES).toContain(s);
      expect([...rule.methods].sort(), endpoint).toEqual([...(API_ROUTES[endpoint]?.methods ?? [])].sort());
    }
  });

  it("the issue's grouping", () => {
    const scopeOf = (e: string) => ENDPOINTS[e]?.scopes;
    expect(scopeOf("download/get_token.cgi")).toEqual(["download"]);
    expect(scopeOf("upload/get_upload_server.cgi")).toEqual(["upload"]);
    expect(scopeOf("folder/mkdir.cgi")).toEqual(["upload", "manage"]);
    for (const e of ["file/ls.cgi", "file/info.cgi", "folder/ls.cgi"]) expect(scopeOf(e)).toEqual(["read"]);
    for (const e of [
      "file/mv.cgi",
      "file/cp.cgi",
      "file/rename.cgi",
      "file/rm.cgi",
      "file/chattr.cgi",
      "folder/share.cgi",
    ]) {
      expect(scopeOf(e)).toEqual(["manage"]);
    }
    for (const e of ["remote/ls.cgi", "remote/info.cgi", "remote/request.cgi"])
      expect(scopeOf(e)).toEqual(["remote"]);
    expect(scopeOf("user/info.cgi")).toEqual(["account"]);
  });

  it("parseScopes takes lists and repeats, in table order, and names a bad one", () => {
    expect(parseScopes(["upload,read", "read", " download "])).toEqual(["read", "download", "upload"]);
    expect(() => parseScopes(["read,admin"])).toThrow(/unknown scope "admin" \(scopes: read, download/);
    expect(() => parseScopes([","])).toThrow(/no scope given/);
  });

  it("allows needs one of the scopes", () => {
    expect(allows(["upload"], ["upload", "manage"])).toBe(true);
    expect(allows(["read"], ["upload", "manage"])).toBe(false);
  });
});
