// One migration runner for every driver: PGlite, a Postgres server or the
// Redshift Data API. It records each applied migration with its checksum. A versioned
// migration is immutable: an edited one stops the run. A repeatable one (from config)
// is applied again when its checksum changes, and a COPY JOB is made re-runnable.
import {
  checksumOf,
  COPY_JOB_RUNS,
  LANDING_BACKFILL,
  renderFileCopy,
  type CopyJobSpec,
  type Migration,
} from './migrations';
import { SQS_MAX_RETENTION_SECONDS } from '../kernel/awsLimits';
import { Problems } from '../kernel/problems';
import { literal, timestampLiteral } from './sql';

export interface StatementOptions {
  /** The migration id: the Redshift Data API driver names the statement with it (StatementName). */
  name?: string;
}

export interface SqlDriver {
  readonly dialect: 'postgres' | 'redshift';
  /** Run one or more statements that return no rows. */
  exec(sql: string, options?: StatementOptions): Promise<void>;
  /** Run a query; `$1`, `$2`... are bound from params. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Run statements atomically: all or none (one transaction). */
  execInTransaction?(statements: readonly string[], options?: StatementOptions): Promise<void>;
  /**
   * Wait for statements of an earlier run still in flight under this name (a migrator that
   * timed out leaves its statement running). True when it waited for one.
   */
  waitForInFlight?(name: string): Promise<boolean>;
  close?(): Promise<void>;
}

/** One object in the landing bucket; S3 reports LastModified in whole seconds. */
export interface LandingFile {
  key: string;
  lastModified: Date;
}

/** Lists the landing files under a prefix (S3 ListObjectsV2 in the migrator, fauxqs in tests). */
export interface LandingLister {
  /**
   * The files under a prefix in key order, one page at a time (a prefix holds hundreds of
   * thousands of keys after a season: never all in memory at once); from the first key
   * after `startAfter` when given (ListObjectsV2 StartAfter).
   */
  list(bucket: string, prefix: string, startAfter?: string): AsyncIterable<LandingFile[]>;
  /** Writes one object: the header-only canary each new COPY JOB is smoke-tested with. */
  put?(bucket: string, key: string, body: string): Promise<void>;
}

export interface ApplyOptions {
  /** Without it, COPY JOBs are created but files that landed before them are not looked for. */
  landing?: LandingLister;
  /** The clock the COPY JOB boundaries are taken from; default the system clock. */
  now?: () => Date;
  /** Seconds after a COPY JOB boundary within which a file's side cannot be told; default BOUNDARY_SECONDS. */
  boundarySeconds?: number;
}

/** A driver that can also bulk-load CSV bytes into a table (the twin's drivers). */
export interface CopyDriver extends SqlDriver {
  /** COPY CSV (with a header row) into `table (columns)`; returns the rows loaded. */
  copyCsv(table: string, columns: readonly string[], csv: Uint8Array): Promise<number>;
  /**
   * Run `work` as one transaction that nothing else on this driver joins: every other statement
   * waits until it commits or rolls back (one connection per driver; see drivers/exclusive.ts).
   */
  transaction<T>(work: (tx: CopyDriver) => Promise<T>): Promise<T>;
}

export function canCopy(driver: SqlDriver): driver is CopyDriver {
  const d = driver as Partial<CopyDriver>;
  return typeof d.copyCsv === 'function' && typeof d.transaction === 'function';
}

/** In `public` so it exists before the first migration creates our schema. */
export const MIGRATIONS_TABLE = 'public.warehouse_migrations';

