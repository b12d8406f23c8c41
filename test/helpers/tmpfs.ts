// Small file systems for tests of local-disk trouble (full, read-only): a tmpfs mounted where the test
// wants one. Only root can mount: elsewhere `mount` answers false and the test skips what needs it.
import { execFileSync } from "node:child_process";

/** True when the tests run as root (root ignores chmod, and only root can mount). */
export const isRoot = process.getuid?.() === 0;

/**
 * Mounts tmpfs file systems and unmounts them all at the end.
 * @example
 * const fs = tmpfsMounts(); if (!fs.mount(dir, "size=4m")) skip(); ... afterAll(() => fs.unmountAll());
 */
export function tmpfsMounts(): { mount(dir: string, options: string): boolean; unmountAll(): void } {
  const mounted: string[] = [];
  return {
    mount(dir, options) {
      if (!isRoot) return false;
      try {
        execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "ignore" });
        mounted.push(dir);
        return true;
      } catch {
        return false;
      }
    },
    unmountAll() {
      for (const dir of mounted.splice(0).reverse()) execFileSync("umount", [dir], { stdio: "ignore" });
    },
  };
}
