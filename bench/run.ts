// `npm run bench`: every benchmark in one run, results into bench/results.json, then
// docs/BENCHMARKS.md and docs/bench.svg rendered from them.
// `npm run bench -- --quick`: the same scripts at toy sizes, written to a temp dir so
// the committed figures stay untouched; CI runs it to keep the scripts working and
// asserts nothing about timings.
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { runCostBench } from './cost';
import { runGeneratorBench } from './generator';
import { runArchiveBench } from './archives';
import { runLambdaBench } from './lambda';
import { renderDocs, RUN_INFO_FILE, type RunInfo, type SectionStatus } from './report';
import { readResults, recordResults, RESULTS_PATH } from './results';
import { README_PATH, writeReadmeFigures } from './readmeFigures';
import { capacityProposal } from './capacityProposal';
import type { BenchEntries, SectionOptions } from './sections';
import { runCapacityBench } from './capacity';
import { runFreshnessBench } from './freshness';
import { runTwinBench } from './twin';

interface Section {
  name: string;
  /** A section implemented in another module, loaded by name; a missing module fails the run. */
  module?: string;
  run(options: SectionOptions): Promise<BenchEntries | void>;
}

/** Loads `./<file>` and calls `exported`, or explains why the section is skipped. */
function external(name: string, file: string, exported: string, args: (o: SectionOptions) => unknown[]): Section {
  return {
    name,
    module: file,
    async run(options) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by name at run time, so a missing section module fails that section, not the whole bench
      const mod = require(`./${file}`) as Record<string, unknown>;
      const fn = mod[exported];
      if (typeof fn !== 'function') throw new Error(`bench/${file}.ts does not export ${exported}()`);
      const out = await (fn as (...a: unknown[]) => Promise<unknown>)(...args(options));
      return isEntries(out) ? out : undefined;
    },
  };
}

function isEntries(value: unknown): value is BenchEntries {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as { value?: unknown }).value === 'number' &&
        typeof (e as { unit?: unknown }).unit === 'string',
    )
  );
}

const SECTIONS: Section[] = [
  { name: 'generator', run: (o) => runGeneratorBench(o) },
  { name: 'twin', run: (o) => runTwinBench(o) },
  { name: 'freshness', run: (o) => runFreshnessBench(o) },
  { name: 'capacity', run: (o) => runCapacityBench(o) },
  { name: 'cost', run: (o) => runCostBench(o) },
  { name: 'lambda', run: (o) => runLambdaBench(o) },
  { name: 'archives', run: (o) => runArchiveBench(o) },
  external('warehouse', 'warehouse', 'runWarehouseBench', (o) => [{ quick: o.quick }]),
  external('plan', 'plan', 'runPlanBench', (o) => [{ quick: o.quick }]),
];

function machine(loadAtStart: number[]): RunInfo['machine'] {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    load: { atStart: loadAtStart, atEnd: loadavg() },
  };
}

/**
 * The most a recorded run may start under: the 1-minute load average per core. Figures taken
 * while other work shares the cores read low (the twin's 85k events/s of 2026-11-28 was taken
 * at load 2-3; the quiet runs of 2026-12-07 measured 99k to 103k), so bench/results.json only takes
 * figures from a quiet one. The machine itself still moves them: see docs/BENCHMARKS.md.
 */
export const MAX_LOAD_PER_CORE = 0.25;

/**
 * Why this run may not write bench/results.json because of the machine's load, or undefined
 * when it may: only when recording there, and `--allow-load` records anyway.
 */
export function loadRefusal(
  recordsInRepo: boolean,
  allowLoad: boolean,
  loadAverage1m: number,
  cores: number,
): string | undefined {
  const limit = MAX_LOAD_PER_CORE * cores;
  if (!recordsInRepo || allowLoad || loadAverage1m <= limit) return undefined;
  return (
    `bench: not recording into bench/results.json: the 1-minute load average is ${loadAverage1m.toFixed(2)}, ` +
    `above ${limit.toFixed(2)} (${MAX_LOAD_PER_CORE} per core on ${cores} cores); ` +
    'wait until nothing else runs, or run with --out <dir> to record elsewhere, or --allow-load to record anyway.'
  );
}

