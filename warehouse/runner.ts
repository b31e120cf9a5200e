// One migration runner for every driver: PGlite, a Postgres server or the
// Redshift Data API. It records each applied migration with its checksum and
// refuses to go on when an applied migration has since been edited.
import { checksumOf, type Migration } from './migrations';

export interface SqlDriver {
  readonly dialect: 'postgres' | 'redshift';
  /** Run one or more statements that return no rows. */
  exec(sql: string): Promise<void>;
  /** Run a query; `$1`, `$2`... are bound from params. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Run statements atomically: all or none (one transaction). */
  execInTransaction?(statements: readonly string[]): Promise<void>;
  close?(): Promise<void>;
}

/** A driver that can also bulk-load CSV bytes into a table (the twin's drivers). */
export interface CopyDriver extends SqlDriver {
  /** COPY CSV (with a header row) into `table (columns)`; returns the rows loaded. */
  copyCsv(table: string, columns: readonly string[], csv: Uint8Array): Promise<number>;
}

export function canCopy(driver: SqlDriver): driver is CopyDriver {
  return typeof (driver as Partial<CopyDriver>).copyCsv === 'function';
}

/** In `public` so it exists before the first migration creates our schema. */
export const MIGRATIONS_TABLE = 'public.warehouse_migrations';

export interface ApplyResult {
  applied: string[];
  skipped: string[];
}

export class MigrationChangedError extends Error {
  constructor(readonly changes: readonly { id: string; applied: string; now: string }[]) {
    super(
      `refusing to migrate: ${changes.length} applied migration(s) changed since they were applied. ` +
        'Applied migrations are immutable; add a new migration instead.\n' +
        changes.map((c) => `- ${c.id}: applied checksum ${c.applied}, now ${c.now}`).join('\n'),
    );
    this.name = 'MigrationChangedError';
  }
}

/** Run statements in one transaction, with the driver's own mechanism when it has one. */
export async function inTransaction(driver: SqlDriver, statements: readonly string[]): Promise<void> {
  if (driver.execInTransaction) return driver.execInTransaction(statements);
  await driver.exec('BEGIN');
  try {
    for (const s of statements) await driver.exec(s);
    await driver.exec('COMMIT');
  } catch (error) {
    await driver.exec('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function validateList(migrations: readonly Migration[]): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const m of migrations) {
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(m.id)) problems.push(`migration id ${JSON.stringify(m.id)} must be 1-128 of [A-Za-z0-9_.-]`);
    if (seen.has(m.id)) problems.push(`migration id ${m.id} appears twice`);
    seen.add(m.id);
    if (m.statements.length === 0) problems.push(`migration ${m.id} has no statements`);
    const actual = checksumOf(m.statements, m.transactional);
    if (actual !== m.checksum) problems.push(`migration ${m.id} checksum ${m.checksum} does not match its statements (${actual})`);
  }
  const ids = migrations.map((m) => m.id);
  const sorted = [...ids].sort();
  if (ids.join('\n') !== sorted.join('\n')) problems.push(`migrations must be listed in id order, got ${ids.join(', ')}`);
  if (problems.length) throw new Error(`invalid migration list:\n- ${problems.join('\n- ')}`);
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Apply the migrations not yet applied, in order. Each transactional migration
 * and its tracking row commit together; a non-transactional one (COPY JOB) is
 * recorded right after its statements succeed.
 */
export async function applyMigrations(driver: SqlDriver, migrations: readonly Migration[]): Promise<ApplyResult> {
  validateList(migrations);
  await driver.exec(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id VARCHAR(128) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at TIMESTAMP NOT NULL, PRIMARY KEY (id))`,
  );
  const rows = await driver.query<{ id: string; checksum: string }>(`SELECT id, checksum FROM ${MIGRATIONS_TABLE} ORDER BY id`);
  const applied = new Map(rows.map((r) => [r.id.trim(), r.checksum.trim()]));
  const changes = migrations.filter((m) => applied.has(m.id) && applied.get(m.id) !== m.checksum).map((m) => ({ id: m.id, applied: applied.get(m.id)!, now: m.checksum }));
  if (changes.length) throw new MigrationChangedError(changes);

  const result: ApplyResult = { applied: [], skipped: [] };
  for (const m of migrations) {
    if (applied.has(m.id)) {
      result.skipped.push(m.id);
      continue;
    }
    const record = `INSERT INTO ${MIGRATIONS_TABLE} (id, checksum, applied_at) VALUES (${literal(m.id)}, ${literal(m.checksum)}, ${literal(new Date().toISOString().replace('T', ' ').slice(0, 19))})`;
    try {
      if (m.transactional) {
        await inTransaction(driver, [...m.statements, record]);
      } else {
        for (const s of m.statements) await driver.exec(s);
        await driver.exec(record);
      }
    } catch (error) {
      throw new Error(`migration ${m.id} failed: ${(error as Error).message}`, { cause: error });
    }
    result.applied.push(m.id);
  }
  return result;
}
