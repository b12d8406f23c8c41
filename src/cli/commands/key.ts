/**
 * `fichier key set|status|check|rotate|forget|scan|hook install`: the API-key lifecycle (docs/keys.md).
 * The key is read from stdin or a hidden prompt, never from argv; every output goes through the redactor.
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { type AccountInfo, checkKeyOnline, offerName } from "../../keys/check.js";
import { configDir, pickProfile, readMeta, rotationDaysFor, type StoreKind } from "../../keys/config.js";
import { KeyError } from "../../keys/errors.js";
import { installHook } from "../../keys/hook.js";
import { checkKeyFormat, getPassphrase, resolveApiKey } from "../../keys/resolve.js";
import { consoleUrlFor, rotateKey, rotationSteps } from "../../keys/rotate.js";
import {
  type Finding,
  formatFinding,
  LineScanner,
  scanHistory,
  scanStaged,
  scanWorkingTree,
} from "../../keys/scan.js";
import { buildStatus, formatStatus } from "../../keys/status.js";
import { forgetKey, planStore, storeKey, writeKey } from "../../keys/store.js";
import { maskKey, registerSecret } from "../../redact.js";
import { type CliContext, governorOptions, reportClientEvent } from "../context.js";
import { UsageError } from "../errors.js";
import { SUMMARIES } from "../summaries.js";
import { humanServiceDate } from "../time.js";

function parseDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3650) {
    throw new UsageError(`--rotation-days must be a whole number of days from 1 to 3650, not "${value}"`);
  }
  return n;
}

function profileOf(ctx: CliContext): string {
  return pickProfile(ctx.globals().profile, ctx.env);
}

/** Client hooks shared by every online check: governor events and the --debug trace on stderr. */
function clientHooks(ctx: CliContext) {
  return {
    governor: governorOptions(ctx.env, ctx.globals().maxWaitMs),
    onEvent: (e: unknown) => reportClientEvent(ctx.out, e),
    ...(ctx.globals().debug ? { trace: (line: string) => ctx.out.debug(line) } : {}),
  };
}

async function check(
  ctx: CliContext,
  apiKey: string,
  what?: string,
  opts: { fresh?: boolean } = {},
): Promise<AccountInfo> {
  return checkKeyOnline({
    apiKey,
    apiUrl: await ctx.apiUrl(),
    ...clientHooks(ctx),
    ...(what ? { what } : {}),
    ...(opts.fresh ? { fresh: true } : {}),
  });
}

/** Reads a key: hidden prompt on a terminal, else stdin to its end. */
async function readKey(ctx: CliContext, question: string): Promise<string> {
  const text = ctx.stdin.isTTY ? await ctx.stdin.promptHidden(question) : await ctx.stdin.readAll();
  // Registered before anything else can print it, even if it turns out malformed.
  registerSecret(text.trim());
  if (!text.trim()) {
    throw new UsageError(
      "no key given",
      ctx.stdin.isTTY ? "paste the key at the prompt" : "pipe the key on stdin: `fichier key set < keyfile`",
    );
  }
  return text;
}

/** The passphrase for a new encrypted file: FICHIER_PASSPHRASE, else asked twice on a terminal. */
function newPassphrase(ctx: CliContext): () => Promise<string | null> {
  return async () => {
    if (ctx.env.FICHIER_PASSPHRASE || !ctx.stdin.isTTY) return getPassphrase(ctx.env);
    ctx.out.info(
      "fichier: the key will be stored in an encrypted file; choose a passphrase (asked on each use).",
    );
    const first = await ctx.stdin.promptHidden("New passphrase: ");
    registerSecret(first);
    if (!first) return null;
    const again = await ctx.stdin.promptHidden("Same passphrase again: ");
    if (again !== first) throw new UsageError("the two passphrases differ", "run `fichier key set` again");
    return first;
  };
}

function storeOption(): Option {
  return new Option("--store <where>", "force the store: the OS keychain or the encrypted file").choices([
    "keychain",
    "file",
  ]);
}

function describeStore(store: StoreKind, path?: string): string {
  return store === "keychain" ? "the OS keychain" : `the encrypted file ${path ?? ""}`.trim();
}

/** Options of `key set`. */
interface SetOptions {
  store?: StoreKind;
  rotationDays?: number;
  /** false with `--no-check`: store without the online check. */
  check: boolean;
}

/**
 * `key set`: the format offline, then where the key will be stored (so a key that cannot be stored costs no
 * call, and no spacing), then the online check (the new key's own budget; skipped with --no-check), then
 * the store. The check's answer stays in the key's shared cache, so `key check` right after reuses it.
 */