const ROOT = join(__dirname, '..');

/** What a bench run writes: never a reason to call the tree dirty. */
const BENCH_OUTPUTS = [
  'bench/results.json',
  'bench/run-info.json',
  'bench/twin-usage.json',
  'docs/BENCHMARKS.md',
  'docs/bench.svg',
  'README.md',
];

/**
 * Tracked files with uncommitted changes (staged or not) that a measurement could depend on:
 * everything but the bench's own outputs. Untracked files are not counted (nothing imports them
 * unless a tracked file changed to). Undefined outside a git checkout.
 */
export function uncommittedChanges(cwd = ROOT): string[] | undefined {
  const status = spawnSync(
    'git',
    ['status', '--porcelain', '--untracked-files=no', '--', '.', ...BENCH_OUTPUTS.map((f) => `:!${f}`)],
    { cwd, encoding: 'utf8' },
  );
  if (status.status !== 0) return undefined;
  return status.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.slice(3));
}

/** `abc1234` or `abc1234 + uncommitted changes`; undefined outside a git checkout. */
function commitMeasured(): string | undefined {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const changed = (uncommittedChanges() ?? []).length > 0;
  return `${head.stdout.trim()}${changed ? ' + uncommitted changes' : ''}`;
}

interface RunOptions {
  quick: boolean;
  only?: string;
  out?: string;
  docs?: string;
  allowDirty: boolean;
  allowLoad: boolean;
}

function parseOptions(argv: string[]): RunOptions {
  return new Command()
    .name('bench')
    .option('--quick', 'toy sizes, results in a temp dir (CI keeps the scripts working)', false)
    .option('--only <sections>', `comma-separated subset of: ${SECTIONS.map((s) => s.name).join(', ')}`)
    .option('--out <dir>', 'where results.json and the side files go (default: bench/, or a temp dir with --quick)')
    .option(
      '--docs <dir>',
      'where BENCHMARKS.md and bench.svg go (default: docs/, or the out dir with --out or --quick)',
    )
    .option(
      '--allow-dirty',
      'record into bench/results.json even with uncommitted changes (a local experiment: the docs say so)',
      false,
    )
    .option(
      '--allow-load',
      `record into bench/results.json even above a 1-minute load average of ${MAX_LOAD_PER_CORE} per core (the record keeps the load)`,
      false,
    )
    .parse(argv)
    .opts<RunOptions>();
}

/**
 * Why this run may not write bench/results.json, or undefined when it may. Figures there must
 * name the code they measured, so they come from a clean commit; `--out` or `--quick` record elsewhere.
 */
export function refusalToRecord(
  recordsInRepo: boolean,
  allowDirty: boolean,
  changed: string[] | undefined,
): string | undefined {
  if (!recordsInRepo || allowDirty || !changed?.length) return undefined;
  const listed = changed.slice(0, 10).join(', ') + (changed.length > 10 ? `, and ${changed.length - 10} more` : '');
  return (
    `bench: not recording into bench/results.json: ${changed.length} tracked file(s) have uncommitted changes (${listed}). ` +
    'Commit them first, so the figures name the commit they measured; or run with --out <dir> to record elsewhere, ' +
    'or --allow-dirty for a local experiment (docs/BENCHMARKS.md then marks the run "+ uncommitted changes").'
  );
}

