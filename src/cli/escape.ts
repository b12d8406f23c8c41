/**
 * Control characters made visible for human output, as `ls -b` and `gh` do. A remote name is whatever its
 * uploader chose: 1fichier stores control characters as their Unicode pictures (spec §5) and the client decodes
 * them back, so a shared file named `␛]0;PWNED␇.txt` would set the terminal's title, and a name holding `␊`
 * would forge a `fichier: error: ...` line. The output layer (`output.ts`) passes every human line through
 * {@link escapeControls}; `--json` keeps names exact.
 */

const NAMED: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e" };

// C0 controls, DEL, C1 controls, and the bidirectional overrides and isolates (a name could reverse the rest
// of its line: "txt.exe" shown as "exe.txt").
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.codePointAt(0) ?? 0;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/**
 * `text` with every control character written as an escape (`\e`, `\n`, `\x07`, `\u{202e}`): one line that
 * draws nothing but its visible characters. Idempotent (an escape holds no control character).
 *
 * @example
 * escapeControls("\x1b]0;PWNED\x07.txt"); // "\\e]0;PWNED\\x07.txt"
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

// Our own colours (`Output.style`): the only escape sequences a human text may keep.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character starts a colour sequence
const SGR = /(\x1b\[\d{1,2}m)/;

/**
 * A multi-line human text with each line escaped, the line breaks between them kept, and (with `keepColors`)
 * the colour sequences `Output.style` adds. Values that may hold a line break of their own (names, server
 * messages) must be escaped with {@link escapeControls} where the line is composed (`table` does it for its
 * cells).
 *
 * @example
 * escapeLines("a.txt\nb\x07.txt"); // "a.txt\nb\\x07.txt"
 */
export function escapeLines(text: string, opts: { keepColors?: boolean } = {}): string {
  const line = (l: string): string =>
    opts.keepColors
      ? l
          .split(SGR)
          .map((part, i) => (i % 2 === 1 ? part : escapeControls(part)))
          .join("")
      : escapeControls(l);
  return text.split("\n").map(line).join("\n");
}
