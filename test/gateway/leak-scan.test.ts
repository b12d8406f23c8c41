// A leaked gateway token is found by `fichier key scan` (no keyword needed: the prefix says what it is) and by
// the gitleaks rule in docs/gitleaks.toml, exercised with JavaScript's engine as test/keys/gitleaks.test.ts does.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { newToken } from "../../src/gateway/tokens.js";
import { LineScanner } from "../../src/keys/scan.js";

const toml = readFileSync(new URL("../../docs/gitleaks.toml", import.meta.url), "utf8");
const rule =
  /id = "fichier-gateway-token"[\s\S]*?regex = '''(.*?)'''[\s\S]*?secretGroup = (\d+)[\s\S]*?entropy = ([\d.]+)/.exec(
    toml,
  );

function shannon(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

const lines = (t: string) => [
  `export FICHIER_API_KEY=${t}`,
  `token: "${t}"`,
  `curl -H 'Authorization: Bearer ${t}' ...`,
  t,
];

describe("a leaked gateway token", () => {
  it("is found by key scan, masked, as a gateway token, with or without a keyword near it", () => {
    const { token } = newToken();
    for (const line of lines(token)) {
      const found = new LineScanner([]).scanLine(line, "notes.txt", 1);
      expect(found, line).toEqual([
        { file: "notes.txt", line: 1, kind: "gateway-token", masked: `****${token.slice(-4)}` },
      ]);
    }
  });

  it("is captured by the gitleaks rule, above its entropy floor; a placeholder is below it", () => {
    expect(rule).not.toBeNull();
    expect(rule?.[1]).not.toMatch(/\(\?[=!<]/); // RE2 has no look-arounds
    const regex = new RegExp(rule?.[1] ?? "");
    const group = Number(rule?.[2]);
    for (let i = 0; i < 20; i++) {
      const { token } = newToken();
      for (const line of lines(token)) expect(regex.exec(line)?.[group], line).toBe(token);
      expect(shannon(token)).toBeGreaterThan(Number(rule?.[3]));
    }
    expect(shannon(`fgw_${"x".repeat(28)}`)).toBeLessThan(Number(rule?.[3]));
    expect(regex.exec(`fgw_${"a".repeat(29)}`)).toBeNull();
  });
});
