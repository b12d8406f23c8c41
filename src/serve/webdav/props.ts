/**
 * Live properties (RFC 4918 §15): computed from an entry and the locks on it, never stored, and protected from
 * PROPPATCH. Each renders as one `DAV:` element for a PROPFIND answer.
 */
import type { Entry } from "../backend.js";
import { etagOf } from "../conditional.js";
import type { Lock } from "../locks.js";
import { contentTypeFor } from "../mime.js";
import { hrefOf } from "../paths.js";
import { escapeXml } from "../xml.js";

/** Names of the live properties, in the order allprop lists them. */
export const LIVE_PROPERTIES = [
  "resourcetype",
  "displayname",
  "creationdate",
  "getlastmodified",
  "getcontentlength",
  "getcontenttype",
  "getetag",
  "supportedlock",
  "lockdiscovery",
] as const;
export type LiveProperty = (typeof LIVE_PROPERTIES)[number];

/**
 * True when `{DAV:}local` is a live property (so PROPPATCH may not change it).
 *
 * @example
 * isLiveProperty("getetag"); // true
 */
export function isLiveProperty(local: string): local is LiveProperty {
  return (LIVE_PROPERTIES as readonly string[]).includes(local);
}

/**
 * The element of a live property of `entry`, or undefined when it has none (a folder has no length, type or
 * ETag).
 *
 * @example
 * liveProperty("getcontentlength", fileEntry, []); // "<D:getcontentlength>42</D:getcontentlength>"
 */
export function liveProperty(name: LiveProperty, entry: Entry, locks: Lock[]): string | undefined {
  const folder = entry.kind === "folder";
  switch (name) {
    case "resourcetype":
      return folder ? "<D:resourcetype><D:collection/></D:resourcetype>" : "<D:resourcetype/>";
    case "displayname":
      return `<D:displayname>${escapeXml(entry.name)}</D:displayname>`;
    case "creationdate":
      return `<D:creationdate>${entry.modified.toISOString().replace(/\.\d{3}Z$/, "Z")}</D:creationdate>`;
    case "getlastmodified":
      return `<D:getlastmodified>${entry.modified.toUTCString()}</D:getlastmodified>`;
    case "getcontentlength":
      return folder ? undefined : `<D:getcontentlength>${entry.size}</D:getcontentlength>`;
    case "getcontenttype":
      return folder
        ? undefined
        : `<D:getcontenttype>${escapeXml(contentTypeFor(entry.name))}</D:getcontenttype>`;
    case "getetag":
      return folder ? undefined : `<D:getetag>${escapeXml(etagOf(entry))}</D:getetag>`;
    case "supportedlock":
      return SUPPORTED_LOCK;
    case "lockdiscovery":
      return lockDiscovery(locks);
  }
}

const SUPPORTED_LOCK =
  "<D:supportedlock>" +
  "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>" +
  "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>" +
  "</D:supportedlock>";

/**
 * `<D:lockdiscovery>` with one `<D:activelock>` per lock (RFC 4918 §15.8), as PROPFIND and LOCK answer it.
 *
 * @example
 * lockDiscovery([]); // "<D:lockdiscovery/>"
 */
export function lockDiscovery(locks: Lock[]): string {
  if (locks.length === 0) return "<D:lockdiscovery/>";
  const active = locks.map((l) => {
    return (
      "<D:activelock>" +
      `<D:locktype><D:write/></D:locktype><D:lockscope><D:${l.scope}/></D:lockscope>` +
      `<D:depth>${l.depth === "0" ? "0" : "infinity"}</D:depth>` +
      (l.owner !== "" ? `<D:owner>${l.owner}</D:owner>` : "") +
      `<D:timeout>Second-${l.timeoutSeconds}</D:timeout>` +
      `<D:locktoken><D:href>${escapeXml(l.token)}</D:href></D:locktoken>` +
      `<D:lockroot><D:href>${escapeXml(hrefOf(l.root, false))}</D:href></D:lockroot>` +
      "</D:activelock>"
    );
  });
  return `<D:lockdiscovery>${active.join("")}</D:lockdiscovery>`;
}
