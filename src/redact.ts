// The one redactor every output path goes through (client traces, errors, warnings, the crash handler).
// Pure: no I/O. Secrets known at run time (the resolved API key, passwords given on the command line) are
// registered once; `redact` then masks them in any text, together with the shapes that are secret by nature
// (Authorization headers, `pass`/`dpass` values, download-token URLs, `api_key=...` assignments).

/** Characters a 1fichier API key is made of (spec §1.7, DECISIONS "Identity and formats"). */
export const KEY_CHARS = "A-Za-z0-9_=-";
/** Length of a 1fichier API key (spec §1.7). */
export const KEY_LENGTH = 32;

const KEY_SHAPE = new RegExp(`^[${KEY_CHARS}]{${KEY_LENGTH}}$`);

/**
 * True when `value` has the shape of a 1fichier API key: exactly 32 characters of `[A-Za-z0-9_=-]`.
 * This is an offline heuristic (spec §1.7), not proof the key works.
 *
 * @example
 * looksLikeApiKey("aB3_" + "x".repeat(28)); // true
 * looksLikeApiKey("too short"); // false
 */
export function looksLikeApiKey(value: string): boolean {
  return KEY_SHAPE.test(value);
}

/**
 * Masks a key down to its last 4 characters, the only part ever shown (`key status`, `key scan`).
 * Values of 8 characters or fewer are masked entirely, since 4 characters would be half of them.
 *
 * @example
 * maskKey("abcdefghijklmnopqrstuvwxyz012345"); // "****2345"
 */
export function maskKey(value: string): string {
  if (value.length <= 8) return "****";
  return `****${value.slice(-4)}`;
}

// Registered secrets and their encoded forms. A Set keeps registration idempotent.
const secrets = new Set<string>();
let secretPattern: RegExp | null = null;

/**
 * Encoded forms under which a secret can appear in text: raw, URL-encoded, base64 and base64url (at the three
 * byte alignments, so the secret is found inside a longer blob too).
 *
 * @example
 * encodedForms("abcdefghijklmnop").includes("YWJjZGVmZ2hpamtsbW5vcA"); // true
 */
export function encodedForms(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(encodeURIComponent(value));
  const bytes = Buffer.from(value, "utf8");
  for (const encoding of ["base64", "base64url"] as const) {
    forms.add(bytes.toString(encoding).replace(/=+$/, ""));
    // The secret may sit at any offset inside a longer base64 blob (e.g. `Basic` credentials). At each of the
    // three byte alignments, the characters that depend only on the secret's bytes still identify it: skip
    // those touched by the bytes before it, stop at the last full 3-byte group.
    for (const pad of [0, 1, 2]) {
      const shifted = Buffer.concat([Buffer.alloc(pad), bytes]).toString(encoding);
      const start = Math.ceil((pad * 4) / 3);
      const end = Math.floor((pad + bytes.length) / 3) * 4;
      if (end - start >= 12) forms.add(shifted.slice(start, end));
    }
  }
  return [...forms].filter((f) => f.length >= 4);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Registers a secret (an API key, a password) so that {@link redact} masks it, raw or encoded, wherever it
 * appears. Values shorter than 4 characters are ignored: masking them would mangle ordinary text.
 *
 * @example
 * registerSecret(resolved.key);
 * console.error(redact(`failed with ${resolved.key}`)); // "failed with ****2345"
 */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4 || secrets.has(value)) return;
  secrets.add(value);
  const alternatives: string[] = [];
  for (const s of secrets) for (const f of encodedForms(s)) alternatives.push(f);
  // Longest first so a raw key wins over a shorter encoded fragment of itself.
  alternatives.sort((a, b) => b.length - a.length);
  secretPattern = new RegExp([...new Set(alternatives)].map(escapeRegExp).join("|"), "g");
}

/**
 * Forgets every registered secret (tests, and `key rotate` after the old key is wiped).
 *
 * @example
 * clearSecrets();
 */
export function clearSecrets(): void {
  secrets.clear();
  secretPattern = null;
}

/** The mask written in place of a registered secret: the key masked to its last 4 characters, else `****`. */
function maskFor(match: string): string {
  for (const s of secrets) if (s === match) return looksLikeApiKey(s) ? maskKey(s) : "****";
  return "****";
}

