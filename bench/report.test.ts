import { HOW_MEASURED, meets, renderChart, resultsTable, TARGETS, targetsFor } from './report';
import { readResults, type BenchResult } from './results';

const at = '2026-11-25T20:00:00.000Z';
const results: Record<string, BenchResult> = {
  'generator.events_per_s': { value: 1_500_000, unit: 'events/s', baseline: 100_000, ratio: 15, at },
  'lambda.zip_bytes.producer': { value: 320_000, unit: 'bytes', baseline: 536_000, ratio: 1.7, at },
  'twin.events_per_s': { value: 120_000, unit: 'events/s', baseline: 5_000, ratio: 24, at, note: 'a | b' },
  'cost.monthly_ingest_usd': { value: 7.25, unit: 'USD/month', baseline: 2982.86, ratio: 411.3, at },
};

describe('targets', () => {
  it('match exact names and name prefixes', () => {
    expect(targetsFor('lambda.zip_bytes.migrator').map((t) => t.text)).toEqual(['≤ 300 KB']);
    expect(targetsFor('twin.events_per_s')).toHaveLength(2);
    expect(targetsFor('twin.files_per_1k_sale_lines')).toEqual([]);
  });

  it('judge the value or the ratio, and say nothing when the figure is missing', () => {
    const [speed, ratio] = targetsFor('twin.events_per_s');
    expect(meets(results['twin.events_per_s'], speed)).toBe(true);
    expect(meets(results['twin.events_per_s'], ratio)).toBe(false);
    expect(meets({ value: 1 }, ratio)).toBeUndefined();
  });
});

describe('resultsTable', () => {
  const table = resultsTable(results);
  const row = (metric: string) => table.split('\n').find((l) => l.startsWith(`| \`${metric}\``))!;

  it('writes one row per metric with its figures, target and verdict', () => {
    expect(table.split('\n')).toHaveLength(2 + 4);
    expect(row('generator.events_per_s')).toContain(
      '| 1,500,000 events/s | 100,000 events/s | 15.0× | ≥ 1,000,000 events/s | yes |',
    );
    expect(row('lambda.zip_bytes.producer')).toContain('| 320.0 KB | 536.0 KB |');
    expect(row('lambda.zip_bytes.producer')).toContain('| **no** |');
    expect(row('cost.monthly_ingest_usd')).toContain('| $7.25 | $2,982.86 |');
  });

  it('keeps a note with a pipe inside its cell', () => {
    expect(row('twin.events_per_s')).toContain('a \\| b');
  });
});

describe('renderChart', () => {
  it('renders an SVG with every panel, and says which were not measured', () => {
    const svg = renderChart(results);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const title of ['Throughput', 'Lambda archive', 'Monthly ingest cost']) expect(svg).toContain(title);
    expect(svg).toContain('Lambda init (ms, dashed: target): not measured');
  });
});

describe('the docs cover what the bench records', () => {
  // Both sides come from the real sources: the metrics bench/results.json holds, the bullets the
  // report renders under "How each figure is measured", and the targets it judges them by.
  const recorded = Object.keys(readResults());
  /** `lambda.*`, `plan.ms.<stack>`, `twin.freshness_*` as a test on a metric name. */
  const matcher = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/\./g, '\\.')
        .replace(/\*/g, '.*')
        .replace(/<[^>]+>/g, '[^.]+')}$`,
    );
  const explained = [...HOW_MEASURED.matchAll(/^- ((?:`[^`]+`(?:, )?)+):/gm)].flatMap((m) =>
    [...m[1].matchAll(/`([^`]+)`/g)].map((name) => name[1]),
  );

  it('explains every metric in bench/results.json', () => {
    expect(recorded.length).toBeGreaterThan(10);
    expect(recorded.filter((metric) => !explained.some((pattern) => matcher(pattern).test(metric)))).toEqual([]);
  });

  it('sets no target, and explains no metric, that the bench does not record', () => {
    const unused = (patterns: string[]) =>
      patterns.filter((pattern) => !recorded.some((metric) => matcher(pattern).test(metric)));
    expect(unused(Object.keys(TARGETS))).toEqual([]);
    expect(unused(explained)).toEqual([]);
  });
});
