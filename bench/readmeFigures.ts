// The README's figures that come from the bench, rendered from bench/results.json as
// docs/BENCHMARKS.md is. Each sits between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->`;
// `npm run bench` rewrites what is between them, and bench/readmeFigures.test.ts fails when
// the README's copy differs from what results.json renders (a figure edited by hand, or a
// bench run whose README was not committed with its results).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { costsFromResults, modelCapacity } from '../infra/capacity';
import { readStack } from './capacity';
import { BLACK_FRIDAY_LOAD } from './cost/model';
import { freshnessBudget } from './freshnessBudget';
import { targetsFor } from './report';
import type { BenchResult } from './results';

export const README_PATH = join(__dirname, '..', 'README.md');

type Results = Record<string, BenchResult>;

const num = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** `21-32` from a set of figures; one figure when they agree at that precision. */
const span = (values: number[], format: (x: number) => string) => {
  const [low, high] = [format(Math.min(...values)), format(Math.max(...values))];
  return low === high ? low : `${low}-${high}`;
};
/** The figures of every metric under `prefix` (the four Lambda functions, the two stacks). */
const family = (results: Results, prefix: string, pick: (r: BenchResult) => number | undefined) =>
  Object.entries(results)
    .filter(([metric]) => metric.startsWith(prefix))
    .map(([, r]) => pick(r))
    .filter((x): x is number => x !== undefined);

/** What a metric must reach (bench/report.ts TARGETS), for the table's last column. */
const target = (...metrics: string[]) =>
  [...new Set(metrics.flatMap((m) => targetsFor(m).map((t) => t.text)))].join('; ');

class MissingFigure extends Error {}

function need(results: Results, metric: string): BenchResult {
  const result = results[metric];
  if (!result) throw new MissingFigure(`bench/results.json has no ${metric}`);
  return result;
}

function lambdaRow(results: Results): string {
  const zip = family(results, 'lambda.zip_bytes.', (r) => r.value);
  if (zip.length === 0) throw new MissingFigure('bench/results.json has no lambda.zip_bytes.*');
  const kb = (bytes: number) => num(bytes / 1000);
  const x = (ratio: number) => num(ratio, ratio < 10 ? 1 : 0);
  const ms = (v: number) => num(v);
  return (
    `| Lambda archives (the dev stack's shipped esbuild bundles, run bare) | ${span(zip, kb)} KB ` +
    `(${span(
      family(results, 'lambda.zip_bytes.', (r) => r.ratio),
      x,
    )}× smaller than CallbackFunction's default packaging), ` +
    `init ${span(
      family(results, 'lambda.init_ms.', (r) => r.value),
      ms,
    )} ms CPU ` +
    `(${span(
      family(results, 'lambda.init_ms.', (r) => r.ratio),
      (v) => num(v, 1),
    )}× faster than the default: the AWS SDK client dominates), ` +
    `first invocation ${span(
      family(results, 'lambda.first_invoke_ms.', (r) => r.value),
      ms,
    )} ms CPU | ` +
    `${target('lambda.zip_bytes.producer', 'lambda.init_ms.producer')} |`
  );
}

/** The headline table: one row per figure a reader asks about first. */
export function headlineTable(results: Results): string {
  const r = (metric: string) => need(results, metric);
  const generator = r('generator.events_per_s');
  const twin = r('twin.events_per_s');
  const ingest = r('cost.monthly_ingest_usd');
  const perDay = `${num(BLACK_FRIDAY_LOAD.salesPerDay / 1e6)} M sale lines`;
  const plan = family(results, 'plan.ms.', (x) => x.value);
  return [
    '| figure | value | target |',
    '| --- | --- | --- |',
    `| generator | ${num(generator.value / 1e6, 2)} M events per CPU-second, ${num(generator.ratio!, 1)}× a faker-per-event generator | ${target('generator.events_per_s')} |`,
    `| twin end to end | ${num(twin.value / 1000)}k events/s at the prod peak, ${num(twin.ratio!)}× the original design's settings on the same windows | ${target('twin.events_per_s')} |`,
    `| data age in the twin (send to views; \`npm run bench -- --only freshness\`: prod settings, paced at the prod peak) | p95 ${num(r('twin.freshness_p95_ms').value / 1000, 1)} s, p50 ${num(r('twin.freshness_p50_ms').value / 1000, 1)} s at the prod peak (a default \`npm start\` prints its own, longer: see below) | ${target('twin.freshness_p95_ms')} |`,
    `| SQS requests at ${perDay}/day | ${num(r('cost.sqs_requests_ratio').value)}× fewer than the original design | ${target('cost.sqs_requests_ratio')} |`,
    `| ingest bill (SQS + Lambda + S3) | about $${num(ingest.value, 1)} a month vs $${num(ingest.baseline!)}, ${num(r('cost.ingest_cost_ratio').value)}× lower, at ${perDay} a day (ingest only: [the whole bill per stack](#the-monthly-bill-per-stack)) | ${target('cost.ingest_cost_ratio')} |`,
    lambdaRow(results),
    `| warehouse at 10 M sale lines | slowest dashboard query ${num(r('warehouse.query_ms_max_10m').value)} ms; incremental view refresh after a file ${num(r('warehouse.refresh_ms_10m').value)} ms | ${target('warehouse.query_ms_max_10m')} |`,
    `| loader vs raw PGlite COPY (CPU time) | ${num(r('loader.copy_fraction').value, 2)} | ${target('loader.copy_fraction')} |`,
    `| capacity | dev ${num(r('capacity.headroom.dev').value)}×, prod ${num(r('capacity.headroom.prod').value)}× its configured peak | ${target('capacity.headroom.prod')} |`,
    `| offline plan | ${span(plan, (ms) => num(ms / 1000, 1))} s per stack | ${target('plan.ms.dev')} |`,
  ].join('\n');
}

