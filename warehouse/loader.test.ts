import { saleLine } from '../kernel/contracts';
import { toCsv } from '../kernel/csv';
import { checkHeader, LoaderCrash, loadLandingFiles, loadSteps } from './loader';
import { COPY_JOB_DETAIL } from './migrations';
import type { CopyDriver } from './runner';
import {
  backendName,
  landingBatch,
  openTestWarehouse,
  putBatch,
  type Landing,
  useWarehouseAndLanding,
} from '../test/support/warehouse';

const count = async (driver: CopyDriver, table: string) =>
  (await driver.query<{ n: number }>(`SELECT COUNT(*) AS n FROM retail.${table}`))[0].n;

/** Rows of the loader's load log, newest last. */
const copyJobDetail = (driver: CopyDriver) =>
  driver.query<{
    job_name: string;
    file_name: string;
    status: string;
    rows_loaded: number;
    bytes: number;
    error: string | null;
  }>(
    `SELECT "job_name", "file_name", "status", "rows_loaded", "bytes", "error" FROM ${COPY_JOB_DETAIL} ORDER BY "loaded_at", "file_name"`,
  );

describe(`loader on ${backendName}`, () => {
  let driver: CopyDriver & { close(): Promise<void> };
  let landing: Landing;
  useWarehouseAndLanding((d, l) => ([driver, landing] = [d, l]), { resetEach: true });

  it('loads each file once by name: a second run loads nothing', async () => {
    const batch = landingBatch([{ start: '2026-11-27T09:00:00Z', minutes: 10, seed: 3, saleLines: 600 }], 250);
    await putBatch(landing, batch);
    const first = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket });
    expect(first).toMatchObject({
      filesLoaded: batch.files.size,
      filesFailed: 0,
      filesSkipped: 0,
      rowsLoaded: { sales: batch.sales.length, inventory: batch.inventory.length },
    });
    // A redelivered chunk rewrites the same key with the same bytes: still loaded once.
    const [someKey, someBody] = [...batch.files][0];
    await landing.put(someKey, someBody);
    const second = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket });
    expect(second).toMatchObject({
      filesLoaded: 0,
      filesFailed: 0,
      filesSkipped: batch.files.size,
      rowsLoaded: { sales: 0, inventory: 0 },
    });
    expect(await count(driver, 'sales_transactions')).toBe(batch.sales.length);
    expect(await count(driver, 'inventory_updates')).toBe(batch.inventory.length);
    const detail = await copyJobDetail(driver);
    expect(detail).toHaveLength(batch.files.size);
    expect(new Set(detail.map((d) => d.job_name))).toEqual(
      new Set(['sales_transactions_autocopy', 'inventory_updates_autocopy']),
    );
    expect(detail.every((d) => d.status === 'loaded' && d.error === null)).toBe(true);
  });

  it('records a file with a malformed row with its error, loads none of its rows, and goes on with the others', async () => {
    const batch = landingBatch([{ start: '2026-11-27T10:00:00Z', minutes: 5, seed: 4, saleLines: 300 }], 100);
    await putBatch(landing, batch);
    const good = toCsv(saleLine, batch.sales.slice(0, 3)).trimEnd().split('\n');
    // Row 3 of the data has a quantity that is not a number.
    const bad = [good[0], good[1], good[2].replace(/,(\d+),(\d+\.\d\d),/, ',two,$2,'), good[3]].join('\n') + '\n';
    expect(bad).toContain(',two,');
    const badKey = 'sales/dt=2026-11-27/hour=10/sales-bad-row.csv';
    await landing.put(badKey, bad.replace(/T-/g, 'X-'));
    const report = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket });
    expect(report.filesFailed).toBe(1);
    expect(report.filesLoaded).toBe(batch.files.size);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0].key).toBe(badKey);
    expect(report.failures[0].error).toMatch(/invalid input syntax for type integer: "two"/);
    expect(report.failures[0].error).toMatch(/line 3/);
    // Nothing of the bad file, everything of the others.
    expect(await count(driver, 'sales_transactions')).toBe(batch.sales.length);
    const detail = (await copyJobDetail(driver)).find((d) => d.file_name === badKey)!;
    expect(detail).toMatchObject({ status: 'failed', rows_loaded: 0 });
    expect(detail.error).toMatch(/two/);
    // Auto-copy does not retry a failed file by name; neither does the loader.
    expect(await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket })).toMatchObject({
      filesLoaded: 0,
      filesFailed: 0,
      filesSkipped: batch.files.size + 1,
    });
  });

  it('rejects a file whose columns are in another order, naming the expected header', async () => {
    const rows = landingBatch([{ start: '2026-11-27T11:00:00Z', minutes: 2, seed: 5, saleLines: 5 }]).sales;
    const columns = [...saleLine.columns];
    [columns[2], columns[3]] = [columns[3], columns[2]];
    const shuffled =
      [
        columns.join(','),
        ...rows.map((r) =>
          columns
            .map((c) =>
              c === 'timestamp' ? r.timestamp.replace('T', ' ').slice(0, 19) : String(r[c as keyof typeof r]),
            )
            .join(','),
        ),
      ].join('\n') + '\n';
    const key = 'sales/dt=2026-11-27/hour=11/sales-shuffled.csv';
    await landing.put(key, shuffled);
    const unknown = 'sales/dt=2026-11-27/hour=11/sales-unknown-column.csv';
    await landing.put(unknown, shuffled.replace('discount_pct', 'coupon'));
    const report = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket });
    expect(report.filesFailed).toBe(2);
    const byKey = new Map(report.failures.map((f) => [f.key, f.error]));
    expect(byKey.get(key)).toMatch(
      /header does not match the sales_transactions contract \(same columns in another order\): expected "transaction_id,product_id,timestamp,quantity,/,
    );
    expect(byKey.get(unknown)).toMatch(/missing discount_pct; unknown coupon/);
    expect(await count(driver, 'sales_transactions')).toBe(0);
    expect((await copyJobDetail(driver)).map((d) => d.status)).toEqual(['failed', 'failed']);
  });

  it('leaves nothing half loaded when it crashes before a commit, and loads that file on restart', async () => {
    const batch = landingBatch([{ start: '2026-11-27T12:00:00Z', minutes: 5, seed: 6, saleLines: 400 }], 100);
    await putBatch(landing, batch);
    const victim = [...batch.files.keys()].filter((k) => k.startsWith('sales/'))[1];
    const seen: string[] = [];
    const run = loadLandingFiles({
      driver,
      s3: landing.s3,
      bucket: landing.bucket,
      faults: {
        beforeCommit(key) {
          seen.push(key);
          if (key === victim) throw new Error('simulated crash');
        },
      },
    });
    await expect(run).rejects.toThrow(LoaderCrash);
    await expect(run).rejects.toThrow(`loader stopped while loading ${victim}: simulated crash`);
    // Files before the victim committed; the victim left no rows and no record.
    const committed = seen.slice(0, seen.indexOf(victim));
    const rowsIn = (key: string) => batch.files.get(key)!.trimEnd().split('\n').length - 1;
    expect(await count(driver, 'sales_transactions')).toBe(committed.reduce((a, k) => a + rowsIn(k), 0));
    expect((await copyJobDetail(driver)).map((d) => d.file_name)).not.toContain(victim);
    const restart = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket });
    expect(restart.filesFailed).toBe(0);
    expect(restart.filesLoaded + restart.filesSkipped).toBe(batch.files.size);
    expect(await count(driver, 'sales_transactions')).toBe(batch.sales.length);
    expect(await count(driver, 'inventory_updates')).toBe(batch.inventory.length);
    // The views saw every row exactly once, the crashed attempt included.
    const [overall] = await driver.query<{ sale_lines: number; units: number }>(
      'SELECT sale_lines, units FROM retail.v_revenue_overall',
    );
    expect(overall).toEqual({ sale_lines: batch.sales.length, units: batch.sales.reduce((a, s) => a + s.quantity, 0) });
  });
});

