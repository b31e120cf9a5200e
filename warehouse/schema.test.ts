import { factTables, saleLine, streamNames } from '../kernel/contracts';
import { buildCatalog } from '../kernel/catalog';
import { buildMigrations, versionedMigrations } from './migrations';
import {
  allMaterializedViews,
  allPlainViews,
  allTables,
  materializedViews,
  plainViews,
  renderMaterializedQuery,
  renderTableDdl,
  renderViewDdl,
  tables,
  type TableName,
} from './schema';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PANELS } from './panels';
import { dashboardQueries } from './queries';
import { backendName, openTestWarehouse } from '../test/support/warehouse';

const redshiftTarget = {
  dialect: 'redshift' as const,
  copyRoleArn: 'arn:aws:iam::123456789012:role/bf-dev-redshift-copy',
  bucket: 'bf-dev-landing',
  region: 'us-east-1',
};

/** The tables of release 0.1.0, whose DDL the snapshots pin (a stream's table added later is pinned by its migration). */
const releasedTables = [tables.products, tables.stores, tables.sales_transactions, tables.inventory_updates];

describe('table definitions', () => {
  it('take their columns, order and key from the contracts', () => {
    expect(tables.sales_transactions.columns.map((c) => c.name)).toEqual([...saleLine.columns]);
    for (const c of factTables) expect(tables[c.table as TableName].primaryKey).toBe(c.key);
    expect(tables.inventory_updates.columns.find((c) => c.name === 'transaction_id')).toMatchObject({
      nullable: true,
      sqlType: 'VARCHAR(64)',
    });
    expect(tables.sales_transactions.columns.find((c) => c.name === 'unit_price')).toMatchObject({
      nullable: false,
      sqlType: 'DECIMAL(12,2)',
    });
  });
});

describe('Redshift DDL', () => {
  it('renders tables with distribution, sort keys, ENCODE AUTO, and keys on the dims only', () => {
    expect(releasedTables.map((t) => renderTableDdl(t, 'redshift').join(';\n')).join(';\n\n')).toMatchSnapshot();
    // Redshift's planner trusts declared keys; nothing enforces a fact's (issue 11, finding 12).
    for (const t of allTables)
      expect([t.name, /PRIMARY KEY|FOREIGN KEY|REFERENCES/.test(renderTableDdl(t, 'redshift').join('\n'))]).toEqual([
        t.name,
        t.role === 'dim',
      ]);
  });
  it('renders materialized views with AUTO REFRESH YES and plain views on top', () => {
    expect(allMaterializedViews.map((v) => renderViewDdl(v, 'redshift').join(';\n')).join(';\n\n')).toMatchSnapshot();
    expect(renderViewDdl(plainViews.v_sell_through, 'redshift')).toMatchSnapshot();
  });
  it('renders the COPY JOBs last, outside a transaction, with an explicit role and no hyphen in the job name', () => {
    const migrations = buildMigrations(redshiftTarget, buildCatalog(1, { products: 3, stores: 2 }));
    const copyJobs = streamNames.map((s) => `R__copy_job_${s}`).sort();
    expect(migrations.map((m) => [m.id, m.transactional])).toEqual([
      ['0001_schema', true],
      ['0002_tables', true],
      ['0004_views', false],
      ['0004_views_grants', true],
      ['0005_copy_job_ledger', true],
      ['0007_load_error_ledger', true],
      ['0008_engineer_monitor', true],
      // A table of a stream added since: its generated migration (warehouse/tableMigrations.test.ts).
      ...versionedMigrations('redshift')
        .slice(7)
        .map((m) => [m.id, true]),
      // One COPY JOB per stream, in id order.
      ...copyJobs.map((id) => [id, false]),
      ['R__dims', true],
      ['R__grants', true],
      ['R__views', false],
    ]);
    // What comes from config or the live model is repeatable (re-applied when it changes); the schema is versioned.
    expect(migrations.filter((m) => m.repeatable).map((m) => m.id)).toEqual([
      ...copyJobs,
      'R__dims',
      'R__grants',
      'R__views',
    ]);
    const copyJob = (id: string) => migrations.find((m) => m.id === id)!.statements;
    expect(copyJob('R__copy_job_sales')).toHaveLength(1);
    expect(copyJob('R__copy_job_sales')[0]).toMatchSnapshot();
    expect(copyJob('R__copy_job_inventory')).toEqual([
      expect.stringMatching(/JOB CREATE inventory_updates_autocopy AUTO ON$/),
    ]);
    expect(copyJob('R__copy_job_inventory')[0]).not.toMatch(/MAXERROR|MANIFEST/);
  });
  it('rejects a target with a bad role, bucket or region, naming each', () => {
    expect(() =>
      buildMigrations(
        { dialect: 'redshift', copyRoleArn: 'role', bucket: 'Bad_Bucket', region: 'mars' },
        buildCatalog(1, { products: 1, stores: 1 }),
      ),
    ).toThrow(
      /copyRoleArn must be an IAM role ARN, got "role"\n- bucket must be an S3 bucket name, got "Bad_Bucket"\n- region must look like us-east-1, got "mars"/,
    );
  });
});