/** The machine and date of the recorded bench run (bench/run-info.json), as a figure's source names them. */
function benchMachine(): string {
  const info = JSON.parse(readFileSync(join(__dirname, 'run-info.json'), 'utf8')) as {
    date: string;
    machine: { cpu: string; cores: number };
  };
  return `${info.machine.cores}-core ${info.machine.cpu}, ${info.date.slice(0, 10)}`;
}

/** "Will it hold Black Friday?": prod's data age (the budget and the twin) and its capacity. */
export function blackFridayAnswer(results: Results): string {
  const costs = costsFromResults(results);
  if ('missing' in costs) throw new MissingFigure(`bench/results.json lacks ${costs.missing.join(', ')}`);
  const prod = readStack('prod');
  const budget = freshnessBudget(prod, costs);
  const capacity = modelCapacity(prod, costs);
  const s = (ms: number) => `${num(ms / 1000, 1)} s`;
  return [
    `What the dashboard shows on prod is about ${budget.sumWorst <= 90 ? 'a minute' : `${num(budget.sumWorst / 60)} minutes`} old at worst: the`,
    `${prod.windowMinutes}-minute window dominates (p50 ${num(budget.sumP50)} s, worst case ${num(budget.sumWorst)} s, plus the auto-copy and auto-refresh delays AWS`,
    `does not bound). In the twin paced at prod's peak with prod's settings (\`npm run bench -- --only freshness\`, ${benchMachine()}),`,
    `a chunk reaches the views ${s(need(results, 'twin.freshness_p50_ms').value)} (p50, ${s(need(results, 'twin.freshness_p95_ms').value)} p95) after it is sent. A default \`npm start\` prints longer ages: it produces`,
    'the whole morning as fast as it can and, without `--serve`, refreshes the views once, at the end',
    `([data age, hop by hop](docs/BENCHMARKS.md#data-age)). Prod holds ${num(capacity.headroom)}x its configured peak of`,
    `${num(prod.peakLinesPerMinute)} sale lines a minute, the ${capacity.first.hop} gives first, and \`npm run capacity -- --stack prod --peak N\``,
    'names the config key to change for any other peak ([capacity per stack](docs/BENCHMARKS.md#capacity-per-stack)).',
  ].join('\n');
}

/** The generated blocks, by marker name. */
export const README_BLOCKS: Record<string, (results: Results) => string> = {
  headline: headlineTable,
  'black-friday': blackFridayAnswer,
};

/** A generated block's markers: `<!-- kind:name -->` ... `<!-- /kind:name -->` (bench: results.json, cost: npm run cost). */
const markers = (name: string, kind = 'bench') => [`<!-- ${kind}:${name} -->`, `<!-- /${kind}:${name} -->`] as const;

/** What is between a block's markers now; throws when the README lacks them. */
export function blockOf(readme: string, name: string, kind = 'bench'): string {
  const [open, close] = markers(name, kind);
  const start = readme.indexOf(open);
  const end = readme.indexOf(close);
  if (start < 0 || end < start) throw new Error(`README.md has no ${open} ... ${close} block`);
  return readme
    .slice(start + open.length, end)
    .replace(/^\n/, '')
    .replace(/\n$/, '');
}

/** The README with each named block of `kind` replaced by what its renderer gives. */
export function withBlocks(readme: string, kind: string, renders: Record<string, () => string>): string {
  let out = readme;
  for (const [name, render] of Object.entries(renders)) {
    const [open, close] = markers(name, kind);
    const current = blockOf(out, name, kind);
    out = out.replace(`${open}\n${current}\n${close}`, () => `${open}\n${render()}\n${close}`);
  }
  return out;
}

/** The README with every block rendered from `results`. */
export function withBenchFigures(readme: string, results: Results): string {
  return withBlocks(
    readme,
    'bench',
    Object.fromEntries(Object.entries(README_BLOCKS).map(([name, render]) => [name, () => render(results)])),
  );
}

/**
 * Rewrites the README's blocks at `path` from `results`. A figure missing from results.json
 * (a section never run) leaves the README as it is and says why.
 */
export function writeReadmeFigures(results: Results, path = README_PATH, source = README_PATH): string | undefined {
  try {
    writeFileSync(path, withBenchFigures(readFileSync(source, 'utf8'), results));
    return path;
  } catch (error) {
    if (error instanceof MissingFigure) {
      console.error(`README figures not rendered: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}
