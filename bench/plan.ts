// The offline plan's speed: `npm run plan -- --stack dev|prod` as a user runs it (a
// fresh process each time: Pulumi's runtime state is per process), wall clock from
// spawn to exit. Target: <= 5 s per stack. Records plan.ms.dev and plan.ms.prod.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { recordResults } from './results';
import type { BenchEntries } from './sections';

const ROOT = join(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface PlanTiming {
  wallMs: number;
  /** The plan's own figure: config, program under mocks, policy pack (no process start). */
  programMs: number;
  resources: number;
}

function planOnce(stack: string): PlanTiming {
  const started = performance.now();
  // Pulumi.prod.yaml leaves the required alarm address to the operator; CI passes one the same way.
  const alarm = stack === 'prod' ? ['--config', 'bfstream:alarmEmail=alarms@example.com'] : [];
  const child = spawnSync(TSX, ['tools/plan.ts', '--stack', stack, '--quiet', ...alarm], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const wallMs = performance.now() - started;
  if (child.status !== 0)
    throw new Error(`plan --stack ${stack} exited ${child.status}:\n${child.stdout}\n${child.stderr}`);
  const summary = /(\d+) resources in \d+ components; 0 registration errors; 0 policy violations; (\d+) ms/.exec(
    child.stdout,
  );
  if (!summary) throw new Error(`plan --stack ${stack}: no summary line in:\n${child.stdout}`);
  return { wallMs, programMs: Number(summary[2]), resources: Number(summary[1]) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs each stack's plan (3 times, median; once with quick) and returns the entries. */
export async function runPlanBench(options: { quick?: boolean } = {}): Promise<BenchEntries> {
  const runs = options.quick ? 1 : 3;
  const entries: BenchEntries = {};
  for (const stack of ['dev', 'prod']) {
    const timings = Array.from({ length: runs }, () => planOnce(stack));
    const wall = Math.round(median(timings.map((t) => t.wallMs)));
    const program = Math.round(median(timings.map((t) => t.programMs)));
    entries[`plan.ms.${stack}`] = {
      value: wall,
      unit: 'ms',
      note: `npm run plan -- --stack ${stack}: median of ${runs} fresh processes, wall clock (of which program under mocks + policy pack: ${program} ms); ${timings[0].resources} resources; target <= 5000 ms`,
    };
  }
  return entries;
}

if (require.main === module) {
  runPlanBench({ quick: process.argv.includes('--quick') }).then(
    (entries) => {
      if (!process.argv.includes('--quick')) recordResults(entries);
      for (const [metric, e] of Object.entries(entries)) console.log(`${metric} = ${e.value} ${e.unit} (${e.note})`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
