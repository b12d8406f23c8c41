// Shared set-up of the gateway's integration tests: an emulator on loopback (with a canary key as its premium
// account's), a gateway in front of it in a temp folder, helpers to mint tokens and to call the gateway raw.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GovernorOptions } from "../../src/api/governor.js";
import type { EmulatorOptions } from "../../src/emulator/index.js";
import type { AuditRecord } from "../../src/gateway/audit.js";
import { type GatewayOptions, type RunningGateway, startGateway } from "../../src/gateway/server.js";
import { type TokenSpec, TokenStore } from "../../src/gateway/token-store.js";
import { type TestEmulator, withEmulator } from "../helpers/emulator.js";
import { FAST } from "../integration/client/support.js";

/** The real key of the tests' account: it must never appear in anything the gateway writes or answers. */
export const CANARY = `CANARY${randomBytes(20).toString("hex").slice(0, 26)}`;

export interface GatewayHarness {
  emu: TestEmulator;
  /** The e-mail of the canary account (the one whose key the gateway holds). */
  email: string;
  gw: RunningGateway;
  dir: string;
  store: TokenStore;
  /** Every audit record, as `onRequest` saw them. */
  records: AuditRecord[];
  warnings: string[];
  /** A token for `spec` (scopes default to all but account). */
  token(name: string, spec?: Partial<Omit<TokenSpec, "name">>): Promise<string>;
  /** POSTs JSON to `<gateway>/v1/<endpoint>` with the token as Bearer. */
  call(
    endpoint: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }>;
  /** The audit log file's text. */
  auditText(): Promise<string>;
  close(): Promise<void>;
}

/** Starts an emulator (limits off unless told) and a gateway on 127.0.0.1 in front of it. */
export async function withGateway(
  o: { emulator?: EmulatorOptions; gateway?: Partial<GatewayOptions>; governor?: GovernorOptions } = {},
): Promise<GatewayHarness> {
  const emu = await withEmulator(o.emulator ?? {});
  const email = `canary-${randomBytes(3).toString("hex")}@test.local`;
  emu.admin.createAccount({ email, offer: 1, apiKey: CANARY });
  const dir = await mkdtemp(join(tmpdir(), "fichier-gateway-"));
  const records: AuditRecord[] = [];
  const warnings: string[] = [];
  const gw = await startGateway({
    key: { current: () => CANARY, refresh: async () => false },
    dir,
    apiUrl: emu.apiUrl,
    port: 0,
    governor: o.governor ?? { ...FAST },
    onRequest: (r) => records.push(r),
    warn: (m) => warnings.push(m),
    ...o.gateway,
  });
  const store = new TokenStore(dir);
  return {
    emu,
    email,
    gw,
    dir,
    store,
    records,
    warnings,
    async token(name, spec = {}) {
      const { token } = await store.add({
        name,
        scopes: ["read", "download", "upload", "manage", "remote"],
        folder: null,
        allowIps: [],
        expires: null,
        ...spec,
      });
      return token;
    },
    async call(endpoint, token, body = {}) {
      const res = await fetch(`${gw.apiUrl}/${endpoint}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = { text };
      }
      return { status: res.status, json, headers: res.headers };
    },
    auditText: () => readFile(join(dir, "audit.log"), "utf8").catch(() => ""),
    async close() {
      await gw.close();
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
