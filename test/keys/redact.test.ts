import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  clearSecrets,
  encodedForms,
  looksLikeApiKey,
  maskKey,
  redact,
  redactValue,
  registerSecret,
  withoutSecrets,
} from "../../src/redact.js";

const KEY = "Zq7_aB-9xY=0pLmN4rT2uV6wK8sD1fGh"; // fichier-scan:allow (test value, no account has it)

afterEach(() => clearSecrets());

/** True when some base64 run of `text`, decoded at any character offset, still contains the key. */
function keyRecoverable(text: string): boolean {
  for (const run of text.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    for (let offset = 0; offset < 4; offset++) {
      const decoded = Buffer.from(run.slice(offset).replace(/-/g, "+").replace(/_/g, "/"), "base64");
      if (decoded.toString("latin1").includes(KEY)) return true;
    }
  }
  return false;
}

describe("looksLikeApiKey / maskKey", () => {
  it("accepts exactly 32 characters of [A-Za-z0-9_=-]", () => {
    expect(looksLikeApiKey(KEY)).toBe(true);
    expect(looksLikeApiKey(KEY.slice(1))).toBe(false);
    expect(looksLikeApiKey(`${KEY}a`)).toBe(false);
    expect(looksLikeApiKey(`${KEY.slice(1)}+`)).toBe(false);
    expect(looksLikeApiKey(`${KEY.slice(1)} `)).toBe(false);
  });

  it("masks to the last 4 characters only", () => {
    expect(maskKey(KEY)).toBe("****1fGh");
    expect(maskKey("short")).toBe("****");
  });
});

describe("registered secrets", () => {
  it("masks the key anywhere in a line, several times, keeping the rest", () => {
    registerSecret(KEY);
    const out = redact(`start ${KEY} middle${KEY}end`);
    expect(out).toBe("start ****1fGh middle****1fGhend");
    expect(out).not.toContain(KEY);
  });

  it("masks the key inside JSON and multi-line text", () => {
    registerSecret(KEY);
    const text = JSON.stringify({ nested: { note: `the key is ${KEY}` }, list: [KEY] }, null, 2);
    const out = redact(text);
    expect(out).not.toContain(KEY);
    expect(JSON.parse(out)).toEqual({ nested: { note: "the key is ****1fGh" }, list: ["****1fGh"] });
  });

  it("masks URL-encoded and base64 forms", () => {
    registerSecret(KEY);
    const url = `https://example.org/?k=${encodeURIComponent(KEY)}`;
    const b64 = Buffer.from(KEY).toString("base64");
    const b64url = Buffer.from(KEY).toString("base64url");
    const basic = Buffer.from(`user:${KEY}`).toString("base64");
    for (const text of [url, `blob ${b64} blob`, b64url, `x${basic}x`]) {
      const out = redact(text);
      expect(out).not.toContain(encodeURIComponent(KEY));
      expect(out).not.toContain(b64.replace(/=+$/, ""));
      expect(out).not.toContain(b64url);
      expect(keyRecoverable(text)).toBe(text !== url);
      expect(keyRecoverable(out)).toBe(false);
    }
  });

  it("finds the key at every base64 alignment inside a longer blob (property)", () => {
    registerSecret(KEY);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), (before, after) => {
        const blob = Buffer.concat([Buffer.from(before), Buffer.from(KEY), Buffer.from(after)]).toString(
          "base64",
        );
        expect(keyRecoverable(blob)).toBe(true);
        expect(keyRecoverable(redact(blob))).toBe(false);
      }),
    );
  });

  it("never lets a registered key through, whatever surrounds it (property)", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_=-]{32}$/),
        fc.string(),
        fc.string(),
        fc.constantFrom("raw", "url", "json"),
        (key, before, after, form) => {
          clearSecrets();
          registerSecret(key);
          const shown =
            form === "url" ? encodeURIComponent(key) : form === "json" ? JSON.stringify({ key }) : key;
          const out = redact(`${before}${shown}${after}`);
          expect(out).not.toContain(key);
          expect(out).not.toContain(encodeURIComponent(key));
        },
      ),
    );
  });

  it("masks a key that is the whole text, or cut by line ends", () => {
    registerSecret(KEY);
    expect(redact(KEY)).toBe("****1fGh");
    expect(redact(`${KEY}\n${KEY}\r\n`)).toBe("****1fGh\n****1fGh\r\n");
    expect(redact(`"${KEY}"`)).toBe('"****1fGh"');
  });

  it("masks several secrets and forgets them on clearSecrets", () => {
    const other = "p4ssw0rd-of-the-file";
    registerSecret(KEY);
    registerSecret(other);
    expect(redact(`${KEY} ${other}`)).toBe("****1fGh ****");
    clearSecrets();
    expect(redact(other)).toBe(other);
  });

  it("ignores secrets too short to mask safely", () => {
    registerSecret("abc");
    registerSecret("");
    registerSecret(undefined);
    expect(redact("abc abc")).toBe("abc abc");
  });

  it("yields encoded forms of reasonable length only", () => {
    for (const f of encodedForms(KEY)) expect(f.length).toBeGreaterThanOrEqual(4);
    expect(encodedForms(KEY)).toContain(KEY);
  });
});

