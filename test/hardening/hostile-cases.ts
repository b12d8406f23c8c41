// The hostile server's script and cases (test/hardening/hostile-server.test.ts runs them against the BUILT
// command; docs/bad-input.md lists them, rendered by corpus.ts). The server plays a 1fichier that is fair on
// every route a case does not script: file and folder listings, file info, download tokens and links that
// honour Range, a public share page.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { whirlpool } from "hash-wasm";
import { expect } from "vitest";
import type { RunResult } from "../cli/support.js";
import { endless, gzipBomb, serveBytes, trickle } from "../helpers/scripted-server.js";

/**
 * The most memory a hostile case's run may reach: above what the runs take here (80 MiB, up to 220 MiB for
 * the cases read up to a 64 MiB body cap), far below what the hostile bodies cost a client that reads them
 * whole (an endless body took 1.57 GiB in 3 s, issue 15).
 */
export const RSS_CEILING_MIB = 320;
export const SHARE = "https://1fichier.com/dir/HoStIlE1";
const MIB = 1024 * 1024;

export type Handler = (req: IncomingMessage, res: ServerResponse, world: World) => void;

/** What the scripted 1fichier serves: its files (URL id, name, bytes) and where it is. */
export interface World {
  origin: string;
  stranger: string;
  files: { id: string; name: string; data: Buffer; whirlpool: string }[];
}

/** The request's JSON body (the scripted server already set it flowing: listen in the same tick). */
function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
  });
}

function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

const DATE = "2026-01-02 03:04:05";
export const fileUrl = (id: string) => `https://1fichier.com/?${id}`;

function listingItem(f: World["files"][number]) {
  return {
    filename: f.name,
    size: f.data.length,
    date: DATE,
    checksum: f.whirlpool,
    url: fileUrl(f.id),
    "content-type": "application/octet-stream",
    pass: 0,
    acl: 0,
    cdn: 0,
  };
}

/** A well-behaved 1fichier for the routes a case does not script (by path, without the query). */
const FAIR: Record<string, Handler> = {
  "/v1/folder/ls.cgi": (_req, res, w) =>
    sendJson(res, {
      status: "OK",
      folder_id: 0,
      name: "",
      create_date: DATE,
      pass: 0,
      files: w.files.length,
      size: w.files.reduce((n, f) => n + f.data.length, 0),
      sub_folders: [],
      items: w.files.map(listingItem),
    }),
  "/v1/file/ls.cgi": (_req, res, w) =>
    sendJson(res, { status: "OK", count: w.files.length, items: w.files.map(listingItem) }),
  "/v1/file/info.cgi": (req, res, w) => {
    void jsonBody(req).then((b) => {
      const f = w.files.find((x) => fileUrl(x.id) === b.url);
      if (!f) return sendJson(res, { status: "KO", message: "Resource not found #469" }, 404);
      sendJson(res, { status: "OK", ...listingItem(f), folder_id: 0, path: "", description: "" });
    });
  },
  "/v1/download/get_token.cgi": (req, res, w) => {
    void jsonBody(req).then((b) => {
      const f = w.files.find((x) => fileUrl(x.id) === b.url);
      if (!f) return sendJson(res, { status: "KO", message: "Resource not found #469" }, 404);
      sendJson(res, { status: "OK", url: `${w.origin}/dl/${f.id}` });
    });
  },
  "/dl/": (req, res, w) => {
    const f = w.files.find((x) => req.url === `/dl/${x.id}`);
    if (!f) return void res.writeHead(404).end();
    serveBytes(req, res, f.data);
  },
  "/dir/HoStIlE1": (_req, res, w) =>
    sendJson(
      res,
      w.files.map((f) => ({ filename: f.name, link: fileUrl(f.id), size: f.data.length })),
    ),
};

/** Routes a request to the case's handler for its path, else the fair one (`/dl/` matches every link). */
export function route(
  script: Record<string, Handler>,
  w: World,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const key = path.startsWith("/dl/") ? "/dl/" : path;
    const handler = script[key] ?? FAIR[key];
    if (handler) handler(req, res, w);
    else sendJson(res, { status: "KO", message: "Unknown endpoint #9999" }, 404);
  };
}

/** Every file (not folder) under `dir`, relative paths. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

export async function worldFiles(names: string[]): Promise<World["files"]> {
  return Promise.all(
    names.map(async (name, i) => {
      const data = randomBytes(64 * 1024 + i);
      return { id: `hostile${String(i).padStart(13, "0")}`, name, data, whirlpool: await whirlpool(data) };
    }),
  );
}

/** One hostile case: what the server does, the command, and how it must end. */
export interface HostileCase {
  name: string;
  script: Record<string, Handler>;
  args: string[];
  exit: number;
  /** The error line (the last `fichier:` line that is not a notice), when the run fails. */
  error?: RegExp;
  /** Environment beyond the sandbox, the key and the API URL. */
  env?: Record<string, string>;
  /** Files the world serves (names); default one plain file. */
  files?: string[];
  /** The ceiling on the run's duration: a hang, not a slow run, fails it. */
  ceilingSeconds?: number;
  check?: (r: RunResult, w: World, out: string) => void;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Handler => {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(value));
  };
};
const redirectTo =
  (where: (w: World) => string, status = 302): Handler =>
  (_req, res, w) => {
    res.writeHead(status, { location: where(w) });
    res.end();
  };