// `Authorization: Bearer xyz`, `"authorization":"Bearer xyz"`, `authorization=Basic xyz`: keep the scheme.
const AUTH_HEADER = /(\bauthorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|token)\s+)?([^\s"',;}]+)/gi;
// A bare `Bearer <token>` anywhere (copied headers, curl command lines).
const BEARER = /(\bBearer\s+)([A-Za-z0-9._~+/=-]{4,})/g;
// `"pass":"secret"`, `"dpass": "secret"` in JSON (numbers 0/1 are flags, spec §1.13, not passwords).
const JSON_PASS = /("d?pass(?:word)?"\s*:\s*)"((?:[^"\\]|\\.)*)"/gi;
// `pass=secret`, `dpass=secret`, `password=secret` in form bodies and query strings, and `--password secret`.
const FORM_PASS = /(\b(?:d?pass|password|passphrase)=)([^&\s"']+)/gi;
const FLAG_PASS = /(--(?:d?pass|password|passphrase)[= ])(\S+)/gi;
// `api_key=...`, `FICHIER_API_KEY=...`, `"apiKey": "..."`: whatever follows is a key, whatever its shape.
const KEY_ASSIGN =
  /(\b(?:[A-Z_]*API_KEY|api[_-]?key|apikey|x-api-key)["']?\s*[:=]\s*["']?)([A-Za-z0-9_=+/%-]{4,})/gi;
// Download-token URLs: a node host of 1fichier (`https://a-4.1fichier.com/<token>`, spec §7.1) or the
// emulator's `/dl/<token>` (its publicDownloadUrl). The file URL `https://1fichier.com/?<id>` is not secret.
const TOKEN_URL_NODE = /(https?:\/\/(?!(?:www|api|img|static)\.)[a-z0-9-]+\.1fichier\.com\/)([^\s"'<>?#]+)/gi;
const TOKEN_URL_DL = /(https?:\/\/[^\s/"'<>]+(?:\/[^\s/"'<>?#]+)*?\/dl\/)([^\s"'<>?#]+)/gi;

/**
 * Masks every secret in `text`: registered secrets (raw, URL-encoded, base64), `Authorization` headers,
 * `pass`/`dpass`/`password` values, `api_key=` assignments and download-token URLs. Idempotent.
 *
 * @example
 * redact('Authorization: Bearer abc123'); // "Authorization: Bearer ****"
 * redact("GET https://a-4.1fichier.com/c1234567890"); // "GET https://a-4.1fichier.com/****"
 */
export function redact(text: string): string {
  let out = text;
  if (secretPattern) out = out.replace(secretPattern, (m) => maskFor(m));
  out = out.replace(AUTH_HEADER, (_m, head: string, scheme: string | undefined, value: string) =>
    value.startsWith("****") ? _m : `${head}${scheme ? `${scheme} ` : ""}****`,
  );
  out = out.replace(BEARER, (m, head: string, value: string) =>
    value.startsWith("****") ? m : `${head}****`,
  );
  out = out.replace(JSON_PASS, (_m, head: string) => `${head}"****"`);
  out = out.replace(FORM_PASS, (_m, head: string) => `${head}****`);
  out = out.replace(FLAG_PASS, (_m, head: string) => `${head}****`);
  out = out.replace(KEY_ASSIGN, (m, head: string, value: string) =>
    value.startsWith("****") ? m : `${head}${looksLikeApiKey(value) ? maskKey(value) : "****"}`,
  );
  out = out.replace(TOKEN_URL_NODE, (_m, head: string) => `${head}****`);
  out = out.replace(TOKEN_URL_DL, (_m, head: string) => `${head}****`);
  return out;
}

/**
 * Redacts every string inside a JSON-like value (for `--json` error objects and debug dumps).
 *
 * @example
 * redactValue({ message: "key abc..." }); // { message: "key ****..." }
 */
export function redactValue<T>(value: T): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v);
    return out as T;
  }
  return value;
}

/** Variables that hold a secret by name: the key (ours and rclone's) and the key file's passphrase. */
const SECRET_ENV = new Set(["FICHIER_API_KEY", "RCLONE_FICHIER_API_KEY", "FICHIER_PASSPHRASE"]);

/**
 * A copy of `env` for a child that needs no key (a player, git, the hashing helper, the demo's emulator-only
 * runs): without the variables that hold the key or the passphrase, and without any variable whose value
 * contains a registered secret. A child inherits its
 * parent's environment and may log it, crash-dump it or pass it on; it never needs the key.
 *
 * @example
 * spawn("mpv", [url], { env: withoutSecrets(process.env) });
 */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (SECRET_ENV.has(name) || value === undefined) continue;
    if (secretPattern) {
      secretPattern.lastIndex = 0;
      if (secretPattern.test(value)) continue;
    }
    out[name] = value;
  }
  return out;
}