async function setAction(ctx: CliContext, opts: SetOptions): Promise<void> {
  const profile = profileOf(ctx);
  const key = checkKeyFormat(
    await readKey(ctx, "1fichier API key (not echoed): "),
    ctx.stdin.isTTY ? "the prompt" : "stdin",
  );
  const plan = await planStore({
    env: ctx.env,
    passphrase: newPassphrase(ctx),
    ...(opts.store ? { store: opts.store } : {}),
  });
  const account = opts.check ? await check(ctx, key) : null;
  const stored = await writeKey(plan, {
    profile,
    key,
    env: ctx.env,
    ...(opts.rotationDays ? { rotationDays: opts.rotationDays } : {}),
  });
  if (stored.keychainProblem && !opts.store) {
    ctx.out.info(
      `fichier: the OS keychain is not usable (${stored.keychainProblem}); used the encrypted file.`,
    );
  }
  const shadow = ctx.env.FICHIER_API_KEY
    ? "FICHIER_API_KEY"
    : ctx.env.RCLONE_FICHIER_API_KEY
      ? "RCLONE_FICHIER_API_KEY"
      : null;
  if (shadow)
    ctx.out.warn(`${shadow} is set and takes precedence over the stored key; unset it to use the stored one`);
  const json = {
    profile,
    store: stored.store,
    ...(stored.path ? { path: stored.path } : {}),
    storedAt: stored.storedAt,
    key: maskKey(key),
    checked: account !== null,
    account: account && { email: account.email, offer: account.offer, offerName: offerName(account.offer) },
  };
  const whose = account ? ` of ${account.email} (${offerName(account.offer)})` : "";
  const where = `for profile "${profile}" in ${describeStore(stored.store, stored.path)}`;
  ctx.out.result(
    `Stored the key ${maskKey(key)}${whose} ${where}.${account ? "" : " It was not checked online: run `fichier key check`."}`,
    json,
  );
}

/** `key status`. */
async function statusAction(ctx: CliContext, opts: { rotationDays?: number }): Promise<void> {
  const resolved = await ctx.key();
  const meta = await readMeta(configDir(ctx.env));
  const rotationDays = opts.rotationDays ?? rotationDaysFor(meta, resolved.profile);
  // The stored date applies only when the key in use is the stored one.
  const storedAt =
    resolved.storedAt ??
    (resolved.source === "keychain" || resolved.source === "file"
      ? meta.profiles[resolved.profile]?.storedAt
      : undefined);
  let account: AccountInfo | null = null;
  let accountError: string | null = null;
  try {
    // Through `about`'s 5-minute disk cache: user/info.cgi allows one call per 5 minutes per key (spec §7.18).
    const { loadAbout } = await import("../account.js");
    const about = await loadAbout(ctx, { refresh: false });
    account = { email: about.email, offer: about.offer, subscriptionEnd: about.subscriptionEnd };
  } catch (e) {
    accountError = (e as Error).message;
  }
  const status = buildStatus({
    profile: resolved.profile,
    source: resolved.source,
    maskedKey: maskKey(resolved.key),
    storedAt: storedAt ?? null,
    rotationDays,
    account,
    accountError,
    now: new Date(),
    showDate: humanServiceDate,
  });
  for (const w of status.warnings) ctx.out.warn(w);
  ctx.out.result(formatStatus(status, humanServiceDate), status);
}

/** `key check`. */
async function checkAction(ctx: CliContext): Promise<void> {
  const resolved = await ctx.key();
  const account = await check(ctx, resolved.key);
  if (account.offer === 0) {
    ctx.out.warn("the account is Free: most API calls (downloads, remote uploads) need Premium or Access");
  }
  // user/info.cgi allows one call per 5 minutes per key: an answer of the last 5 minutes is the freshest.
  const when = account.cached ? " (1fichier's answer of the last 5 minutes)" : "";
  ctx.out.result(
    `The key ${maskKey(resolved.key)} (from ${resolved.source}) works: ${account.email}, ${offerName(account.offer)}${when}.`,
    {
      ok: true,
      profile: resolved.profile,
      source: resolved.source,
      key: maskKey(resolved.key),
      account: { ...account, offerName: offerName(account.offer) },
    },
  );
}

