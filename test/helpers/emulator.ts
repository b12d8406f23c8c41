/**
 * Test helper: starts an emulator on loopback with limits off and a temp data dir. Close it in `afterAll`.
 * @example
 * let emu: Awaited<ReturnType<typeof withEmulator>>;
 * beforeAll(async () => { emu = await withEmulator(); });
 * afterAll(() => emu.close());
 */
import {
  type EmulatorAccount,
  type EmulatorOptions,
  type RunningEmulator,
  startEmulator,
} from "../../src/emulator/index.js";

export type TestEmulator = RunningEmulator & { premium: EmulatorAccount; free: EmulatorAccount };

export async function withEmulator(opts: EmulatorOptions = {}): Promise<TestEmulator> {
  const emu = await startEmulator({ limits: "off", ...opts });
  const accounts = emu.accounts;
  const premium = accounts.find((a) => a.offer === 1);
  const free = accounts.find((a) => a.offer === 0);
  if (!premium || !free) throw new Error("the emulator started without its premium and free accounts");
  return {
    apiUrl: emu.apiUrl,
    webUrl: emu.webUrl,
    uploadHost: emu.uploadHost,
    dataDir: emu.dataDir,
    adminToken: emu.adminToken,
    admin: emu.admin,
    close: emu.close,
    premium,
    free,
    // Live: reflects regenerated keys and accounts created through the admin API.
    get accounts() {
      return emu.accounts;
    },
  };
}
