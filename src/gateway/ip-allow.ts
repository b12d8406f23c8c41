// Per-token IP allow-lists (the one 1fichier lacks): IPv4 and IPv6 CIDRs. Matching is Node's own
// net.BlockList, which also matches an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what a dual-stack
// socket reports for an IPv4 client) against IPv4 rules.
import { BlockList, isIP } from "node:net";

/**
 * Checks one rule and returns it normalised (`10.0.0.1` → `10.0.0.1/32`, `2001:DB8::/32` → `2001:db8::/32`).
 * @throws Error naming the problem and the expected shape
 * @example
 * parseCidr("192.168.1.0/24"); // "192.168.1.0/24"
 */
export function parseCidr(text: string): string {
  const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  const family = m ? isIP(m[1] as string) : 0;
  if (!m || family === 0) {
    throw new Error(`"${text}" is not an IP address or CIDR (e.g. 192.168.1.0/24, 2001:db8::/32, 10.0.0.7)`);
  }
  const max = family === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) throw new Error(`"${text}": the prefix length of an IPv${family} CIDR is 0 to ${max}`);
  return `${(m[1] as string).toLowerCase()}/${prefix}`;
}

/** A compiled allow-list. */
export interface AllowList {
  /** True when `ip` matches a rule, or when there are no rules (no restriction). */
  allows(ip: string): boolean;
}

/**
 * Compiles rules (already checked by {@link parseCidr}).
 * @example
 * allowList(["10.0.0.0/8"]).allows("::ffff:10.1.2.3"); // true
 */
export function allowList(rules: readonly string[]): AllowList {
  if (rules.length === 0) return { allows: () => true };
  const list = new BlockList();
  for (const rule of rules) {
    const [addr, prefix] = parseCidr(rule).split("/") as [string, string];
    list.addSubnet(addr, Number(prefix), isIP(addr) === 4 ? "ipv4" : "ipv6");
  }
  return {
    allows(ip) {
      const family = isIP(ip);
      if (family === 0) return false;
      return list.check(ip, family === 4 ? "ipv4" : "ipv6");
    },
  };
}
