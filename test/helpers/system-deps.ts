// What some suites need from the machine beyond Node: Debian packages (Chromium, litmus, rclone, ffmpeg,
// davfs2, openssl), a running Secret Service, tmpfs mounts (root). A suite asks here whether its need is met
// and skips with a title (or skip note) that says what is missing; test/helpers/skip-summary.ts reads those
// back at the end of the run and prints one line with the command that installs what was missing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The needs a suite may have, each with how to check it and how to meet it. */
const NEEDS = {
  chromium: { check: () => existsSync("/usr/bin/chromium"), apt: "chromium" },
  litmus: { check: () => existsSync("/usr/bin/litmus"), apt: "litmus" },
  rclone: { check: () => onPath("rclone"), apt: "rclone" },
  openssl: { check: () => onPath("openssl"), apt: "openssl" },
  ffmpeg: { check: () => onPath("ffmpeg"), apt: "ffmpeg" },
  davfs2: { check: () => existsSync("/sbin/mount.davfs") || onPath("mount.davfs"), apt: "davfs2" },
  // gnome-keyring under a D-Bus session, unlocked: .ci/with-services starts one and says so in this variable.
  "secret-service": {
    check: () => Boolean(process.env.FICHIER_TEST_SECRET_SERVICE),
    apt: "gnome-keyring dbus",
  },
  // Mounting a tmpfs (the full-disk and read-only cases) needs root, and a container that allows mounts.
  tmpfs: { check: () => canMountTmpfs(), apt: "" },
  // Root reads and writes whatever the permissions say: a test of an unreadable folder needs an ordinary user.
  "non-root": { check: () => process.getuid?.() !== 0, apt: "" },
} as const;

export type Need = keyof typeof NEEDS;

/** The tag a skipped test's title carries: `[skipped: chromium missing]`. */
export const SKIP_TAG = /\[skipped: ([a-z0-9-]+) missing\]/;

function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), "fichier-mount-check-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "ignore" });
    execFileSync("umount", [dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function onPath(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const known = new Map<Need, boolean>();

/**
 * Whether `need` is met on this machine (checked once per process).
 * @example
 * if (!has("tmpfs")) return skip(missing("tmpfs"));
 */
export function has(need: Need): boolean {
  let present = known.get(need);
  if (present === undefined) {
    present = NEEDS[need].check();
    known.set(need, present);
  }
  return present;
}

/**
 * The skip note for a missing need, in the form the end-of-run summary reads.
 * @example
 * it("fills the disk", ({ skip }) => { if (!disks.mount(dir, "size=1m")) return skip(missing("tmpfs")); });
 */
export function missing(need: Need): string {
  return `[skipped: ${need} missing]`;
}

/**
 * A suite title that says, when a need is missing, that the suite is skipped and why; the summary at the end
 * of `npm test` collects these. Use with `describe.skipIf(!has(need))`.
 * @example
 * describe.skipIf(!has("litmus"))(titled("litmus, the WebDAV conformance suite", "litmus"), () => { ... });
 */
export function titled(title: string, ...needs: Need[]): string {
  const absent = needs.filter((n) => !has(n));
  return absent.length === 0 ? title : `${title} ${absent.map(missing).join(" ")}`;
}

/**
 * What installs the given needs: the Debian packages, and what no package gives.
 * @example
 * installHint(["chromium", "litmus"]); // "sudo bash .ci/system-deps (apt-get install chromium litmus)"
 */
export function installHint(needs: readonly string[]): string {
  const packages = needs.flatMap((n) => (n in NEEDS ? [NEEDS[n as Need].apt] : [])).filter(Boolean);
  const parts: string[] = [];
  if (packages.length > 0) parts.push(`sudo bash .ci/system-deps (apt-get install ${packages.join(" ")})`);
  if (needs.includes("secret-service")) parts.push("run the tests under `bash .ci/with-services`");
  if (needs.includes("tmpfs")) parts.push("run them as root where mount is allowed (tmpfs)");
  if (needs.includes("non-root")) parts.push("run them as an ordinary user (non-root)");
  return parts.join("; then ");
}
