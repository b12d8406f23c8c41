// Builds the `fichier` command as one bundle (npm run build, after tsc): `dist/cli/main.js` and its chunks in
// `dist/cli/chunks/`, one per command module plus the code they share.
//
// Why: Node 20 has no compile cache, and the command used to load about 300 files on every start (our modules
// and zod's as ES modules, undici's as CommonJS). Bundled as CommonJS, a start costs about 40 % less CPU
// (`ls -l /` with its listing 0.54 -> 0.32 CPU-s on this machine, docs/cli.md "Start-up"), which is most of
// what a short command costs. The library (`dist/index.js`, `dist/emulator/index.js`) stays tsc's ES modules.
//
// Native modules stay outside (they locate their binaries from their own path), and so do Node's built-ins.
import { chmodSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const OUT = "dist/cli";
const NATIVE = ["better-sqlite3", "@napi-rs/keyring"];
const KEEP = ["main.js", "chunks", "package.json"];

// undici's index loads all of undici (fetch, WebSocket, caches, mocks), and through them Node's own copy of
// undici: about 40 ms of CPU on every start. src/api/http.ts, its only importer, uses two dispatchers and
// their `request` method, which undici's index mixes into the Dispatcher class: this module does the same with
// only those parts. A name it lacks is a build error (MISSING_EXPORT).
const UNDICI_LEAN = "\0fichier-undici-lean";
// undici's client loads its HTTP/2 half (and Node's http2 module, about 14 ms per start) for a socket whose TLS
// handshake chose h2, which happens only when `allowH2` is set; fichier never sets it (src/api/http.ts).
const UNDICI_NO_H2 = "\0fichier-undici-no-h2";
const undiciLean = {
  name: "fichier-undici-lean",
  resolveId(source, importer) {
    if (source === "undici") return UNDICI_LEAN;
    const fromClient = importer?.replaceAll("\\", "/").endsWith("undici/lib/dispatcher/client.js");
    return source === "./client-h2.js" && fromClient ? UNDICI_NO_H2 : null;
  },
  load(id) {
    if (id === UNDICI_NO_H2) {
      return 'export default () => { throw new Error("HTTP/2 is not used by fichier (allowH2 is never set)"); };';
    }
    if (id !== UNDICI_LEAN) return null;
    return [
      'import Dispatcher from "undici/lib/dispatcher/dispatcher.js";',
      'import api from "undici/lib/api/index.js";',
      'import Agent from "undici/lib/dispatcher/agent.js";',
      'import EnvHttpProxyAgent from "undici/lib/dispatcher/env-http-proxy-agent.js";',
      "Object.assign(Dispatcher.prototype, api);",
      "export { Agent, EnvHttpProxyAgent };",
    ].join("\n");
  },
};

/**
 * Before: chunks of an earlier build are removed (their names carry a hash). After: the entry is executable,
 * a package.json marks the folder CommonJS (the package's own says ES modules), and tsc's unbundled copies of
 * the command are removed.
 */
const finish = {
  name: "fichier-finish",
  buildStart() {
    // The input is tsc's main.js, which the bundle replaces: bundling the bundle again cannot work.
    if (readFileSync(join(OUT, "main.js"), "utf8").includes("./chunks/")) {
      throw new Error("dist/cli/main.js is already the bundle: run `npm run build` (tsc, then rolldown)");
    }
    rmSync(join(OUT, "chunks"), { recursive: true, force: true });
  },
  generateBundle() {
    this.emitFile({ type: "asset", fileName: "package.json", source: '{ "type": "commonjs" }\n' });
  },
  writeBundle() {
    chmodSync(join(OUT, "main.js"), 0o755);
    for (const name of readdirSync(OUT)) {
      if (!KEEP.includes(name)) rmSync(join(OUT, name), { recursive: true });
    }
  },
};

export default {
  input: join(OUT, "main.js"),
  platform: "node",
  external: [...NATIVE, /^node:/],
  plugins: [undiciLean, finish],
  output: {
    dir: OUT,
    format: "cjs",
    entryFileNames: "main.js",
    chunkFileNames: "chunks/[name]-[hash].js",
  },
};