export interface ApplyResult {
  applied: string[];
  skipped: string[];
  /** Files loaded once by the runner because they landed before their COPY JOB existed. */
  backfilled?: string[];
  /**
   * Files that landed within seconds of a COPY JOB's creation or drop: S3 reports whole
   * seconds, so whether the job saw them cannot be told. Never loaded blindly; reported.
   */
  ambiguous?: string[];
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
export async function inTransaction(
  driver: SqlDriver,
  statements: readonly string[],
  options?: StatementOptions,
): Promise<void> {
  if (driver.execInTransaction) return driver.execInTransaction(statements, options);
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
  const problems = new Problems();
  const seen = new Set<string>();
  for (const m of migrations) {
    problems.check(
      /^[A-Za-z0-9_.-]{1,128}$/.test(m.id),
      () => `migration id ${JSON.stringify(m.id)} must be 1-128 of [A-Za-z0-9_.-]`,
    );
    problems.check(!seen.has(m.id), () => `migration id ${m.id} appears twice`);
    seen.add(m.id);
    problems.check(m.statements.length > 0, () => `migration ${m.id} has no statements`);
    problems.check(
      !m.copyJob || (m.repeatable === true && !m.transactional && m.statements.length === 1),
      () => `migration ${m.id} creates a COPY JOB: it must be repeatable, non-transactional and one statement`,
    );
    const actual = checksumOf(m.statements, m.transactional);
    problems.check(
      actual === m.checksum,
      () => `migration ${m.id} checksum ${m.checksum} does not match its statements (${actual})`,
    );
  }
  const ids = migrations.map((m) => m.id);
  const sorted = [...ids].sort();
  problems.check(
    ids.join('\n') === sorted.join('\n'),
    () => `migrations must be listed in id order, got ${ids.join(', ')}`,
  );
  if (!problems.empty) throw new Error(`invalid migration list:\n- ${problems.all.join('\n- ')}`);
}

/**
 * Apply what is due, in order: each versioned migration not yet applied, then each repeatable
 * one whose checksum differs from the one recorded. A transactional migration and its tracking
 * row commit together; a non-transactional one is recorded right after its statements succeed.
 */
export async function applyMigrations(
  driver: SqlDriver,
  migrations: readonly Migration[],
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  validateList(migrations);
  await driver.exec(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id VARCHAR(128) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at TIMESTAMP NOT NULL, PRIMARY KEY (id))`,
  );
  const recorded = async () =>
    new Map(
      (
        await driver.query<{ id: string; checksum: string }>(`SELECT id, checksum FROM ${MIGRATIONS_TABLE} ORDER BY id`)
      ).map((r) => [r.id.trim(), r.checksum.trim()]),
    );
  let applied = await recorded();
  const changes = migrations
    .filter((m) => !m.repeatable && applied.has(m.id) && applied.get(m.id) !== m.checksum)
    .map((m) => ({ id: m.id, applied: applied.get(m.id)!, now: m.checksum }));
  if (changes.length) throw new MigrationChangedError(changes);

  const now = options.now ?? (() => new Date());
  const result: ApplyResult = { applied: [], skipped: [] };
  for (const m of migrations) {
    // A statement of an earlier run (one that timed out) may still be running under this name:
    // wait for it, then look again at what it recorded, instead of submitting a second one.
    if (applied.get(m.id) !== m.checksum && driver.waitForInFlight && (await driver.waitForInFlight(m.id)))
      applied = await recorded();
    try {
      if (m.copyJob) {
        const outcome = await ensureCopyJob(
          driver,
          m,
          m.copyJob,
          applied.get(m.id),
          options.landing,
          now,
          options.boundarySeconds ?? BOUNDARY_SECONDS,
        );
        result[outcome.changed ? 'applied' : 'skipped'].push(m.id);
        if (outcome.backfilled.length) (result.backfilled ??= []).push(...outcome.backfilled);
        if (outcome.ambiguous.length) (result.ambiguous ??= []).push(...outcome.ambiguous);
        continue;
      }
      if (applied.get(m.id) === m.checksum) {
        result.skipped.push(m.id);
        continue;
      }
      const record = recordStatements(m, now());
      if (m.transactional) {
        await inTransaction(driver, [...m.statements, ...record], { name: m.id });
      } else {
        for (const s of m.statements) await driver.exec(s, { name: m.id });
        await inTransaction(driver, record, { name: m.id });
      }
    } catch (error) {
      throw new Error(`migration ${m.id} failed: ${(error as Error).message}`, { cause: error });
    }
    result.applied.push(m.id);
  }
  return result;
}

/** The tracking row of a migration; a repeatable one replaces its earlier row. */
function recordStatements(m: Migration, at: Date): string[] {
  const insert = `INSERT INTO ${MIGRATIONS_TABLE} (id, checksum, applied_at) VALUES (${literal(m.id)}, ${literal(m.checksum)}, ${timestampLiteral(at)})`;
  return m.repeatable ? [`DELETE FROM ${MIGRATIONS_TABLE} WHERE id = ${literal(m.id)}`, insert] : [insert];
}

/** Seconds around a COPY JOB's creation or drop within which a file's side cannot be told. */
const BOUNDARY_SECONDS = 5;

/**
 * Make one COPY JOB exist with exactly this definition, re-runnably (COPY JOB CREATE has no
 * IF NOT EXISTS and cannot run in a transaction), then load, once by name, the files the job
 * will never load because they landed before it existed.
 *
 * Why this is exactly once. A COPY JOB tracks files by name and loads only files created after
 * it exists (Redshift COPY JOB docs). Before each CREATE the runner records a generation row
 * (COPY_JOB_RUNS: job, checksum, bucket, prefix, created_from = the time just before CREATE),
 * and before each DROP it closes the open row (dropped_at). So every file of a prefix falls in
 * one of three places: inside a generation's [created_from, dropped_at) span (that job loaded
 * it), within BOUNDARY_SECONDS of a boundary (S3 reports whole seconds and the statement takes
 * time: reported as ambiguous, never loaded blindly), or before the open generation and in no
 * span (no job ever will load it). The runner loads the last kind itself, one file per
 * transaction together with its row in LANDING_BACKFILL, and skips any file already there. A
 * crash between CREATE and the tracking row leaves the job and its open generation row: the
 * next run finds the same checksum in both and keeps the job (SYS_COPY_JOB says it exists).
 */
async function ensureCopyJob(
  driver: SqlDriver,
  m: Migration,
  spec: CopyJobSpec,
  recordedChecksum: string | undefined,
  landing: LandingLister | undefined,
  now: () => Date,
  boundarySeconds: number,
): Promise<{ changed: boolean; backfilled: string[]; ambiguous: string[] }> {
  const job = literal(spec.name);
  const exists = (await driver.query(`SELECT job_name FROM sys_copy_job WHERE job_name = ${job}`)).length > 0;
  const open = await driver.query<{ checksum: string }>(
    `SELECT checksum FROM ${COPY_JOB_RUNS} WHERE job_name = ${job} AND dropped_at IS NULL`,
  );
  const same = exists && open.some((r) => r.checksum.trim() === m.checksum);
  let changed = false;
  if (!same) {
    if (exists) {
      // Close the span first: a file landing during the DROP is then ambiguous, not lost.
      await driver.exec(
        `UPDATE ${COPY_JOB_RUNS} SET dropped_at = ${timestampLiteral(now())} WHERE job_name = ${job} AND dropped_at IS NULL`,
        { name: m.id },
      );
      await driver.exec(`COPY JOB DROP ${spec.name}`, { name: m.id });
    } else {
      // An open row without its job: the CREATE never happened (or the job was dropped by hand).
      await driver.exec(
        `UPDATE ${COPY_JOB_RUNS} SET dropped_at = created_from WHERE job_name = ${job} AND dropped_at IS NULL`,
        { name: m.id },
      );
    }
    await driver.exec(
      `INSERT INTO ${COPY_JOB_RUNS} (job_name, checksum, bucket, prefix, created_from, dropped_at) VALUES (${job}, ${literal(m.checksum)}, ${literal(spec.bucket)}, ${literal(spec.prefix)}, ${timestampLiteral(now())}, NULL)`,
      { name: m.id },
    );
    await driver.exec(m.statements[0], { name: m.id });
    changed = true;
  }
  // A job definition counts as applied once it passed its smoke test and one backfill pass over
  // the whole prefix: a run stopped before (a failed canary, a timeout) leaves it unrecorded, so
  // the next run does both again. Later runs look again only around the job's cutoff.
  const fresh = changed || recordedChecksum !== m.checksum;
  if (fresh && landing?.put) await smokeTest(driver, m, spec, landing);
  const { backfilled, ambiguous } = landing
    ? await backfill(driver, m, spec, landing, { now, boundarySeconds, wholePrefix: fresh })
    : { backfilled: [], ambiguous: [] };
  if (fresh) await inTransaction(driver, recordStatements(m, now()), { name: m.id });
  return { changed: fresh, backfilled, ambiguous };
}

/** Where a job's smoke-test canary lands: under its prefix, so the COPY role's own grants are tested. */
function smokeKey(spec: CopyJobSpec, checksum: string): string {
  return `${spec.prefix}_smoke/${spec.name}-${checksum.slice(0, 12)}.csv`;
}

/**
 * COPY JOB options "aren't validated until run time" (COPY JOB docs): a wrong role, region or
 * format would show only when real files fail. So write a header-only CSV under the job's prefix
 * and COPY it with the job's options and NOLOAD (which checks the file without loading it). The
 * job also auto-copies the canary: zero rows, once.
 */
async function smokeTest(driver: SqlDriver, m: Migration, spec: CopyJobSpec, landing: LandingLister): Promise<void> {
  const key = smokeKey(spec, m.checksum);
  await landing.put!(spec.bucket, key, `${spec.columns.join(',')}\n`);
  try {
    await driver.exec(`${renderFileCopy(spec, key)}\nNOLOAD`, { name: `${m.id}.smoke` });
  } catch (error) {
    throw new Error(
      `COPY JOB ${spec.name} failed its smoke test (COPY ... NOLOAD of s3://${spec.bucket}/${key} with the job's options): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

const asDate = (v: unknown) =>
  v instanceof Date ? v : new Date(String(v).replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(String(v)) ? '' : 'Z'));

/**
 * How long after its events a file can still land: a message may wait out SQS's longest
 * retention in its queue and DLQ and then be redriven, and a producer window spans up to a day.
 */
const LATE_LANDING_MS = (SQS_MAX_RETENTION_SECONDS + 86_400) * 1000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The partitions a run looks at again once the job's whole prefix has been gone through: the
 * ones a file landing around the open job's cutoff (its created_from) can be in. Any file that
 * landed later is the job's; any that landed earlier was listed by the whole-prefix pass,
 * except one whose upload finished after that pass listed: it landed near the cutoff, so its
 * events are at most LATE_LANDING_MS older. Keys are `<prefix>dt=YYYY-MM-DD/hour=HH/...`.
 */
export function recheckWindow(
  prefix: string,
  cutoffMs: number,
  boundarySeconds: number,
): { startAfter: string; lastDay: string } {
  return {
    // StartAfter is exclusive: `sales/dt=2026-11-12` sorts before every key of that day.
    startAfter: `${prefix}dt=${dayOf(cutoffMs - LATE_LANDING_MS)}`,
    lastDay: dayOf(cutoffMs + boundarySeconds * 1000),
  };
}

const partitionDay = (prefix: string, key: string) => /^dt=(\d{4}-\d{2}-\d{2})\//.exec(key.slice(prefix.length))?.[1];

async function backfill(
  driver: SqlDriver,
  m: Migration,
  spec: CopyJobSpec,
  landing: LandingLister,
  { now, boundarySeconds, wholePrefix }: { now: () => Date; boundarySeconds: number; wholePrefix: boolean },
): Promise<{ backfilled: string[]; ambiguous: string[] }> {
  const spans = (
    await driver.query<{ checksum: string; created_from: unknown; dropped_at: unknown }>(
      `SELECT checksum, created_from, dropped_at FROM ${COPY_JOB_RUNS} WHERE job_name = ${literal(spec.name)} AND bucket = ${literal(spec.bucket)} AND prefix = ${literal(spec.prefix)}`,
    )
  ).map((r) => ({
    from: asDate(r.created_from).getTime(),
    to: r.dropped_at === null || r.dropped_at === undefined ? Infinity : asDate(r.dropped_at).getTime(),
  }));
  const current = spans.filter((s) => s.to === Infinity);
  if (current.length !== 1)
    throw new Error(`COPY JOB ${spec.name}: expected one open generation in ${COPY_JOB_RUNS}, found ${current.length}`);
  const done = new Set(
    (
      await driver.query<{ file_name: string }>(
        `SELECT file_name FROM ${LANDING_BACKFILL} WHERE job_name = ${literal(spec.name)}`,
      )
    ).map((r) => r.file_name.trim()),
  );
  const margin = boundarySeconds * 1000;
  // Each boundary's blind interval, worked out once: a whole-prefix pass tests a million files.
  const blind = spans
    .flatMap((s) => [s.from, s.to])
    .filter((b) => b !== Infinity)
    .map((b) => ({ from: Math.floor(b / 1000) * 1000 - 1000, to: b + margin }));
  const nearBoundary = (t: number) => blind.some((b) => t >= b.from && t <= b.to);
  const covered = (t: number) => spans.some((s) => t >= s.from && t < s.to);
  const smokePrefix = `${spec.prefix}_smoke/`;
  const backfilled: string[] = [];
  const ambiguous: string[] = [];
  const window = wholePrefix ? undefined : recheckWindow(spec.prefix, current[0].from, boundarySeconds);
  for await (const page of landing.list(spec.bucket, spec.prefix, window?.startAfter)) {
    for (const file of page) {
      const day = window && partitionDay(spec.prefix, file.key);
      // Keys come in order: past the window's last day, nothing more can be due.
      if (window && day !== undefined && day > window.lastDay) return { backfilled, ambiguous };
      // Smoke-test canaries hold no events, and the job loads them: never backfilled nor reported.
      if (done.has(file.key) || file.key.startsWith(smokePrefix)) continue;
      const t = file.lastModified.getTime();
      if (nearBoundary(t)) ambiguous.push(file.key);
      else if (!covered(t)) {
        await inTransaction(
          driver,
          [
            renderFileCopy(spec, file.key),
            `INSERT INTO ${LANDING_BACKFILL} (file_name, job_name, loaded_at) VALUES (${literal(file.key)}, ${literal(spec.name)}, ${timestampLiteral(now())})`,
          ],
          { name: `${m.id}.backfill` },
        );
        backfilled.push(file.key);
      }
    }
  }
  return { backfilled, ambiguous };
}
