// Every frozen release upgrades to HEAD: its migrations applied as it shipped them, a season
// of data loaded through the twin's loader, then HEAD's migrations. Nothing fails, no row is
// lost, every view gives the same answers, and loads after the upgrade reach the views. In
// PGlite, or on the Postgres server in DATABASE_URL (PostgreSQL 15: docs/WAREHOUSE.md); and the
// Redshift dialect through the Data API driver against PGlite playing Redshift.
import { buildCatalog } from '../kernel/catalog';
import { streams, streamNames } from '../kernel/contracts';
import { fakeClient, startFakeRedshiftData } from '../test/support/fakeRedshiftData';
import { copyCsvSql } from './drivers/copy-sql';
import { RedshiftDataDriver } from './drivers/redshift-data';
import { databaseRoles } from './grants';
import { loadLandingFiles, refreshViews } from './loader';
import { buildMigrations, COPY_JOB_DETAIL, copyJobName, createdTables } from './migrations';
import { runDashboardQueries } from './queries';
import { releases, type FrozenRelease } from './releases';
import { applyMigrations, type CopyDriver } from './runner';
import { allViews, factTableDefs, qualified, type TableDef } from './schema';
import { literal, timestampLiteral } from './sql';
import {
  asRole,
  backendName,
  blankDataDir,
  TEST_PGLITE,
  landingBatch,
  openTestWarehouse,
  putBatch,
  startLanding,
  type Batch,
  type Landing,
} from '../test/support/warehouse';
import { createPglite } from './drivers/pglite';

type Driver = CopyDriver & { close(): Promise<void> };

/** The fact tables a release created: a stream's table added since exists only after the upgrade. */
function releasedFacts(release: FrozenRelease): TableDef[] {
  const created = createdTables(release.dialects.postgres);
  return factTableDefs.filter((t) => created.has(t.name));
}

