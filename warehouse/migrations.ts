// Migrations modelled on a database's life. Versioned ones (schema, tables, the first views
// and the roles) are immutable once applied: the released ones are read, as text, from the
// frozen releases (releases.ts), never rendered again. Repeatable ones hold what comes from
// config or from the live model (the dims from the catalog, the grants, the views, the COPY
// JOBs from the bucket, role and region): like Flyway's `R__` migrations and Liquibase's
// runOnChange, they are applied again whenever their checksum changes, after every versioned
// one. One list per target, built from the same definitions.
import { createHash } from 'node:crypto';
import { REGION_PATTERN } from '../kernel/awsLimits';
import { streamNames, streams, type Product, type StreamName, type Store } from '../kernel/contracts';
import { Problems } from '../kernel/problems';
import { withVerificationStore } from '../kernel/verification';
import {
  WAREHOUSE_SCHEMA,
  allTables,
  dimTableDefs,
  qualified,
  renderTableDdl,
  renderViewsRebuild,
  tables,
  type Dialect,
  type TableDef,
  type TableName,
} from './schema';
import { renderGrants, renderViewGrants } from './grants';
import { releases, releasedVersioned } from './releases';
import { loadErrorLedgerMigration } from './loadErrorLedgerMigration';
import { engineerMonitorMigration } from './engineerMonitor';
import { literal, quoteIdent } from './sql';
import { repeatableMigration as repeatable, versionedMigration, type CopyJobSpec, type Migration } from './migration';
import { loadLogAttempts } from './loadLogAttempts';

export { checksumOf, versionedMigration, type CopyJobSpec, type Migration } from './migration';

export type MigrationTarget =
  | { dialect: 'postgres' }
  | {
      dialect: 'redshift';
      /** Role Redshift assumes to read the landing bucket; COPY JOB needs it explicitly. */
      copyRoleArn: string;
      /** Landing bucket name. */
      bucket: string;
      region?: string;
    };

export interface Dims {
  readonly products: readonly Product[];
  readonly stores: readonly Store[];
}

/** SQL literal of one value of a dim row. */
function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as SQL`);
    return String(value);
  }
  const text = String(value);
  // Redshift treats a backslash in a literal as an escape; refuse rather than guess.
  if (text.includes('\\')) throw new Error(`refusing a backslash in SQL literal ${JSON.stringify(text)}`);
  return literal(text);
}

/** INSERTs of a dim's rows, in statements small enough for the Redshift Data API (100 KB). */
function renderDimInserts(table: TableDef, rows: readonly object[], maxStatementBytes = 60_000): string[] {
  const columns = table.columns.map((c) => c.name);
  const head = `INSERT INTO ${qualified(table.name)} (${columns.map(quoteIdent).join(', ')}) VALUES\n`;
  const out: string[] = [];
  let values: string[] = [];
  let size = head.length;
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    const tuple = `(${table.columns.map((c) => (c.sqlType === 'DECIMAL(12,2)' ? (r[c.name] as number).toFixed(2) : sqlLiteral(r[c.name]))).join(', ')})`;
    if (values.length > 0 && size + tuple.length + 2 > maxStatementBytes) {
      out.push(head + values.join(',\n'));
      values = [];
      size = head.length;
    }
    values.push(tuple);
    size += tuple.length + 2;
  }
  if (values.length) out.push(head + values.join(',\n'));
  return out;
}

/** Name of the auto-copy job of a fact table: no hyphen allowed. */
export function copyJobName(table: string): string {
  const name = `${table}_autocopy`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid COPY JOB name ${name}`);
  return name;
}

/** What one stream's COPY JOB loads, and how. */
function copyJobSpec(stream: StreamName, target: Extract<MigrationTarget, { dialect: 'redshift' }>): CopyJobSpec {
  const { contract, prefix } = streams[stream];
  const table = tables[contract.table as TableName];
  const options = [
    `IAM_ROLE ${literal(target.copyRoleArn)}`,
    // The consumer writes RFC 4180 CSV with a header row in contract column order.
    'FORMAT AS CSV',
    'IGNOREHEADER 1',
    // CSV timestamps are 'YYYY-MM-DD HH:MI:SS', Redshift's default TIMEFORMAT: no option needed.
    'EMPTYASNULL',
  ];
  if (target.region) options.push(`REGION ${literal(target.region)}`);
  return {
    name: copyJobName(table.name),
    table: qualified(table.name),
    columns: table.columns.map((c) => c.name),
    bucket: target.bucket,
    prefix,
    options,
  };
}

