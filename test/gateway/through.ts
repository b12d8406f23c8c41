// A way for other suites to run their clients straight against the emulator or through a gateway in front of
// it (the client's contract tests run both). Through the gateway, each account key the suite uses gets its
// own gateway (a gateway holds one key), and the suite's client holds a token of every scope instead.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FichierClient } from "../../src/api/client.js";
import { SCOPES } from "../../src/gateway/scopes.js";
import { type RunningGateway, startGateway } from "../../src/gateway/server.js";
import { TokenStore } from "../../src/gateway/token-store.js";
import { type TestEmulator, withEmulator } from "../helpers/emulator.js";
import { clientFor, FAST } from "../integration/client/support.js";

export type ApiPath = "direct" | "through the gateway";

/** An emulator, and clients that reach it by one path. */
export interface ApiWorld {
  emu: TestEmulator;
  /**
   * A client for a key. Through the gateway: a token of every scope, to the gateway holding that key (started
   * at its first use; a wrong key is then refused by 1fichier behind the gateway, as it would be directly).
   */
  client(key: string): Promise<FichierClient>;
  close(): Promise<void>;
}

/**
 * Starts an emulator (limits off) and, for `through the gateway`, one gateway per account key asked for.
 * @example
 * const w = await apiWorld("through the gateway");
 * const client = await w.client(w.emu.premium.apiKey);
 */
export async function apiWorld(path: ApiPath): Promise<ApiWorld> {
  const emu = await withEmulator();
  const dir = await mkdtemp(join(tmpdir(), "fichier-gw-world-"));
  const gateways = new Map<string, Promise<{ gw: RunningGateway; token: string }>>();
  const clients: FichierClient[] = [];

  const gatewayFor = (key: string) => {
    let g = gateways.get(key);
    if (!g) {
      g = (async () => {
        const folder = join(dir, `gw${gateways.size}`);
        const gw = await startGateway({
          key: { current: () => key, refresh: async () => false },
          dir: folder,
          apiUrl: emu.apiUrl,
          port: 0,
          governor: FAST,
        });
        const store = new TokenStore(folder);
        const { token } = await store.add({
          name: "contract",
          scopes: [...SCOPES],
          folder: null,
          allowIps: [],
          expires: null,
        });
        return { gw, token };
      })();
      gateways.set(key, g);
    }
    return g;
  };

  return {
    emu,
    async client(key) {
      let c: FichierClient;
      if (path === "direct") c = clientFor(emu, key);
      else {
        const { gw, token } = await gatewayFor(key);
        // The website (shares, check_links.pl) is 1fichier's, not the API's: it stays the emulator's.
        c = clientFor({ apiUrl: gw.apiUrl }, token, { webUrl: emu.webUrl });
      }
      clients.push(c);
      return c;
    },
    async close() {
      // A test may have closed its client already.
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      for (const g of gateways.values()) await (await g).gw.close();
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
