// The warehouse books cannot pass falsely, and every failed load has a way back (issue 22):
// loader crashes roll back nothing but the file they hit, a window the ledger lost is named
// and guarded, and a file whose load failed is loaded again, once, by --reload-failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCatalog } from '../kernel/catalog';
import { runTwin, TwinRefused, type TwinOptions } from '../local/twin';
import { openTwinWarehouse } from '../local/warehouse';
import { COPY_JOB_DETAIL } from '../warehouse/migrations';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twin-books-'));
  dirs.push(dir);
  return join(dir, 'pgdata');
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// In-process consumers: these runs prove the books, not the worker threads, and start faster.
const small: TwinOptions = {
  functions: 'source',
  consumerWorkers: false,
  windowMinutes: 15,
  eventsPerRun: 200,
  seed: 3,
};

/** Runs SQL on the twin's warehouse between runs (the twin is not running, so its directory is free). */
async function onWarehouse<T>(dir: string, work: (w: Awaited<ReturnType<typeof openTwinWarehouse>>) => Promise<T>) {
  const warehouse = await openTwinWarehouse({ dataDir: dir, fresh: false, catalog: buildCatalog() });
  try {
    return await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

it('loader crashes at 90% roll back only the file they hit: every window is in the ledger, and the books balance truly', async () => {
  const runs = 24;
  const report = await runTwin({
    ...small,
    windowMinutes: 5,
    runs,
    dataDir: dataDir(),
    fresh: true,
    chaos: {
      seed: 1,
      rates: {
        consumerCrash: 0,
        s3PutFailure: 0,
        duplicateDelivery: 0,
        malformedEvents: 0,
        poisonMessages: 0,
        loaderCrash: 0.9,
      },
    },
  });
  expect(report.loader.crashes).toBeGreaterThan(runs);
  expect(report.warehouseBooks).toMatchObject({
    windows: runs,
    problems: [],
    balanced: true,
    produced: report.events,
    tables: report.events,
  });
}, 480_000);

it('a window the tables hold but the ledger lost is NOT BALANCED by name; a --start over it is refused; --repair clears it', async () => {
  const dir = dataDir();
  const first = await runTwin({ ...small, runs: 2, dataDir: dir, fresh: true });
  expect(first.warehouseBooks?.balanced).toBe(true);
  // The ledger loses the 06:15 window (as a rolled-back ledger write did before loads were atomic).
  const books = await onWarehouse(dir, async (w) => {
    await w.driver.exec(`DELETE FROM twin.windows WHERE window_start = '2026-11-27 06:15:00'`);
    return w.books();
  });
  expect(books.balanced).toBe(false);
  expect(books.unlisted).toEqual(['20261127T061500-3']);
  expect(books.problems.join('\n')).toMatch(
    /1 window\(s\) in the tables that the ledger does not list, so nothing says what they produced: 2026-11-27 06:15 seed 3\. Run again with --repair/,
  );
  // A run over those minutes with another seed would put a second set of events in them.
  const refused = runTwin({ ...small, seed: 5, runs: 1, start: '2026-11-27T06:15:00Z', dataDir: dir });
  await expect(refused).rejects.toThrow(TwinRefused);
  await expect(refused).rejects.toThrow(/overlap 1 window\(s\) the tables hold but the ledger does not list/);
  // Without --start the run goes after every event the tables hold, not after the ledger's last window.
  const after = await runTwin({ ...small, runs: 1, dataDir: dir });
  expect(after.settings.start).toBe('2026-11-27T06:30:00Z');
  expect(after.warehouseBooks?.balanced).toBe(false);
  const repaired = await runTwin({ ...small, runs: 1, dataDir: dir, repair: true });
  expect(repaired.warehouseBooks).toMatchObject({ balanced: true, unlisted: [], windows: 3 });
}, 480_000);

it('a file whose load failed is named with the way back; --reload-failed loads it once, and says so when it fails again', async () => {
  const dir = dataDir();
  // A cause outside the files: a constraint refuses the 06:15 window's sales, until it is dropped.
  await onWarehouse(dir, (w) =>
    w.driver.exec(
      `ALTER TABLE retail.sales_transactions ADD CONSTRAINT hold_0615 CHECK (transaction_id NOT LIKE 'T-20261127T061500-3-%')`,
    ),
  );
  const first = await runTwin({ ...small, runs: 2, dataDir: dir });
  const failed = first.warehouseBooks!.failedFiles;
  expect(failed.length).toBeGreaterThan(0);
  expect(failed.every((k) => k.includes('20261127T061500-3'))).toBe(true);
  expect(first.warehouseBooks!.balanced).toBe(false);
  const said = first.warehouseBooks!.problems.join('\n');
  expect(said).toMatch(/landing file\(s\) failed to load, and no run loads them again by itself/);
  expect(said).toMatch(/npm start -- --reload-failed/);
  expect(said).not.toMatch(/the next run finishes them/);

  // Not fixed yet: one more attempt each, recorded, still failed.
  const notYet = await runTwin({ ...small, dataDir: dir, reloadFailed: true });
  expect(notYet.settings.runs).toBe(1);
  expect(notYet.warehouseBooks).toMatchObject({ balanced: false, failedFiles: failed });

  await onWarehouse(dir, (w) => w.driver.exec('ALTER TABLE retail.sales_transactions DROP CONSTRAINT hold_0615'));
  const reloaded = await runTwin({ ...small, dataDir: dir, reloadFailed: true });
  expect(reloaded.books?.balanced).toBe(true);
  expect(reloaded.warehouseBooks).toMatchObject({ balanced: true, problems: [], failedFiles: [], windows: 2 });
  const attempts = await onWarehouse(dir, (w) =>
    w.driver.query<{ attempt: number; status: string; n: number }>(
      `SELECT "attempt", "status", COUNT(*)::int AS n FROM ${COPY_JOB_DETAIL} WHERE "file_name" = ANY($1) GROUP BY 1, 2 ORDER BY 1`,
      [failed],
    ),
  );
  expect(attempts).toEqual([
    { attempt: 1, status: 'failed', n: failed.length },
    { attempt: 2, status: 'failed', n: failed.length },
    { attempt: 3, status: 'loaded', n: failed.length },
  ]);
  // Nothing left to reload: refused, nothing moved.
  await expect(runTwin({ ...small, dataDir: dir, reloadFailed: true })).rejects.toThrow(
    '--reload-failed: nothing to reload: no landing file in the load log failed without a later load, and no window is unfinished.',
  );
}, 480_000);
