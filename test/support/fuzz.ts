// Run settings for the property tests. `npm test` runs them with a fixed seed and
// few runs, so they are quick and the same every time; `npm run fuzz` (FUZZ=1) runs
// them long with a random seed and prints it. FUZZ_SEED replays a seed, FUZZ_RUNS
// sets the runs of every property (either one alone works in `npm test` too).
import type { Parameters } from 'fast-check';

export const fuzzing = process.env.FUZZ === '1';

/** The seed of this process: fixed in `npm test`, random when fuzzing, FUZZ_SEED if set. */
export const fuzzSeed: number = process.env.FUZZ_SEED
  ? Number(process.env.FUZZ_SEED)
  : fuzzing
    ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0
    : 13;

/** A long fuzz run gets this many times the runs of `npm test`. */
const FUZZ_FACTOR = 100;

let announced = false;

/** fast-check parameters for one property: `runs` in `npm test`. */
export function fuzzParameters<T>(runs: number, examples?: T[]): Parameters<T> {
  if (fuzzing && !announced) {
    announced = true;
    process.stdout.write(`fuzz: seed ${fuzzSeed} (replay with FUZZ_SEED=${fuzzSeed} npm run fuzz)\n`);
  }
  const numRuns = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : fuzzing ? runs * FUZZ_FACTOR : runs;
  return { seed: fuzzSeed, numRuns, examples };
}

/** Jest timeout for a property: generous when fuzzing. */
export const fuzzTimeout = fuzzing ? 60 * 60 * 1000 : 60_000;
