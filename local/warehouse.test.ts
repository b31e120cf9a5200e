// The twin's warehouse on open: damage PGlite cannot open is named with a way out, and
// --fresh (the twin's own directory only) is that way out; so is a warehouse from before the first release.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCatalog } from '../kernel/catalog';
import { openTwinWarehouse, WarehouseRefused } from './warehouse';

const root = mkdtempSync(join(tmpdir(), 'twin-warehouse-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('names damage PGlite cannot open, and --fresh starts the directory again', async () => {
  const dataDir = join(root, 'pgdata');
  const catalog = buildCatalog();
  const made = await openTwinWarehouse({ dataDir, fresh: false, catalog });
  expect((await made.books()).balanced).toBe(true);
  await made.close();

  // The cluster's control file overwritten: Postgres cannot start from it.
  writeFileSync(join(dataDir, 'global', 'pg_control'), Buffer.alloc(8192, 0x5a));
  const refused = openTwinWarehouse({ dataDir, fresh: false, catalog });
  await expect(refused).rejects.toThrow(WarehouseRefused);
  await expect(refused).rejects.toThrow(
    `the warehouse in ${dataDir} is damaged: PGlite cannot open it (PGlite failed to initialize properly). Start it again with --fresh (this deletes that twin data directory and its warehouse), or move the directory aside to keep it and give a new --data-dir.`,
  );

  const again = await openTwinWarehouse({ dataDir, fresh: true, catalog });
  try {
    expect(await again.windows()).toEqual([]);
    expect(await again.books()).toMatchObject({ balanced: true, windows: 0, tables: { sales: 0, inventory: 0 } });
  } finally {
    await again.close();
  }
});

it('refuses a warehouse made before the first release, naming the command that recreates it', async () => {
  const dataDir = join(root, 'pre-release');
  const catalog = buildCatalog();
  const made = await openTwinWarehouse({ dataDir, fresh: false, catalog });
  // What code from before 0.1.0 left: a 0002_tables of another checksum.
  await made.driver.exec(
    `UPDATE public.warehouse_migrations SET checksum = '${'0'.repeat(64)}' WHERE id = '0002_tables'`,
  );
  await made.close();
  const refused = openTwinWarehouse({ dataDir, fresh: false, catalog });
  await expect(refused).rejects.toThrow(WarehouseRefused);
  await expect(refused).rejects.toThrow(
    `was made by code from before release 0.1.0, the first release (or by an unreleased build): there is no upgrade path from it. Recreate it with\n  npm start -- --data-dir ${dataDir} --fresh\n`,
  );
  const again = await openTwinWarehouse({ dataDir, fresh: true, catalog });
  await again.close();
});

it("reads the dashboard as the analysts' role: a view that role may not read fails, as it would for QuickSight", async () => {
  const dataDir = join(root, 'readers');
  const warehouse = await openTwinWarehouse({ dataDir, fresh: false, catalog: buildCatalog() });
  try {
    const rows = await warehouse.dashboard();
    expect(Object.keys(rows).length).toBeGreaterThan(0);
    // The role ends with the dashboard's transaction: the twin's own statements run as before.
    expect(await warehouse.driver.query('SELECT current_user = session_user AS same')).toEqual([{ same: true }]);
    await warehouse.driver.exec('REVOKE SELECT ON retail.v_revenue_overall FROM bfstream_analyst');
    await expect(warehouse.dashboard()).rejects.toThrow('permission denied for view v_revenue_overall');
  } finally {
    await warehouse.close();
  }
});