describe("secret shapes, without registration", () => {
  it("masks Authorization headers in every spelling", () => {
    expect(redact(`Authorization: Bearer ${KEY}`)).toBe("Authorization: Bearer ****");
    expect(redact(`authorization: bearer ${KEY}\r\nHost: x`)).toBe("authorization: bearer ****\r\nHost: x");
    expect(redact(`{"Authorization":"Bearer ${KEY}","a":1}`)).toBe('{"Authorization":"Bearer ****","a":1}');
    expect(redact("Authorization: Basic dXNlcjpwYXNz")).toBe("Authorization: Basic ****");
    expect(redact(`curl -H 'Authorization: Bearer ${KEY}' https://api`)).not.toContain(KEY);
    expect(redact(`token Bearer ${KEY} in text`)).toBe("token Bearer **** in text");
  });

  it("masks pass and dpass values in JSON, forms, query strings and flags, but not 0/1 flags", () => {
    expect(redact('{"url":"u","pass":"s3cr3t!"}')).toBe('{"url":"u","pass":"****"}');
    expect(redact('{"dpass": "with \\"quote\\""}')).toBe('{"dpass": "****"}');
    expect(redact("json=1&pass=hunter2&x=1")).toBe("json=1&pass=****&x=1");
    expect(redact("?dpass=abc&did=3")).toBe("?dpass=****&did=3");
    expect(redact("fichier up --password hunter2 f")).toBe("fichier up --password **** f");
    expect(redact('{"pass":0,"acl":1}')).toBe('{"pass":0,"acl":1}');
  });

  it("masks download-token URLs but keeps file URLs, the API and the console", () => {
    expect(redact("GET https://a-4.1fichier.com/c1234567890abcdef done")).toBe(
      "GET https://a-4.1fichier.com/**** done",
    );
    expect(redact('{"url":"http://127.0.0.1:4567/dl/AbC123xyz"}')).toBe(
      '{"url":"http://127.0.0.1:4567/dl/****"}',
    );
    expect(redact("http://localhost:1/prefix/dl/tok?x=1")).toBe("http://localhost:1/prefix/dl/****?x=1");
    const kept = [
      "https://1fichier.com/?abcdefghij0123456789",
      "https://api.1fichier.com/v1/user/info.cgi",
      "https://1fichier.com/console/params.pl",
      "https://abcdefghij0123456789.1fichier.com/",
    ];
    for (const url of kept) expect(redact(url)).toBe(url);
  });

  it("masks key assignments whatever the shape of the value", () => {
    expect(redact(`FICHIER_API_KEY=${KEY}`)).toBe("FICHIER_API_KEY=****1fGh");
    expect(redact(`export RCLONE_FICHIER_API_KEY="${KEY}"`)).toBe('export RCLONE_FICHIER_API_KEY="****1fGh"');
    expect(redact('{"apiKey":"short-but-secret"}')).toBe('{"apiKey":"****"}');
    expect(redact("api_key = abcdefgh")).toBe("api_key = ****");
  });

  it("is idempotent and leaves ordinary text alone", () => {
    registerSecret(KEY);
    const text = `Authorization: Bearer ${KEY} pass=x https://a-1.1fichier.com/tok ${KEY}`;
    expect(redact(redact(text))).toBe(redact(text));
    const plain = "uploaded report.pdf (12 MB) to folder 42 in 3 s";
    expect(redact(plain)).toBe(plain);
  });

  it("redacts every string in a structured value", () => {
    registerSecret(KEY);
    expect(redactValue({ a: [KEY, 1, { b: `x ${KEY}` }], c: null })).toEqual({
      a: ["****1fGh", 1, { b: "x ****1fGh" }],
      c: null,
    });
  });
});

describe("withoutSecrets (the environment of programs that are not fichier)", () => {
  it("drops the key and passphrase variables, and any variable holding a registered secret", () => {
    clearSecrets();
    const key = "Zq8_-=abcdefghijklmnopqrstuvwxyz"; // fichier-scan:allow (test value)
    registerSecret(key);
    const env = withoutSecrets({
      PATH: "/usr/bin",
      FICHIER_API_KEY: key,
      RCLONE_FICHIER_API_KEY: "anything",
      FICHIER_PASSPHRASE: "pass phrase",
      MY_SCRIPT_TOKEN: `prefix-${key}`,
      HOME: "/home/me",
    });
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/me" });
    clearSecrets();
  });
});
