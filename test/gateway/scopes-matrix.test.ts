// Every endpoint × every scope, through a running gateway: a token holding only scope S gets the API's
// not-allowed answer (403 #631, naming the missing scope) exactly for the endpoints S does not cover, and
// reaches 1fichier (the emulator) for the others. Unknown endpoints are refused whatever the scopes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allows, ENDPOINTS, SCOPES, type Scope } from "../../src/gateway/scopes.js";
import { type GatewayHarness, withGateway } from "./support.js";

let h: GatewayHarness;
const tokens = new Map<Scope, string>();

beforeAll(async () => {
  h = await withGateway();
  for (const s of SCOPES) tokens.set(s, await h.token(`only-${s}`, { scopes: [s] }));
});
afterAll(async () => {
  await h?.close();
});

// Bodies that make no change worth undoing (mostly refused by the emulator for a missing field).
const BODY: Record<string, Record<string, unknown>> = {
  "user/info.cgi": {},
  "file/ls.cgi": { folder_id: 0 },
  "folder/ls.cgi": { folder_id: 0 },
};

describe("every endpoint × every scope", () => {
  for (const [endpoint, rule] of Object.entries(ENDPOINTS)) {
    it(endpoint, async () => {
      for (const scope of SCOPES) {
        const r = await h.call(endpoint, tokens.get(scope), BODY[endpoint] ?? {});
        const refusedForScope = r.status === 403 && String(r.json.message).includes("lacks the");
        expect(refusedForScope, `${endpoint} with ${scope}: ${r.status} ${JSON.stringify(r.json)}`).toBe(
          !allows([scope], rule.scopes),
        );
        if (refusedForScope)
          expect(r.json).toMatchObject({ status: "KO", message: expect.stringMatching(/ #631$/) });
      }
    });
  }

  it("an endpoint outside the table is refused with the API's unknown-endpoint answer", async () => {
    for (const endpoint of ["file/nope.cgi", "admin.cgi", "../../_emulator/stats"]) {
      const r = await h.call(endpoint, tokens.get("account"));
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ status: "KO", message: "Unknown endpoint #9404" });
    }
  });

  it("a method the API does not take is refused", async () => {
    const res = await fetch(`${h.gw.apiUrl}/file/ls.cgi`, {
      method: "GET",
      headers: { authorization: `Bearer ${tokens.get("read")}` },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
