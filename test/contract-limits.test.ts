// One bad event never costs a good one: what the contracts accept, the warehouse
// loads, and what Redshift would refuse, the twin refuses too. Consumer core ->
// landing files in fauxqs S3 -> the loader -> PGlite.
import { knownIdsOf, saleLine, validate, type SaleLine } from '../kernel/contracts';
import { processChunk } from '../functions/consumer';
import { toCsv } from '../kernel/csv';
import { encodeChunk } from '../kernel/packing';
import { loadLandingFiles } from '../warehouse/loader';
import type { CopyDriver } from '../warehouse/runner';
import { testCatalog, type Landing, useWarehouseAndLanding } from './support/warehouse';

const catalog = testCatalog();
const known = knownIdsOf(catalog);
const good: SaleLine = {
  transaction_id: 'T-20261127T0900-1-0',
  product_id: catalog.products[0].product_id,
  timestamp: '2026-11-27T09:00:01Z',
  quantity: 2,
  unit_price: 19.99,
  store_id: catalog.stores[0].store_id,
  basket_id: 'B-20261127T0900-1-0',
  discount_pct: 10,
};

describe('contract limits, through the consumer and the loader into the twin', () => {
  let driver: CopyDriver & { close(): Promise<void> };
  let landing: Landing;
  useWarehouseAndLanding((d, l) => ([driver, landing] = [d, l]), { resetEach: true });

  /** Consume one chunk of events, land its files and load them; the loaded transaction ids. */
  async function consumeAndLoad(events: object[]) {
    const chunk = processChunk(
      encodeChunk(
        'sales',
        'sales-limits-000001',
        events.map((e) => JSON.stringify(e)),
        'none',
      ),
      'sales',
      known,
    );
    for (const file of [...chunk.files, ...(chunk.rejected ? [chunk.rejected] : [])])
      await landing.put(file.key, file.body);
    const report = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket, refresh: false });
    const rows = await driver.query<{ transaction_id: string }>(
      'SELECT "transaction_id" FROM retail.sales_transactions ORDER BY 1',
    );
    return { chunk, report, loaded: rows.map((r) => r.transaction_id) };
  }

  it('a NUL in one transaction_id rejects that event with a reason and loads the good one of the same file', async () => {
    const { chunk, report, loaded } = await consumeAndLoad([{ ...good, transaction_id: 'T-a\u0000b' }, good]);
    expect(report.failures).toEqual([]);
    expect(loaded).toEqual([good.transaction_id]);
    expect(chunk.counts).toEqual({ events: 2, valid: 1, rejected: 1 });
    expect(chunk.rejected!.body).toMatch(/"field":"transaction_id","message":"must contain only/);
  });

  it('an event nested too deeply for JSON.stringify is rejected, cut at a depth, and the good one loads', async () => {
    const deep = 100_000;
    const body = encodeChunk(
      'sales',
      'sales-limits-000002',
      [`{"transaction_id":${'['.repeat(deep)}${']'.repeat(deep)}}`, JSON.stringify(good)],
      'gzip',
    );
    const chunk = processChunk(body, 'sales', known);
    expect(chunk.counts).toEqual({ events: 2, valid: 1, rejected: 1 });
    const line = JSON.parse(chunk.rejected!.body);
    expect(line.problems).toContainEqual({
      field: '(record)',
      message: 'is nested too deeply to keep whole; kept to depth 64',
    });
    expect(line.problems).toContainEqual({ field: 'transaction_id', message: 'must be a string, got array' });
    expect(JSON.stringify(line.event)).toMatch(/^\{"transaction_id":\[{63}"\(cut\)"\]{63}\}$/);
  });

  it('an id of 64 "é" (128 UTF-8 bytes) is refused by validation: VARCHAR(64) counts bytes in Redshift', async () => {
    const wide = 'é'.repeat(64);
    expect(wide).toHaveLength(64);
    expect(validate(saleLine, { ...good, transaction_id: wide }, known).map((p) => p.field)).toEqual([
      'transaction_id',
    ]);
    const { report, loaded } = await consumeAndLoad([{ ...good, transaction_id: wide }, good]);
    expect(report.failures).toEqual([]);
    expect(loaded).toEqual([good.transaction_id]);
  });

  it('the twin refuses a file that Redshift would refuse: a VARCHAR(64) value of 128 bytes fails its COPY', async () => {
    // Written around the consumer, as a foreign producer or a bug could: the loader must not load it.
    const key = 'sales/dt=2026-11-27/hour=09/sales-foreign-wide.csv';
    await landing.put(key, toCsv(saleLine, [good, { ...good, transaction_id: 'é'.repeat(64) }]));
    const report = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket, refresh: false });
    expect(report.filesFailed).toBe(1);
    expect(report.failures[0]).toMatchObject({ key });
    expect(report.failures[0].error).toMatch(/sales_transactions_transaction_id_bytes/);
    expect(await driver.query('SELECT 1 FROM retail.sales_transactions')).toEqual([]);
  });
});
