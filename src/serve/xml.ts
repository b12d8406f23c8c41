/**
 * XML for WebDAV: request bodies (PROPFIND, PROPPATCH, LOCK) parsed into a small namespace-resolved tree by
 * saxes (a conformant, non-validating parser: no DTD is ever loaded or expanded), and the escaping and
 * serialising the responses need. Namespaces are compared by URI, never by prefix (RFC 4918 §16-17).
 */
import { SaxesParser, type SaxesTagNS } from "saxes";

/** An element: its namespace URI (`""` for none), local name, attributes and children. */
export interface XmlElement {
  ns: string;
  local: string;
  attrs: { ns: string; local: string; value: string }[];
  children: XmlNode[];
}
/** A child node: an element or a run of text. */
export type XmlNode = XmlElement | string;

/** The WebDAV namespace. */
export const DAV = "DAV:";

/** A request body that is not well-formed, namespace-valid XML; answered 400 with the message. */
export class XmlError extends Error {
  override readonly name = "XmlError";
}

/** Bounds on a request body's tree, so a hostile body costs little. */
const MAX_DEPTH = 64;
const MAX_ELEMENTS = 20_000;

/**
 * Parses a request body. Throws {@link XmlError} on anything not well-formed (XML 1.0 and Namespaces 1.0:
 * `xmlns:p=""` is refused), on a DOCTYPE (never needed by WebDAV, the door to entity expansion attacks) and past
 * 64 levels or 20 000 elements.
 *
 * @example
 * parseXml('<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>').local; // "propfind"
 */
export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let failure: string | undefined;
  parser.on("error", (e) => {
    failure ??= e.message;
  });
  parser.on("doctype", () => {
    failure ??= "a DOCTYPE is not allowed in a WebDAV body";
  });
  parser.on("opentag", (tag) => {
    if (++count > MAX_ELEMENTS || stack.length >= MAX_DEPTH)
      failure ??= "the XML body is too large or too deep";
    const el = elementOf(tag as SaxesTagNS);
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on("closetag", () => {
    stack.pop();
  });
  const onText = (t: string): void => {
    stack[stack.length - 1]?.children.push(t);
  };
  parser.on("text", onText);
  parser.on("cdata", onText);
  try {
    parser.write(text).close();
  } catch (e) {
    failure ??= (e as Error).message;
  }
  if (failure !== undefined) throw new XmlError(`the XML body is not well-formed: ${failure}`);
  if (!root) throw new XmlError("the XML body has no root element");
  return root;
}

function elementOf(tag: SaxesTagNS): XmlElement {
  const attrs: XmlElement["attrs"] = [];
  for (const a of Object.values(tag.attributes)) {
    if (a.prefix === "xmlns" || a.name === "xmlns") continue;
    attrs.push({ ns: a.uri, local: a.local, value: a.value });
  }
  return { ns: tag.uri, local: tag.local, attrs, children: [] };
}

/**
 * The child elements of `el`, optionally only those named `{ns}local`.
 *
 * @example
 * childElements(propfind, DAV, "prop");
 */
export function childElements(el: XmlElement, ns?: string, local?: string): XmlElement[] {
  return el.children.filter(
    (c): c is XmlElement =>
      typeof c !== "string" &&
      (ns === undefined || c.ns === ns) &&
      (local === undefined || c.local === local),
  );
}

/**
 * The text content of `el` (its text and its descendants', concatenated).
 *
 * @example
 * textOf(parseXml("<a>x<b>y</b></a>")); // "xy"
 */
export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === "string" ? c : textOf(c))).join("");
}

/**
 * Escapes text for an XML element or attribute value.
 *
 * @example
 * escapeXml('a<b & "c"'); // "a&lt;b &amp; &quot;c&quot;"
 */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"\r]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#13;",
  );
}

/**
 * Serialises an element on its own, declaring every namespace it uses (a default `xmlns` wherever the namespace
 * changes, a generated prefix for namespaced attributes), so it can be placed in any response unchanged: dead
 * property values and lock owners are stored this way.
 *
 * @example
 * serializeElement(parseXml('<t:x xmlns:t="urn:a"><y xmlns="urn:b"/></t:x>'));
 * // '<x xmlns="urn:a"><y xmlns="urn:b"></y></x>'
 */
export function serializeElement(el: XmlElement, parentNs?: string): string {
  let open = `<${el.local}`;
  if (el.ns !== parentNs) open += ` xmlns="${escapeXml(el.ns)}"`;
  el.attrs.forEach((a, i) => {
    if (a.ns === "") open += ` ${a.local}="${escapeXml(a.value)}"`;
    else open += ` xmlns:a${i}="${escapeXml(a.ns)}" a${i}:${a.local}="${escapeXml(a.value)}"`;
  });
  const inner = el.children.map((c) => (typeof c === "string" ? escapeXml(c) : serializeElement(c, el.ns)));
  return `${open}>${inner.join("")}</${el.local}>`;
}

/**
 * The inner XML of an element (its children serialised, namespaces declared), for an `owner` echoed back.
 *
 * @example
 * innerXml(parseXml('<D:owner xmlns:D="DAV:">me</D:owner>')); // "me"
 */
export function innerXml(el: XmlElement): string {
  return el.children.map((c) => (typeof c === "string" ? escapeXml(c) : serializeElement(c))).join("");
}
