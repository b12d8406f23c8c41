// Allow-lists: IPv4, IPv6, IPv4-mapped IPv6 against IPv4 rules, and the errors for bad rules.
import { describe, expect, it } from "vitest";
import { allowList, parseCidr } from "../../src/gateway/ip-allow.js";

describe("IP allow-lists", () => {
  it("no rule allows everyone", () => {
    expect(allowList([]).allows("203.0.113.9")).toBe(true);
  });

  it("IPv4 CIDRs and single addresses", () => {
    const l = allowList(["192.168.1.0/24", "10.0.0.7"]);
    expect(l.allows("192.168.1.200")).toBe(true);
    expect(l.allows("192.168.2.1")).toBe(false);
    expect(l.allows("10.0.0.7")).toBe(true);
    expect(l.allows("10.0.0.8")).toBe(false);
  });

  it("IPv4-mapped IPv6 addresses match IPv4 rules (a dual-stack socket reports them)", () => {
    const l = allowList(["10.0.0.0/8"]);
    expect(l.allows("::ffff:10.1.2.3")).toBe(true);
    expect(l.allows("::ffff:11.1.2.3")).toBe(false);
  });

  it("IPv6 CIDRs", () => {
    const l = allowList(["2001:db8::/32", "::1"]);
    expect(l.allows("2001:db8:1::5")).toBe(true);
    expect(l.allows("2001:db9::5")).toBe(false);
    expect(l.allows("::1")).toBe(true);
    expect(l.allows("127.0.0.1")).toBe(false);
  });

  it("garbage never matches", () => {
    expect(allowList(["10.0.0.0/8"]).allows("not-an-ip")).toBe(false);
  });

  it("parseCidr normalises and names what is wrong", () => {
    expect(parseCidr("10.0.0.1")).toBe("10.0.0.1/32");
    expect(parseCidr("2001:DB8::/32")).toBe("2001:db8::/32");
    expect(() => parseCidr("10.0.0.0/33")).toThrow(/prefix length of an IPv4 CIDR is 0 to 32/);
    expect(() => parseCidr("example.org")).toThrow(/not an IP address or CIDR/);
    expect(() => parseCidr("10.0.0.0/8/8")).toThrow(/not an IP address or CIDR/);
  });
});