function renderCopy(spec: CopyJobSpec, path: string): string[] {
  return [
    `COPY ${spec.table} (${spec.columns.map(quoteIdent).join(', ')})`,
    `FROM ${sqlLiteral(`s3://${spec.bucket}/${path}`)}`,
    ...spec.options,
  ];
}

/** COPY ... JOB CREATE ... AUTO ON for one stream's landing prefix. */
function renderCopyJobSql(spec: CopyJobSpec): string {
  return [...renderCopy(spec, spec.prefix), `JOB CREATE ${spec.name} AUTO ON`].join('\n');
}

/**
 * A one-off COPY of one landing file with the job's options: loads a file that landed before
 * its job existed. COPY FROM takes a key prefix; landing keys end in `<chunk id>.csv`, and no
 * key is another key plus a suffix, so the prefix names exactly one object.
 */
export function renderFileCopy(spec: CopyJobSpec, key: string): string {
  if (!key.startsWith(spec.prefix)) throw new Error(`file ${key} is not under the job's prefix ${spec.prefix}`);
  return renderCopy(spec, key).join('\n');
}

function validateTarget(target: MigrationTarget): void {
  const problems = new Problems();
  if (target.dialect === 'redshift') {
    problems.check(
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(target.copyRoleArn),
      () => `copyRoleArn must be an IAM role ARN, got ${JSON.stringify(target.copyRoleArn)}`,
    );
    problems.check(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(target.bucket),
      () => `bucket must be an S3 bucket name, got ${JSON.stringify(target.bucket)}`,
    );
    problems.check(
      target.region === undefined || REGION_PATTERN.test(target.region),
      () => `region must look like us-east-1, got ${JSON.stringify(target.region)}`,
    );
  } else if ((target as { dialect: string }).dialect !== 'postgres') {
    problems.add(
      `dialect must be postgres or redshift, got ${JSON.stringify((target as { dialect: string }).dialect)}`,
    );
  }
  if (!problems.empty) throw new Error(`invalid migration target:\n- ${problems.all.join('\n- ')}`);
}

/** The loader's record of each landing file, the twin's SYS_COPY_JOB_DETAIL. */
export const COPY_JOB_DETAIL = qualified('copy_job_detail');

/** Redshift: each file the migrator loaded itself because it landed before its job existed (once, by name). */
export const LANDING_BACKFILL = qualified('landing_backfill');
/** Redshift: each COPY JOB generation, and the span of landing time it covered (see runner.ts). */
export const COPY_JOB_RUNS = qualified('copy_job_runs');

/**
 * Versioned migrations added since the last frozen release, in id order: append one line here per
 * new migration (a function of the dialect, in its own file, returning undefined for a dialect it
 * does not concern). Write its SQL as literal text, not rendered from the live model: once a
 * release ships it, it never changes (releases.test.ts holds every release to its frozen text).
 * A table a stream adds to the contracts needs no line here: tableMigrations generates it.
 */
const UNRELEASED_VERSIONED: readonly ((dialect: Dialect) => Migration | undefined)[] = [
  loadLogAttempts,
  loadErrorLedgerMigration,
  (dialect) => (dialect === 'redshift' ? engineerMonitorMigration() : undefined),
];

/** Every versioned migration written so far in a dialect: the released ones as frozen, then UNRELEASED_VERSIONED's. */
export function writtenVersioned(dialect: Dialect): Migration[] {
  const released = releasedVersioned(releases[releases.length - 1], dialect);
  const ids = new Set(released.map((m) => m.id));
  const unreleased = UNRELEASED_VERSIONED.map((make) => make(dialect)).filter(
    (m): m is Migration => m !== undefined && !ids.has(m.id),
  );
  return [...released.map((m) => ({ ...m, statements: [...m.statements] })), ...unreleased];
}

/** The tables a list of migrations creates (`CREATE TABLE [IF NOT EXISTS] retail.<name>`). */
export function createdTables(migrations: readonly Migration[]): Set<string> {
  const create = new RegExp(
    `^CREATE TABLE (?:IF NOT EXISTS )?"?${WAREHOUSE_SCHEMA}"?\\."?([a-z_][a-z0-9_]*)"?[\\s(]`,
    'i',
  );
  return new Set(
    migrations.flatMap((m) => m.statements.map((s) => create.exec(s)?.[1]).filter((t) => t !== undefined)),
  );
}

