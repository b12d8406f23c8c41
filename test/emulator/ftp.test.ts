// FTP management (spec §7.20): names and request fields are known; responses are the emulator's choice
// (`{"status":"OK"}`, plus a `data` array for ls).
import { describe, expect, it } from "vitest";
import { expectKo, useHarness } from "./support/http.js";

const h = useHarness();

describe("ftp/*.cgi", () => {
  it("process.cgi answers OK", async () => {
    const r = await h.raw.api("ftp/process.cgi", {}, h.premium);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("OK");
  });

  it("users/add, users/ls and users/rm manage FTP users", async () => {
    const folder = await h.raw.mkdir(h.premium, "ftp-in");
    await h.raw.ok(
      "ftp/users/add.cgi",
      { user: "uploader", pass: "ftp-secret-1", folder_id: folder },
      h.premium,
    );
    const ls = await h.raw.ok("ftp/users/ls.cgi", {}, h.premium);
    expect(Array.isArray(ls.data)).toBe(true);
    expect(JSON.stringify(ls.data)).toContain("uploader");
    // The FTP password is a secret: listings must not echo it back.
    expect(JSON.stringify(ls)).not.toContain("ftp-secret-1");
    await h.raw.ok("ftp/users/rm.cgi", { user: "uploader" }, h.premium);
    const after = await h.raw.ok("ftp/users/ls.cgi", {}, h.premium);
    expect(JSON.stringify(after.data)).not.toContain("uploader");
  });

  it("keeps FTP users per account", async () => {
    await h.raw.ok("ftp/users/add.cgi", { user: "mine-only", pass: "ftp-secret-2", folder_id: 0 }, h.premium);
    const other = await h.raw.ok("ftp/users/ls.cgi", {}, h.gold);
    expect(JSON.stringify(other.data)).not.toContain("mine-only");
  });

  it("refuses users/add into an unknown folder with 404 #9001", async () => {
    const r = await h.raw.api(
      "ftp/users/add.cgi",
      { user: "lost", pass: "ftp-secret-3", folder_id: 616161 },
      h.premium,
    );
    expectKo(r, 404, { status: "KO", message: "Folder not found #9001" });
  });
});
