// Transient failures injected by the emulator are retried for idempotent calls and never for an upload POST.
import { describe, expect, it } from "vitest";
import { createClient } from "../../../src/api/client.js";
import { FichierError, ServerError } from "../../../src/api/errors.js";
import type { ClientEvent } from "../../../src/api/types.js";
import { useEmulator } from "../../helpers/emulator.js";
import { bytes, FAST } from "./support.js";

const emu = useEmulator();

const count = (part: string) =>
  Object.entries(emu.admin.stats().byEndpoint)
    .filter(([k]) => k.includes(part))
    .reduce((n, [, v]) => n + v, 0);

describe("faults", () => {
  it("idempotent calls survive injected 500s through retries", async () => {
    const events: ClientEvent[] = [];
    const client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: { ...FAST, retry: { ...FAST.retry, attempts: 9 } },
      onEvent: (e) => events.push(e),
    });
    emu.admin.setFaults("500=0.3,seed=7");
    try {
      for (let i = 0; i < 30; i++) await client.remote.list();
    } finally {
      emu.admin.setFaults("");
    }
    const faults = Object.values(emu.admin.stats().faults).reduce((a, b) => a + b, 0);
    expect(faults).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === "retry").length).toBeGreaterThan(0);
    await client.close();
  });

  it("a maintenance page with a long Retry-After is reported at once, not waited out", async () => {
    const client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: { ...FAST, retry: { ...FAST.retry, attempts: 9 } },
    });
    emu.admin.setFaults("503=1,seed=3");
    const before = count("remote/ls");
    const e = await client.remote.list().catch((x) => x);
    emu.admin.setFaults("");
    expect(e).toBeInstanceOf(ServerError);
    expect(e.hint).toMatch(/maintenance/);
    // At once: one request, no retry waiting out the maintenance window.
    expect(count("remote/ls") - before).toBe(1);
    await client.close();
  });

  it("an upload POST that fails is not re-sent", async () => {
    const client = createClient({
      apiKey: emu.premium.apiKey,
      apiUrl: emu.apiUrl,
      governor: { ...FAST, retry: { ...FAST.retry, attempts: 9 } },
    });
    const server = await client.upload.getServer();
    const before = count("upload.cgi");
    // An upload id the node never issued: the node refuses it.
    const error = await client.upload
      .send({ server: { ...server, id: "NOTISSUED1" }, files: [{ name: "once.txt", ...bytes("once") }] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(FichierError);
    expect(count("upload.cgi") - before).toBe(1);
    await client.close();
  });
});
