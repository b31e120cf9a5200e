// Ctrl-C, kill and a killed npm: the twin stops at a safe point and says in one line what is
// committed and that the next run finishes the rest; a second signal stops it at once; the lock
// is released either way; the next run names the windows it finishes and the books balance.
// Killing npm (the process tree's parent) stops the twin and its --serve server too.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE } from '../local/dataDir';
import { startTwin, startTwinViaNpm, waitForLine, type StartOptions } from './support/twinProcess';

const dir = mkdtempSync(join(tmpdir(), 'twin-interrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Windows big enough that a signal after the first lands while windows are still loading.
const FLAGS = ['--window', '5', '--demand', '3000', '--seed', '4', '--progress', 'lines'];
// More windows than any machine makes before the first progress line that counts two (the first
// window gets a line of its own, the rest at most one a second: on a quiet machine 12 windows were
// all made before it). The signal stops the run after the window in flight, so the windows never
// made cost nothing.
const RUNS = '100';
/** A progress line of the interrupted run, once it has made at least `least` (1 or 2) windows. */
const madeAtLeast = (least: 1 | 2) => new RegExp(`runs (${least === 1 ? '[1-9]' : '[2-9]'}|[1-9]\\d+)/${RUNS}`);
/** In a process group of its own, as a terminal runs a command. */
const TERMINAL: StartOptions = { detached: true };
const twin = (dataDir: string, extra: string[]) => startTwin([...FLAGS, '--data-dir', dataDir, ...extra], TERMINAL);
const viaNpm = (dataDir: string, extra: string[]) =>
  startTwinViaNpm([...FLAGS, '--data-dir', dataDir, ...extra], TERMINAL);

/** Processes of a process group that are not zombies (Linux /proc). */
function groupRunning(pgid: number): string[] {
  const running: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pgid && state !== 'Z') running.push(`${pid} ${stat.slice(0, 80)}`);
    } catch {
      // gone meanwhile
    }
  }
  return running;
}

const errorLines = (stderr: string) => stderr.split('\n').filter(Boolean);

/** The next run on the directory: it names the windows it finishes, and the books balance. */
async function finishesTheRest(dataDir: string, outputs: string): Promise<string> {
  // The windows it finishes are made with the settings they were started with; its own new
  // window is a small one (the demand is this run's setting).
  const next = twin(dataDir, ['--runs', '1', '--demand', '150', '--dashboard', join(outputs, 'next.html')]);
  const { status } = await next.done;
  expect(next.out.stdout).toMatch(
    /^\[(load|stream)\] finishing 2026-11-27 06:00.*, left by an earlier run: runs \d+\/\d+ .* that were missing \(the rest of their [\d,]+ events were loaded before\)$/m,
  );
  expect(next.out.stdout).toContain('BALANCED');
  expect(status).toBe(0);
  return next.out.stdout;
}

it('Ctrl-C through npm stops at a safe point with one line, releases the lock, and the next run finishes the rest', async () => {
  const dataDir = join(dir, 'int');
  const run = viaNpm(dataDir, ['--runs', RUNS, '--dashboard', join(dir, 'int.html')]);
  await waitForLine(run, madeAtLeast(2));
  process.kill(-run.child.pid!, 'SIGINT'); // the whole foreground group, as a terminal's Ctrl-C
  const { status, signal } = await run.done;
  expect(errorLines(run.out.stderr)).toEqual([
    expect.stringMatching(
      /^Stopped \(SIGINT\) at a safe point: [\d,]+ events of this run are committed in the warehouse; the next run finishes the windows it started, 2026-11-27 06:00.* UTC.*, then carries on\.$/,
    ),
  ]);
  // npm itself ends by the same Ctrl-C; the twin under it exits 130.
  expect(status === 130 || signal === 'SIGINT').toBe(true);
  expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  await finishesTheRest(dataDir, dir);
}, 400_000);

it('a second SIGTERM stops at once, still releasing the lock, and nothing is lost', async () => {
  const dataDir = join(dir, 'term');
  const run = twin(dataDir, ['--runs', RUNS, '--dashboard', join(dir, 'term.html')]);
  await waitForLine(run, madeAtLeast(1));
  run.child.kill('SIGTERM');
  // A second signal, not the same one passed on again; well before the safe point is reached.
  await new Promise((resolve) => setTimeout(resolve, 400));
  run.child.kill('SIGTERM');
  const { status } = await run.done;
  // Normally the second signal lands before the safe point; when the safe point comes first (a
  // window ends within the 400 ms), the first stop's line is the one printed. Either way: one line.
  expect(errorLines(run.out.stderr)).toEqual([
    expect.stringMatching(
      /^Stopped at once \(a second SIGTERM\): [\d,]+ events of this run are committed in the warehouse; the next run finishes the windows this run started\.$|^Stopped \(SIGTERM\) at a safe point: [\d,]+ events of this run are committed in the warehouse; the next run finishes the windows it started, .*, then carries on\.$/,
    ),
  ]);
  expect(status).toBe(143);
  expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  await finishesTheRest(dataDir, dir);
}, 400_000);

it('killing npm stops the twin and its --serve server', async () => {
  const dataDir = join(dir, 'serve');
  // One small window: what is killed here is the server the run leaves serving, not the run.
  const run = viaNpm(dataDir, ['--runs', '1', '--demand', '150', '--serve', '--dashboard', join(dir, 'serve.html')]);
  const serving = await waitForLine(run, /press Ctrl-C to stop/);
  const url = /Serving the dashboard at (http:\/\/\S+) /.exec(serving)![1];
  expect((await fetch(url)).status).toBe(200);
  run.child.kill('SIGTERM'); // npm alone: it does not pass the signal on
  await run.done;
  let stillServing = true;
  for (let i = 0; i < 150 && stillServing; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    stillServing = await fetch(url).then(
      () => true,
      () => false,
    );
  }
  expect(stillServing).toBe(false);
  // Nothing of the process group is left running (a zombie waits only for its reaper).
  expect(groupRunning(run.child.pid!)).toEqual([]);
}, 300_000);
