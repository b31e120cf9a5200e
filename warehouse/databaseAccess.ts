// The database access matrix: for each identity that reads or writes the warehouse, every object
// (views, facts, dimensions, bookkeeping tables, system views, the schemas) and the statements it
// may and may not run there. The IAM matrix (tools/accessMatrix.ts) stops at the Data API's door;
// this one goes through it. Each cell is evaluated two ways:
//   - in the twin's database (PGlite, or PostgreSQL 15 in DATABASE_URL): the identity runs the
//     statement under SET ROLE, inside a transaction rolled back, and Postgres's own permission
//     check answers;
//   - on the rendered Redshift statements, in order: what Postgres cannot run (sys: roles, scoped
//     `FOR TABLES IN SCHEMA` grants, SYS_ view visibility, the Redshift-only bookkeeping tables)
//     is decided from the grants as written, each effective from the statement that makes it.
// "Nothing else" leaves out the catalog (pg_catalog, information_schema), which every user reads.
import { buildCatalog } from '../kernel/catalog';
import { DASHBOARD_USER, ensureDashboardUser, memorySecret, renderDashboardUser } from './readers';
import { databaseRoles } from './grants';
import { applyMigrations, MIGRATIONS_TABLE, type SqlDriver } from './runner';
import { buildMigrations, COPY_JOB_DETAIL, COPY_JOB_RUNS, LANDING_BACKFILL, type Migration } from './migrations';
import { LOAD_ERROR_LEDGER } from './loadErrorLedger';
import { renderedGrants } from './renderedGrants';
import type { Decision, DbObject, Identity, Kind, Verb } from './databaseAccessTypes';

export type { Decision, DbObject, Identity, Kind, Verb } from './databaseAccessTypes';
import { WAREHOUSE_SCHEMA, allMaterializedViews, allPlainViews, allTables, qualified, twinObjects } from './schema';
import { materializedColumns } from './schema/views';
import { quoteIdent } from './sql';

export const identities: readonly Identity[] = ['analyst', 'engineer', 'dashboard', 'migrator'];

/** Who each identity is in the database; the migrator signs in as the namespace's admin. */
export const identityTitles: Record<Identity, string> = {
  analyst: `analyst (role \`${databaseRoles.analyst}\`, through the IAM tag RedshiftDbRoles)`,
  engineer: `engineer (role \`${databaseRoles.engineer}\`, through the IAM tag RedshiftDbRoles)`,
  dashboard: `dashboard (user \`${DASHBOARD_USER}\`, QuickSight's sign-in)`,
  migrator: 'migrator (the namespace admin: owner of every object, superuser)',
};

/** The database name of an identity; the migrator runs as itself (the twin's session user). */
const principal: Record<Exclude<Identity, 'migrator'>, string> = {
  analyst: databaseRoles.analyst,
  engineer: databaseRoles.engineer,
  dashboard: DASHBOARD_USER,
};

export const verbs: readonly Verb[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'DROP', 'CREATE'];

const TABLE_VERBS: readonly Verb[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'DROP'];
/** The statements that apply to each kind: a view is read or dropped; a system view only read. */
function verbsOf(kind: Kind): readonly Verb[] {
  if (kind === 'view' || kind === 'materialized view') return ['SELECT', 'DROP'];
  if (kind === 'system view') return ['SELECT'];
  if (kind === 'schema') return ['CREATE'];
  return TABLE_VERBS;
}

/** SYS_ views an engineer is told to read (docs/INFRA.md runbooks); visible to all, rows by owner. */
const SYSTEM_VIEWS = ['sys_copy_job', 'sys_copy_job_detail', 'sys_load_error_detail', 'sys_load_detail'];

/** Every object of both warehouses, in the order the tables list them. */
export function databaseObjects(): DbObject[] {
  const bookkeeping = (name: string, where: DbObject['where'], column: string, note: string): DbObject => ({
    name,
    kind: 'bookkeeping',
    where,
    column,
    note,
  });
  return [
    { name: WAREHOUSE_SCHEMA, kind: 'schema', where: 'both' },
    { name: 'public', kind: 'schema', where: 'both' },
    ...allPlainViews.map((v): DbObject => ({ name: qualified(v.name), kind: 'view', where: 'both' })),
    ...allMaterializedViews.map((v): DbObject => ({
      name: qualified(v.name),
      kind: 'materialized view',
      where: 'both',
      twinTable: true,
    })),
    ...allTables.map((t): DbObject => ({
      name: qualified(t.name),
      kind: t.role === 'fact' ? 'fact' : 'dimension',
      where: 'both',
      column: t.columns[0].name,
    })),
    bookkeeping(MIGRATIONS_TABLE, 'both', 'id', 'applied migrations'),
    bookkeeping(LOAD_ERROR_LEDGER, 'both', 'status', 'failed files reported'),
    bookkeeping(LANDING_BACKFILL, 'redshift', 'job_name', 'files loaded by the migrator'),
    bookkeeping(COPY_JOB_RUNS, 'redshift', 'job_name', 'COPY JOB generations'),
    bookkeeping(COPY_JOB_DETAIL, 'twin', 'status', "the twin's SYS_COPY_JOB_DETAIL"),
    ...allMaterializedViews.map((v) =>
      bookkeeping(twinObjects(v).pending, 'twin', materializedColumns(v)[0], 'rows not yet merged into the view'),
    ),
    ...SYSTEM_VIEWS.map((name): DbObject => ({ name, kind: 'system view', where: 'redshift' })),
  ];
}

