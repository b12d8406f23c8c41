// PROPFIND depth 0 and 1, allprop, propname, named properties, namespaces; infinity refused on a folder.
import { describe, expect, it } from "vitest";
import { parseXml } from "../../src/serve/xml.js";
import { put, serve } from "./support.js";

const propfind = (body: string) => `<?xml version="1.0"?><D:propfind xmlns:D="DAV:">${body}</D:propfind>`;

describe("PROPFIND", () => {
  it("lists a folder at depth 1 with live properties, hrefs percent-encoded", async () => {
    const t = await serve();
    await t.call("MKCOL", "/m%C3%BAsica/");
    await put(t, "/m%C3%BAsica/a%20b.mp3", "abc");
    await t.call("MKCOL", "/m%C3%BAsica/sub/");
    const r = await t.call("PROPFIND", "/m%C3%BAsica/", { headers: { Depth: "1" } });
    expect(r.status).toBe(207);
    expect(r.headers["content-type"]).toMatch(/application\/xml/);
    parseXml(r.body); // well-formed
    expect(r.body).toContain("<D:href>/m%C3%BAsica/</D:href>");
    expect(r.body).toContain("<D:href>/m%C3%BAsica/a%20b.mp3</D:href>");
    expect(r.body).toContain("<D:href>/m%C3%BAsica/sub/</D:href>");
    expect(r.body).toContain("<D:getcontentlength>3</D:getcontentlength>");
    expect(r.body).toContain("<D:getcontenttype>audio/mpeg</D:getcontenttype>");
    expect(r.body).toContain("<D:resourcetype><D:collection/></D:resourcetype>");
    expect(r.body.match(/<D:response>/g)).toHaveLength(3);
  });

  it("answers depth 0 with the resource alone", async () => {
    const t = await serve();
    await t.call("MKCOL", "/f/");
    await put(t, "/f/x.txt", "x");
    const r = await t.call("PROPFIND", "/f/", { headers: { Depth: "0" } });
    expect(r.body.match(/<D:response>/g)).toHaveLength(1);
  });

  it("refuses Depth: infinity (and no Depth) on a folder with 403 and propfind-finite-depth", async () => {
    const t = await serve();
    for (const headers of [{ Depth: "infinity" }, {}] as Record<string, string>[]) {
      const r = await t.call("PROPFIND", "/", { headers });
      expect(r.status).toBe(403);
      expect(r.body).toContain("<D:propfind-finite-depth/>");
      expect(parseXml(r.body).local).toBe("error");
    }
    await put(t, "/file.txt", "x");
    expect((await t.call("PROPFIND", "/file.txt", { headers: { Depth: "infinity" } })).status).toBe(207);
  });

  it("answers named properties, 404 for unknown ones in their own namespace", async () => {
    const t = await serve();
    await put(t, "/a.txt", "hello");
    const body = propfind(
      '<D:prop><D:getcontentlength/><x:color xmlns:x="urn:example:x"/><nons xmlns=""/></D:prop>',
    );
    const r = await t.call("PROPFIND", "/a.txt", { headers: { Depth: "0" }, body });
    expect(r.body).toContain("<D:getcontentlength>5</D:getcontentlength>");
    expect(r.body).toMatch(
      /<color xmlns="urn:example:x"\/><nons xmlns=""\/><\/D:prop><D:status>HTTP\/1.1 404 Not Found/,
    );
  });

  it("answers propname with names only", async () => {
    const t = await serve();
    await put(t, "/a.txt", "hello");
    const r = await t.call("PROPFIND", "/a.txt", {
      headers: { Depth: "0" },
      body: propfind("<D:propname/>"),
    });
    expect(r.body).toContain("<D:getcontentlength/>");
    expect(r.body).not.toContain(">5<");
  });

  it.each([
    ["<foo>", "not well-formed"],
    ['<D:propfind xmlns:D="DAV:"><D:prop><bar:foo xmlns:bar=""/></D:prop></D:propfind>', "undeclared prefix"],
    ['<!DOCTYPE x [<!ENTITY a "aaaa">]><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>', "DOCTYPE"],
    ['<propfind xmlns="urn:not-dav"><allprop/></propfind>', "wrong namespace"],
    ['<D:propfind xmlns:D="DAV:"></D:propfind>', "nothing asked"],
  ])("refuses a bad body (%s: %s) with 400", async (body) => {
    const t = await serve();
    const r = await t.call("PROPFIND", "/", { headers: { Depth: "0" }, body });
    expect(r.status).toBe(400);
  });

  it("refuses an XML body over 1 MiB with 413", async () => {
    const t = await serve();
    const r = await t.call("PROPFIND", "/", {
      headers: { Depth: "0" },
      body: propfind(`<!--${"x".repeat(1_100_000)}--><D:allprop/>`),
    });
    expect(r.status).toBe(413);
  });

  it("404s a missing resource", async () => {
    const t = await serve();
    expect((await t.call("PROPFIND", "/missing", { headers: { Depth: "0" } })).status).toBe(404);
  });
});
