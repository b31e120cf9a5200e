// The bench proposes, the program owns: after a run, the capacity costs it measured are compared
// with the reviewed ones the program reads (infra/capacityCosts.json). When they differ, the bench
// writes a proposal beside its results; a person reviews it and copies it over the reviewed file.
import {
  costsFromResults,
  measuredCosts,
  measuredOnly,
  type CapacityCosts,
  type ReviewedCosts,
} from '../infra/capacity';

/**
 * The proposed file's text, or undefined when the measurement matches the reviewed costs (or lacks
 * some). Only measured figures count, on both sides: a stream the bench has not measured keeps its
 * reviewed figures in the proposal (or none, and its stand-ins), and a stream the reviewed file has
 * no figures for is proposed once the bench measures it, even at its stand-in figures.
 */
export function capacityProposal(
  results: Record<string, { value: number; at?: string }>,
  reviewed: CapacityCosts = measuredCosts(),
): string | undefined {
  const measured = costsFromResults(results);
  if ('missing' in measured) return undefined;
  const round = (v: unknown): unknown =>
    typeof v === 'number'
      ? Number(v.toPrecision(6))
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)]))
        : v;
  const current = measuredOnly(reviewed);
  const fresh: Record<string, unknown> = measuredOnly(measured);
  // Per stream, the fresh figure where the bench measured one, else the reviewed one.
  const merged = Object.fromEntries(
    Object.entries(fresh).map(([k, v]) => [
      k,
      v && typeof v === 'object' ? { ...(current[k as keyof ReviewedCosts] as object), ...v } : v,
    ]),
  );
  const proposed = round(merged) as ReviewedCosts;
  const same = (a: ReviewedCosts, b: ReviewedCosts) =>
    JSON.stringify({ ...a, measuredAt: undefined }) === JSON.stringify({ ...b, measuredAt: undefined });
  if (same(proposed, round(current) as ReviewedCosts)) return undefined;
  const source = `npm run bench -- --only freshness (bench/results.json, recorded ${measured.measuredAt}), reviewed into this file`;
  return `${JSON.stringify({ source, ...proposed }, null, 2)}\n`;
}
