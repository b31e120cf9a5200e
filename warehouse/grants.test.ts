// The persona database roles, tested in the twin's warehouse (PGlite, or the Postgres
// server in DATABASE_URL): the analyst reads every view and nothing else, and writes
// nothing; the engineer reads every table of the schema and writes nothing either.
import { analystObjects, databaseRoles, grantsMigration, renderGrants } from './grants';
import { buildMigrations, COPY_JOB_DETAIL } from './migrations';
import type { CopyDriver } from './runner';
import { MIGRATIONS_TABLE } from './runner';
import { allViews, qualified, tables } from './schema';
import { openTestWarehouse, testCatalog } from '../test/support/warehouse';

let warehouse: CopyDriver & { close(): Promise<void> };

beforeAll(async () => {
  warehouse = await openTestWarehouse();
}, 60_000);
afterAll(() => warehouse?.close());

/** Runs one statement as a database role; returns the error message, or 'ok'. */
async function as(role: string, sql: string): Promise<string> {
  await warehouse.exec(`SET ROLE ${role}`);
  try {
    await warehouse.query(sql);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await warehouse.exec('RESET ROLE');
  }
}

const SALES = qualified(tables.sales_transactions.name);
const PRODUCTS = qualified(tables.products.name);
const firstView = analystObjects[0];

describe('persona database roles (migration 0004_views_grants)', () => {
  test('run right after the views, in both dialects', () => {
    const ids = buildMigrations({ dialect: 'postgres' }, testCatalog()).map((m) => m.id);
    // (the last versioned ones: repeatable R__ migrations run after every versioned one)
    expect(ids.filter((id) => !id.startsWith('R__')).slice(-3, -1)).toEqual(['0004_views', '0004_views_grants']);
    const redshift = buildMigrations(
      {
        dialect: 'redshift',
        copyRoleArn: 'arn:aws:iam::123456789012:role/copy',
        bucket: 'landing-bucket',
        region: 'us-east-1',
      },
      testCatalog(),
    );
    expect(redshift.find((m) => m.id === '0004_views_grants')).toEqual(grantsMigration('redshift'));
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

  test('Redshift gets its own grammar: GRANT ... TO ROLE, GRANT ROLE, a plain CREATE ROLE', () => {
    const redshift = renderGrants('redshift');
    expect(redshift.slice(0, 2)).toEqual(['CREATE ROLE bfstream_analyst', 'CREATE ROLE bfstream_engineer']);
    expect(redshift).toContain('GRANT ROLE bfstream_analyst TO ROLE bfstream_engineer');
    expect(redshift).toContain(`GRANT SELECT ON ${analystObjects.join(', ')} TO ROLE bfstream_analyst`);
    expect(redshift.join('\n')).not.toMatch(/\bDO \$/);
    expect(renderGrants('postgres')).toContain('GRANT bfstream_analyst TO bfstream_engineer');
  });
});