async function factCounts(driver: Driver, facts: readonly TableDef[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of facts)
    out[t.name] = (await driver.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${qualified(t.name)}`))[0].n;
  return out;
}

/** Every row of every view, in a stable order. */
async function viewContents(driver: Driver): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const v of allViews) {
    const rows = await driver.query(`SELECT * FROM ${qualified(v.name)}`);
    out[v.name] = sortedRows(rows);
  }
  return out;
}

/** Rows in a stable order, whatever order the query returned them in. */
function sortedRows<T>(rows: T[]): T[] {
  return rows
    .map((r) => [JSON.stringify(r), r] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r);
}

/**
 * The season loaded as the released twin's loader loaded it: each file's COPY and its row in the
 * load log of that release's shape (one row per file, no attempt column). HEAD's loader reads a
 * load log of HEAD's shape, so it cannot stand in for the release's.
 */
async function loadAsReleased(driver: Driver, batch: Batch): Promise<void> {
  for (const [key, csv] of batch.files) {
    const stream = streamNames.find((s) => key.startsWith(streams[s].prefix))!;
    const { table, columns } = streams[stream].contract;
    const rows = await driver.copyCsv(qualified(table), columns, new TextEncoder().encode(csv));
    await driver.exec(
      `INSERT INTO ${COPY_JOB_DETAIL} ("job_name", "file_name", "status", "rows_loaded", "bytes", "error", "loaded_at") VALUES (${literal(copyJobName(table))}, ${literal(key)}, 'loaded', ${rows}, ${csv.length}, NULL, ${timestampLiteral(new Date())})`,
    );
  }
}

describe.each(releases.map((r) => [r.version, r] as const))(
  `upgrade from release %s to HEAD (${backendName})`,
  (_, release) => {
    const { seed, products, stores } = release.renderedWith.catalog;
    const catalog = buildCatalog(seed, { products, stores });
    let driver: Driver;
    let landing: Landing;
    beforeAll(async () => {
      [driver, landing] = await Promise.all([openTestWarehouse({ migrate: false }), startLanding()]);
    }, 60_000);
    afterAll(async () => {
      await Promise.all([driver?.close(), landing?.stop()]);
    });

    it('keeps every row and every view answer, and the views keep up with later loads', async () => {
      const frozen = release.dialects.postgres;
      expect((await applyMigrations(driver, frozen)).applied).toEqual(frozen.map((m) => m.id));
      const season = landingBatch(
        [
          { start: '2026-11-27T05:30:00Z', minutes: 60, seed: 21, saleLines: 1500 },
          { start: '2026-11-28T18:00:00Z', minutes: 30, seed: 22, saleLines: 600 },
        ],
        400,
        catalog,
      );
      await putBatch(landing, season);
      await loadAsReleased(driver, season);
      await refreshViews(driver);
      const facts = releasedFacts(release);
      const counts = await factCounts(driver, facts);
      expect(counts).toEqual({ sales_transactions: season.sales.length, inventory_updates: season.inventory.length });
      const views = await viewContents(driver);
      const dashboard = await runDashboardQueries(driver);

      const head = buildMigrations({ dialect: 'postgres' }, catalog);
      const released = new Map(frozen.map((m) => [m.id, m.checksum]));
      // What the release applied is skipped; only what is new or changed runs (repeatables, new versioned ones).
      expect(await applyMigrations(driver, head)).toEqual({
        applied: head.filter((m) => released.get(m.id) !== m.checksum).map((m) => m.id),
        skipped: head.filter((m) => released.get(m.id) === m.checksum).map((m) => m.id),
      });
      expect(await factCounts(driver, facts)).toEqual(counts);
      expect(await viewContents(driver)).toEqual(views);
      expect(await runDashboardQueries(driver)).toEqual(dashboard);
      for (const v of allViews)
        expect([
          v.name,
          await asRole(driver, databaseRoles.analyst, `SELECT 1 FROM ${qualified(v.name)} LIMIT 1`),
        ]).toEqual([v.name, 'ok']);

      // Loads after the upgrade: the recreated capture triggers feed the views, as a full recompute does.
      const later = landingBatch(
        [{ start: '2026-11-29T10:00:00Z', minutes: 30, seed: 23, saleLines: 500 }],
        400,
        catalog,
      );
      await putBatch(landing, later);
      const report = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket });
      expect(report).toMatchObject({ filesLoaded: later.files.size, filesSkipped: season.files.size, filesFailed: 0 });
      const incremental = await viewContents(driver);
      await refreshViews(driver, { full: true });
      expect(incremental).toEqual(await viewContents(driver));
      expect((await factCounts(driver, facts)).sales_transactions).toBe(season.sales.length + later.sales.length);
      expect(await applyMigrations(driver, head)).toEqual({ applied: [], skipped: head.map((m) => m.id) });
    }, 300_000);
  },
);

describe.each(releases.map((r) => [r.version, r] as const))(
  'upgrade from release %s to HEAD on Redshift (Data API driver, PGlite playing Redshift)',
  (_, release) => {
    it('applies only the new repeatables: facts, COPY JOBs and every view answer kept', async () => {
      const db = await createPglite({ loadDataDir: await blankDataDir() }, TEST_PGLITE.sharedBuffers);
      const fake = await startFakeRedshiftData(db);
      const client = fakeClient(fake);
      try {
        const driver = new RedshiftDataDriver(client, { workgroupName: 'bf-dev', database: 'retail', pollMs: 1 });
        const frozen = release.dialects.redshift;
        expect((await applyMigrations(driver, frozen)).applied).toEqual(frozen.map((m) => m.id));
        // A season of facts, as the COPY JOBs would have loaded it.
        const { seed, products, stores } = release.renderedWith.catalog;
        const catalog = buildCatalog(seed, { products, stores });
        const season = landingBatch(
          [{ start: '2026-11-27T05:30:00Z', minutes: 45, seed: 31, saleLines: 900 }],
          400,
          catalog,
        );
        for (const [key, csv] of season.files) {
          const { contract } = streams[streamNames.find((s) => key.startsWith(streams[s].prefix))!];
          await db.query(copyCsvSql(qualified(contract.table), contract.columns, "'/dev/blob'"), [], {
            blob: new Blob([csv]),
          });
        }
        await refreshViews(driver);
        const contents = async () => {
          const out: Record<string, unknown[]> = {};
          for (const v of allViews)
            out[v.name] = sortedRows(
              (await db.query<Record<string, unknown>>(`SELECT * FROM ${qualified(v.name)}`)).rows,
            );
          return out;
        };
        const views = await contents();
        const jobs = (await db.query<{ job_name: string }>('SELECT job_name, created_at FROM public.sys_copy_job'))
          .rows;

        const head = buildMigrations({ dialect: 'redshift', ...release.renderedWith.redshiftTarget }, catalog);
        const released = new Map(frozen.map((m) => [m.id, m.checksum]));
        expect(await applyMigrations(driver, head)).toEqual({
          applied: head.filter((m) => released.get(m.id) !== m.checksum).map((m) => m.id),
          skipped: head.filter((m) => released.get(m.id) === m.checksum).map((m) => m.id),
        });
        // The release's jobs are kept as they were; a stream added since gets its job.
        const after = (await db.query<{ job_name: string }>('SELECT job_name, created_at FROM public.sys_copy_job'))
          .rows;
        expect(sortedRows(after.filter((j) => jobs.some((k) => k.job_name === j.job_name)))).toEqual(sortedRows(jobs));
        expect(after.map((j) => j.job_name).sort()).toEqual(factTableDefs.map((t) => copyJobName(t.name)).sort());
        expect(JSON.stringify(fake.sent())).not.toMatch(/COPY JOB DROP/);
        expect(await contents()).toEqual(views);
        for (const t of factTableDefs)
          expect((await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${qualified(t.name)}`)).rows[0].n).toBe(
            // A stream's table added since the release is empty.
            t.name === 'sales_transactions'
              ? season.sales.length
              : t.name === 'inventory_updates'
                ? season.inventory.length
                : 0,
          );
      } finally {
        client.destroy();
        await fake.stop();
        await db.close();
      }
    }, 300_000);
  },
);