describe('materialized views', () => {
  it('use only what Redshift refreshes incrementally: one fact table, inner joins, GROUP BY, SUM/COUNT/MIN/MAX', () => {
    for (const v of allMaterializedViews) {
      const q = renderMaterializedQuery(v);
      expect(q).not.toMatch(/\b(DISTINCT|OVER|AVG|now|getdate|LEFT|OUTER|UNION|WITH|HAVING|ORDER BY)\b/i);
      expect(q.match(/FROM retail\.(\w+)/)![1]).toBe(v.fact.name);
      // No materialized view reads another one.
      for (const other of allMaterializedViews) expect(q).not.toContain(`retail.${other.name} `);
      for (const m of v.measures) expect(['sum', 'count', 'min', 'max']).toContain(m.agg);
    }
  });
  it('have the same query text in both dialects', () => {
    for (const v of allMaterializedViews) {
      const query = renderMaterializedQuery(v);
      expect(renderViewDdl(v, 'redshift').join('\n')).toContain(`AS\n${query}`);
      expect(renderViewDdl(v, 'postgres')[0]).toBe(
        `CREATE TABLE IF NOT EXISTS retail.${v.name} AS\n${query}\nWITH DATA`,
      );
    }
    for (const v of allPlainViews) expect(renderViewDdl(v, 'postgres')).toEqual(renderViewDdl(v, 'redshift'));
  });
  it('and the plain views over them each answer a metric a dashboard panel shows, each listed in docs/WAREHOUSE.md', () => {
    // Derived from the views, the dashboard queries and the panels: a view whose panel is dropped,
    // or a view added without a panel or a docs row, fails here.
    const shown = new Set<string>(PANELS.map((p) => dashboardQueries[p.query].view));
    const docsTable = readFileSync(join(__dirname, '../docs/WAREHOUSE.md'), 'utf8')
      .split('### Plain views')[1]
      .split('\n\n')[1];
    const documented = [...docsTable.matchAll(/`(v_\w+)`/g)].map((m) => m[1]);
    const gaps = allPlainViews.flatMap((v) => [
      ...(v.metrics.length ? [] : [`${v.name}: answers no metric`]),
      ...(shown.has(v.name) ? [] : [`${v.name}: no dashboard panel reads it`]),
      ...(documented.includes(v.name) ? [] : [`${v.name}: not in docs/WAREHOUSE.md`]),
    ]);
    expect(gaps).toEqual([]);
    expect(documented.sort()).toEqual(allPlainViews.map((v) => v.name).sort());
    expect(Object.keys(materializedViews)).toHaveLength(4);
  });
});

describe('Postgres DDL', () => {
  it("adds a byte-length CHECK to every VARCHAR: Redshift's VARCHAR(n) counts bytes, Postgres's characters", () => {
    expect(releasedTables.map((t) => renderTableDdl(t, 'postgres').join(';\n')).join(';\n\n')).toMatchSnapshot();
    const ddl = renderTableDdl(tables.sales_transactions, 'postgres')[0];
    expect(ddl).toContain(
      'CONSTRAINT "sales_transactions_transaction_id_bytes" CHECK (octet_length("transaction_id") <= 64)',
    );
    for (const t of allTables) {
      const checks = (renderTableDdl(t, 'postgres')[0].match(/CHECK \(octet_length/g) ?? []).length;
      expect([t.name, checks]).toEqual([t.name, t.columns.filter((c) => c.sqlType.startsWith('VARCHAR')).length]);
      expect(renderTableDdl(t, 'redshift')[0]).not.toContain('CHECK');
    }
  });
});

describe(`Postgres DDL on ${backendName}`, () => {
  it('executes: every table and view exists with the contract columns in order', async () => {
    const driver = await openTestWarehouse();
    try {
      for (const t of allTables) {
        const cols = await driver.query<{ column_name: string; is_nullable: string }>(
          `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'retail' AND table_name = $1 ORDER BY ordinal_position`,
          [t.name],
        );
        expect(cols.map((c) => [c.column_name, c.is_nullable === 'YES'])).toEqual(
          t.columns.map((c) => [c.name, c.nullable]),
        );
      }
      const views = await driver.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.views WHERE table_schema = 'retail' ORDER BY table_name`,
      );
      expect(views.map((v) => v.table_name)).toEqual(allPlainViews.map((v) => v.name).sort());
      // Each materialized view holds its group-by columns then its measures (plain views' columns: queries.test.ts).
      for (const v of allMaterializedViews) {
        const cols = await driver.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = 'retail' AND table_name = $1 ORDER BY ordinal_position`,
          [v.name],
        );
        expect({ view: v.name, columns: cols.map((c) => c.column_name) }).toEqual({
          view: v.name,
          columns: [...v.groupBy, ...v.measures].map((c) => c.name),
        });
      }
      // As in Redshift, a fact's key is not enforced: a duplicate sale line loads twice (the books catch it).
      const row = `('T1', 'P0001', '2026-11-27 09:00:00', 1, 9.99, 'S001', 'B1', 0)`;
      await driver.exec(`INSERT INTO retail.sales_transactions VALUES ${row}`);
      await driver.exec(`INSERT INTO retail.sales_transactions VALUES ${row}`);
      expect(
        await driver.query(`SELECT COUNT(*)::int AS n FROM retail.sales_transactions WHERE "transaction_id" = 'T1'`),
      ).toEqual([{ n: 2 }]);
      // A dim's key is enforced: the catalog cannot hold a product twice.
      await expect(driver.exec(`INSERT INTO retail.products SELECT * FROM retail.products LIMIT 1`)).rejects.toThrow(
        /duplicate key/,
      );
    } finally {
      await driver.close();
    }
  });
});
