// The gitleaks rule shipped in docs/gitleaks.toml, exercised with JavaScript's engine: the rule is plain RE2
// (no look-arounds, no back-references), whose semantics JS shares for this subset once `(?i)` becomes the
// `i` flag. gitleaks itself is not installed here; this checks what the rule matches and what it captures.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const toml = readFileSync(new URL("../../docs/gitleaks.toml", import.meta.url), "utf8");
const rule =
  /\[\[rules\]\][\s\S]*?regex = '''(.*?)'''[\s\S]*?secretGroup = (\d+)[\s\S]*?entropy = ([\d.]+)/.exec(toml);

function shannon(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

const key = () => {
  for (;;) {
    const k = randomBytes(24).toString("base64url");
    if (/[0-9]/.test(k)) return k;
  }
};

describe("docs/gitleaks.toml", () => {
  it("has one 1fichier rule with a regex, a secret group and an entropy floor", () => {
    expect(rule).not.toBeNull();
    expect(toml).toContain('id = "1fichier-api-key"');
    expect(rule?.[1]).toMatch(/^\(\?i\)/);
    expect(rule?.[1]).not.toMatch(/\(\?[=!<]/); // RE2 has no look-arounds
  });

  const regex = new RegExp((rule?.[1] ?? "").replace(/^\(\?i\)/, ""), "i");
  const group = Number(rule?.[2]);
  const entropy = Number(rule?.[3]);

  it.each([
    (k: string) => `FICHIER_API_KEY=${k}`,
    (k: string) => `export RCLONE_FICHIER_API_KEY="${k}"`,
    (k: string) => `api_key = ${k}`,
    (k: string) => `{"apiKey": "${k}"}`,
    (k: string) => `# 1fichier: ${k}`,
    (k: string) => `const client = createClient({ apiKey: '${k}' }) // fichier`,
  ])("captures the key in %s", (make) => {
    const k = key();
    const m = regex.exec(make(k));
    expect(m?.[group]).toBe(k);
    expect(shannon(k)).toBeGreaterThan(entropy);
  });

  it.each([
    (k: string) => `token = ${k}`,
    (k: string) => `FICHIER_API_KEY=${k}x`,
    (k: string) => `FICHIER_API_KEY=${k.slice(1)}`,
    (k: string) => `fichier\n${k}`,
  ])("does not match %s", (make) => {
    expect(regex.exec(make(key()))).toBeNull();
  });

  it("placeholders fall under the entropy floor", () => {
    // Made at run time, so no key-shaped literal sits next to a key name in the source.
    const placeholder = "x".repeat(32);
    const m = regex.exec(`FICHIER_API_KEY=${placeholder}`);
    expect(m?.[group]).toBe(placeholder);
    expect(shannon(placeholder)).toBeLessThan(entropy);
    expect(shannon("your-1fichier-api-key-goes-here1")).toBeLessThan(entropy); // fichier-scan:allow (placeholder)
  });
});
