/**
 * PROPFIND (RFC 4918 §9.1): the properties of a resource (Depth 0) or of a folder and its children (Depth 1),
 * as `allprop` (the default), `propname` or named properties. `Depth: infinity` on a folder is refused with
 * 403 and `<D:propfind-finite-depth/>`: a walk of the whole account would cost one listing per folder under
 * 1fichier's limits. On a file, infinity means the same as 0.
 */
import type { Entry } from "../backend.js";
import { propertyKey } from "../dead-props.js";
import { hrefOf } from "../paths.js";
import { childrenOf, header, mustExist, type RequestContext, readXmlBody, sendXml } from "../request.js";
import { HttpError } from "../status.js";
import { childElements, DAV, escapeXml, type XmlElement } from "../xml.js";
import { isLiveProperty, LIVE_PROPERTIES, liveProperty } from "./props.js";

/** What a PROPFIND asks for. */
type PropfindRequest =
  | { kind: "allprop"; include: PropName[] }
  | { kind: "propname" }
  | { kind: "prop"; names: PropName[] };
interface PropName {
  ns: string;
  local: string;
}

/**
 * The `Depth` header of PROPFIND, COPY and LOCK: `0`, `1` or `infinity` (the default when absent).
 *
 * @example
 * parseDepth("1"); // "1"
 */
export function parseDepth(header: string | undefined): "0" | "1" | "infinity" {
  const v = (header ?? "infinity").trim().toLowerCase();
  if (v === "0" || v === "1" || v === "infinity") return v;
  throw new HttpError(400, `Depth must be 0, 1 or infinity, not "${header}"`);
}

function parsePropfind(body: XmlElement | undefined): PropfindRequest {
  if (!body) return { kind: "allprop", include: [] };
  if (body.ns !== DAV || body.local !== "propfind")
    throw new HttpError(400, "the body must be a DAV:propfind element");
  const names = (el: XmlElement | undefined): PropName[] =>
    el ? childElements(el).map((c) => ({ ns: c.ns, local: c.local })) : [];
  if (childElements(body, DAV, "propname").length > 0) return { kind: "propname" };
  const prop = childElements(body, DAV, "prop")[0];
  if (childElements(body, DAV, "allprop").length > 0) {
    return { kind: "allprop", include: names(childElements(body, DAV, "include")[0]) };
  }
  if (prop) return { kind: "prop", names: names(prop) };
  throw new HttpError(400, "the propfind element names no prop, allprop or propname");
}

/** Handles PROPFIND. */
export async function propfind(ctx: RequestContext): Promise<void> {
  const depth = parseDepth(header(ctx.req, "depth"));
  const request = parsePropfind(await readXmlBody(ctx));
  const entry = await mustExist(ctx.state, ctx.target.path);
  if (depth === "infinity" && entry.kind === "folder") {
    throw new HttpError(403, "Depth: infinity is not served on a folder: ask for Depth 0 or 1", {
      davError: "<D:propfind-finite-depth/>",
    });
  }
  const entries =
    depth === "1" && entry.kind === "folder"
      ? [entry, ...(await childrenOf(ctx.state, entry.path))]
      : [entry];
  const responses = entries.map((e) => response(ctx, e, request));
  sendXml(ctx, 207, `<D:multistatus xmlns:D="DAV:">${responses.join("")}</D:multistatus>`);
}

/** One `<D:response>` of the multistatus. */
function response(ctx: RequestContext, entry: Entry, request: PropfindRequest): string {
  const found: string[] = [];
  const missing: string[] = [];
  const locks = ctx.state.locks.covering(entry.path);
  const dead = ctx.state.props.get(entry.path);
  if (request.kind === "propname") {
    for (const name of LIVE_PROPERTIES)
      if (liveProperty(name, entry, locks) !== undefined) found.push(`<D:${name}/>`);
    for (const d of dead) found.push(emptyElement(d));
  } else {
    const wanted =
      request.kind === "prop"
        ? request.names
        : [...LIVE_PROPERTIES.map((local) => ({ ns: DAV, local })), ...request.include];
    const deadByKey = new Map(dead.map((d) => [propertyKey(d.ns, d.local), d]));
    const seen = new Set<string>();
    for (const name of wanted) {
      const key = propertyKey(name.ns, name.local);
      if (seen.has(key)) continue;
      seen.add(key);
      const value =
        name.ns === DAV && isLiveProperty(name.local)
          ? liveProperty(name.local, entry, locks)
          : deadByKey.get(key)?.xml;
      if (value !== undefined) found.push(value);
      else if (request.kind === "prop") missing.push(emptyElement(name));
    }
    if (request.kind === "allprop")
      for (const d of dead) if (!seen.has(propertyKey(d.ns, d.local))) found.push(d.xml);
  }
  return (
    `<D:response><D:href>${escapeXml(hrefOf(entry.path, entry.kind === "folder"))}</D:href>` +
    propstat(found, "200 OK") +
    propstat(missing, "404 Not Found") +
    "</D:response>"
  );
}

/**
 * One `<D:propstat>` (nothing when `props` is empty), with an optional precondition element.
 *
 * @example
 * propstat(["<D:getetag/>"], "404 Not Found");
 */
export function propstat(props: string[], status: string, error = ""): string {
  if (props.length === 0) return "";
  const err = error ? `<D:error>${error}</D:error>` : "";
  return `<D:propstat><D:prop>${props.join("")}</D:prop><D:status>HTTP/1.1 ${status}</D:status>${err}</D:propstat>`;
}

/**
 * An empty element for a property name, in its own namespace.
 *
 * @example
 * emptyElement({ ns: "urn:x", local: "a" }); // '<a xmlns="urn:x"/>'
 */
export function emptyElement(name: PropName): string {
  return name.ns === DAV ? `<D:${name.local}/>` : `<${name.local} xmlns="${escapeXml(name.ns)}"/>`;
}
