// Reversible encoding of names 1fichier refuses (spec §5), after rclone's encoder: reserved characters
// become full-width look-alikes, control characters their Unicode "control pictures", a leading or
// trailing space `␠`, and the names `.`/`..` full-width dots. To make it reversible, a substitute
// character that occurs in the original name is escaped with `‛` (U+201B), as is `‛` itself.
import { InvalidNameError } from "./errors.js";

/** Escape character: marks the next character as literal. */
const ESC = "\u201B";

/** Source character → substitute. spec §5: `\ < > " ' $ \`` (rclone), plus `/`, DEL and control chars. */
const FORWARD = new Map<string, string>();
for (const c of ["\\", "<", ">", '"', "'", "$", "`", "/"]) {
  FORWARD.set(c, String.fromCodePoint(0xff00 + (c.codePointAt(0)! - 0x20)));
}
for (let c = 0; c < 0x20; c++) FORWARD.set(String.fromCharCode(c), String.fromCodePoint(0x2400 + c));
FORWARD.set("\x7f", "\u2421");
const SPACE_SUB = "\u2420"; // ␠
const DOT_SUB = "\uFF0E"; // ．

const BACKWARD = new Map<string, string>();
for (const [k, v] of FORWARD) BACKWARD.set(v, k);
BACKWARD.set(SPACE_SUB, " ");
BACKWARD.set(DOT_SUB, ".");

/** Longest name we send; DECISIONS.md: the emulator (and mkdir, spec §7.14) limit names to 250. */
export const MAX_NAME_LENGTH = 250;

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (!(n >= 0xdc00 && n <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/**
 * Encodes a local name into one 1fichier accepts; `decodeName` gives the original back.
 * Throws InvalidNameError for an empty name, invalid UTF-16 (lone surrogates cannot travel in JSON
 * as text), or a result longer than 250 characters.
 *
 * @example
 * ```ts
 * encodeName('say "hi" '); // 'say ＂hi＂␠'
 * decodeName(encodeName("a<b>")); // "a<b>"
 * ```
 */
export function encodeName(name: string): string {
  if (name.length === 0)
    throw new InvalidNameError("A name cannot be empty.", { hint: "Give the file or folder a name." });
  if (hasLoneSurrogate(name)) {
    throw new InvalidNameError(
      `The name ${JSON.stringify(name)} is not valid Unicode and cannot be sent to 1fichier.`,
      {
        hint: "Rename the file to a valid UTF-8 name before sending it.",
      },
    );
  }
  if (name === "." || name === "..") return DOT_SUB.repeat(name.length);
  const chars = Array.from(name);
  let out = "";
  chars.forEach((c, i) => {
    const sub = FORWARD.get(c);
    if (sub !== undefined) out += sub;
    else if (c === " " && (i === 0 || i === chars.length - 1)) out += SPACE_SUB;
    else if (c === ESC || BACKWARD.has(c)) out += ESC + c;
    else out += c;
  });
  if (Array.from(out).length > MAX_NAME_LENGTH) {
    throw new InvalidNameError(
      `The name ${JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name)} is longer than ${MAX_NAME_LENGTH} characters once encoded for 1fichier.`,
      { hint: `Shorten it to at most ${MAX_NAME_LENGTH} characters (reserved characters count once each).` },
    );
  }
  return out;
}

/**
 * Decodes a name received from 1fichier (see `encodeName`). Names that never went through the encoder
 * come back unchanged unless they contain substitute characters, which are shown as the originals
 * (rclone does the same).
 *
 * @example
 * ```ts
 * decodeName("＜draft＞␠"); // "<draft> "
 * ```
 */
export function decodeName(name: string): string {
  const chars = Array.from(name);
  let out = "";
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const next = chars[i + 1];
    if (c === ESC && next !== undefined && (next === ESC || BACKWARD.has(next))) {
      out += next;
      i++;
    } else out += BACKWARD.get(c) ?? c;
  }
  return out;
}
