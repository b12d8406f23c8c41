/**
 * PROPPATCH (RFC 4918 §9.2): sets and removes dead properties, in document order, all or none. Live
 * properties are protected (403 for them, 424 for the rest). Dead properties are kept in memory for the
 * server's life (src/serve/dead-props.ts): 1fichier has nowhere to store them.
 */
import { propertyKey } from "../dead-props.js";
import { hrefOf } from "../paths.js";
import { mustExist, type RequestContext, readXmlBody, sendXml } from "../request.js";
import { HttpError } from "../status.js";
import { childElements, DAV, escapeXml, serializeElement, type XmlElement } from "../xml.js";
import { assertWritable } from "./preconditions.js";
import { emptyElement, propstat } from "./propfind.js";
import { isLiveProperty } from "./props.js";

type Op = { op: "set"; el: XmlElement } | { op: "remove"; el: XmlElement };

function parseUpdate(body: XmlElement | undefined): Op[] {
  if (!body || body.ns !== DAV || body.local !== "propertyupdate") {
    throw new HttpError(400, "the body must be a DAV:propertyupdate element");
  }
  const ops: Op[] = [];
  for (const instruction of childElements(body, DAV)) {
    if (instruction.local !== "set" && instruction.local !== "remove") continue;
    for (const prop of childElements(instruction, DAV, "prop")) {
      for (const el of childElements(prop)) ops.push({ op: instruction.local, el });
    }
  }
  if (ops.length === 0) throw new HttpError(400, "the propertyupdate sets or removes no property");
  return ops;
}

/** Handles PROPPATCH. */
export async function proppatch(ctx: RequestContext): Promise<void> {
  const entry = await mustExist(ctx.state, ctx.target.path);
  await assertWritable(ctx, [{ path: entry.path }], entry);
  const ops = parseUpdate(await readXmlBody(ctx));
  const protectedOnes = ops.filter((o) => o.el.ns === DAV && isLiveProperty(o.el.local));
  const names = [
    ...new Map(
      ops.map((o) => [propertyKey(o.el.ns, o.el.local), emptyElement({ ns: o.el.ns, local: o.el.local })]),
    ).entries(),
  ];
  let body: string;
  if (protectedOnes.length > 0) {
    const refused = new Set(protectedOnes.map((o) => propertyKey(o.el.ns, o.el.local)));
    body =
      propstat(
        names.filter(([k]) => refused.has(k)).map(([, v]) => v),
        "403 Forbidden",
        "<D:cannot-modify-protected-property/>",
      ) +
      propstat(
        names.filter(([k]) => !refused.has(k)).map(([, v]) => v),
        "424 Failed Dependency",
      );
  } else {
    ctx.state.props.apply(
      entry.path,
      ops.map((o) =>
        o.op === "set"
          ? { op: "set", prop: { ns: o.el.ns, local: o.el.local, xml: serializeElement(o.el) } }
          : { op: "remove", ns: o.el.ns, local: o.el.local },
      ),
    );
    body = propstat(
      names.map(([, v]) => v),
      "200 OK",
    );
  }
  const href = escapeXml(hrefOf(entry.path, entry.kind === "folder"));
  sendXml(
    ctx,
    207,
    `<D:multistatus xmlns:D="DAV:"><D:response><D:href>${href}</D:href>${body}</D:response></D:multistatus>`,
  );
}