/** `0009` after `0008`: versioned ids are four digits, an underscore and a name. */
const nextVersionedNumber = (written: readonly Migration[]) =>
  Math.max(0, ...written.map((m) => Number(/^(\d{4})_/.exec(m.id)?.[1] ?? 0))) + 1;

/**
 * A versioned migration for each table of `allTables` that no written migration creates (a stream
 * added to the contracts), rendered from its contract: `<next id>_<table>`, the same id in both
 * dialects. Safe because it is rendered only while no migration creates the table: the release
 * that ships it freezes its text into warehouse/releases/<version>.json (tools/freezeRelease.ts),
 * and from then on the frozen release creates the table, so this renders nothing for it and a later
 * change to the contract can never change what a deployed warehouse applied (a column added to a
 * released table needs a written ALTER migration). A migration written by hand later takes the id
 * after the last one written, so a still unreleased generated one moves up by one: harmless, since
 * only a release fixes an id.
 */
export function tableMigrations(
  contractTables: readonly TableDef[],
  written: Readonly<Record<Dialect, readonly Migration[]>>,
  dialect: Dialect,
): Migration[] {
  const dialects = Object.keys(written) as Dialect[];
  const created = Object.fromEntries(dialects.map((d) => [d, createdTables(written[d])])) as Record<
    Dialect,
    Set<string>
  >;
  let next = Math.max(...dialects.map((d) => nextVersionedNumber(written[d])));
  return contractTables
    .filter((t) => dialects.some((d) => !created[d].has(t.name)))
    .map((table) => ({ table, id: `${String(next++).padStart(4, '0')}_${table.name}` }))
    .filter(({ table }) => !created[dialect].has(table.name))
    .map(({ table, id }) => versionedMigration(id, renderTableDdl(table, dialect)));
}

/**
 * The versioned migrations of a dialect: every released one as its release froze it (so a later
 * view or column can never change what a deployed warehouse applied), then the unreleased ones,
 * then one per contract table nothing creates yet (tableMigrations).
 */
export function versionedMigrations(dialect: Dialect): Migration[] {
  const written = { postgres: writtenVersioned('postgres'), redshift: writtenVersioned('redshift') };
  return [...written[dialect], ...tableMigrations(allTables, written, dialect)];
}

/** Every migration for a target, in the order they must run. */
export function buildMigrations(target: MigrationTarget, dims: Dims): Migration[] {
  validateTarget(target);
  if (dims.products.length === 0 || dims.stores.length === 0)
    throw new Error('dims need at least one product and one store');
  const dialect: Dialect = target.dialect;
  // The stores dim holds the verification store too: consumers accept it, and the views leave it out.
  const dimRows: Record<string, readonly object[]> = {
    products: dims.products,
    stores: withVerificationStore(dims.stores),
  };
  const dimStatements = dimTableDefs.flatMap((t) => [
    `DELETE FROM ${qualified(t.name)}`,
    ...renderDimInserts(t, dimRows[t.name]),
  ]);
  const list = [
    ...versionedMigrations(dialect),
    // Repeatable, from config and from the live model: re-applied whenever they change.
    repeatable('dims', dimStatements),
    repeatable('grants', renderGrants(dialect)),
    // Redshift: outside a transaction block, in case it refuses MV creation there; every drop is
    // IF EXISTS, so a run that failed halfway is simply run again. The view grants come last:
    // a dropped view loses its grants.
    repeatable('views', [...renderViewsRebuild(dialect), ...renderViewGrants(dialect)], dialect === 'postgres'),
  ];
  if (target.dialect === 'redshift') {
    for (const stream of streamNames) {
      const spec = copyJobSpec(stream, target);
      list.push(repeatable(`copy_job_${stream}`, [renderCopyJobSql(spec)], false, spec));
    }
  }
  // Versioned ids first (digits sort before `R`), each kind in id order: the runner's order.
  return list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** One hash of the whole list: the migrator's Invocation re-runs when it changes. */
export function migrationsHash(migrations: readonly Migration[]): string {
  const hash = createHash('sha256');
  for (const m of migrations) hash.update(`${m.id}:${m.checksum}\n`);
  return hash.digest('hex');
}
