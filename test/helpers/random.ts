// A seeded random source for the differential generators: a failing case is reproduced by its seed
// (NGCERT_DIFF_SEED), and every run without one tries new cases.

export interface Random {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  int(below: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `count` distinct items in random order. */
  sample<T>(items: readonly T[], count: number): T[];
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number): number => Math.floor(next() * below);
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[int(items.length)]!,
    sample: (items, count) => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy.slice(0, count);
    },
  };
}

/** The seed of this run: NGCERT_DIFF_SEED when set, else a new one (printed by the suites that use it). */
export function runSeed(): number {
  const fixed = process.env.NGCERT_DIFF_SEED;
  if (fixed !== undefined && fixed !== "") return Number(fixed) >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** How many generated cases to run: the sample in `npm test`, the full run under NGCERT_DIFFERENTIAL=full. */
export function differentialSize(sample: number, full: number): number {
  return process.env.NGCERT_DIFFERENTIAL === "full" ? full : sample;
}
