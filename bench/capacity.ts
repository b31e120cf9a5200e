// `npm run capacity -- --stack prod [--peak N]`: the largest sustained peak each hop of a
// stack holds, the headroom over its configured peak, the first hop to give, and the
// config changes that would hold a given peak. The model is infra/capacity.ts; the
// costs it scales were measured in the twin (bench/results.json).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  baseCapacityFor,
  changesToHold,
  costsFromResults,
  cpuSlowdown,
  modelCapacity,
  type CapacityCosts,
  type CapacityReport,
  type ConfigChange,
} from '../infra/capacity';
import { ConfigError, parseStackConfig, stackYamlConfig, type StackConfig } from '../infra/config';
import { readResults, RESULTS_PATH } from './results';
import type { BenchEntries, SectionOptions } from './sections';

const PROJECT_DIR = join(__dirname, '..');
export const STACKS = ['dev', 'prod'] as const;
/** The project's goal: every stack holds this many times its configured peak. */
export const GOAL_HEADROOM = 10;

const n = (x: number) => (Number.isFinite(x) ? Math.floor(x).toLocaleString('en-US') : 'no bound');

/** The stack's config as the program would read it, without the capacity guard (the model reports what the guard would refuse). */
export function readStack(stack: string, projectDir = PROJECT_DIR): StackConfig {
  return parseStackConfig(stackYamlConfig(stack, projectDir), { capacityCosts: null });
}

