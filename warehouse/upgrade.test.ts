// Every frozen release upgrades to HEAD: its migrations applied as it shipped them, a season
// of data loaded through the twin's loader, then HEAD's migrations. Nothing fails, no row is
// lost, every view gives the same answers, and loads after the upgrade reach the views. In
// PGlite, or on the Postgres server in DATABASE_URL (PostgreSQL 15 in CI's service).
import { buildCatalog } from '../kernel/catalog';
import { databaseRoles } from './grants';
import { loadLandingFiles, refreshViews } from './loader';
import { buildMigrations } from './migrations';
import { runDashboardQueries } from './queries';
import { releases } from './releases';
import { applyMigrations, type CopyDriver } from './runner';
import { allViews, factTableDefs, qualified } from './schema';
import {
  backendName,
  landingBatch,
  openTestWarehouse,
  putBatch,
  startLanding,
  type Landing,
} from '../test/support/warehouse';

type Driver = CopyDriver & { close(): Promise<void> };

async function factCounts(driver: Driver): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of factTableDefs)
    out[t.name] = (await driver.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${qualified(t.name)}`))[0].n;
  return out;
}

/** Every row of every view, in a stable order. */
async function viewContents(driver: Driver): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const v of allViews) {
    const rows = await driver.query(`SELECT * FROM ${qualified(v.name)}`);
    out[v.name] = rows
      .map((r) => [JSON.stringify(r), r] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, r]) => r);
  }
  return out;
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
      expect((await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket })).failures).toEqual([]);
      const counts = await factCounts(driver);
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
      expect(await factCounts(driver)).toEqual(counts);
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
      expect((await factCounts(driver)).sales_transactions).toBe(season.sales.length + later.sales.length);
      expect(await applyMigrations(driver, head)).toEqual({ applied: [], skipped: head.map((m) => m.id) });
    }, 300_000);
  },
);

/** Runs one statement as a database role; returns the error message, or 'ok'. */
async function asRole(driver: Driver, role: string, sql: string): Promise<string> {
  await driver.exec(`SET ROLE ${role}`);
  try {
    await driver.query(sql);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await driver.exec('RESET ROLE');
  }
}
