// What a run prints: aligned tables and the books in words.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Books } from './books';
import { formatBooks, formatSummary, textTable } from './summary';
import { runTwin, type TwinReport } from './twin';

const balanced: Books = {
  balanced: true,
  problems: [],
  streams: {
    sales: { produced: 1200, loaded: 1200, missing: 0, doubled: 0, unexpected: 0, examples: [] },
    inventory: { produced: 2000, loaded: 2000, missing: 0, doubled: 0, unexpected: 0, examples: [] },
  },
  rejected: { lines: 12, injected: 12, withReason: 12, missing: 0, unexpected: 0 },
  poison: { injected: 2, inDlq: 2, missing: 0 },
  dlq: { depth: { sales: 1, inventory: 1 }, unexpected: 0 },
  queuesLeft: { sales: 0, inventory: 0 },
  files: { landing: 8, loaded: 8, pending: 0 },
};

it('aligns numbers right and text left', () => {
  expect(
    textTable(
      ['store', 'units'],
      [
        ['S001', '1,234'],
        ['S010', '5'],
      ],
    ),
  ).toBe(['  store  units', '  -----  -----', '  S001   1,234', '  S010       5'].join('\n'));
});

it('prints balanced books as equalities', () => {
  expect(formatBooks(balanced)).toBe(
    [
      '  sales     produced 1,200 = in sales_transactions 1,200, exactly once by id',
      '  inventory produced 2,000 = in inventory_updates 2,000, exactly once by id',
      '  malformed injected 12 = in rejected/ with their reason 12',
      '  poison injected 2 = in a DLQ 2',
      '  left in queues 0, landing files not loaded 0 of 8',
      '  BALANCED: nothing lost, nothing doubled.',
    ].join('\n'),
  );
});

it('prints every problem of unbalanced books', () => {
  const books: Books = {
    ...balanced,
    balanced: false,
    problems: ['sales: 1 event(s) loaded more than once', '1 landing file(s) not loaded'],
    streams: {
      ...balanced.streams,
      sales: { produced: 1200, loaded: 1200, missing: 0, doubled: 1, unexpected: 0, examples: ['T-x-1-0 x2'] },
    },
    files: { landing: 8, loaded: 7, pending: 1 },
  };
  const text = formatBooks(books);
  expect(text).toContain('(missing 0, doubled 1, unexpected 0: T-x-1-0 x2)');
  expect(text).toContain('landing files not loaded 1 of 8');
  expect(text).toContain(
    'NOT BALANCED:\n    - sales: 1 event(s) loaded more than once\n    - 1 landing file(s) not loaded',
  );
});

describe("a run's summary answers the analyst's five questions on one screen", () => {
  let report: TwinReport;
  let text: string;
  const work = mkdtempSync(join(tmpdir(), 'twin-summary-'));
  beforeAll(async () => {
    report = await runTwin({
      runs: 2,
      eventsPerRun: 800,
      eventsPerMessage: 100,
      compression: 'none',
      dataDir: join(work, 'pgdata'),
      fresh: true,
    });
    text = formatSummary(report, { dashboardPath: join(work, 'dashboard.html') });
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('names the regions, the top stores and products, the stockouts, sell-through and data age', () => {
    const d = report.dashboard!;
    const line = (start: string) => text.split('\n').find((l) => l.startsWith(start)) ?? '';
    for (const r of d.revenueByRegion) expect(line('   by region:')).toContain(r.region);
    for (const s of d.storeRanking.slice(0, 3)) expect(line('   top stores:')).toContain(`${s.store_id} ${s.city}`);
    for (const p of d.topProductsByRevenue.slice(0, 3)) expect(line('2. Top products')).toContain(p.name);
    const out = d.stockAtRisk.filter((r) => r.stockout_risk === 'out_of_stock').length;
    expect(line('3. Stock:')).toContain(`${out} product x store pairs out of stock`);
    const rated = d.sellThrough
      .filter((r) => r.sell_through_rate !== null)
      .sort((a, b) => Number(a.sell_through_rate) - Number(b.sell_through_rate));
    expect(line('4. Sell-through')).toContain(`slowest ${rated[0].name}`);
    expect(line('4. Sell-through')).toContain(`fastest ${rated[rated.length - 1].name}`);
    expect(line('5. Data age')).toContain(`p50 ${(report.freshness.p50Ms / 1000).toFixed(1)} s`);
  });

  it('fits one screen: at most 60 lines', () => {
    expect(text.split('\n').length).toBeLessThanOrEqual(60);
  });
});
