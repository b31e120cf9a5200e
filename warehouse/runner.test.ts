import { buildMigrations, checksumOf, migrationsHash, type Migration } from './migrations';
import { applyMigrations, MigrationChangedError, MIGRATIONS_TABLE, type CopyDriver } from './runner';
import { backendName, openTestWarehouse, testCatalog } from '../test/support/warehouse';

const migration = (id: string, statements: string[], transactional = true): Migration => ({
  id,
  statements,
  transactional,
  checksum: checksumOf(statements, transactional),
});

describe(`migration runner on ${backendName}`, () => {
  let driver: CopyDriver & { close(): Promise<void> };
  beforeEach(async () => {
    driver = await openTestWarehouse({ migrate: false });
  });
  afterEach(async () => {
    await driver?.close();
  });

  it('applies the migrations in order once, records them, and skips them the next time', async () => {
    const migrations = buildMigrations({ dialect: 'postgres' }, testCatalog());
    expect(migrations.map((m) => m.id)).toEqual([
      '0001_schema',
      '0002_tables',
      '0004_views',
      '0004_views_grants',
      '0006_load_log_attempts',
      '0007_load_error_ledger',
      'R__dims',
      'R__grants',
      'R__views',
    ]);
    expect(await applyMigrations(driver, migrations)).toEqual({ applied: migrations.map((m) => m.id), skipped: [] });
    expect(await applyMigrations(driver, migrations)).toEqual({ applied: [], skipped: migrations.map((m) => m.id) });
    const recorded = await driver.query<{ id: string; checksum: string }>(
      `SELECT id, checksum FROM ${MIGRATIONS_TABLE} ORDER BY id`,
    );
    expect(recorded).toEqual(migrations.map((m) => ({ id: m.id, checksum: m.checksum })));
    // Dims loaded once, from the catalog.
    const [{ n }] = await driver.query<{ n: number }>('SELECT COUNT(*) AS n FROM retail.products');
    expect(n).toBe(testCatalog().products.length);
    // A migration added later is applied alone.
    const more = [...migrations, migration('0005_note', [`COMMENT ON TABLE retail.products IS 'catalog'`])].sort(
      (a, b) => (a.id < b.id ? -1 : 1),
    );
    expect(await applyMigrations(driver, more)).toEqual({
      applied: ['0005_note'],
      skipped: migrations.map((m) => m.id),
    });
  });

  it('re-applies a repeatable migration when its checksum changes (a new catalog), and nothing else', async () => {
    const before = buildMigrations({ dialect: 'postgres' }, testCatalog());
    await applyMigrations(driver, before);
    const smaller = { ...testCatalog(), products: testCatalog().products.slice(0, 5) };
    const after = buildMigrations({ dialect: 'postgres' }, smaller);
    expect(await applyMigrations(driver, after)).toEqual({
      applied: ['R__dims'],
      skipped: [
        '0001_schema',
        '0002_tables',
        '0004_views',
        '0004_views_grants',
        '0006_load_log_attempts',
        '0007_load_error_ledger',
        'R__grants',
        'R__views',
      ],
    });
    const [{ n }] = await driver.query<{ n: number }>('SELECT COUNT(*) AS n FROM retail.products');
    expect(n).toBe(5);
    // One tracking row per repeatable, holding its latest checksum.
    expect(await driver.query(`SELECT checksum FROM ${MIGRATIONS_TABLE} WHERE id = 'R__dims'`)).toEqual([
      { checksum: after.find((m) => m.id === 'R__dims')!.checksum },
    ]);
    expect(await applyMigrations(driver, after)).toEqual({ applied: [], skipped: after.map((m) => m.id) });
  });

  it('refuses, with a clear error, a migration edited after it was applied, and applies nothing', async () => {
    const original = [
      migration('0001_a', ['CREATE TABLE edited_a (x INTEGER)']),
      migration('0002_b', ['CREATE TABLE edited_b (x INTEGER)']),
    ];
    await applyMigrations(driver, original);
    const edited = [
      migration('0001_a', ['CREATE TABLE edited_a (x BIGINT)']),
      original[1],
      migration('0003_c', ['CREATE TABLE edited_c (x INTEGER)']),
    ];
    const attempt = applyMigrations(driver, edited);
    await expect(attempt).rejects.toThrow(MigrationChangedError);
    await expect(attempt).rejects.toThrow(
      `refusing to migrate: 1 applied migration(s) changed since they were applied. Applied migrations are immutable; add a new migration instead.\n- 0001_a: applied checksum ${original[0].checksum}, now ${edited[0].checksum}`,
    );
    expect(await driver.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'edited_c'`)).toEqual([]);
  });

  it('rolls back a failing transactional migration with its tracking row', async () => {
    const bad = migration('0001_bad', ['CREATE TABLE half_done (x INTEGER)', 'SELECT no_such_column FROM half_done']);
    await expect(applyMigrations(driver, [bad])).rejects.toThrow(/migration 0001_bad failed: .*no_such_column/);
    expect(await driver.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`)).toEqual([]);
    expect(await driver.query(`SELECT id FROM ${MIGRATIONS_TABLE}`)).toEqual([]);
  });

  it('rejects a list out of order, with duplicates, or whose checksum does not match its statements', async () => {
    const a = migration('0001_a', ['SELECT 1']);
    const b = migration('0002_b', ['SELECT 2']);
    await expect(applyMigrations(driver, [b, a])).rejects.toThrow(
      'migrations must be listed in id order, got 0002_b, 0001_a',
    );
    await expect(applyMigrations(driver, [a, a])).rejects.toThrow('migration id 0001_a appears twice');
    await expect(applyMigrations(driver, [{ ...a, statements: ['SELECT 3'] }])).rejects.toThrow(
      /migration 0001_a checksum \w+ does not match its statements/,
    );
  });
});

describe('migrationsHash', () => {
  it('changes when any migration changes and not otherwise', () => {
    const dims = testCatalog();
    const a = buildMigrations({ dialect: 'postgres' }, dims);
    expect(migrationsHash(a)).toBe(migrationsHash(buildMigrations({ dialect: 'postgres' }, dims)));
    expect(migrationsHash(a)).not.toBe(
      migrationsHash(buildMigrations({ dialect: 'postgres' }, { ...dims, stores: dims.stores.slice(1) })),
    );
  });
});
