// kit/check/random.ts: seeded randomness for checks. The seed is printed, and
// FDLAB_SEED replays a run exactly: a failure that depends on the inputs
// can always be reproduced.
import { randomInt } from 'node:crypto';

export interface SeededRandom {
  seed: number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
}

export function seededRandom(): SeededRandom {
  const seed = process.env.FDLAB_SEED !== undefined ? Number(process.env.FDLAB_SEED) : randomInt(2 ** 31);
  if (!Number.isInteger(seed)) throw new Error(`FDLAB_SEED=${process.env.FDLAB_SEED} is not a whole number`);
  process.stdout.write(`  random inputs: seed ${seed} (replay with FDLAB_SEED=${seed})\n`);
  // mulberry32: small, fast, and the same sequence on every machine.
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return { seed, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}
