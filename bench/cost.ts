// The cost figures: both designs' twin-counted usage priced at the Black Friday load.
import { BLACK_FRIDAY_LOAD, compareDesigns, type DesignComparison } from './cost/model';
import { PRICES } from './cost/prices';
import type { BenchEntries, SectionOptions } from './sections';
import { readTwinRuns } from './twin';
import { buildCatalog } from '../kernel/catalog';
import { generateWindow } from '../kernel/generator';

/** Mean bytes of one event as a JSON line, over a generated window of both streams (what Firehose and Kinesis would carry). */
export function eventJsonBytes(saleLines = 20_000): number {
  const catalog = buildCatalog();
  const w = generateWindow(
    {
      products: catalog.products.map((p) => ({ product_id: p.product_id, price: p.price })),
      stores: catalog.stores.map((st) => ({ store_id: st.store_id, size: st.size })),
    },
    { start: '2026-11-27T10:00:00Z', minutes: 5, seed: 1, saleLines },
  );
  const all = [...w.sales, ...w.inventory];
  return all.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)) + 1, 0) / all.length;
}

export function costComparison(outDir: string): DesignComparison {
  const runs = readTwinRuns(outDir);
  return compareDesigns(runs.ours, runs.original, BLACK_FRIDAY_LOAD, PRICES);
}

const usd = (x: number) => `$${x.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;

export async function runCostBench(options: SectionOptions): Promise<BenchEntries> {
  const c = costComparison(options.outDir);
  const load = `${BLACK_FRIDAY_LOAD.salesPerDay / 1e6} M sale lines/day for ${BLACK_FRIDAY_LOAD.daysPerMonth} days, ${BLACK_FRIDAY_LOAD.peakSalesPerSecond.toLocaleString('en-US')}/s at the peak`;
  return {
    'cost.event_json_bytes': {
      value: Math.round(eventJsonBytes()),
      unit: 'bytes',
      note: 'Mean size of one event (sale line or inventory update) as a JSON line, over a generated window: what Firehose or Kinesis would carry per event. Prices the alternatives in docs/BENCHMARKS.md.',
    },
    'cost.sqs_requests_ratio': {
      value: Math.round(c.sqsRequestsRatio * 10) / 10,
      unit: 'x',
      note: `Original design's billed SQS requests (64 KiB units) / ours, both scaled from their twin runs to ${load}: ${Math.round(c.original.sqs.totalBilled).toLocaleString('en-US')} vs ${Math.round(c.ours.sqs.totalBilled).toLocaleString('en-US')} a month. Target >= 100x.`,
    },
    'cost.ingest_cost_ratio': {
      value: Math.round(c.ingestCostRatio * 10) / 10,
      unit: 'x',
      note: `Original design's monthly ingest bill (SQS + Lambda + S3 requests) / ours at ${load}: ${usd(c.original.ingestCost)} vs ${usd(c.ours.ingestCost)}. Prices us-east-1, ${PRICES.takenOn}. Target >= 20x.`,
    },
    'cost.monthly_ingest_usd': {
      value: Math.round(c.ours.ingestCost * 100) / 100,
      unit: 'USD/month',
      baseline: Math.round(c.original.ingestCost * 100) / 100,
      ratio: Math.round(c.ingestCostRatio * 10) / 10,
      note: `Ours vs the original design at ${load}; ratio = original / ours. Breakdown in docs/BENCHMARKS.md.`,
    },
  };
}
