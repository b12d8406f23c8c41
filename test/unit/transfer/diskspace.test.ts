import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { freeBytes, hasRoomFor } from "../../../src/transfer/diskspace.js";

describe("free disk space", () => {
  it("reads the free bytes of a real file system", async () => {
    const free = await freeBytes(tmpdir());
    expect(typeof free).toBe("number");
    expect(free).toBeGreaterThan(0);
  });
  it("compares needs with what is free, an unknown answer counting as enough", () => {
    expect(hasRoomFor(10, 100)).toBe(true);
    expect(hasRoomFor(101, 100)).toBe(false);
    expect(hasRoomFor(90, 100, 20)).toBe(false);
    expect(hasRoomFor(1e15, undefined)).toBe(true);
  });
});
