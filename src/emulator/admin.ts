// The emulator's admin surface: the in-process `EmulatorAdmin` (tests and the embedded demo) and the same
// operations as named actions for the HTTP admin API (`POST /_emulator/<method>`), which checks its arguments.
import type { Ctx } from "./context.js";
import { ids } from "./ids.js";
import type { EmulatorAccount, EmulatorAdmin } from "./index.js";
import type { AdminActions } from "./server.js";
import { type AccountRow, DEFAULT_SETTINGS } from "./store.js";

function adminError(message: string, status = 400): Error {
  return Object.assign(new Error(message), { status });
}

function num(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw adminError(`"${name}" must be a number`);
  return v;
}

function str(v: unknown, name: string): string {
  if (typeof v !== "string") throw adminError(`"${name}" must be a string`);
  return v;
}

/**
 * An account row as the admin API shows it.
 *
 * @example
 * ```ts
 * const accounts = store.accounts().map(toAccount);
 * ```
 */
export function toAccount(a: AccountRow): EmulatorAccount {
  return { email: a.email, offer: a.offer, apiKey: a.api_key ?? "", password: a.password };
}

/** A new account after checking what the caller asked for (offer, e-mail shape, a key nobody else has). */
function createAccount(
  ctx: Ctx,
  a: { email: string; offer: 0 | 1 | 2 | 3; apiKey?: string },
): EmulatorAccount {
  const { store } = ctx;
  if (![0, 1, 2, 3].includes(a.offer)) throw adminError("offer must be 0, 1, 2 or 3");
  if (typeof a.email !== "string" || !/^[^\s@]+@[^\s@]+$/.test(a.email)) throw adminError("invalid e-mail");
  if (store.account(a.email)) throw adminError(`account "${a.email}" already exists`, 409);
  const apiKey = a.apiKey ?? ids.apiKey();
  if (!/^\S{1,128}$/.test(apiKey)) throw adminError("apiKey must be 1 to 128 non-space characters");
  if (store.accountByKey(apiKey)) throw adminError("apiKey already used by another account", 409);
  const row: AccountRow = {
    email: a.email,
    offer: a.offer,
    api_key: apiKey,
    password: ids.password(),
    created: ctx.clock.now(),
    settings: JSON.stringify(DEFAULT_SETTINGS),
  };
  store.insertAccount(row);
  ctx.log(`account created: ${a.email} (offer ${a.offer})`);
  // The contract's shape is {email, offer, apiKey}; the console password rides along, not enumerable.
  return Object.defineProperty({ email: row.email, offer: row.offer, apiKey }, "password", {
    value: row.password,
    enumerable: false,
  }) as EmulatorAccount;
}

/**
 * The in-process admin of a running emulator.
 *
 * @example
 * ```ts
 * const admin = createAdmin(ctx);
 * admin.setFaults("500=0.1,seed=1");
 * ```
 */
export function createAdmin(ctx: Ctx): EmulatorAdmin {
  const { store, limiter, clock, faults, stats, log } = ctx;
  const keyOf = (email: string): AccountRow => {
    const a = store.account(email);
    if (!a) throw adminError(`no account "${email}"`, 404);
    return a;
  };
  return {
    createAccount: (a) => createAccount(ctx, a),
    regenerateKey(email) {
      const a = keyOf(email);
      if (a.api_key) limiter.forgetKey(a.api_key);
      const key = ids.apiKey();
      store.setKey(email, key);
      log(`API key regenerated for ${email}`);
      return key;
    },
    disableApi(email) {
      const a = keyOf(email);
      if (a.api_key) limiter.forgetKey(a.api_key);
      store.setKey(email, null);
      log(`API disabled for ${email}`);
    },
    advanceClock: (ms) => clock.advance(ms),
    setFaults(spec) {
      faults.set(spec);
      log(`faults set to "${spec}"`);
    },
    stats: () => ({
      requests: stats.requests,
      byEndpoint: { ...stats.byEndpoint },
      faults: { ...faults.counts },
      floodLocks: stats.floodLocks,
    }),
    lock(apiKey, seconds) {
      limiter.lockKey(apiKey, seconds, clock.now());
      stats.floodLocks++;
    },
    expireTokens: () => store.expireAllTokens(),
  };
}

/**
 * The admin operations by name, with their JSON arguments checked, for the HTTP admin API.
 *
 * @example
 * ```ts
 * const actions = adminActions(createAdmin(ctx), ctx);
 * actions.call("advanceClock", { ms: 30_000 });
 * ```
 */
export function adminActions(admin: EmulatorAdmin, ctx: Ctx): AdminActions {
  const calls: Record<string, (args: Record<string, unknown>) => unknown> = {
    createAccount(args) {
      const created = admin.createAccount({
        email: str(args.email, "email"),
        offer: num(args.offer, "offer") as 0 | 1 | 2 | 3,
        apiKey: args.apiKey === undefined ? undefined : str(args.apiKey, "apiKey"),
      });
      return { ...created, password: created.password };
    },
    regenerateKey: (args) => ({ apiKey: admin.regenerateKey(str(args.email, "email")) }),
    disableApi(args) {
      admin.disableApi(str(args.email, "email"));
      return { status: "OK" };
    },
    advanceClock(args) {
      admin.advanceClock(num(args.ms, "ms"));
      return { status: "OK", now: ctx.clock.now() };
    },
    setFaults(args) {
      try {
        admin.setFaults(str(args.spec, "spec"));
      } catch (e) {
        throw adminError((e as Error).message);
      }
      return { status: "OK" };
    },
    stats: () => admin.stats(),
    lock(args) {
      admin.lock(str(args.apiKey, "apiKey"), num(args.seconds, "seconds"));
      return { status: "OK" };
    },
    expireTokens() {
      admin.expireTokens();
      return { status: "OK" };
    },
    accounts: () => ctx.store.accounts().map(toAccount),
  };
  return {
    regenerateKey: admin.regenerateKey,
    disableApi: admin.disableApi,
    call(method, args) {
      const run = Object.hasOwn(calls, method) ? calls[method] : undefined;
      if (!run) throw adminError(`unknown admin method "${method}"`, 404);
      return run(args);
    },
  };
}
