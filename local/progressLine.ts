// The plain progress line (`--progress lines`). A pass that finishes windows an earlier run
// left says so and names them: its loader loads only the rows that were missing, so a bare
// "loaded 7,212 (of 28,835 events)" would read like lost data though nothing was lost.
import type { TwinProgress } from './twinTypes';

const fmt = (v: number) => Math.round(v).toLocaleString('en-US');

/** `06:00, 06:15 and 06:30`, or `06:00 to 07:45 (8 windows)`, on the first window's day. */
export function windowSpan(starts: readonly string[]): string {
  const hhmm = (iso: string) => iso.slice(11, 16);
  const day = starts[0]?.slice(0, 10) ?? '';
  if (starts.length <= 3) return `${day} ${starts.map(hhmm).join(', ')} UTC`;
  return `${day} ${hhmm(starts[0])} to ${hhmm(starts[starts.length - 1])} UTC (${starts.length} windows)`;
}

export function progressLine(p: TwinProgress, consumedLabel: string): string {
  if (p.finishing)
    return (
      `[${p.phase}] finishing ${windowSpan(p.finishing)}, left by an earlier run: runs ${p.runsDone}/${p.runs}  ` +
      `produced again ${fmt(p.produced)}  ${consumedLabel} ${fmt(p.consumed)}  loaded ${fmt(p.loaded)} that were missing ` +
      `(the rest of their ${p.runsDone === p.runs ? '' : '~'}${fmt(p.expected)} events were loaded before)`
    );
  return `[${p.phase}] runs ${p.runsDone}/${p.runs}  produced ${fmt(p.produced)}  ${consumedLabel} ${fmt(p.consumed)}  loaded ${fmt(p.loaded)}  (of ${p.runsDone === p.runs ? '' : '~'}${fmt(p.expected)} events)`;
}