/** `key rotate`. */
async function rotateAction(ctx: CliContext, opts: { store?: StoreKind }): Promise<void> {
  const old = await ctx.key();
  if (old.source === "emulator") {
    throw new UsageError(
      "the embedded emulator's key cannot be rotated with --emulator",
      "run without --emulator",
    );
  }
  const profile = old.profile;
  const meta = await readMeta(configDir(ctx.env));
  const recordedStore = meta.profiles[profile]?.store;
  const consoleUrl = consoleUrlFor(await ctx.apiUrl());
  for (const line of rotationSteps(consoleUrl)) ctx.out.info(line);
  const result = await rotateKey({
    oldKey: old.key,
    oldSource: old.source,
    readNewKey: () => readKey(ctx, "New API key (not echoed): "),
    check: (key, what, checkOpts) => check(ctx, key, what, checkOpts),
    store: (key) =>
      storeKey({
        profile,
        key,
        env: ctx.env,
        passphrase: async () =>
          (await getPassphrase(ctx.env, ctx.stdin.isTTY ? ctx.stdin.promptHidden : undefined)) ?? null,
        ...((opts.store ?? recordedStore) ? { store: opts.store ?? recordedStore } : {}),
      }),
  });
  const shadows: Partial<Record<string, string>> = {
    env: "FICHIER_API_KEY",
    "rclone-env": "RCLONE_FICHIER_API_KEY",
    dotenv: "the .env file",
    flag: "your --api-key option",
  };
  const shadow = shadows[old.source];
  if (shadow)
    ctx.out.warn(`${shadow} still holds the old key and takes precedence over the stored one: remove it`);
  const json = {
    profile,
    account: { ...result.account, offerName: offerName(result.account.offer) },
    oldKeyRefused: result.oldKeyRefused,
    store: result.stored.store,
    storedAt: result.stored.storedAt,
    ...(result.oldKeyProblem ? { problem: result.oldKeyProblem } : {}),
  };
  ctx.out.result(
    `Rotated the key of ${result.account.email} (profile "${profile}"): the new key is in ${describeStore(result.stored.store, result.stored.path)}` +
      (result.oldKeyRefused ? ", and 1fichier now refuses the old one." : "."),
    json,
  );
  if (result.oldKeyRefused === false) {
    throw new KeyError(
      "the new key is stored, but 1fichier still accepts the old key, so the console did not regenerate it",
      'click "Get my API key" in the console again (or "Disable API usage" to revoke the old key), then run `fichier key check`',
      1,
    );
  }
  if (result.oldKeyProblem) ctx.out.warn(result.oldKeyProblem);
}

/** `key forget`. */
async function forgetAction(ctx: CliContext): Promise<void> {
  const profile = profileOf(ctx);
  const removed = await forgetKey({ profile, env: ctx.env });
  const what = [
    removed.keychain ? "the OS keychain" : "",
    removed.file ? "the encrypted file" : "",
    removed.metadata ? "the metadata" : "",
  ].filter(Boolean);
  const revoke =
    "This only removes local copies: the key itself still works until you revoke it in the console " +
    '(https://1fichier.com/console/params.pl, "Disable API usage", or "Get my API key" to replace it); ' +
    "no local command can do that.";
  const env = ["FICHIER_API_KEY", "RCLONE_FICHIER_API_KEY"].filter((n) => ctx.env[n]);
  if (env.length > 0) ctx.out.warn(`${env.join(" and ")} still set in this environment: unset it`);
  ctx.out.result(
    `${what.length > 0 ? `Removed the key of profile "${profile}" from ${what.join(", ")}.` : `No key stored for profile "${profile}".`}\n${revoke}`,
    {
      profile,
      removed,
      revoked: false,
      revoke: 'https://1fichier.com/console/params.pl ("Disable API usage")',
    },
  );
  if (removed.keychainProblem) {
    throw new KeyError(
      `could not remove the key from the OS keychain (${removed.keychainProblem})`,
      "unlock the keychain and run `fichier key forget` again",
      1,
    );
  }
}

/** The keys `key scan` looks for: the key this command line resolves to, when there is one. */
async function knownKeys(ctx: CliContext): Promise<string[]> {
  const g = ctx.globals();
  try {
    const r = await resolveApiKey({
      ...(g.profile ? { profile: g.profile } : {}),
      env: ctx.env,
      // No passphrase prompt: a scan (often run by the pre-commit hook) must never wait for input.
      warn: () => {},
    });
    return [r.key];
  } catch (e) {
    ctx.out.verbose(
      `fichier: no stored key to look for (${(e as Error).message}); scanning for key shapes only`,
    );
    return [];
  }
}