const tokenIs =
  (url: string): Handler =>
  (_req, res) =>
    sendJson(res, { status: "OK", url });

const ESC = "\u001b";
const BEL = "\u0007";
const TITLE = `${ESC}]0;PWNED${BEL}.txt`;
const FORGED = "a\r\nfichier: error: forged line.txt";

export const HOSTILE_CASES: HostileCase[] = [
  // Bodies: endless, trickling, impossibly long, compressed beyond any memory.
  {
    name: "an endless API answer is cut at its cap and refused",
    script: {
      "/v1/user/info.cgi": (_req, res) =>
        endless(res.writeHead(200, { "content-type": "application/json" }), Buffer.alloc(MIB, "[")),
    },
    args: ["about"],
    exit: 7,
    error: /^fichier: user\/info\.cgi: the answer is larger than 64 MiB/,
  },
  {
    name: "an endless share page is cut at its cap and refused",
    script: {
      "/dir/HoStIlE1": (_req, res) =>
        endless(res.writeHead(200, { "content-type": "application/json" }), Buffer.alloc(MIB, "[")),
    },
    args: ["ls", SHARE],
    exit: 7,
    error: /^fichier: dir\/HoStIlE1: the answer is larger than 64 MiB/,
  },
  {
    name: "an endless listing is refused at 16 MiB, before parsing",
    script: {
      "/v1/folder/ls.cgi": (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"status":"OK","folder_id":0,"name":"","sub_folders":[],"items":[');
        endless(res, Buffer.from(`${JSON.stringify({ filename: "x".repeat(1000) })},`.repeat(64)));
      },
    },
    args: ["ls", "/"],
    exit: 7,
    error: /^fichier: folder\/ls\.cgi: the answer is larger than 16 MiB/,
  },
  {
    name: "an endless error page is cut at 16 KiB and read as the maintenance it says",
    script: {
      "/v1/user/info.cgi": (_req, res) => {
        res.writeHead(503, { "content-type": "text/html" });
        res.write("<html><body>Our services are in maintenance. Please come back after 20 minutes. ");
        endless(res, Buffer.alloc(64 * 1024, "a"));
      },
    },
    // One attempt: the case is the cut body, not the retry policy's pauses.
    env: { FICHIER_RETRIES: "0" },
    args: ["about"],
    exit: 7,
    error: /maintenance/,
  },
  {
    name: "a body trickling one byte every 20 s ends at the 60 s per-call deadline",
    script: {
      "/v1/user/info.cgi": (_req, res) =>
        trickle(res.writeHead(200, { "content-type": "application/json" }), 20_000),
    },
    // One attempt: each one lasts the whole deadline.
    env: { FICHIER_RETRIES: "0" },
    args: ["about"],
    exit: 7,
    error: /^fichier: user\/info\.cgi: no complete answer within 60 s \(the per-call deadline\)/,
    ceilingSeconds: 150,
  },
  {
    name: "a declared 10 GiB answer is refused before a byte of it is read",
    script: {
      "/v1/user/info.cgi": (_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": String(10 * 2 ** 30) });
        res.write('{"status":"OK"');
      },
    },
    args: ["about"],
    exit: 7,
    error: /^fichier: user\/info\.cgi: the answer is larger than 64 MiB.*refused unread/,
  },
  {
    name: "a gzip bomb as an API answer is binary junk, never inflated",
    script: { "/v1/user/info.cgi": (_req, res) => gzipBomb(res, 200, "application/json") },
    args: ["about"],
    exit: 7,
    error: /^fichier: user\/info\.cgi: /,
  },
  {
    name: "a gzip bomb as an error page shows its size and type, never its bytes",
    script: { "/v1/user/info.cgi": (_req, res) => gzipBomb(res, 500, "text/html") },
    env: { FICHIER_RETRIES: "0" },
    args: ["about"],
    exit: 7,
    error: /^fichier: user\/info\.cgi: 16384\+? bytes of binary data \(text\/html, gzip\)/,
  },
  {
    name: "a gzip bomb as a share page is binary junk, never inflated",
    script: { "/dir/HoStIlE1": (_req, res) => gzipBomb(res, 200, "application/json") },
    args: ["ls", SHARE],
    exit: 7,
    error: /^fichier: dir\/HoStIlE1: /,
  },
  {
    name: "a gzip bomb as a download link's body fails the Whirlpool check, never inflated",
    script: { "/dl/": (_req, res) => gzipBomb(res, 200, "application/octet-stream") },
    args: ["download", fileUrl("hostile0000000000000"), "-o", "{out}"],
    exit: 8,
    error: /whirlpool|checksum|size/i,
  },
  // Redirects: never followed, to another host or to a file.
  {
    name: "an API answer redirecting to another host is not followed",
    script: { "/v1/user/info.cgi": redirectTo((w) => `${w.stranger}/v1/user/info.cgi`, 307) },
    env: { FICHIER_RETRIES: "0" },
    args: ["about"],
    exit: 7,
    error: /^fichier: user\/info\.cgi: /,
  },
  {
    name: "an API answer redirecting to file:///etc/passwd is not followed",
    script: { "/v1/user/info.cgi": redirectTo(() => "file:///etc/passwd") },
    env: { FICHIER_RETRIES: "0" },
    args: ["about"],
    exit: 7,
    error: /^fichier: user\/info\.cgi: /,
    check: (r) => expect(r.stdout + r.stderr).not.toMatch(/root:x:0:0/),
  },
  {
    name: "a share page redirecting to another host is not followed",
    script: { "/dir/HoStIlE1": redirectTo((w) => `${w.stranger}/dir/HoStIlE1?json=1`) },
    env: { FICHIER_RETRIES: "0" },
    args: ["ls", SHARE],
    exit: 7,
    error: /^fichier: dir\/HoStIlE1: /,
  },
  {
    name: "a download link redirecting to another host is not followed",
    script: { "/dl/": redirectTo((w) => `${w.stranger}/dl/elsewhere`) },
    args: ["download", fileUrl("hostile0000000000000"), "-o", "{out}"],
    exit: 7,
    error: /the download link answered HTTP 302/,
  },
  {
    name: "cat of a download link redirecting to file:///etc/passwd is not followed",
    script: { "/dl/": redirectTo(() => "file:///etc/passwd") },
    args: ["cat", fileUrl("hostile0000000000000")],
    exit: 7,
    error: /the download link answered HTTP 302/,
    check: (r) => expect(r.stdout).toBe(""),
  },
  // Waits the server asks for that no one can honour.
  ...(
    [
      ["Retry-After: 3000000 on a flood answer", 403, "Flood detected: IP Locked #374", "3000000"],
      ["Retry-After in the year 9999 on a 429", 429, "Too many requests", "Fri, 31 Dec 9999 23:59:59 GMT"],
    ] as const
  ).map(([what, status, message, after]) => ({
    name: `${what} ends at once with exit 6, without spinning`,
    script: { "/v1/user/info.cgi": json(status, { status: "KO", message }, { "retry-after": after }) },
    env: { FICHIER_FLOOD_RETRIES: "0" },
    args: ["about"],
    exit: 6,
    error: /Locked until \d\d:\d\d:\d\d/,
    check: (r: RunResult) => expect(r.stderr.split("\n").length).toBeLessThan(10),
  })),
  // Download links that are not URLs: never printed, fetched or handed to a player.
  ...(["file:///etc/passwd", "javascript:alert(1)", "not a url"] as const).flatMap((token) => [
    {
      name: `link refuses the download link ${JSON.stringify(token)}`,
      script: { "/v1/download/get_token.cgi": tokenIs(token) },
      args: ["link", fileUrl("hostile0000000000000")],
      exit: 7,
      error: /the download link the server gave is not an http\(s\) URL; it was not used/,
      check: (r: RunResult) => expect(r.stdout + r.stderr).not.toContain(token),
    },
    {
      name: `download refuses the download link ${JSON.stringify(token)}`,
      script: { "/v1/download/get_token.cgi": tokenIs(token) },
      args: ["download", fileUrl("hostile0000000000000"), "-o", "{out}"],
      exit: 7,
      check: (r: RunResult, _w: World, out: string) => {
        expect(r.stdout + r.stderr).not.toContain("root:x:0:0");
        // Nothing was fetched: no final file, and the working data file (kept for a rerun, as after any
        // failed download; made at the file's size) holds only zeros.
        for (const f of filesUnder(out)) {
          expect(f).toMatch(/^\.fichier-partial\//);
          if (f.endsWith(".part")) expect(readFileSync(join(out, f)).every((b) => b === 0)).toBe(true);
        }
      },
    },
  ]),
  // Names: control characters shown escaped, working-file names downloaded like any other.
  ...(
    [
      ["a listing", "/"],
      ["a share page", SHARE],
    ] as const
  ).map(([what, where]) => ({
    name: `ls of ${what} with control characters in names shows them escaped`,
    files: [TITLE, FORGED],
    script: {},
    args: ["ls", where],
    exit: 0,
    check: (r: RunResult) => {
      expect(r.stdout).toContain("\\e]0;PWNED\\x07.txt");
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no raw control character may reach the terminal
      expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/^fichier: error: forged/m);
    },
  })),
  {
    name: "a share holding NAME, NAME.part, NAME.part.json and .fichier-partial downloads each, intact",
    files: ["report.pdf.part", "report.pdf.part.json", ".fichier-partial", "report.pdf"],
    script: {},
    args: ["download", SHARE, "-o", "{out}"],
    exit: 0,
    check: (_r, w, out) => {
      const saved = (name: string) => (name === ".fichier-partial" ? "_fichier-partial" : name);
      expect(readdirSync(out).sort()).toEqual(w.files.map((f) => saved(f.name)).sort());
      for (const f of w.files) expect(readFileSync(join(out, saved(f.name))).equals(f.data)).toBe(true);
    },
  },
];
