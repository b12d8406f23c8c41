/** Fault injection: a spec string parsed once, a seeded PRNG so runs replay (docs/emulator.md "Faults"). */

export const FAULT_KINDS = [
  "500",
  "503",
  "reset",
  "lost",
  "truncate",
  "endhtml",
  "slow",
  "flood",
  "expire",
  "forbid",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A parsed fault spec. */
export interface FaultSpec {
  rates: Partial<Record<FaultKind, number>>;
  seed: number;
  slowMs: number;
}

/**
 * Parses `kind=probability` pairs separated by commas, plus `seed=N` and `slowms=N`. Throws on anything else.
 * @example
 * parseFaultSpec("500=0.05,reset=0.02,seed=42"); // { rates: { "500": 0.05, reset: 0.02 }, seed: 42, slowMs: 2000 }
 */
export function parseFaultSpec(spec: string): FaultSpec {
  const out: FaultSpec = { rates: {}, seed: 1, slowMs: 2000 };
  for (const raw of spec.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const [name = "", value = ""] = item.split("=").map((s) => s.trim());
    const n = Number(value);
    if (value === "" || !Number.isFinite(n)) {
      throw new Error(`invalid fault "${item}": expected name=number, e.g. 500=0.05`);
    }
    if (name === "seed") out.seed = Math.trunc(n);
    else if (name === "slowms") out.slowMs = Math.max(0, Math.trunc(n));
    else if ((FAULT_KINDS as readonly string[]).includes(name)) {
      if (n < 0 || n > 1) throw new Error(`invalid fault "${item}": the probability must be between 0 and 1`);
      out.rates[name as FaultKind] = n;
    } else {
      throw new Error(`unknown fault "${name}": use one of ${FAULT_KINDS.join(", ")}, seed, slowms`);
    }
  }
  return out;
}

/**
 * mulberry32: a tiny seeded PRNG returning floats in [0, 1).
 * @example
 * const r = seededRandom(42); r(); // same value on every run
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The live fault injector: `roll(kind)` draws once and counts the faults it injects.
 * @example
 * const f = new Faults("500=1"); f.roll("500"); // true
 */
export class Faults {
  private spec: FaultSpec = { rates: {}, seed: 1, slowMs: 2000 };
  private random: () => number = seededRandom(1);
  readonly counts: Record<string, number> = {};

  constructor(spec = "") {
    this.set(spec);
  }

  /** Replaces the spec (throws on a bad one, keeping the old spec). */
  set(spec: string): void {
    const parsed = parseFaultSpec(spec);
    this.spec = parsed;
    this.random = seededRandom(parsed.seed);
  }

  get slowMs(): number {
    return this.spec.slowMs;
  }

  /** Draws for one fault kind; a kind without a rate never fires and draws nothing. */
  roll(kind: FaultKind): boolean {
    const rate = this.spec.rates[kind];
    if (!rate) return false;
    const hit = this.random() < rate;
    if (hit) this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    return hit;
  }
}