export function formatCapacity(stack: string, config: StackConfig, costs: CapacityCosts, target: number): string {
  const report: CapacityReport = modelCapacity(config, costs);
  const out: string[] = [];
  out.push(
    `Capacity of stack ${stack}: configured peak ${n(config.peakLinesPerMinute)} sale lines/min, ${config.schedule} (a window of ${n(config.peakLinesPerMinute * config.windowMinutes)} sale lines at the peak)`,
    `  costs measured in the twin${costs.measuredAt ? ` on ${costs.measuredAt.slice(0, 16).replace('T', ' ')} UTC` : ''} (bench/results.json), one core of that machine taken as one Lambda vCPU;`,
    `  a function below 1,769 MB gets that share of a vCPU (AWS: 1,769 MB = 1 vCPU), so CPU time x ${cpuSlowdown(config.producerMemoryMb).toFixed(2)} for the producer, x ${cpuSlowdown(config.consumerMemoryMb).toFixed(2)} for the consumers`,
    ...(costs.unmeasured?.length
      ? [
          `  not measured yet: ${costs.unmeasured.join(', ')}, costed as the costliest measured stream (npm run bench -- --only freshness proposes its figures)`,
        ]
      : []),
    '',
  );
  const rows = report.hops.map((h) => [
    h.hop,
    n(h.maxPeak),
    Number.isFinite(h.maxPeak) ? `${(h.maxPeak / config.peakLinesPerMinute).toFixed(1)}x` : '-',
    h.atPeak,
    h.limit,
  ]);
  const headers = ['hop', 'holds (lines/min)', 'headroom', 'at the configured peak', 'bound by'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    '  ' +
    r
      .map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  out.push(line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '');
  out.push(
    `First hop to give: ${report.first.hop}, at ${n(report.first.maxPeak)} sale lines/min: ${report.headroom.toFixed(1)}x the configured peak (goal: ${GOAL_HEADROOM}x, ${report.headroom >= GOAL_HEADROOM ? 'met' : 'NOT met'}).`,
  );
  out.push(
    `Base RPUs the model asks for at ${GOAL_HEADROOM}x the peak: ${baseCapacityFor(GOAL_HEADROOM * config.peakLinesPerMinute, costs)} (${baseCapacityFor(GOAL_HEADROOM * config.peakLinesPerMinute, costs, true)} where the Region offers 4); configured ${config.baseCapacity}, capped at ${config.maxCapacity}.`,
  );
  for (const p of report.problems) out.push(`Problem (bfstream:${p.key}): ${p.message}.`);
  for (const w of report.warnings) out.push(`Warning (bfstream:${w.key}): ${w.message}.`);
  const { changes, unreachable } = changesToHold(config, costs, target);
  out.push(
    '',
    `To hold ${n(target)} sale lines/min${target === config.peakLinesPerMinute ? ' (the configured peak; --peak N for another)' : ''}:`,
  );
  if (changes.length === 0 && unreachable.length === 0) out.push('  no change needed.');
  for (const c of changes) out.push(`  - bfstream:${c.key}: ${c.from} -> ${c.to} (${c.why})`);
  for (const u of unreachable) out.push(`  - cannot: ${u}`);
  return out.join('\n');
}

export function changeList(changes: ConfigChange[]): string {
  return changes.map((c) => `bfstream:${c.key} ${c.from} -> ${c.to}`).join(', ');
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100_000_000)
    throw new InvalidArgumentError(`must be a whole number 1..100000000, got ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * Parses a CLI's flags (the command set to exitOverride): undefined to carry on, or the exit code,
 * 0 after --help, 2 for a bad flag with commander's message and a pointer to --help.
 */
export function parseFlags(
  program: Command,
  argv: readonly string[],
  writeErr: (s: string) => void,
  separator = ' ',
): number | undefined {
  try {
    program.parse([...argv], { from: 'user' });
    return undefined;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return 0;
    writeErr(`${error.message.split('\n')[0]}${separator}(run with --help for all flags)\n`);
    return 2;
  }
}

/** Returns the exit code: 0 done, 1 the model could not run (costs missing), 2 bad flags or a bad stack. */
export function main(
  argv: readonly string[],
  write: (s: string) => void = (s) => process.stdout.write(s),
  writeErr: (s: string) => void = (s) => process.stderr.write(s),
): number {
  const program = new Command('npm run capacity --')
    .description('The largest sustained peak each hop of a stack holds, and the config changes to hold another.')
    .requiredOption('--stack <name>', `stack whose Pulumi.<name>.yaml to read (${STACKS.join(', ')})`)
    .option('--peak <n>', 'sale lines per minute to plan for (default: the configured peak)', wholeNumber)
    .option('--results <file>', 'measured costs', RESULTS_PATH)
    .exitOverride()
    .configureOutput({ writeOut: write, writeErr: () => undefined });
  const refused = parseFlags(program, argv, writeErr, '\n');
  if (refused !== undefined) return refused;
  const o = program.opts<{ stack: string; peak?: number; results: string }>();
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(o.stack) || !existsSync(join(PROJECT_DIR, `Pulumi.${o.stack}.yaml`))) {
    writeErr(`error: --stack: no Pulumi.${o.stack}.yaml in ${PROJECT_DIR} (stacks: ${STACKS.join(', ')})\n`);
    return 2;
  }
  let config: StackConfig;
  try {
    config = readStack(o.stack);
  } catch (error) {
    if (error instanceof ConfigError) {
      writeErr(`error: Pulumi.${o.stack}.yaml: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (!existsSync(o.results)) {
    writeErr(`error: --results: ${o.results} does not exist\n`);
    return 2;
  }
  const costs = costsFromResults(readResults(o.results));
  if ('missing' in costs) {
    writeErr(`error: ${o.results} lacks ${costs.missing.join(', ')}: run npm run bench -- --only freshness\n`);
    return 1;
  }
  write(formatCapacity(o.stack, config, costs, o.peak ?? config.peakLinesPerMinute) + '\n');
  return 0;
}

/** The bench section: each stack's capacity and headroom into results.json (pure arithmetic over the freshness section's costs). */
export async function runCapacityBench(options: SectionOptions): Promise<BenchEntries> {
  const own = join(options.outDir, 'results.json');
  const costs = costsFromResults(readResults(existsSync(own) ? own : RESULTS_PATH));
  if ('missing' in costs) throw new Error(`results lack ${costs.missing.join(', ')}: run the freshness section first`);
  const entries: BenchEntries = {};
  for (const stack of STACKS) {
    const config = readStack(stack);
    const r = modelCapacity(config, costs);
    const { changes } = changesToHold(config, costs, GOAL_HEADROOM * config.peakLinesPerMinute);
    entries[`capacity.headroom.${stack}`] = {
      value: Math.round(r.headroom * 10) / 10,
      unit: 'x',
      note: `Largest sustained peak / configured peak (${config.peakLinesPerMinute.toLocaleString('en-US')} sale lines/min). First hop to give: ${r.first.hop} at ${n(r.first.maxPeak)} sale lines/min (${r.first.limit}). ${changes.length ? `To hold ${GOAL_HEADROOM}x: ${changeList(changes)}.` : `Holds ${GOAL_HEADROOM}x as configured.`} npm run capacity -- --stack ${stack}.`,
    };
  }
  return entries;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
