// The audit log: one JSON line per record, rotation by size, reading back (filtered, and followed across a
// rotation), and the redactor as a last guard.
import { appendFile, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditLog, type AuditRecord, readAuditLog } from "../../src/gateway/audit.js";
import { clearSecrets, registerSecret } from "../../src/redact.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fichier-gw-audit-"));
});
afterEach(async () => {
  clearSecrets();
  await rm(dir, { recursive: true, force: true });
});

const rec = (i: number, token = "nas"): AuditRecord => ({
  time: new Date(i * 1000).toISOString(),
  token,
  ip: "127.0.0.1",
  method: "POST",
  endpoint: "folder/ls.cgi",
  targets: { folders: [i] },
  status: 200,
  code: null,
  ms: i,
});

describe("AuditLog", () => {
  it("writes one JSON line per record, in order, mode 0600", async () => {
    const log = new AuditLog(dir);
    for (let i = 0; i < 5; i++) log.write(rec(i));
    await log.close();
    const lines = (await readFile(join(dir, "audit.log"), "utf8")).trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as AuditRecord).ms)).toEqual([0, 1, 2, 3, 4]);
  });

  it("rotates by size and keeps N files; reading gives every kept record, oldest first", async () => {
    const log = new AuditLog(dir, { maxBytes: 1000, keep: 3 });
    for (let i = 0; i < 60; i++) log.write(rec(i));
    await log.close();
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(["audit.log", "audit.log.1", "audit.log.2", "audit.log.3"]);
    const seen: number[] = [];
    await readAuditLog(dir, {}, (r) => seen.push(r.ms));
    expect(seen.length).toBeGreaterThan(10);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(59);
  });

  it("filters by token and follows new records across a rotation", async () => {
    const log = new AuditLog(dir, { maxBytes: 600 });
    log.write(rec(1, "a"));
    log.write(rec(2, "b"));
    await log.close();
    const ac = new AbortController();
    const seen: number[] = [];
    let following!: () => void;
    const started = new Promise<void>((resolve) => {
      following = resolve;
    });
    const reading = readAuditLog(dir, { token: "a", follow: true, signal: ac.signal, pollMs: 20 }, (r) => {
      seen.push(r.ms);
      if (r.ms === 1) following();
      if (r.ms === 9) ac.abort();
    });
    // Once the reader holds the current file, the writer appends and rotates (600 bytes hold ~3 records).
    await started;
    const more = new AuditLog(dir, { maxBytes: 600 });
    for (let i = 3; i <= 9; i++) more.write(rec(i, i % 2 ? "a" : "b"));
    await more.close();
    await reading;
    expect(seen).toEqual([1, 3, 5, 7, 9]);
  });

  it("follows across a rotation caught half-way, and the lines added to the held file just before it", async () => {
    // The reader holds audit.log (A) and sleeps. Meanwhile, by hand: A gets one more line, then two
    // rotations, the second caught between its renames: A is now .3, B is .2, .1 is missing (about to
    // receive the current file), and C is the current file. Every line of A, B and C must be read.
    const line = (r: AuditRecord) => `${JSON.stringify(r)}\n`;
    await writeFile(join(dir, "audit.log"), line(rec(1, "a")));
    const ac = new AbortController();
    const seen: number[] = [];
    let following!: () => void;
    const started = new Promise<void>((resolve) => {
      following = resolve;
    });
    const reading = readAuditLog(dir, { follow: true, signal: ac.signal, pollMs: 300 }, (r) => {
      seen.push(r.ms);
      if (r.ms === 1) following();
      if (r.ms === 6) ac.abort();
    });
    await started;
    await appendFile(join(dir, "audit.log"), line(rec(2, "a")));
    await rename(join(dir, "audit.log"), join(dir, "audit.log.3"));
    await writeFile(join(dir, "audit.log.2"), line(rec(3, "b")) + line(rec(4, "a")));
    await writeFile(join(dir, "audit.log"), line(rec(5, "a")) + line(rec(6, "b")));
    await reading;
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("masks a registered secret even if one slipped into a record", async () => {
    const key = `${"Z".repeat(28)}k3y9`;
    registerSecret(key);
    const log = new AuditLog(dir);
    log.write({ ...rec(1), reason: `oops ${key}` });
    await log.close();
    expect(await readFile(join(dir, "audit.log"), "utf8")).not.toContain(key);
  });
});
