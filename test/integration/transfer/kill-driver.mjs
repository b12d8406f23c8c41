// Child process for the SIGKILL resume test: downloads one file with the BUILT library (dist/) and prints
// the bytes done so far, one number per line, so the test can kill it mid-transfer. Key from the env only.
import { createClient } from "../../../dist/api/client.js";
import { downloadFile } from "../../../dist/transfer/download.js";

const [apiUrl, url, dir] = process.argv.slice(2);
const client = createClient({ apiKey: process.env.FICHIER_API_KEY, apiUrl, governor: false });
await downloadFile(client, {
  url,
  dir,
  connections: 4,
  journalIntervalMs: 100,
  onProgress: (e) => {
    if (e.type === "progress") process.stdout.write(`${e.bytes}\n`);
  },
});
process.stdout.write("done\n");
