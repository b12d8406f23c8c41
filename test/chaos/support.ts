// Shared pieces of the chaos and crash suites: counts from the environment, the emulator's seeded PRNG for
// sizes and kill moments (so a run replays from its seed), random files and streamed hashing (test/helpers),
// and a table printer for the fault counts.
import { readdir } from "node:fs/promises";
import { join } from "node:path";

export { seededRandom as prng } from "../../src/emulator/faults.js";
export { randomFile, sha256File } from "../helpers/files.js";

/** True under `npm run soak`. */
export const SOAK = process.env.FICHIER_SOAK === "1";

/** A whole number from the environment, else the default. */
export function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/** Every file under `dir`, relative paths, recursively. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  }
  return out.sort();
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A two-column table for the console. */
export function table(title: string, rows: [string, string | number][]): string {
  const w = Math.max(...rows.map(([k]) => k.length), 8);
  return [title, ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join("\n");
}
