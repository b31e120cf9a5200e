// A run's windows must lie inside what a contract timestamp can hold: every event of a window
// carries a timestamp inside the window, and one out of range would fail the run mid-way and
// leave a window that no later run could finish.
import { CONTRACT_TIMESTAMP_RANGE } from '../kernel/contracts';

/** Why windows from `start`, `minutes` long in all, cannot be run; undefined when they fit. */
export function runRangeProblem(start: string, minutes: number): string | undefined {
  const first = Date.parse(start);
  if (Number.isNaN(first)) return undefined; // the start's own check names it
  const lastEvent = first + minutes * 60_000 - 1000;
  const { first: min, last: max } = CONTRACT_TIMESTAMP_RANGE;
  const length = minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes} min`;
  if (first < Date.parse(min))
    return `start ${start} is before ${min}, the first instant a contract timestamp can hold (years 0001-9999)`;
  if (lastEvent > Date.parse(max))
    return `start ${start} plus the run's ${length} ends after ${max}, the last instant a contract timestamp can hold (years 0001-9999): start by ${new Date(Date.parse(max) + 1000 - minutes * 60_000).toISOString().replace('.000Z', 'Z')} at the latest`;
  return undefined;
}
