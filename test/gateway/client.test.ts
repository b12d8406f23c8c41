// fichier's own client through the gateway, holding a gateway token where the key would be: listings,
// mkdir, a streamed upload (uploadFile), a verified download (downloadFile), info, mv, rm and about, with the
// download bytes passed through (default) and relayed (--proxy-transfers). The real key appears in nothing
// the gateway writes, and the tokens appear in no audit record.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createClient, type FichierClient } from "../../src/api/client.js";
import { NotAllowedError } from "../../src/api/errors.js";
import { downloadFile } from "../../src/transfer/download.js";
import { uploadFile } from "../../src/transfer/upload.js";
import { FAST } from "../integration/client/support.js";
import { CANARY, type GatewayHarness, withGateway } from "./support.js";

for (const proxyTransfers of [false, true]) {
  describe(`the client through the gateway${proxyTransfers ? " (--proxy-transfers)" : ""}`, () => {
    let h: GatewayHarness;
    let client: FichierClient;
    let token: string;
    let tmp: string;

    beforeAll(async () => {
      h = await withGateway({ gateway: { proxyTransfers } });
      token = await h.token("laptop", { scopes: ["read", "download", "upload", "manage", "account"] });
      client = createClient({ apiKey: token, apiUrl: h.gw.apiUrl, governor: FAST });
      tmp = await mkdtemp(join(tmpdir(), "fichier-gw-client-"));
    });
    afterAll(async () => {
      await client?.close();
      await h?.close();
      await rm(tmp, { recursive: true, force: true });
    });

    it("about, mkdir, upload, list, info, download, mv, rm", async () => {
      expect((await client.user.info()).email).toMatch(/^canary-/);
      const box = await client.folders.create({ name: "box" });
      const other = await client.folders.create({ name: "other" });
      const content = randomBytes(300_000);
      const local = join(tmp, "data.bin");
      await writeFile(local, content);
      const up = await uploadFile(client, { path: local, folderId: box.folderId });
      const listed = await client.files.list({ folderId: box.folderId });
      expect(listed.map((f) => f.filename)).toEqual(["data.bin"]);
      const info = await client.files.info({ url: up.url });
      expect(info.size).toBe(content.length);
      expect(info.folderId).toBe(box.folderId);

      const token = await client.download.getToken({ url: up.url });
      expect(token.url.startsWith(h.gw.url)).toBe(proxyTransfers);
      const out = join(tmp, "back.bin");
      await downloadFile(client, { url: up.url, path: out, connections: 3 });
      expect((await readFile(out)).equals(content)).toBe(true);

      await client.files.move({ urls: [up.url], folderId: other.folderId });
      expect((await client.files.info({ url: up.url })).folderId).toBe(other.folderId);
      await client.files.remove([up.url]);
      expect(await client.files.list({ folderId: other.folderId, fresh: true })).toEqual([]);
    });

    it("a Range request of a relayed or passed-through link gets 206 and the right bytes", async () => {
      const local = join(tmp, "r.bin");
      const bytes = randomBytes(5000);
      await writeFile(local, bytes);
      const up = await uploadFile(client, { path: local });
      const { url } = await client.download.getToken({ url: up.url });
      const res = await fetch(url, { headers: { range: "bytes=100-199" } });
      expect(res.status).toBe(206);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
    });

    it("a client that goes away in the middle of an upload ends the relay (nothing left waiting)", async () => {
      const server = await client.upload.getServer();
      const boundary = "xBOUNDARYx";
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="did"\r\n\r\n0\r\n--${boundary}\r\nContent-Disposition: form-data; name="file[]"; filename="gone.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
      const sent = h.records.length;
      await new Promise<void>((resolve) => {
        const req = request(`${h.gw.url}/upload.cgi?id=${server.id}`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": `multipart/form-data; boundary=${boundary}`,
            "content-length": String(head.length + 1_000_000),
          },
        });
        req.on("error", () => resolve());
        req.write(head);
        req.write(randomBytes(10_000), () => {
          req.destroy();
          resolve();
        });
      });
      // The relay's record is written when its handler ends: it must end without the rest of the body.
      await vi.waitFor(
        () => expect(h.records.slice(sent).some((r) => r.endpoint === "upload.cgi")).toBe(true),
        { timeout: 10_000, interval: 50 },
      );
    });

    it("a token without the scope gets the API's not-allowed answer", async () => {
      const readOnly = createClient({
        apiKey: await h.token("reader", { scopes: ["read"] }),
        apiUrl: h.gw.apiUrl,
        governor: FAST,
      });
      await expect(readOnly.folders.create({ name: "nope" })).rejects.toBeInstanceOf(NotAllowedError);
      await readOnly.close();
    });

    it("the real key and the tokens appear in no record, line or warning", async () => {
      const text = await h.auditText();
      expect(text.split("\n").filter(Boolean).length).toBeGreaterThan(8);
      const all = [text, JSON.stringify(h.records), h.warnings.join("\n")].join("\n");
      expect(all).not.toContain(CANARY);
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.slice(10)); // the secret part alone
      for (const t of await h.store.list()) expect(all).not.toContain(t.hash);
    });
  });
}
