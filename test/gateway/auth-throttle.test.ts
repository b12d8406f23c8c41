// Failed authentications per address on an injected clock: 10 in a minute, then a minute of refusals.
import { describe, expect, it } from "vitest";
import { AuthThrottle } from "../../src/gateway/auth-throttle.js";

describe("auth throttle", () => {
  it("blocks an address at the 10th failure within a minute, for a minute", () => {
    let t = 0;
    const th = new AuthThrottle({ now: () => t });
    for (let i = 0; i < 9; i++) {
      expect(th.fail("1.2.3.4")).toBe(false);
      t += 1000;
    }
    expect(th.blockedForMs("1.2.3.4")).toBe(0);
    expect(th.fail("1.2.3.4")).toBe(true);
    expect(th.blockedForMs("1.2.3.4")).toBe(60_000);
    expect(th.blockedForMs("5.6.7.8")).toBe(0);
    t += 59_999;
    expect(th.blockedForMs("1.2.3.4")).toBe(1);
    t += 1;
    expect(th.blockedForMs("1.2.3.4")).toBe(0);
  });

  it("failures older than the window do not count", () => {
    let t = 0;
    const th = new AuthThrottle({ now: () => t });
    for (let i = 0; i < 30; i++) {
      expect(th.fail("1.2.3.4")).toBe(false);
      t += 7_000; // 9 failures per minute at most
    }
  });
});
