// The command's Node options (src/cli/node-flags.ts) live in three places that must agree: the first line of
// main.ts, the demo script, and the code that starts the command. And they must do what they are there for:
// Whirlpool from node:crypto in a worker thread of the same process, not in a second process.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { NODE_FLAGS } from "../../src/cli/node-flags.js";
import { whirlpoolFile } from "../../src/transfer/whirlpool.js";
import { BIN } from "./support.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SHEBANG = `#!/usr/bin/env -S node ${NODE_FLAGS.join(" ")}`;
const dir = mkdtempSync(join(tmpdir(), "fichier-flags-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the command's Node options", () => {
  it("are the first line of the source and of the built command", () => {
    expect(readFileSync(join(ROOT, "src/cli/main.ts"), "utf8").split("\n")[0]).toBe(SHEBANG);
    expect(readFileSync(BIN, "utf8").split("\n")[0]).toBe(SHEBANG);
  });

  it("are given by the demo script", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { demo: string } };
    expect(pkg.scripts.demo).toContain(`node ${NODE_FLAGS.join(" ")} dist/cli/main.js demo`);
  });

  it("let the built command run directly, as a shell runs it through npm's link", async () => {
    accessSync(BIN, constants.X_OK);
    const { stdout } = await promisify(execFile)(BIN, ["--version"], {
      env: { PATH: process.env.PATH ?? "" },
    });
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(stdout.trim()).toContain(version);
  });

  it("make a large file hash with node:crypto in a worker thread, with the right digest", async () => {
    const file = join(dir, "big.bin");
    const size = 20 * 1024 * 1024 + 3;
    writeFileSync(file, randomBytes(size));
    const mod = pathToFileURL(join(ROOT, "dist/transfer/frontier-hash.js")).href;
    const wp = pathToFileURL(join(ROOT, "dist/transfer/whirlpool.js")).href;
    const script = `
      const { createBackgroundFrontierHash } = await import(${JSON.stringify(mod)});
      const { whirlpoolBackend } = await import(${JSON.stringify(wp)});
      const fh = await createBackgroundFrontierHash(process.argv[1], () => ${size});
      fh.poke();
      const hex = await fh.finish(${size});
      console.log(JSON.stringify({ kind: fh.constructor.name, backend: whirlpoolBackend(), hex }));`;
    const out = await new Promise<string>((res, rej) => {
      const child = spawn(process.execPath, [...NODE_FLAGS, "--input-type=module", "-e", script, file], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let text = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (text += d));
      child.on("error", rej);
      child.on("close", (code) => (code === 0 ? res(text) : rej(new Error(`exit ${code}`))));
    });
    const r = JSON.parse(out) as { kind: string; backend: string; hex: string };
    expect(r.backend).toBe("node:crypto");
    expect(r.kind).toBe("WorkerFrontierHasher");
    expect(r.hex).toBe(await whirlpoolFile(file));
  });
});
