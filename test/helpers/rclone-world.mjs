// @ts-check
// Stock rclone against a local server, without root, namespaces or /etc/hosts: rclone's fichier backend only
// talks to https://api.1fichier.com/v1 (and to the upload and download hosts the API names), so rclone is given
//   - HTTPS_PROXY = a loopback CONNECT proxy that accepts only *.1fichier.com:443 and sends every tunnel to
//   - a loopback TLS terminator whose certificate (from a throwaway CA made with openssl for this run, passed to
//     rclone with SSL_CERT_FILE) names api.1fichier.com, 1fichier.com and *.1fichier.com, which forwards
//   - api.1fichier.com to `apiOrigin` (the emulator, or the gateway in front of it) and every other
//     *.1fichier.com host to `webOrigin` (the emulator: upload node, end.pl, download tokens, /dir/ pages).
// The emulator must then hand out names under 1fichier.com: start it with WORLD_UPLOAD_HOST and
// WORLD_DOWNLOAD_URL. All traffic stays on loopback. Used by tests (test/**) and by `npm run bench`.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the emulator must answer as the upload node (`--public-upload-host`). */
export const WORLD_UPLOAD_HOST = "up-1.1fichier.com";
/** What the emulator must use as the base of token URLs (`--public-download-url`). */
export const WORLD_DOWNLOAD_URL = "https://a-1.1fichier.com/dl";

/**
 * Runs a command and collects its output.
 * @param {string} cmd
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {{ timeoutMs?: number, cwd?: string }} [o]
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
function run(cmd, args, env, o = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: o.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A throwaway CA and a server certificate for the 1fichier names, made with the openssl command.
 * @param {string} dir
 */
async function makeCertificates(dir) {
  const ossl = (/** @type {string[]} */ args) =>
    run("openssl", args, process.env).then((r) => {
      if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.trim()}`);
    });
  const ext = join(dir, "san.cnf");
  await writeFile(
    ext,
    "[ext]\nsubjectAltName=DNS:api.1fichier.com,DNS:1fichier.com,DNS:*.1fichier.com\n" +
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  );
  const f = (/** @type {string} */ n) => join(dir, n);
  await ossl(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.pem")]
      .concat(["-days", "2", "-subj", "/CN=fichier test CA"])
      .concat(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"]),
  );
  await ossl(
    ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("srv.key"), "-out", f("srv.csr")].concat([
      "-subj",
      "/CN=api.1fichier.com",
    ]),
  );
  await ossl(
    ["x509", "-req", "-in", f("srv.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key")].concat([
      "-CAcreateserial",
      "-out",
      f("srv.pem"),
      "-days",
      "2",
      "-extfile",
      ext,
      "-extensions",
      "ext",
    ]),
  );
  return { ca: f("ca.pem"), key: await readFile(f("srv.key")), cert: await readFile(f("srv.pem")) };
}

/**
 * The TLS terminator: forwards each request by its Host name.
 * @param {{ key: Buffer, cert: Buffer }} tls
 * @param {(host: string) => URL} route
 */
function startTerminator(tls, route) {
  const server = https.createServer(tls, (req, res) => {
    const target = route(String(req.headers.host ?? "").replace(/:\d+$/, ""));
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e.message));
    });
    req.pipe(up);
  });
  return listen(server);
}

/**
 * The CONNECT proxy: only *.1fichier.com:443, always to the terminator.
 * @param {number} tlsPort
 */
function startConnectProxy(tlsPort) {
  const server = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on("connect", (req, sock, head) => {
    const [host, port] = String(req.url).split(":");
    if (!/(^|\.)1fichier\.com$/i.test(host ?? "") || port !== "443") {
      sock.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const up = net.connect(tlsPort, "127.0.0.1", () => {
      sock.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      up.write(head);
      up.pipe(sock);
      sock.pipe(up);
    });
    up.on("error", () => sock.destroy());
    sock.on("error", () => up.destroy());
  });
  return listen(server);
}

/**
 * @param {http.Server} server
 * @returns {Promise<{ server: http.Server, port: number }>}
 */
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve({ server, port: typeof a === "object" && a ? a.port : 0 });
    });
  });
}

/**
 * Starts the proxy and the TLS terminator. `apiOrigin` serves api.1fichier.com (its `/v1/...` paths), `webOrigin`
 * every other *.1fichier.com name. `rclone(args, key)` runs the stock rclone with a `fx:` remote of type fichier
 * whose key is given through the environment (never argv).
 *
 * @param {{ apiOrigin: string, webOrigin?: string }} o
 * @example
 * const world = await startRcloneWorld({ apiOrigin: new URL(emu.apiUrl).origin });
 * const r = await world.rclone(["lsjson", "fx:"], premiumKey);
 * await world.close();
 */
export async function startRcloneWorld(o) {
  const dir = await mkdtemp(join(tmpdir(), "fichier-rclone-"));
  const tls = await makeCertificates(dir);
  const api = new URL(o.apiOrigin);
  const web = new URL(o.webOrigin ?? o.apiOrigin);
  const terminator = await startTerminator(tls, (host) => (host === "api.1fichier.com" ? api : web));
  const proxy = await startConnectProxy(terminator.port);
  const proxyUrl = `http://127.0.0.1:${proxy.port}`;
  /** @param {string} key */
  const envFor = (key) => ({
    PATH: process.env.PATH,
    HOME: dir,
    HTTPS_PROXY: proxyUrl,
    SSL_CERT_FILE: tls.ca,
    RCLONE_CONFIG: join(dir, "rclone.conf"),
    RCLONE_CONFIG_FX_TYPE: "fichier",
    RCLONE_CONFIG_FX_API_KEY: key,
  });
  return {
    proxyUrl,
    caFile: tls.ca,
    envFor,
    /**
     * @param {string[]} args
     * @param {string} key
     * @param {{ timeoutMs?: number, cwd?: string }} [opts]
     */
    rclone: (args, key, opts) => run("rclone", args, envFor(key), opts),
    async close() {
      await Promise.all(
        [terminator, proxy].map((s) => new Promise((r) => s.server.close(() => r(undefined)))),
      );
      terminator.server.closeAllConnections?.();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Whether rclone and openssl are on this machine (the tests using the world skip with a reason otherwise).
 * @returns {Promise<boolean>}
 */
export async function rcloneWorldAvailable() {
  const ok = async (/** @type {string} */ cmd) =>
    run(cmd, ["version"], process.env, { timeoutMs: 10_000 }).then(
      (r) => r.code === 0,
      () => false,
    );
  return (await ok("rclone")) && (await ok("openssl"));
}