describe(`a file's load is one unit nothing else joins, on ${backendName}`, () => {
  let driver: CopyDriver & { close(): Promise<void> };
  let landing: Landing;
  useWarehouseAndLanding((d, l) => ([driver, landing] = [d, l]), { resetEach: true });
  /** Stands for the twin's ledger: writes made on the same driver by someone else while files load. */
  const sideWrites = async () =>
    (await driver.query<{ n: number }>('SELECT n FROM public.side_writes ORDER BY n')).map((r) => r.n);
  beforeEach(async () => {
    await driver.exec('CREATE TABLE IF NOT EXISTS public.side_writes (n INT NOT NULL)');
    await driver.exec('TRUNCATE public.side_writes');
  });

  it('a statement sent while a file loads waits for its commit, so a crash there rolls back nothing else', async () => {
    const batch = landingBatch([{ start: '2026-11-27T13:00:00Z', minutes: 5, seed: 7, saleLines: 60 }], 100);
    await putBatch(landing, batch);
    const victim = [...batch.files.keys()][0];
    let reached!: () => void;
    const atCommit = new Promise<void>((resolve) => (reached = resolve));
    let crash!: () => void;
    const crashed = new Promise<void>((resolve) => (crash = resolve));
    const run = loadLandingFiles({
      driver,
      s3: landing.s3,
      bucket: landing.bucket,
      faults: {
        async beforeCommit(key) {
          if (key !== victim) return;
          reached();
          await crashed;
          throw new Error('simulated crash');
        },
      },
    });
    run.catch(() => undefined);
    await atCommit;
    // Another writer (the twin's ledger) sends a write while the victim's transaction is open.
    const write = driver.exec('INSERT INTO public.side_writes (n) VALUES (1)');
    await new Promise((resolve) => setTimeout(resolve, 50));
    crash();
    await expect(run).rejects.toThrow(LoaderCrash);
    await write;
    expect(await sideWrites()).toEqual([1]);
    expect((await copyJobDetail(driver)).map((d) => d.file_name)).not.toContain(victim);
  });

  it.each(loadSteps)(
    'a crash at %s leaves each file whole or absent and the other writes in; a restart loads each file once',
    async (at) => {
      const batch = landingBatch([{ start: '2026-11-27T14:00:00Z', minutes: 5, seed: 8, saleLines: 200 }], 100);
      await putBatch(landing, batch);
      const keys = [...batch.files.keys()].sort();
      let writes = 0;
      // A writer that is not the loader, as the twin's producers are.
      const sideWrite = () => driver.exec(`INSERT INTO public.side_writes (n) VALUES (${++writes})`);
      const crashOnce = new Set<string>();
      for (let restarts = 0; ; restarts++) {
        expect(restarts).toBeLessThanOrEqual(keys.length);
        try {
          await loadLandingFiles({
            driver,
            s3: landing.s3,
            bucket: landing.bucket,
            refresh: false,
            faults: {
              [at]: (key: string) => {
                // Someone else writes at every step, unawaited, as the twin's producers do.
                void sideWrite();
                if (crashOnce.has(key)) return;
                crashOnce.add(key);
                throw new Error(`crash at ${at}`);
              },
            },
          });
          break;
        } catch (error) {
          expect(error).toBeInstanceOf(LoaderCrash);
        }
      }
      expect(await sideWrites()).toEqual(Array.from({ length: writes }, (_, i) => i + 1));
      const detail = await copyJobDetail(driver);
      expect(detail.map((d) => d.file_name).sort()).toEqual(keys);
      expect(detail.every((d) => d.status === 'loaded')).toBe(true);
      expect(await count(driver, 'sales_transactions')).toBe(batch.sales.length);
      expect(await count(driver, 'inventory_updates')).toBe(batch.inventory.length);
    },
  );

  it('reloads a failed file once, by name, as a new attempt; the database refuses a second loaded row', async () => {
    const batch = landingBatch([{ start: '2026-11-27T15:00:00Z', minutes: 5, seed: 9, saleLines: 80 }], 100);
    await putBatch(landing, batch);
    const victim = [...batch.files.keys()].find((k) => k.startsWith('sales/'))!;
    // A cause outside the file (a constraint added by hand, say) fails its COPY; the file is the same bytes after.
    await driver.exec(
      `ALTER TABLE retail.sales_transactions ADD CONSTRAINT not_this_window CHECK (transaction_id NOT LIKE 'T-20261127T150000-9-%')`,
    );
    const first = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket });
    expect(first.failures.map((f) => f.key)).toContain(victim);
    await driver.exec('ALTER TABLE retail.sales_transactions DROP CONSTRAINT not_this_window');
    // Not asked: skipped, as auto-copy skips it.
    expect((await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket })).filesLoaded).toBe(0);
    const reload = new Set(first.failures.map((f) => f.key));
    const again = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket, reload });
    expect(again).toMatchObject({ filesLoaded: first.failures.length, filesFailed: 0 });
    expect(reload.size).toBe(0);
    expect(await count(driver, 'sales_transactions')).toBe(batch.sales.length);
    const rows = await driver.query<{ attempt: number; status: string }>(
      `SELECT "attempt", "status" FROM ${COPY_JOB_DETAIL} WHERE "file_name" = $1 ORDER BY "attempt"`,
      [victim],
    );
    expect(rows).toEqual([
      { attempt: 1, status: 'failed' },
      { attempt: 2, status: 'loaded' },
    ]);
    // Asked again: a loaded file is never loaded twice, and the load log cannot say it was.
    const twice = await loadLandingFiles({
      driver,
      s3: landing.s3,
      bucket: landing.bucket,
      reload: new Set([victim]),
    });
    expect(twice.filesLoaded).toBe(0);
    await expect(
      driver.exec(
        `INSERT INTO ${COPY_JOB_DETAIL} ("job_name", "file_name", "attempt", "status", "rows_loaded", "bytes", "loaded_at") VALUES ('x', '${victim}', 3, 'loaded', 1, 1, now())`,
      ),
    ).rejects.toThrow(/copy_job_detail_loaded_once/);
  });
});

describe('loader preconditions', () => {
  it('explains that the migrations must run first', async () => {
    const driver = await openTestWarehouse({ migrate: false });
    try {
      const s3 = {} as never;
      await expect(loadLandingFiles({ driver, s3, bucket: 'b' })).rejects.toThrow(
        /cannot read retail\.copy_job_detail .*apply the Postgres migrations/,
      );
    } finally {
      await driver.close();
    }
  });
});

describe('checkHeader', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it('accepts the contract header with CRLF or a BOM', () => {
    expect(checkHeader('sales', enc(saleLine.columns.join(',') + '\r\nx'))).toBeUndefined();
    expect(checkHeader('sales', enc('\uFEFF' + saleLine.columns.join(',') + '\n'))).toBeUndefined();
  });
  it('names what is missing for an empty file', () => {
    expect(checkHeader('inventory', enc(''))).toMatch(/missing update_id, product_id/);
  });
});
