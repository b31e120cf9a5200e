// The AWS freshness budget: each hop from the config and the measured costs, undocumented hops kept out of the sums.
import type { CapacityCosts } from '../infra/capacity';
import { parseStackConfig } from '../infra/config';
import { budgetTable, freshnessBudget, proposals } from './freshnessBudget';
import { roundCosts } from '../test/support/capacityCosts';
import { perStream } from '../kernel/contracts';

const costs: CapacityCosts = { ...roundCosts, consumerMsPerMessage: perStream(() => 20) };
const config = (raw: Record<string, string>) => parseStackConfig(raw, { capacityCosts: null });

it('budgets each hop: the window, the producer, the batching window, the consumer', () => {
  const b = freshnessBudget(
    config({
      schedule: 'rate(5 minutes)',
      peakLinesPerMinute: '4000',
      producerMemoryMb: '1769',
      consumerMemoryMb: '1769',
      batchSize: '10',
      batchWindowSeconds: '10',
    }),
    costs,
  );
  const hop = (start: string) => b.hops.find((h) => h.hop.startsWith(start))!;
  expect(hop('window')).toMatchObject({ p50: 150, worst: 300 });
  expect(hop('producer run')).toMatchObject({ p50: 0.5, worst: 1 }); // 20,000 lines x 0.05 ms
  // 2 messages a stream do not fill a batch of 10: the batch waits out the window.
  expect(hop('SQS + batching window (2 message(s)')).toMatchObject({ p50: 10, worst: 10 });
  // 2 messages of 10,000 events at 0.05 ms, plus 20 ms each.
  expect(hop('consumer').worst).toBeCloseTo(2 * 0.52);
  expect(hop('EventBridge Scheduler').worst).toBeUndefined();
  expect(b.unbounded).toEqual([
    'EventBridge Scheduler delivery',
    'S3 event integration + COPY JOB',
    'materialized view auto refresh',
  ]);
  expect(b.sumWorst).toBeCloseTo(300 + 1 + 10 + 1.04);
  expect(b.dominant).toMatch(/^window/);
  expect(budgetTable('prod', b)).toMatch(
    /\| \*\*sum of the bounded hops\*\* \| \*\*161 s\*\* \| \*\*312 s\*\* \| plus EventBridge Scheduler delivery/,
  );
});

it('waits for no batching window when a window fills a batch', () => {
  const b = freshnessBudget(
    config({ schedule: 'rate(15 minutes)', peakLinesPerMinute: '100000', batchSize: '10', batchWindowSeconds: '10' }),
    costs,
  );
  expect(b.hops.find((h) => h.hop.startsWith('SQS'))).toMatchObject({ p50: 0, worst: 0 });
});

it('proposes a shorter window and batching window, and they cut the worst case', () => {
  const prod = config({ schedule: 'rate(5 minutes)', peakLinesPerMinute: '4000', batchWindowSeconds: '10' });
  const before = freshnessBudget(prod, costs).sumWorst;
  const ps = proposals(prod);
  expect(ps.map((p) => p.change)).toEqual([
    'batchWindowSeconds 10 -> 1',
    'schedule rate(5 minutes) -> rate(1 minute), and batchWindowSeconds 1',
  ]);
  for (const p of ps) expect(freshnessBudget(p.config, costs).sumWorst).toBeLessThan(before);
  expect(freshnessBudget(ps[1].config, costs).sumWorst).toBeLessThan(70);
});
