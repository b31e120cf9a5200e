// bench/results.json: one object keyed by metric name. Every benchmark records
// through here so the file keeps one shape.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchResult {
  value: number;
  unit: string;
  /** The same measurement for the baseline, taken in the same run. */
  baseline?: number;
  /** value / baseline (or baseline / value where lower is better; the metric's doc says which). */
  ratio?: number;
  at: string;
  /** Optional short note: settings, machine load, target. */
  note?: string;
}

export const RESULTS_PATH = join(__dirname, 'results.json');

export function readResults(path = RESULTS_PATH): Record<string, BenchResult> {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, BenchResult>) : {};
}

/** Merge results into the file, keeping the metrics this run did not measure. */
export function recordResults(
  entries: Record<string, Omit<BenchResult, 'at'> & { at?: string }>,
  path = RESULTS_PATH,
): void {
  const all = readResults(path);
  const at = new Date().toISOString();
  for (const [metric, entry] of Object.entries(entries)) all[metric] = { at, ...entry };
  const sorted = Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(path, JSON.stringify(sorted, null, 2) + '\n');
}
