import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { buildCatalog } from '../../kernel/catalog';
import { buildMigrations } from '../migrations';
import { withVerificationStore } from '../../kernel/verification';
import { applyMigrations, MIGRATIONS_TABLE } from '../runner';
import { blankDataDir, TEST_PGLITE } from '../../test/support/warehouse';
import { startFakeRedshiftData, type FakeRedshiftData } from '../../test/support/fakeRedshiftData';
import { RedshiftDataDriver, toNamedParameters } from './redshift-data';
import { createPglite } from './pglite';

const target = { workgroupName: 'bf-dev', database: 'retail', pollMs: 1 };
const clientFor = (fake: FakeRedshiftData) =>
  new RedshiftDataClient({
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
const dims = buildCatalog(7, { products: 4, stores: 2 });

describe('RedshiftDataDriver against a Data API endpoint on 127.0.0.1', () => {
  it('sends the Redshift migrations rendered by the same code: batches for transactional ones, single statements for COPY JOB', async () => {
    const fake = await startFakeRedshiftData();
    try {
      const migrations = buildMigrations(
        { dialect: 'redshift', copyRoleArn: 'arn:aws:iam::123456789012:role/copy', bucket: 'landing-bucket' },
        dims,
      );
      const driver = new RedshiftDataDriver(clientFor(fake), target);
      expect(await applyMigrations(driver, migrations)).toEqual({ applied: migrations.map((m) => m.id), skipped: [] });
      const sent = fake.sent();
      expect(sent[0]).toMatch(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE}`);
      expect(sent[1]).toBe(`SELECT id, checksum FROM ${MIGRATIONS_TABLE} ORDER BY id`);
      const record = (id: string) => expect.stringMatching(new RegExp(`^INSERT INTO ${MIGRATIONS_TABLE} .*'${id}'`));
      // Each transactional migration: one batch of its statements and its tracking row, named by its id.
      for (const m of migrations.filter((x) => x.transactional)) {
        const batch = fake.calls.find((c) => c.action === 'BatchExecuteStatement' && c.body.StatementName === m.id);
        expect(batch?.body.Sqls).toEqual([
          ...m.statements,
          ...(m.repeatable ? [expect.stringMatching(/^DELETE FROM/)] : []),
          record(m.id),
        ]);
      }
      // Each COPY JOB: looked up in SYS_COPY_JOB, a generation row, then CREATE alone (never in a batch), named by its id.
      for (const m of migrations.filter((x) => x.copyJob)) {
        const named = fake.calls
          .filter((c) => c.action.endsWith('ExecuteStatement') && c.body.StatementName === m.id)
          .map((c) => c.body.Sql ?? c.body.Sqls);
        expect(named).toEqual([
          expect.stringMatching(/^UPDATE retail\.copy_job_runs SET dropped_at = created_from/),
          expect.stringMatching(/^INSERT INTO retail\.copy_job_runs/),
          m.statements[0],
          [expect.stringMatching(/^DELETE FROM/), record(m.id)],
        ]);
        expect(m.statements[0]).toMatch(new RegExp(`JOB CREATE ${m.copyJob!.name} AUTO ON$`));
      }
      expect(sent.filter((s) => typeof s === 'string' && /SELECT job_name FROM sys_copy_job/.test(s))).toHaveLength(2);
      expect(JSON.stringify(sent)).not.toMatch(/COPY JOB DROP/);
      for (const c of fake.calls.filter((c) => c.action.endsWith('ExecuteStatement')))
        expect(c.body).toMatchObject({ WorkgroupName: 'bf-dev', Database: 'retail' });
      expect(fake.calls.some((c) => 'SecretArn' in c.body)).toBe(false);
      // It polled until the statements finished.
      expect(fake.calls.filter((c) => c.action === 'DescribeStatement').length).toBeGreaterThan(sent.length);
    } finally {
      await fake.stop();
    }
  });

  it('runs the runner end to end over HTTP against a real SQL engine, with typed, paged results', async () => {
    const db = await createPglite({ loadDataDir: await blankDataDir() }, TEST_PGLITE.sharedBuffers);
    const fake = await startFakeRedshiftData(db, { pageSize: 3 });
    try {
      const driver = new RedshiftDataDriver(clientFor(fake), {
        ...target,
        secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rs',
      });
      const migrations = buildMigrations({ dialect: 'postgres' }, dims);
      expect((await applyMigrations(driver, migrations)).applied).toHaveLength(migrations.length);
      expect(await applyMigrations(driver, migrations)).toEqual({ applied: [], skipped: migrations.map((m) => m.id) });
      const stores = await driver.query<{ store_id: string; n: number; at: Date; price: string }>(
        `SELECT store_id, 7 AS n, TIMESTAMP '2026-11-27 09:30:00' AS at, CAST(12.5 AS DECIMAL(12,2)) AS price FROM retail.stores WHERE store_id <> $1 ORDER BY store_id`,
        ['S999'],
      );
      // The catalog's stores, then the reserved verification store (kernel/verification.ts).
      expect(stores).toEqual(
        withVerificationStore(dims.stores).map((s) => ({
          store_id: s.store_id,
          n: 7,
          at: new Date('2026-11-27T09:30:00Z'),
          price: '12.50',
        })),
      );
      const products = await driver.query<{ product_id: string }>(
        'SELECT product_id FROM retail.products ORDER BY product_id',
      );
      expect(products.map((p) => p.product_id)).toEqual(dims.products.map((p) => p.product_id)); // 4 rows over 2 pages
      expect(fake.calls.filter((c) => c.action === 'GetStatementResult' && c.body.NextToken).length).toBeGreaterThan(0);
      expect(fake.calls.find((c) => c.action === 'ExecuteStatement')!.body.SecretArn).toBe(
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:rs',
      );
    } finally {
      await fake.stop();
      await db.close();
    }
  });

  it("fails with Redshift's error and the SQL when a statement fails", async () => {
    const fake = await startFakeRedshiftData();
    fake.failWhen(/DROP TABLE/, 'ERROR: permission denied for relation sales_transactions');
    try {
      const driver = new RedshiftDataDriver(clientFor(fake), target);
      await expect(driver.exec('DROP TABLE retail.sales_transactions')).rejects.toThrow(
        /Redshift statement stmt-1 FAILED: ERROR: permission denied for relation sales_transactions\nSQL: DROP TABLE retail.sales_transactions/,
      );
      await expect(driver.execInTransaction(['SELECT 1', 'DROP TABLE x'])).rejects.toThrow(
        /FAILED: ERROR: permission denied[\s\S]*SQL: DROP TABLE x/,
      );
    } finally {
      await fake.stop();
    }
  });

  it('validates its target', () => {
    const client = new RedshiftDataClient({ region: 'us-east-1' });
    expect(() => new RedshiftDataDriver(client, { workgroupName: '', database: '' })).toThrow(
      'RedshiftDataDriver: workgroupName is required; database is required',
    );
  });
});

describe('toNamedParameters', () => {
  it('turns $n into :pn with string values', () => {
    expect(toNamedParameters('SELECT * FROM t WHERE a = $1 AND b = $2 OR c = $1', ['x', 3])).toEqual({
      sql: 'SELECT * FROM t WHERE a = :p1 AND b = :p2 OR c = :p1',
      parameters: [
        { name: 'p1', value: 'x' },
        { name: 'p2', value: '3' },
      ],
    });
    expect(() => toNamedParameters('SELECT $2', ['a'])).toThrow('parameter $2 has no value (1 given)');
    expect(() => toNamedParameters('SELECT $1', [null])).toThrow('parameter $1 is null; write NULL in the SQL instead');
  });
});
