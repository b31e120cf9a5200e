// Generator speed on one core: generateWindow (as the producer calls it) against a
// naive faker-per-event generator, measured in the same run.
//
// The measurement runs in a child process pinned to one CPU with taskset (when the
// machine has it), so V8's GC helper threads share that core too, and it counts
// events per CPU-second of that process: other work on a shared machine then slows
// the wall clock but not the figure. The wall-clock rate goes in the note.
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { buildCatalog } from '../kernel/catalog';
import { generateWindow } from '../kernel/generator';
import { naiveGenerateWindow } from './naiveGenerator';
import type { BenchEntries } from './sections';

export interface GeneratorBenchOptions {
  quick?: boolean;
}

/** Black Friday peak: 5,000 sale lines/s, so a one-minute producer window holds 300,000. */
export const PEAK_WINDOW_SALE_LINES = 300_000;

interface Plan {
  windowLines: number;
  windowsPerRound: number;
  rounds: number;
  naiveWindowLines: number;
  naiveRounds: number;
}

const FULL: Plan = {
  windowLines: PEAK_WINDOW_SALE_LINES,
  windowsPerRound: 4,
  rounds: 7,
  naiveWindowLines: 20_000,
  naiveRounds: 3,
};
const QUICK: Plan = { windowLines: 30_000, windowsPerRound: 2, rounds: 2, naiveWindowLines: 2_000, naiveRounds: 1 };

export interface RateSample {
  events: number;
  cpuSeconds: number;
  wallSeconds: number;
}

export interface GeneratorMeasurement {
  generator: RateSample[];
  naive: RateSample[];
  pinnedCpu: number | null;
  plan: Plan;
}

function sample(run: () => number): RateSample {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const events = run();
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { events, wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs both generators in this process; call it in the pinned child. */
export function measureGenerators(plan: Plan, pinnedCpu: number | null): GeneratorMeasurement {
  const catalog = buildCatalog();
  const startMs = Date.parse('2026-11-27T06:00:00Z');
  let window = 0;
  const oneMinute = (lines: number, make: typeof generateWindow | typeof naiveGenerateWindow) => {
    const start = new Date(startMs + (window % 1440) * 60_000).toISOString();
    const out = make(catalog, { start, minutes: 1, seed: 1000 + window++, saleLines: lines });
    return out.sales.length + out.inventory.length;
  };
  const rounds = (count: number, run: () => number) => Array.from({ length: count }, () => sample(run));

  sample(() => oneMinute(Math.min(plan.windowLines, 50_000), generateWindow)); // warm-up: let the JIT settle
  const generator = rounds(plan.rounds, () => {
    let events = 0;
    for (let i = 0; i < plan.windowsPerRound; i++) events += oneMinute(plan.windowLines, generateWindow);
    return events;
  });
  sample(() => oneMinute(Math.min(plan.naiveWindowLines, 2_000), naiveGenerateWindow));
  const naive = rounds(plan.naiveRounds, () => oneMinute(plan.naiveWindowLines, naiveGenerateWindow));
  return { generator, naive, pinnedCpu, plan };
}

const perCpuSecond = (s: RateSample) => s.events / s.cpuSeconds;
const perWallSecond = (s: RateSample) => s.events / s.wallSeconds;

export function generatorEntries(m: GeneratorMeasurement): BenchEntries {
  const value = median(m.generator.map(perCpuSecond));
  const baseline = median(m.naive.map(perCpuSecond));
  const wall = median(m.generator.map(perWallSecond));
  const naiveWall = median(m.naive.map(perWallSecond));
  const where = m.pinnedCpu === null ? 'not pinned (no taskset)' : `pinned to CPU ${m.pinnedCpu} with taskset`;
  return {
    'generator.events_per_s': {
      value: Math.round(value),
      unit: 'events/s',
      baseline: Math.round(baseline),
      ratio: round2(value / baseline),
      note:
        `sales + inventory events per CPU-second on one core (${where}); median of ${m.plan.rounds} rounds of ${m.plan.windowsPerRound} one-minute windows ` +
        `of ${m.plan.windowLines.toLocaleString('en-US')} sale lines (generateWindow as the producer calls it); wall clock ${fmt(wall)}/s. ` +
        `Baseline: faker for every field of every event (bench/naiveGenerator.ts), ${m.plan.naiveWindowLines.toLocaleString('en-US')}-line windows, wall clock ${fmt(naiveWall)}/s. Target >= 1,000,000.`,
    },
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function fmt(eventsPerSecond: number): string {
  return eventsPerSecond >= 1e6 ? `${(eventsPerSecond / 1e6).toFixed(2)} M` : `${Math.round(eventsPerSecond / 1000)} k`;
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Only the module-loader flags of this process (tsx's --require/--import), never --eval or the like. */
export function loaderArgs(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if ((arg === '--require' || arg === '-r' || arg === '--import') && i + 1 < execArgv.length)
      out.push(arg, execArgv[++i]);
    else if (/^--(require|import)=/.test(arg)) out.push(arg);
  }
  return out;
}

const CHILD_ENV = 'BENCH_GENERATOR_CHILD';

export async function runGeneratorBench(options: GeneratorBenchOptions = {}): Promise<BenchEntries> {
  if (process.env[CHILD_ENV]) throw new Error('runGeneratorBench must not run inside its own measuring child');
  const plan = options.quick ? QUICK : FULL;
  const cpu = cpus().length - 1;
  const pinned = hasTaskset() ? cpu : null;
  const nodeArgs = [...loaderArgs(process.execArgv), __filename, '--child', JSON.stringify({ plan, pinned })];
  const [command, args] =
    pinned === null ? [process.execPath, nodeArgs] : ['taskset', ['-c', String(cpu), process.execPath, ...nodeArgs]];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, [CHILD_ENV]: '1' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`generator bench child exited with ${code}`)),
    );
  });
  const measurement = JSON.parse(output.trim().split('\n').pop()!) as GeneratorMeasurement;
  return generatorEntries(measurement);
}

if (require.main === module && process.argv[2] === '--child' && process.env[CHILD_ENV]) {
  const { plan, pinned } = JSON.parse(process.argv[3]) as { plan: Plan; pinned: number | null };
  process.stdout.write(JSON.stringify(measureGenerators(plan, pinned)) + '\n');
}
