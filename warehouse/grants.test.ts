// The persona database roles, tested in the twin's warehouse (PGlite, or the Postgres
// server in DATABASE_URL): the analyst reads every view and nothing else, and writes
// nothing; the engineer reads every table of the schema, including tables made later, and
// writes nothing either.
import { analystObjects, databaseRoles, renderGrants, renderViewGrants } from './grants';
import { buildMigrations, COPY_JOB_DETAIL, versionedMigrations } from './migrations';
import type { CopyDriver } from './runner';
import { MIGRATIONS_TABLE } from './runner';
import { allViews, qualified, tables } from './schema';
import { asRole, openTestWarehouse, testCatalog } from '../test/support/warehouse';

let warehouse: CopyDriver & { close(): Promise<void> };

beforeAll(async () => {
  warehouse = await openTestWarehouse();
}, 60_000);
afterAll(() => warehouse?.close());

/** Runs one statement as a database role; returns the error message, or 'ok'. */
const as = (role: string, sql: string) => asRole(warehouse, role, sql);

const SALES = qualified(tables.sales_transactions.name);
const PRODUCTS = qualified(tables.products.name);
const firstView = analystObjects[0];

describe('persona database roles (created by 0004_views_grants; grants in R__grants and R__views)', () => {
  test('roles once in a versioned migration, grants repeatable after the views, in both dialects', () => {
    const redshiftTarget = {
      dialect: 'redshift',
      copyRoleArn: 'arn:aws:iam::123456789012:role/copy',
      bucket: 'landing-bucket',
      region: 'us-east-1',
    } as const;
    for (const [dialect, target] of [
      ['postgres', { dialect: 'postgres' }],
      ['redshift', redshiftTarget],
    ] as const) {
      const list = buildMigrations(target, testCatalog());
      const ids = list.map((m) => m.id);
      // Repeatables run after every versioned one, in id order: grants before views.
      expect(ids.indexOf('R__grants')).toBeLessThan(ids.indexOf('R__views'));
      expect(list.find((m) => m.id === 'R__grants')!.statements).toEqual(renderGrants(dialect));
      expect(list.find((m) => m.id === 'R__views')!.statements.slice(-1)).toEqual(renderViewGrants(dialect));
      const roles = versionedMigrations(dialect).find((m) => m.id === '0004_views_grants')!.statements;
      for (const role of Object.values(databaseRoles)) expect(roles.join('\n')).toContain(`CREATE ROLE ${role}`);
      expect(list.filter((m) => m.repeatable).flatMap((m) => m.statements)).not.toContainEqual(
        expect.stringMatching(/CREATE ROLE/),
      );
    }
    expect(analystObjects).toEqual(allViews.map((v) => qualified(v.name)));
  });

  test('the analyst reads every view', async () => {
    for (const view of analystObjects)
      expect([view, await as(databaseRoles.analyst, `SELECT * FROM ${view} LIMIT 1`)]).toEqual([view, 'ok']);
  });

  test('the analyst cannot read raw tables, dims or the bookkeeping tables', async () => {
    for (const table of [
      SALES,
      qualified(tables.inventory_updates.name),
      PRODUCTS,
      COPY_JOB_DETAIL,
      MIGRATIONS_TABLE,
    ]) {
      expect([table, await as(databaseRoles.analyst, `SELECT * FROM ${table} LIMIT 1`)]).toEqual([
        table,
        expect.stringMatching(/permission denied/),
      ]);
    }
  });

  test('the analyst writes nothing: no insert, update, delete or DDL anywhere', async () => {
    const denied = expect.stringMatching(/permission denied|cannot insert into view|must be owner/);
    expect(await as(databaseRoles.analyst, `INSERT INTO ${SALES} SELECT * FROM ${SALES} LIMIT 0`)).toEqual(denied);
    expect(await as(databaseRoles.analyst, `DELETE FROM ${firstView}`)).toEqual(denied);
    expect(await as(databaseRoles.analyst, `UPDATE ${PRODUCTS} SET name = name`)).toEqual(denied);
    expect(await as(databaseRoles.analyst, `CREATE TABLE ${qualified('analyst_scratch')} (x INT)`)).toEqual(denied);
    expect(await as(databaseRoles.analyst, 'CREATE TABLE public.analyst_scratch (x INT)')).toEqual(denied);
    expect(await as(databaseRoles.analyst, `DROP VIEW ${qualified(allViews.at(-1)!.name)}`)).toEqual(denied);
  });

  test('the engineer reads every table of the schema, and still writes nothing', async () => {
    for (const table of [SALES, PRODUCTS, COPY_JOB_DETAIL, firstView])
      expect([table, await as(databaseRoles.engineer, `SELECT * FROM ${table} LIMIT 1`)]).toEqual([table, 'ok']);
    expect(await as(databaseRoles.engineer, `SELECT * FROM ${MIGRATIONS_TABLE}`)).toMatch(/permission denied/);
    expect(await as(databaseRoles.engineer, `DELETE FROM ${SALES}`)).toMatch(/permission denied/);
  });

  test('the engineer reads a table made after the grants, with no grant re-applied', async () => {
    // A later release's versioned migration adds a table (say a ledger): the default privileges
    // (Redshift: the scoped permission) already cover it.
    const later = qualified('table_made_later');
    await warehouse.exec(`CREATE TABLE ${later} (x INT)`);
    try {
      expect(await as(databaseRoles.engineer, `SELECT * FROM ${later}`)).toBe('ok');
      expect(await as(databaseRoles.analyst, `SELECT * FROM ${later}`)).toMatch(/permission denied/);
    } finally {
      await warehouse.exec(`DROP TABLE ${later}`);
    }
  });

  test('Redshift gets its own grammar: GRANT ... TO ROLE, and a scoped SELECT for tables made later', () => {
    const redshift = renderGrants('redshift');
    expect(redshift).toContain('GRANT SELECT FOR TABLES IN SCHEMA retail TO ROLE bfstream_engineer');
    expect(renderViewGrants('redshift')).toEqual([
      `GRANT SELECT ON ${analystObjects.join(', ')} TO ROLE bfstream_analyst`,
    ]);
    expect(redshift.join('\n')).not.toMatch(/\bDO \$|DEFAULT PRIVILEGES/);
    expect(renderGrants('postgres')).toContain(
      'ALTER DEFAULT PRIVILEGES IN SCHEMA retail GRANT SELECT ON TABLES TO bfstream_engineer',
    );
  });
});
