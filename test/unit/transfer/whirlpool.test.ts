import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createWhirlpoolHasher, whirlpoolBackend, whirlpoolFile } from "../../../src/transfer/whirlpool.js";

// spec §4.1 test vectors (OpenSSL, legacy provider).
const EMPTY =
  "19fa61d75522a4669b44e39c1d2e1726c530232130d407f89afee0964997f7a73e83be698b288febcf88e3e03c4f0757ea8964e59b63d93708b138cc42a66eb3";
const ABC =
  "4e2448a4c6f486bb16b6562c73b4020bf3043e3a731bce721ae1b303d97e6d4c7181eebdb6c57e277d0e34957114cbd6c797fc9d95d8b582d225292076d4eef5";

describe("whirlpool", () => {
  it("matches the spec's test vectors, fed whole or byte by byte", async () => {
    const e = await createWhirlpoolHasher();
    expect(e.digest()).toBe(EMPTY);
    const h = await createWhirlpoolHasher();
    for (const c of "abc") h.update(Buffer.from(c));
    expect(h.digest()).toBe(ABC);
    expect(["node:crypto", "hash-wasm"]).toContain(whirlpoolBackend());
  });

  it("hashes a file and a byte range of it", async () => {
    const p = join(tmpdir(), `wp-${process.pid}-${Date.now()}.txt`);
    await writeFile(p, "xxabcyy");
    expect(await whirlpoolFile(p, { start: 2, end: 5 })).toBe(ABC);
    expect(await whirlpoolFile(p, { start: 3, end: 3 })).toBe(EMPTY);
    const whole = await createWhirlpoolHasher();
    whole.update(Buffer.from("xxabcyy"));
    expect(await whirlpoolFile(p)).toBe(whole.digest());
  });
});
