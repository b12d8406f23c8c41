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

  it("is captured by the gitleaks rule, whose entropy floor a random token clears", () => {
    expect(rule).not.toBeNull();
    expect(rule?.[1]).not.toMatch(/\(\?[=!<]/); // RE2 has no look-arounds
    const regex = new RegExp(rule?.[1] ?? "");
    const group = Number(rule?.[2]);
    for (let i = 0; i < 20; i++) {
      const { token } = newToken();
      for (const line of lines(token)) expect(regex.exec(line)?.[group], line).toBe(token);
    }
    // 28 random characters of 62 carry about 4.5 bits each (test/keys/gitleaks.test.ts measures the key rule's).
    expect(Number(rule?.[3])).toBeLessThan(4);
    expect(regex.exec(`fgw_${"a".repeat(29)}`)).toBeNull();
  });
});
