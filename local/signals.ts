// Ctrl-C and `kill`: the first SIGINT or SIGTERM asks the run to stop at a safe point (the
// producer starts no new window, the consumers and the loader finish what they hold, the
// warehouse closes and the lock is released); a second one stops at once. Either way the
// person sees one line: what was committed, and that the next run finishes the rest.
//
// The launching processes are watched too: `kill <npm pid>` does not reach the twin (npm
// exits without passing SIGTERM on, and tsx is left under init), so a gone or re-parented
// launcher counts as a SIGTERM, and the twin and its dashboard server do not outlive it.
import { readFileSync } from 'node:fs';
import { windowSpan } from './progressLine';

/** The exit code of a process stopped by this signal (128 + its number), as a shell reports it. */
export function exitCodeOf(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/** A run stopped by a signal at a safe point; `line` says what was committed and what the next run does. */
export class RunInterrupted extends Error {
  override name = 'RunInterrupted';
  constructor(
    readonly signal: NodeJS.Signals,
    readonly line: string,
  ) {
    super(line);
  }
}

export interface StopTrap {
  /** Aborted, with the signal as its reason, at the first SIGINT or SIGTERM (or when the launcher is gone). */
  readonly signal: AbortSignal;
  dispose(): void;
}

/** A process's parent pid and command line (Linux /proc), or undefined once it is gone. */
function processInfo(pid: number): { ppid: number; command: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return { ppid, command };
  } catch {
    return undefined;
  }
}

/** tsx (its bin or its cli module), npm, npx, and the `sh -c` npm runs a script with. */
const LAUNCHER = /(^|[/\s])(tsx|npm|npx)(\s|$)|npm-cli\.js|npx-cli\.js|tsx\/dist\/cli\.m?js|^(\/bin\/)?sh -c /;

/** The launchers above this process (tsx, npm, npx and their `sh -c`), each with its parent pid; up to the first other one. */
export function launchers(pid = process.pid): { pid: number; ppid: number }[] {
  const chain: { pid: number; ppid: number }[] = [];
  let info = processInfo(pid);
  while (info && info.ppid > 1 && chain.length < 6) {
    const parent = processInfo(info.ppid);
    if (!parent || !LAUNCHER.test(parent.command)) break;
    chain.push({ pid: info.ppid, ppid: parent.ppid });
    info = parent;
  }
  return chain;
}

/** Whether a launcher died or was re-parented (its parent killed) since it was recorded. */
function launcherGone(chain: readonly { pid: number; ppid: number }[]): boolean {
  return chain.some((l) => processInfo(l.pid)?.ppid !== l.ppid);
}

/**
 * One Ctrl-C can arrive more than once: the terminal signals the whole process group, and tsx
 * and npm pass it on to their child as well. Signals this close to the first are that same one.
 */
const SAME_SIGNAL_MS = 300;

/**
 * Traps SIGINT and SIGTERM for the life of a command: the first aborts `signal`; the second
 * calls `atOnce`, which must end the process (synchronously: release, say, exit).
 */
export function trapStops(atOnce: (signal: NodeJS.Signals) => void, watchEveryMs = 500): StopTrap {
  const controller = new AbortController();
  let first = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      first = Date.now();
      controller.abort(signal);
    } else if (Date.now() - first >= SAME_SIGNAL_MS) atOnce(signal);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const chain = launchers();
  const watch = chain.length
    ? setInterval(() => {
        if (launcherGone(chain)) {
          chain.length = 0; // once is enough
          onSignal('SIGTERM');
        }
      }, watchEveryMs)
    : undefined;
  watch?.unref();
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (watch) clearInterval(watch);
    },
  };
}

/** The one line for a run stopped at a safe point. */
export function interruptedLine(signal: NodeJS.Signals, loadedEvents: number, started: readonly string[]): string {
  if (!started.length)
    return `Stopped (${signal}) before this run started a window: nothing was added; the next run starts where this one would have.`;
  return (
    `Stopped (${signal}) at a safe point: ${Math.round(loadedEvents).toLocaleString('en-US')} events of this run are committed in the warehouse; ` +
    `the next run finishes the windows it started, ${windowSpan(started)}, then carries on.`
  );
}