/**
 * The design: the migrator does everything; analysts and the dashboard read the views and nothing
 * else; engineers read every relation of the warehouse's schema and every row of the SYS views
 * (load records), and write nothing. Everything not allowed here must be denied.
 */
function expected(identity: Identity, object: DbObject, verb: Verb): boolean {
  if (identity === 'migrator') return true;
  if (verb !== 'SELECT') return false;
  if (identity === 'engineer') return object.kind === 'system view' || object.name.startsWith(`${WAREHOUSE_SCHEMA}.`);
  return object.kind === 'view' || object.kind === 'materialized view';
}

/** The statement that tries one verb on one object; rolled back after. */
function probe(object: DbObject, verb: Verb): string {
  const o = object.name;
  switch (verb) {
    case 'SELECT':
      return `SELECT * FROM ${o} LIMIT 0`;
    case 'INSERT':
      return `INSERT INTO ${o} DEFAULT VALUES`;
    case 'UPDATE':
      // No column read (WHERE false, SET to NULL): only the UPDATE privilege is checked.
      return `UPDATE ${o} SET ${quoteIdent(object.column!)} = NULL WHERE false`;
    case 'DELETE':
      return `DELETE FROM ${o} WHERE false`;
    case 'TRUNCATE':
      return `TRUNCATE ${o}`;
    case 'DROP':
      return `DROP ${object.kind === 'view' ? 'VIEW' : 'TABLE'} ${o}`;
    case 'CREATE':
      return `CREATE TABLE ${o}.access_probe (x INT)`;
  }
}

// Errors raised after the permission check passed: the statement was allowed.
const AFTER_PERMISSION = /violates not-null constraint|because other objects depend on it/;

/** Runs one probe as an identity in the twin's database and reads Postgres's verdict. */
async function attempt(driver: SqlDriver, identity: Identity, sql: string): Promise<Decision> {
  await driver.exec('BEGIN');
  try {
    if (identity !== 'migrator') await driver.exec(`SET LOCAL ROLE ${principal[identity]}`);
    await driver.exec(sql);
    return 'allow';
  } catch (error) {
    const message = (error as Error).message;
    if (/permission denied|must be owner/.test(message)) return 'deny';
    if (AFTER_PERMISSION.test(message)) return 'allow';
    throw new Error(`access probe ${JSON.stringify(sql)} as ${identity} failed oddly: ${message}`, { cause: error });
  } finally {
    await driver.exec('ROLLBACK');
  }
}

export interface Cell {
  identity: Identity;
  object: DbObject;
  verb: Verb;
  expected: Decision;
  /** Postgres's verdict in the twin; absent for what exists only in Redshift. */
  twin?: Decision;
  /** The verdict of the rendered Redshift statements. */
  rendered: Decision;
  ok: boolean;
}

/** The twin's verdict on every cell it can evaluate (a migrated warehouse with the dashboard user). */
async function evaluateTwin(driver: SqlDriver): Promise<Map<string, Decision>> {
  const out = new Map<string, Decision>();
  for (const identity of identities)
    for (const object of databaseObjects().filter((o) => o.where !== 'redshift'))
      for (const verb of verbsOf(object.kind))
        out.set(cellKey(identity, object, verb), await attempt(driver, identity, probe(object, verb)));
  return out;
}

const cellKey = (identity: Identity, object: DbObject, verb: Verb) => `${identity} ${verb} ${object.name}`;

/** Every cell of the matrix: the design, the twin's verdict and the rendered statements' verdict. */
function evaluateMatrix(twin: Map<string, Decision>, redshift: readonly Migration[]): Cell[] {
  const rendered = renderedGrants(redshiftStatements(redshift));
  const cells: Cell[] = [];
  for (const identity of identities)
    for (const object of databaseObjects())
      for (const verb of verbsOf(object.kind)) {
        const want: Decision = expected(identity, object, verb) ? 'allow' : 'deny';
        const key = cellKey(identity, object, verb);
        const cell: Cell = {
          identity,
          object,
          verb,
          expected: want,
          ...(object.where === 'redshift' ? {} : { twin: twin.get(key) }),
          rendered: object.where === 'twin' ? want : rendered.decide(identity, object, verb),
          ok: false,
        };
        cell.ok = (cell.twin ?? want) === want && cell.rendered === want;
        cells.push(cell);
      }
  return cells;
}

/** Redshift's statements as the migrator runs them: the runner's table, the migrations, then the dashboard user. */
export function redshiftStatements(migrations: readonly Migration[]): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id VARCHAR(128))`,
    ...migrations.flatMap((m) => m.statements),
    ...renderDashboardUser('redshift', 'md5<hash>'),
  ];
}

/** The Redshift migrations whose grants the matrix reads (the bucket, role and catalog change no grant). */
export function redshiftMigrationsForMatrix(): Migration[] {
  return buildMigrations(
    {
      dialect: 'redshift',
      copyRoleArn: 'arn:aws:iam::123456789012:role/bfstream-copy',
      bucket: 'bfstream-landing',
      region: 'us-east-1',
    },
    buildCatalog(1, { products: 3, stores: 2 }),
  );
}

/**
 * The whole matrix on a twin warehouse (PGlite or a Postgres server): migrates it if needed,
 * makes the dashboard user as the migrator does, and evaluates every cell both ways.
 */
export async function evaluateDatabaseAccess(driver: SqlDriver): Promise<Cell[]> {
  await applyMigrations(driver, buildMigrations({ dialect: 'postgres' }, buildCatalog(1, { products: 3, stores: 2 })));
  await ensureDashboardUser(driver, memorySecret());
  return evaluateMatrix(await evaluateTwin(driver), redshiftMigrationsForMatrix());
}