/** `key scan`. */
async function scanAction(
  ctx: CliContext,
  path: string | undefined,
  opts: { history?: boolean; staged?: boolean },
): Promise<void> {
  const cwd = process.cwd();
  const root = resolve(cwd, path ?? ".");
  const scanner = new LineScanner(await knownKeys(ctx));
  const findings: Finding[] = [];
  if (opts.staged) {
    findings.push(...(await scanStaged(scanner, root)));
  } else {
    findings.push(...(await scanWorkingTree(scanner, root, cwd)));
    if (opts.history) findings.push(...(await scanHistory(scanner, root)));
  }
  const human = findings.map(formatFinding).join("\n");
  ctx.out.result(human, { findings });
  if (findings.length > 0) {
    const stored = findings.some((f) => f.kind !== "key-shaped");
    throw new KeyError(
      `found ${findings.length} possible 1fichier API key${findings.length === 1 ? "" : "s"}${opts.staged ? " in the staged changes" : ""}`,
      (stored
        ? "your stored key is exposed: regenerate it in the console and run `fichier key rotate`; "
        : "") +
        "remove the keys from the files (a key in git history stays there: rewrite it or regenerate the key); " +
        "mark test fixtures with the comment fichier-scan:allow",
      1,
    );
  }
  ctx.out.info(`fichier: no 1fichier key found${opts.history ? " in the files or the history" : ""}.`);
}

/**
 * The command the hook runs: this very installation (node + dist/cli/main.js), so no PATH is needed. The
 * running script's real path: this module is a chunk of the bundle, not a file beside main.js.
 */
function selfCommand(): string[] {
  return [process.execPath, realpathSync(process.argv[1] ?? "")];
}

/**
 * Registers `key` and its subcommands (loaded lazily by program.ts when the command word is `key`).
 *
 * @example
 * register(program, ctx); // fichier key set | status | check | rotate | forget | scan | hook install
 */
export function register(program: Command, ctx: CliContext): void {
  const key = program.command("key").description(SUMMARIES.key.description);

  key
    .command("set")
    .description("store a key (read from stdin or a hidden prompt) after checking it offline and online")
    .addOption(storeOption())
    .option("--rotation-days <days>", "rotation period recorded for this profile (default 90)", parseDays)
    .option("--no-check", "store the key without checking it online (run `fichier key check` later)")
    .action((opts: SetOptions) => setAction(ctx, opts));

  key
    .command("status")
    .description("where the key comes from, its age, days before rotation, the account and its subscription")
    .option(
      "--rotation-days <days>",
      "rotation period to compare with (default: the recorded one, else 90)",
      parseDays,
    )
    .addHelpText(
      "after",
      '\nJSON: {"profile","source","key","storedAt","ageDays","rotationDays","daysLeft","account":{"email","offer",' +
        '"offerName","subscriptionEnd","subscriptionDaysLeft"},"accountError","warnings"}',
    )
    .action((opts: { rotationDays?: number }) => statusAction(ctx, opts));

  key
    .command("check")
    .description(
      "check the key online (one user/info.cgi call, or its answer of the last 5 minutes): invalid, premium required, rate-limited",
    )
    .action(() => checkAction(ctx));

  key
    .command("rotate")
    .description(
      "walk through regenerating the key in the console, then store the new key and check the old one is dead",
    )
    .addOption(storeOption())
    .action((opts: { store?: StoreKind }) => rotateAction(ctx, opts));

  key
    .command("forget")
    .description("remove the key from every local store (revocation is done in the console)")
    .action(() => forgetAction(ctx));

  key
    .command("scan [path]")
    .description(
      "find the stored key and 1fichier-key-shaped strings in files (and git history); exit 1 if found",
    )
    .option("--history", "also scan every commit of the git history (git log -p --all)")
    .option("--staged", "scan only the staged changes (what the pre-commit hook runs)")
    .action((path: string | undefined, opts: { history?: boolean; staged?: boolean }) =>
      scanAction(ctx, path, opts),
    );

  const hook = key.command("hook").description("git hooks that stop keys from being committed");
  hook
    .command("install")
    .description("add a pre-commit hook that runs `fichier key scan --staged`")
    .option("--force", "replace an existing pre-commit hook that fichier did not write")
    .action(async (opts: { force?: boolean }) => {
      const path = await installHook({
        cwd: process.cwd(),
        command: selfCommand(),
        force: opts.force === true,
      });
      ctx.out.result(`Installed ${path}: commits that add a 1fichier key are refused.`, { hook: path });
    });
}
