// The database access matrix, evaluated: every identity against every object of the warehouse,
// in the twin's database (PGlite, or the PostgreSQL server in DATABASE_URL) under SET ROLE, and
// on the rendered Redshift statements; the tables in docs/INFRA.md are exactly what it renders.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DB_MATRIX_BEGIN, DB_MATRIX_END, renderDatabaseMatrix } from '../tools/databaseMatrix';
import { openTestWarehouse, backendName } from '../test/support/warehouse';
import {
  databaseObjects,
  evaluateDatabaseAccess,
  redshiftMigrationsForMatrix,
  redshiftStatements,
  type Cell,
} from './databaseAccess';
import { renderedGrants } from './renderedGrants';
import type { CopyDriver } from './runner';

let warehouse: CopyDriver & { close(): Promise<void> };
let cells: Cell[];

beforeAll(async () => {
  warehouse = await openTestWarehouse();
  cells = await evaluateDatabaseAccess(warehouse);
}, 120_000);
afterAll(() => warehouse?.close());

const find = (identity: Cell['identity'], verb: Cell['verb'], name: string) =>
  cells.find((c) => c.identity === identity && c.verb === verb && c.object.name === name)!;

describe(`database access matrix (${backendName} and the rendered Redshift statements)`, () => {
  test('every cell is as designed, both ways', () => {
    const wrong = cells
      .filter((c) => !c.ok)
      .map(
        (c) => `${c.identity} ${c.verb} ${c.object.name}: want ${c.expected}, twin ${c.twin}, Redshift ${c.rendered}`,
      );
    expect(wrong).toEqual([]);
    expect(cells.filter((c) => c.twin !== undefined).length).toBeGreaterThan(300);
  });

  test('the dashboard reads the views and nothing else, exactly as the analyst does', () => {
    const of = (identity: Cell['identity']) =>
      cells.filter((c) => c.identity === identity).map((c) => [c.verb, c.object.name, c.twin, c.rendered]);
    expect(of('dashboard')).toEqual(of('analyst'));
    const allowed = cells.filter((c) => c.identity === 'dashboard' && c.expected === 'allow');
    expect(new Set(allowed.map((c) => c.object.kind))).toEqual(new Set(['view', 'materialized view']));
    expect(allowed.every((c) => c.verb === 'SELECT')).toBe(true);
  });

  test('engineers read every row of the load records (sys:monitor) and every bookkeeping table, Redshift-only ones included', () => {
    for (const name of [
      'sys_copy_job_detail',
      'sys_load_error_detail',
      'retail.copy_job_runs',
      'retail.landing_backfill',
    ])
      expect([name, find('engineer', 'SELECT', name).rendered]).toEqual([name, 'allow']);
    expect(find('analyst', 'SELECT', 'sys_copy_job_detail').rendered).toBe('deny');
    // Without 0007 the grant ON ALL TABLES (0004) misses the tables 0005 made after it, and the SYS rows stay hidden.
    const before = renderedGrants(
      redshiftStatements(redshiftMigrationsForMatrix().filter((m) => m.id !== '0008_engineer_monitor')),
    );
    const objects = databaseObjects();
    const byName = (n: string) => objects.find((o) => o.name === n)!;
    expect(before.decide('engineer', byName('sys_load_error_detail'), 'SELECT')).toBe('deny');
  });

  test('the matrix lists every relation of the twin and every object the Redshift statements create', async () => {
    const twin = await warehouse.query<{ name: string }>(
      `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('retail', 'public') AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1`,
    );
    const listed = databaseObjects();
    expect(twin.map((r) => r.name)).toEqual(
      listed
        .filter((o) => o.where !== 'redshift' && o.kind !== 'schema')
        .map((o) => o.name)
        .sort(),
    );
    const created = redshiftStatements(redshiftMigrationsForMatrix())
      .map((s) => /^CREATE (?:TABLE|MATERIALIZED VIEW|(?:OR REPLACE )?VIEW)(?: IF NOT EXISTS)? ([\w.]+)/.exec(s)?.[1])
      .filter((n): n is string => n !== undefined);
    expect([...new Set(created)].sort()).toEqual(
      listed
        .filter((o) => o.where !== 'twin' && o.kind !== 'schema' && o.kind !== 'system view')
        .map((o) => o.name)
        .sort(),
    );
  });

  test('a grant the reader does not know stops it, instead of being ignored', () => {
    expect(() =>
      renderedGrants(['ALTER DEFAULT PRIVILEGES IN SCHEMA retail GRANT SELECT ON TABLES TO ROLE x']),
    ).toThrow('the rendered-grant reader does not know this statement');
  });

  test('docs/INFRA.md holds exactly the rendered matrix', () => {
    const doc = readFileSync(join(__dirname, '..', 'docs', 'INFRA.md'), 'utf8');
    const begin = doc.indexOf(DB_MATRIX_BEGIN);
    const end = doc.indexOf(DB_MATRIX_END);
    expect(begin).toBeGreaterThan(0);
    expect(doc.slice(begin + DB_MATRIX_BEGIN.length, end).trim()).toBe(renderDatabaseMatrix(cells).trim());
  });
});
