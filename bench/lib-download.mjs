// One library download (downloadFile) in a process of its own, as a program using fichier would run it, and
// with the command's Node options (the bench starts it with them). Prints one JSON line on stdout:
// {seconds (start -> done events), tail (last byte -> renamed file, verified only)}. The key comes from
// FICHIER_API_KEY, never argv.
//
//   node <NODE_FLAGS> bench/lib-download.mjs <apiUrl> <fileUrl> <dir> '<options JSON>'
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./lib.mjs";

const [apiUrl, url, dir, optionsJson] = process.argv.slice(2);
const DIST = join(ROOT, "dist");
const { createClient } = await import(pathToFileURL(join(DIST, "api", "client.js")).href);
const { downloadFile } = await import(pathToFileURL(join(DIST, "transfer", "download.js")).href);
const client = createClient({ apiKey: process.env.FICHIER_API_KEY, apiUrl });
let t0;
let t1;
let tv;
await downloadFile(client, {
  url,
  dir,
  ...JSON.parse(optionsJson ?? "{}"),
  onProgress: (e) => {
    if (e.type === "start") t0 = performance.now();
    if (e.type === "verify") tv = performance.now();
    if (e.type === "done") t1 = performance.now();
  },
});
await client.close?.();
console.log(JSON.stringify({ seconds: (t1 - t0) / 1000, tail: tv === undefined ? null : (t1 - tv) / 1000 }));
