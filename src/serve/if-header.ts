/**
 * The WebDAV `If` header (RFC 4918 §10.4): lists of conditions on lock tokens and entity tags, optionally tagged
 * with the resource they apply to. Parsing only; src/serve/locks.ts evaluates. Pure.
 */

/** One condition: a state token (`<opaquelocktoken:...>`) or an entity tag (`["..."]`), possibly negated. */
export interface IfCondition {
  not: boolean;
  token?: string;
  etag?: string;
}

/** One parenthesised list; every condition must hold. `resource` is the tag's URL (untagged lists: absent). */
export interface IfList {
  resource?: string;
  conditions: IfCondition[];
}

/** A malformed `If` header; answered 400. */
export class IfHeaderError extends Error {
  override readonly name = "IfHeaderError";
}

/**
 * Parses an `If` header value.
 *
 * @example
 * parseIfHeader('<http://h/a> (<opaquelocktoken:x> ["e1"]) (Not <DAV:no-lock>)');
 * // [{ resource: "http://h/a", conditions: [{ not: false, token: "opaquelocktoken:x" }, { not: false, etag: '"e1"' }] },
 * //  { resource: "http://h/a", conditions: [{ not: true, token: "DAV:no-lock" }] }]
 */
export function parseIfHeader(value: string): IfList[] {
  const lists: IfList[] = [];
  let resource: string | undefined;
  let i = 0;
  const fail = (why: string): never => {
    throw new IfHeaderError(`malformed If header: ${why}`);
  };
  const skipSpace = (): void => {
    while (i < value.length && /\s/.test(value[i] as string)) i++;
  };
  const until = (close: string): string => {
    const end = value.indexOf(close, i + 1);
    if (end < 0) fail(`missing "${close}"`);
    const inner = value.slice(i + 1, end);
    i = end + 1;
    return inner;
  };
  for (skipSpace(); i < value.length; skipSpace()) {
    const c = value[i];
    if (c === "<") resource = until(">");
    else if (c === "(")
      lists.push({
        ...(resource !== undefined ? { resource } : {}),
        conditions: conditionsOf(until(")"), fail),
      });
    else fail(`unexpected "${c}"`);
  }
  if (lists.length === 0) fail("no condition list");
  return lists;
}

function conditionsOf(text: string, fail: (why: string) => never): IfCondition[] {
  const out: IfCondition[] = [];
  const re = /\s*(Not\s+)?(?:<([^>]*)>|\[((?:W\/)?"[^"]*")\])\s*/iy;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) fail(`cannot read the condition "${text.slice(pos)}"`);
    const [, not, token, etag] = m as RegExpExecArray;
    out.push({ not: not !== undefined, ...(token !== undefined ? { token } : { etag: etag as string }) });
    pos = re.lastIndex;
  }
  if (out.length === 0) fail("an empty list ()");
  return out;
}

/**
 * Every state token the header names (the lock tokens the client "submits", RFC 4918 §10.4.1), negated or not.
 *
 * @example
 * submittedTokens(parseIfHeader("(<opaquelocktoken:a>)")); // ["opaquelocktoken:a"]
 */
export function submittedTokens(lists: IfList[]): string[] {
  return lists.flatMap((l) =>
    l.conditions.flatMap((c) => (c.token !== undefined && !c.not ? [c.token] : [])),
  );
}
