/**
 * The HTML page of a folder (GET on a folder, both flavours): name, size and date of each entry, a link per
 * entry, sortable by name, size or date through plain links (`?sort=size&order=desc`), so it works without
 * script, with a keyboard (Tab to a column heading, Enter) and under a Content-Security-Policy that forbids
 * every external resource and every script. Every name is escaped: a hostile name is shown, never run. Pure.
 */
import { formatBytes } from "../cli/output.js";
import type { Entry } from "./backend.js";
import { hrefOf, parentOf } from "./paths.js";
import { escapeXml as escapeHtml } from "./xml.js";

/** How the page is sorted. */
export interface IndexSort {
  key: "name" | "size" | "date";
  order: "asc" | "desc";
}

/** The Content-Security-Policy of the page: nothing but its own inline style. */
export const INDEX_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The sort a page's query string asks for (name ascending by default; anything unknown is ignored).
 *
 * @example
 * parseSort("?sort=size&order=desc"); // { key: "size", order: "desc" }
 */
export function parseSort(query: string): IndexSort {
  const q = new URLSearchParams(query.startsWith("?") ? query.slice(1) : query);
  const key = q.get("sort");
  return {
    key: key === "size" || key === "date" ? key : "name",
    order: q.get("order") === "desc" ? "desc" : "asc",
  };
}

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/**
 * Entries in page order: folders first, then files, each group by the sort key (name breaking ties).
 *
 * @example
 * sortEntries(entries, { key: "size", order: "desc" });
 */
export function sortEntries(entries: Entry[], sort: IndexSort): Entry[] {
  const sign = sort.order === "asc" ? 1 : -1;
  const by = (a: Entry, b: Entry): number => {
    const d =
      sort.key === "size"
        ? a.size - b.size
        : sort.key === "date"
          ? a.modified.getTime() - b.modified.getTime()
          : 0;
    return d !== 0 ? sign * d : sign * collator.compare(a.name, b.name);
  };
  const folders = entries.filter((e) => e.kind === "folder").sort(by);
  const files = entries.filter((e) => e.kind === "file").sort(by);
  return [...folders, ...files];
}

const STYLE =
  "body{font:15px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222}" +
  "table{border-collapse:collapse;min-width:60%}th,td{padding:.25rem .75rem;text-align:left}" +
  "td.size,th.size{text-align:right}tbody tr:nth-child(even){background:#f4f4f4}" +
  "a:focus{outline:3px solid #1a73e8;outline-offset:1px}caption{text-align:left;color:#555;padding:.25rem .75rem}";

/**
 * The page of the folder `folder` holding `entries`.
 *
 * @example
 * renderIndex(folderEntry, children, { key: "name", order: "asc" });
 */
export function renderIndex(folder: Entry, entries: Entry[], sort: IndexSort): string {
  const title = `Index of ${escapeHtml(hrefOf(folder.path, true) === "/" ? "/" : `${folder.path}/`)}`;
  const rows = sortEntries(entries, sort).map(row);
  if (folder.path !== "/") {
    rows.unshift(
      `<tr><td><a href="${escapeHtml(hrefOf(parentOf(folder.path), true))}">../</a></td><td></td><td></td></tr>`,
    );
  }
  const files = entries.filter((e) => e.kind === "file").length;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>` +
    `<style>${STYLE}</style></head><body><h1>${title}</h1>` +
    `<table><caption>${entries.length - files} folders, ${files} files</caption>` +
    `<thead><tr>${heading("Name", "name", sort)}${heading("Size", "size", sort)}${heading("Modified", "date", sort)}</tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table></body></html>`
  );
}

function heading(label: string, key: IndexSort["key"], sort: IndexSort): string {
  const active = sort.key === key;
  const next = active && sort.order === "asc" ? "desc" : "asc";
  const aria = active ? ` aria-sort="${sort.order === "asc" ? "ascending" : "descending"}"` : "";
  const arrow = active ? (sort.order === "asc" ? " ▲" : " ▼") : "";
  const cls = key === "size" ? ' class="size"' : "";
  return `<th scope="col"${cls}${aria}><a href="?sort=${key}&amp;order=${next}">${label}${arrow}</a></th>`;
}

function row(e: Entry): string {
  const folder = e.kind === "folder";
  const name = escapeHtml(folder ? `${e.name}/` : e.name);
  const size = folder ? "" : `<span title="${e.size} bytes">${escapeHtml(formatBytes(e.size))}</span>`;
  const iso = e.modified.toISOString();
  const date = `<time datetime="${iso}">${iso.slice(0, 16).replace("T", " ")}</time>`;
  return `<tr><td><a href="${escapeHtml(hrefOf(e.path, folder))}">${name}</a></td><td class="size">${size}</td><td>${date}</td></tr>`;
}
