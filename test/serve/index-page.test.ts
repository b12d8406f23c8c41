import { Readable } from "node:stream";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderIndex, sortEntries } from "../../src/serve/index-page.js";
import { chromiumPresent, launchChromium } from "../helpers/chromium.js";
import { titled } from "../helpers/system-deps.js";
import { serve, type TestServer } from "./support.js";

const HOSTILE = ['<img src=x onerror="window.pwned=1">.txt', '"><svg onload="window.pwned=2">.txt'];

async function store(t: TestServer, path: string, size: number): Promise<void> {
  await t.backend.write(path, Readable.from([Buffer.alloc(size, 120)]), {
    size,
    signal: new AbortController().signal,
  });
}

describe("the folder page, without a browser", () => {
  it("escapes names and puts folders first in every sort", () => {
    const d = new Date("2026-01-02T03:04:05Z");
    const entries = [
      { path: "/b", name: "b", kind: "file" as const, size: 5, modified: d },
      { path: "/z", name: "z", kind: "folder" as const, size: 0, modified: d },
      { path: "/a", name: "a", kind: "file" as const, size: 9, modified: d },
    ];
    expect(sortEntries(entries, { key: "size", order: "desc" }).map((e) => e.name)).toEqual(["z", "a", "b"]);
    const html = renderIndex(
      { path: "/", name: "", kind: "folder", size: 0, modified: d },
      [{ path: "/<x>", name: "<x>", kind: "file", size: 1, modified: d }],
      { key: "name", order: "asc" },
    );
    expect(html).toContain("&lt;x&gt;");
    expect(html).not.toContain("<x>");
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});

describe.skipIf(!chromiumPresent)(titled("the folder page in Chromium", "chromium"), () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("sorts by size with the keyboard, loads nothing from elsewhere, and runs no hostile name", async () => {
    const t = await serve({ flavour: "http" });
    await t.backend.mkdir("/Films");
    await store(t, "/big.mkv", 3000);
    await store(t, "/small.txt", 10);
    await store(t, "/medium.bin", 500);
    for (const name of HOSTILE) await store(t, `/${name}`, 1);
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(t.url);
    expect(await page.title()).toBe("Index of /");
    const names = async () => page.$$eval("tbody td:first-child a", (as) => as.map((a) => a.textContent));
    expect(await names()).toEqual(expect.arrayContaining(["Films/", "big.mkv", ...HOSTILE]));
    expect(await page.evaluate("typeof window.pwned")).toBe("undefined");

    // Tab to the "Size" heading and press Enter: the page reloads sorted by size, folders first.
    let focused = "";
    for (let i = 0; i < 10 && !focused.startsWith("Size"); i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate('document.activeElement?.textContent ?? ""');
    }
    expect(focused).toBe("Size");
    await Promise.all([page.waitForURL(/sort=size&order=asc/), page.keyboard.press("Enter")]);
    const sorted = await names();
    expect(sorted.slice(0, 1)).toEqual(["Films/"]);
    expect(sorted.slice(-3)).toEqual(["small.txt", "medium.bin", "big.mkv"]);
    expect(await page.getAttribute("th:nth-child(2)", "aria-sort")).toBe("ascending");

    // Following a file link gets the file's bytes.
    const href = await page.getAttribute("a:text('medium.bin')", "href");
    expect(href).toBe("/medium.bin");
    expect(requests.every((u) => u.startsWith(t.url))).toBe(true);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
