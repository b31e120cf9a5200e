// What every benchmark section hands back to bench/run.ts: metric entries in the
// bench/results.json shape (recordResults stamps the time).
import type { BenchResult } from './results';

export type BenchEntry = Omit<BenchResult, 'at'>;
export type BenchEntries = Record<string, BenchEntry>;

export interface SectionOptions {
  quick: boolean;
  /** Directory for this run's side files (twin usage, run info); bench/ in a full run, a temp dir in quick mode. */
  outDir: string;
}
