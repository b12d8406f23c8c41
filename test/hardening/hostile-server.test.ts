// The BUILT command against a hostile server (a scripted one on loopback, test/helpers/scripted-server.ts, not
// the emulator, which plays by the spec): endless and trickling bodies, impossible sizes, gzip bombs,
// redirects to other hosts and to file://, impossible Retry-After, download links that are not URLs, and
// names holding control characters or a download's working-file names, in listings and share pages.
// Each case asserts the exit code and the error line, bounded memory (the peak RSS the spawned process
// reports at exit, test/helpers/peak-rss.ts), bounded time (a ceiling far above the deadlines that end each
// case, so it fails only on a hang), that no stranger host got a request, and that the canary key is in no
// output. The cases are listed in docs/bad-input.md ("The hostile server").
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, type ExpectStatic, expect, it } from "vitest";
import { assertBuilt, captured, errorLines, run, sandbox } from "../cli/support.js";
import { peakRss } from "../helpers/peak-rss.js";
import { type ScriptedServer, scriptedServer } from "../helpers/scripted-server.js";
import {
  HOSTILE_CASES,
  type HostileCase,
  RSS_CEILING_MIB,
  route,
  type World,
  worldFiles,
} from "./hostile-cases.js";

const CANARY = `CANARY${randomBytes(20).toString("hex").slice(0, 26)}`;
/** Peak RSS of each case's run, printed after the file. */
const peaks: [string, number][] = [];
beforeAll(() => {
  assertBuilt();
});
afterAll(async () => {
  console.log(
    [
      "peak RSS (MiB) of each hostile case:",
      ...peaks.map(([n, m]) => `  ${String(m).padStart(4)}  ${n}`),
    ].join("\n"),
  );
  for (const text of captured) expect(text).not.toContain(CANARY);
});

/** Runs one case's command against its server and checks how it ended. */
async function runCase(
  c: HostileCase,
  w: World,
  server: ScriptedServer,
  stranger: ScriptedServer,
  expect: ExpectStatic,
) {
  const out = mkdtempSync(join(tmpdir(), "fichier-hostile-out-"));
  const rss = peakRss();
  const ceiling = (c.ceilingSeconds ?? 60) * 1000;
  const started = Date.now();
  const r = await run(["--api-url", `${server.origin}/v1`, ...c.args.map((a) => (a === "{out}" ? out : a))], {
    env: { ...sandbox(), FICHIER_API_KEY: CANARY, FICHIER_KEYCHAIN: "off", ...rss.env, ...c.env },
    timeoutMs: ceiling,
  });
  const took = Date.now() - started;
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(c.exit);
  expect(took, "a hang, not a slow run").toBeLessThan(ceiling);
  const peak = rss.mib();
  peaks.push([c.name, Math.round(peak)]);
  expect(peak, "peak RSS of the spawned command (MiB)").toBeLessThan(RSS_CEILING_MIB);
  if (c.error) {
    // The error is the last line; notices (a distrusted wait, a retry) may come before it.
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.at(-1), r.stderr).toMatch(c.error);
    expect(errorLines(r).at(-1)).toBe(lines.at(-1));
  }
  expect(r.stderr).not.toMatch(/^\s+at /m);
  c.check?.(r, w, out);
  expect(stranger.requests, "a redirect was followed").toEqual([]);
  for (const seen of server.requests) {
    if (seen.url.startsWith("/dl/") || seen.url.startsWith("/dir/")) {
      expect(seen.headers.authorization, "the key went to a download link or a share page").toBeUndefined();
    }
  }
}

// Concurrent: each case has its own servers, output folder and state, and most of a case is waiting (for a
// deadline, a cap, the retry policy's pauses), so the file takes about as long as its slowest case.
describe.concurrent("the built command against a hostile server", () => {
  for (const c of HOSTILE_CASES) {
    it(c.name, { timeout: ((c.ceilingSeconds ?? 60) + 30) * 1000 }, async ({ expect }) => {
      const w: World = { origin: "", stranger: "", files: await worldFiles(c.files ?? ["plain.bin"]) };
      const server = await scriptedServer(route(c.script, w));
      // Any request to this one is a redirect followed: it must get none.
      const stranger = await scriptedServer((_req, res) => res.end("stranger"));
      w.origin = server.origin;
      w.stranger = stranger.origin;
      try {
        await runCase(c, w, server, stranger, expect);
      } finally {
        await server.close();
        await stranger.close();
      }
    });
  }
});
