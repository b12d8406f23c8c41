// docs/bad-input.md is generated from the corpus: this fails when the two drift apart.
// FICHIER_WRITE_DOCS=1 rewrites the page instead.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCorpus, renderCorpusPage } from "./corpus.js";

const PAGE = resolve(import.meta.dirname, "../../docs/bad-input.md");

describe("docs/bad-input.md", () => {
  it("is the table of test/hardening/corpus/bad-input.tsv", () => {
    const page = renderCorpusPage(loadCorpus());
    if (process.env.FICHIER_WRITE_DOCS === "1") writeFileSync(PAGE, page);
    expect(readFileSync(PAGE, "utf8")).toBe(page);
  });
});
