/** `fichier emulator`: runs the emulator until SIGINT/SIGTERM, then shuts it down cleanly. */
import { Command, InvalidArgumentError, Option } from "commander";
import { parseFaultSpec } from "./faults.js";
import { type EmulatorOptions, startEmulator } from "./index.js";

function integer(min: number, max: number, what: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}.`);
    }
    return Number(value);
  };
}

function faultSpec(value: string): string {
  try {
    parseFaultSpec(value);
  } catch (e) {
    throw new InvalidArgumentError(`${(e as Error).message}.`);
  }
  return value;
}

/** Options as commander hands them over. */
interface CliOptions {
  host: string;
  port: number;
  data?: string;
  limits: "real" | "off";
  lockSeconds: number;
  bandwidth: number;
  faults?: string;
  publicUploadHost?: string;
  publicDownloadUrl?: string;
  json?: boolean;
}

/**
 * Builds the `emulator` command (commander 14). Helper E registers it in `src/cli/main.ts`.
 * With `--json`, stdout gets ONE line `{"apiUrl","webUrl","adminToken","accounts":[...]}`; logs go to stderr.
 * @example
 * program.addCommand(createEmulatorCommand());
 */
export function createEmulatorCommand(): Command {
  return new Command("emulator")
    .description("run a local 1fichier emulator (API, uploads, downloads, website, console) until Ctrl-C")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <n>", "port (0 = any free port)", integer(0, 65535, "--port"), 0)
    .option("--data <dir>", "persistent state folder (default: a temporary folder removed on exit)")
    .addOption(
      new Option("--limits <profile>", "rate limits of 1fichier, or none")
        .choices(["real", "off"])
        .default("real"),
    )
    .option("--lock-seconds <n>", "flood-lock duration", integer(1, 86_400, "--lock-seconds"), 30)
    .option(
      "--bandwidth <bytesPerSecond>",
      "cap per connection for uploads and downloads (0 = none)",
      integer(0, Number.MAX_SAFE_INTEGER, "--bandwidth"),
      0,
    )
    .option(
      "--faults <spec>",
      'fault injection, e.g. "500=0.05,reset=0.02,seed=42" (see docs/emulator.md)',
      faultSpec,
    )
    .option(
      "--public-upload-host <host[:port]>",
      "upload host handed out by get_upload_server.cgi (behind a proxy)",
    )
    .option("--public-download-url <url>", "base of the download-token URLs handed out (behind a proxy)")
    .option("--json", "print one JSON line with the URLs, admin token and accounts on stdout")
    .action(async (opts: CliOptions, command: Command) => {
      // The fichier program has a global --json that commander may bind to the parent: read both.
      const json = opts.json === true || command.optsWithGlobals().json === true;
      const options: EmulatorOptions = {
        host: opts.host,
        port: opts.port,
        dataDir: opts.data,
        limits: opts.limits,
        lockSeconds: opts.lockSeconds,
        bandwidth: opts.bandwidth,
        faults: opts.faults,
        publicUploadHost: opts.publicUploadHost,
        publicDownloadUrl: opts.publicDownloadUrl,
        log: (line) => process.stderr.write(`emulator: ${line}\n`),
      };
      if (opts.publicDownloadUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(opts.publicDownloadUrl)) {
        throw new InvalidArgumentError(
          "--public-download-url must be an http(s) URL, e.g. https://dl.example.test/dl.",
        );
      }
      let emu: Awaited<ReturnType<typeof startEmulator>>;
      try {
        emu = await startEmulator(options);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
          throw new Error(
            `cannot listen on ${opts.host}:${opts.port} (${code}): choose another --port (0 = any free port) or --host.`,
          );
        }
        throw e;
      }
      const accounts = emu.accounts.map((a) => ({
        email: a.email,
        offer: a.offer,
        apiKey: a.apiKey,
        password: a.password,
      }));
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ apiUrl: emu.apiUrl, webUrl: emu.webUrl, adminToken: emu.adminToken, accounts })}\n`,
        );
      } else {
        // A local test server with throwaway keys: shown on stderr only, never on stdout.
        const lines = [
          `API:          ${emu.apiUrl}`,
          `Website:      ${emu.webUrl}  (console: ${emu.webUrl}/login.pl)`,
          `Upload host:  ${emu.uploadHost}`,
          `Data:         ${emu.dataDir}${opts.data ? "" : " (temporary, removed on exit)"}`,
          `Limits:       ${opts.limits}${opts.faults ? `, faults ${opts.faults}` : ""}`,
          `Admin token:  ${emu.adminToken}  (POST ${emu.webUrl}/_emulator/<method>, header X-Emulator-Admin)`,
          "Accounts (throwaway keys of this local emulator):",
          ...accounts.map(
            (a) => `  offer ${a.offer}  ${a.email.padEnd(24)} key ${a.apiKey}  password ${a.password}`,
          ),
          "Press Ctrl-C to stop.",
        ];
        process.stderr.write(`${lines.join("\n")}\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      if (!json) process.stderr.write("emulator: shutting down\n");
      await emu.close();
    });
}