/** Runs the chosen sections, recording each one's entries as it finishes; a failed section does not stop the rest. */
async function runSections(
  sections: Section[],
  options: SectionOptions,
  resultsPath: string,
): Promise<SectionStatus[]> {
  const statuses: SectionStatus[] = [];
  for (const section of sections) {
    if (section.module && !existsSync(join(__dirname, `${section.module}.ts`))) {
      const message = `bench/${section.module}.ts is missing`;
      console.error(`- ${section.name}: FAILED: ${message}`);
      statuses.push({ name: section.name, status: 'failed', seconds: 0, message });
      continue;
    }
    const started = performance.now();
    process.stdout.write(`- ${section.name}: running...\n`);
    try {
      const entries = await section.run(options);
      if (entries) recordResults(entries, resultsPath);
      const seconds = (performance.now() - started) / 1000;
      const names = entries ? Object.keys(entries).join(', ') : '(recorded by the section itself)';
      console.log(`  ${section.name}: ok in ${seconds.toFixed(1)} s: ${names}`);
      for (const [metric, e] of Object.entries(entries ?? {})) {
        console.log(
          `    ${metric} = ${e.value} ${e.unit}${e.baseline !== undefined ? ` (baseline ${e.baseline}, ratio ${e.ratio})` : ''}`,
        );
      }
      statuses.push({ name: section.name, status: 'ok', seconds });
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`  ${section.name}: FAILED after ${seconds.toFixed(1)} s\n${message}`);
      statuses.push({ name: section.name, status: 'failed', seconds, message: message.split('\n')[0] });
    }
  }
  return statuses;
}

/**
 * Where BENCHMARKS.md and bench.svg go: docs/ only when the run records into bench/results.json, so
 * a run that records elsewhere (`--out`, `--quick`) never rewrites the repo's docs from its figures.
 */
export function docsDirFor(recordsInRepo: boolean, outDir: string, docs?: string): string {
  return docs ?? (recordsInRepo ? join(ROOT, 'docs') : outDir);
}

export async function main(argv = process.argv): Promise<number> {
  const opts = parseOptions(argv);
  const only = opts.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((n) => !SECTIONS.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) {
    console.error(`unknown section(s): ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const recordsInRepo = !opts.out && !opts.quick;
  const loadAtStart = loadavg();
  const refusal =
    refusalToRecord(recordsInRepo, opts.allowDirty, uncommittedChanges()) ??
    loadRefusal(recordsInRepo, opts.allowLoad, loadAtStart[0], cpus().length);
  if (refusal) {
    console.error(refusal);
    return 2;
  }
  const outDir = opts.out ?? (opts.quick ? mkdtempSync(join(tmpdir(), 'bench-quick-')) : __dirname);
  const docsDir = docsDirFor(recordsInRepo, outDir, opts.docs);
  mkdirSync(outDir, { recursive: true });
  mkdirSync(docsDir, { recursive: true });
  const resultsPath = recordsInRepo ? RESULTS_PATH : join(outDir, 'results.json');
  console.log(`bench${opts.quick ? ' --quick' : ''}: results -> ${resultsPath}, docs -> ${docsDir}`);

  const statuses = await runSections(
    SECTIONS.filter((s) => !only || only.includes(s.name)),
    { quick: opts.quick, outDir },
    resultsPath,
  );
  const info: RunInfo = {
    date: new Date().toISOString(),
    quick: opts.quick,
    machine: machine(loadAtStart),
    commit: commitMeasured(),
    sections: statuses,
  };
  writeFileSync(join(outDir, RUN_INFO_FILE), JSON.stringify(info, null, 2) + '\n');
  const written = await renderDocs({ resultsPath, outDir, docsDir, info });
  // The README's figures follow the results they came from: the repo's README for the repo's
  // results, a copy in the out dir otherwise.
  const readme = writeReadmeFigures(readResults(resultsPath), recordsInRepo ? README_PATH : join(outDir, 'README.md'));
  // The program reads only its reviewed costs (infra/capacityCosts.json): propose, never overwrite.
  const proposal = capacityProposal(readResults(resultsPath) as Record<string, { value: number; at?: string }>);
  if (proposal) {
    writeFileSync(join(outDir, 'capacityCosts.proposed.json'), proposal);
    console.log(
      `capacity: the measured costs differ from infra/capacityCosts.json; review ${join(outDir, 'capacityCosts.proposed.json')} and copy it over to adopt them`,
    );
  }
  console.log(`docs: ${[...written, ...(readme ? [readme] : [])].join(', ')}`);
  return statuses.some((s) => s.status === 'failed') ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
