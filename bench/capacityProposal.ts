// The bench proposes, the program owns: after a run, the capacity costs it measured are compared
// with the reviewed ones the program reads (infra/capacityCosts.json). When they differ, the bench
// writes a proposal beside its results; a person reviews it and copies it over the reviewed file.
import { costsFromResults, measuredCosts, type CapacityCosts } from '../infra/capacity';

/**
 * The proposed file's text, or undefined when the measurement matches the reviewed costs (or lacks
 * some). A stream the reviewed file has no figures for (costed by the stand-ins, `unmeasured`) is
 * always proposed, even if its measurement equals a stand-in.
 */
export function capacityProposal(
  results: Record<string, { value: number; at?: string }>,
  reviewed: CapacityCosts = measuredCosts(),
): string | undefined {
  const measured = costsFromResults(results);
  // A stream the bench did not measure yet would be proposed at its stand-in figures: wait for it.
  if ('missing' in measured || measured.unmeasured?.length) return undefined;
  const round = (v: unknown): unknown =>
    typeof v === 'number'
      ? Number(v.toPrecision(6))
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)]))
        : v;
  const proposed = round(measured) as CapacityCosts;
  const same = (a: CapacityCosts, b: CapacityCosts) =>
    JSON.stringify({ ...a, measuredAt: undefined }) === JSON.stringify({ ...b, measuredAt: undefined });
  const { unmeasured, ...reviewedFigures } = reviewed;
  if (!unmeasured?.length && same(proposed, round(reviewedFigures) as CapacityCosts)) return undefined;
  const source = `npm run bench -- --only freshness (bench/results.json, recorded ${measured.measuredAt}), reviewed into this file`;
  return `${JSON.stringify({ source, ...proposed }, null, 2)}\n`;
}
