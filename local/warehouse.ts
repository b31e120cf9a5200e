// The twin's warehouse: PGlite on disk (a second run adds to the first) or the
// Postgres server in DATABASE_URL, migrated with the same migrations as Redshift,
// loaded by the auto-copy stand-in and read by the dashboard queries.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Catalog } from '../kernel/catalog';
import { noSpaceError } from './diskSpace';
import { parseChunkId, windowTag } from '../kernel/chunks';
import { perStream, streamNames, streams, toCsvTimestamp, type StreamName } from '../kernel/contracts';
import { isoSecond } from '../kernel/time';
import { loadLandingFiles, refreshViews, LoaderCrash } from '../warehouse/loader';
import { buildMigrations, COPY_JOB_DETAIL, copyJobName } from '../warehouse/migrations';
import { openWarehouse } from '../warehouse/open';
import { releases } from '../warehouse/releases';
import { migratedDataDirPath, unpackDataDir } from '../warehouse/drivers/pglite';
import { openPgliteInWorker } from './pgliteWorker';
import { runDashboardQueries, type DashboardRows } from '../warehouse/queries';
import {
  applyMigrations,
  inTransaction,
  MigrationChangedError,
  MIGRATIONS_TABLE,
  type CopyDriver,
  type SqlDriver,
} from '../warehouse/runner';
import { databaseRoles } from '../warehouse/grants';
import { qualified, WAREHOUSE_SCHEMA } from '../warehouse/schema';
import { literal, quoteIdent } from '../warehouse/sql';
import type { PgDriver } from '../warehouse/drivers/pg';
import { Problems } from '../kernel/problems';
import { claimDataDir, DataDirBusy, DataDirRefused } from './dataDir';

export type DashboardData = DashboardRows;

export interface LoadCounts {
  files: number;
  /** Files already loaded (or failed) by an earlier pass, seen again. */
  skipped: number;
  rows: Record<StreamName, number>;
  /** Loader crashes survived (each followed by a restart of the loader). */
  crashes: number;
  /** Files the loader refused, with why. */
  failures: { key: string; error: string }[];
}

export interface TwinWarehouseOptions {
  dataDir: string;
  databaseUrl?: string;
  fresh: boolean;
  /** Delete the rows of windows that do not match the load log, so the run makes them again. */
  repair?: boolean;
  catalog: Catalog;
}

export interface TwinLoadOptions {
  s3: S3Client;
  bucket: string;
  /** Chaos: whether the loader crashes halfway through this file (before its commit). */
  crashMidFile?: (key: string) => boolean;
}

/** What the fact tables hold of one window, found by the window tag in each row's id. */
export interface HeldWindow {
  /** `20261127T060000-1`: the window's start and seed (base 36). */
  tag: string;
  /** The window's start (ISO-8601), from its tag; undefined when the ids carry no window tag. */
  start?: string;
  rows: Record<StreamName, number>;
  /** The first and the last event time of its rows (ISO-8601). */
  firstEvent: string;
  lastEvent: string;
}

/** A landing file whose every load failed: none of its rows are in the warehouse. */
export interface FailedFile {
  key: string;
  /** The window tag in its name, if any. */
  tag?: string;
  attempts: number;
  error: string;
}

/** One producer window the twin has started, from its ledger (twin.windows); per stream, its events produced (once status is produced or loaded). */
export interface WindowRecord extends Record<StreamName, number | null> {
  /** ISO-8601 start. */
  start: string;
  minutes: number;
  seed: number;
  /** The settings that shape the window's events and file names (JSON), so a resume makes the same files. */
  generation: string;
  /** producing: started, maybe partly sent; produced: sent, maybe not all loaded; loaded: every event in the warehouse. */
  status: 'producing' | 'produced' | 'loaded';
}

/** What the warehouse holds over all runs: the ledger, the load log and the tables, which must agree window by window. */
export interface WarehouseBooks {
  balanced: boolean;
  problems: string[];
  windows: number;
  /** Windows started but not yet fully loaded. */
  unfinished: string[];
  /** Windows (tags) the tables hold rows of but the ledger does not list: nothing says what they produced. */
  unlisted: string[];
  /** Loaded windows (ISO starts) whose rows in the tables differ from what the ledger says they produced. */
  differing: string[];
  /** Landing files whose every load failed (`--reload-failed` tries them again). */
  failedFiles: string[];
  /** Events the ledger says were produced, rows the load log says were loaded, rows in the tables. */
  produced: Record<StreamName, number>;
  loadLog: Record<StreamName, number>;
  tables: Record<StreamName, number>;
}

/** The warehouse cannot be used as it is; the message says what was found and what to run. Exit 2. */
export class WarehouseRefused extends Error {
  override name = 'WarehouseRefused';
}

export interface TwinWarehouse {
  /** `PGlite at /abs/.twin/pgdata` or `Postgres at host/db`. */
  readonly describe: string;
  readonly driver: SqlDriver;
  /** The latest event time in the fact tables, ISO-8601, or null when empty. */
  lastEventTime(): Promise<string | null>;
  /** Load every new landing file; a crashed loader is restarted until it finishes. */
  load(options: TwinLoadOptions): Promise<LoadCounts>;
  refresh(): Promise<void>;
  dashboard(): Promise<DashboardData>;
  /**
   * Rows of a fact table with events in the given spans, and the sum of a 60-bit hash of each
   * row's key (md5's first 15 hex digits): the books compare these with the produced ids in one
   * pass of the table, and ask for every key only when they differ.
   */
  factDigest(
    stream: StreamName,
    spans: readonly { from: string; to: string }[],
  ): Promise<{ rows: number; hash: bigint }>;
  /** Row count per key of a fact table, for events in [from, to). */
  factIds(stream: StreamName, from: string, to: string): Promise<Map<string, number>>;
  /** Landing files loaded (status 'loaded' in the load log). */
  loadedFiles(): Promise<Set<string>>;
  /** Landing files whose every load failed, with the last error. */
  failedFiles(): Promise<FailedFile[]>;
  /** The loads from now on try these failed files again, each once (a new attempt in the load log). */
  reloadOnce(keys: Iterable<string>): void;
  /** Every window the fact tables hold rows of, by tag. */
  heldWindows(): Promise<HeldWindow[]>;
  /** The ledger of windows, oldest first. */
  windows(): Promise<WindowRecord[]>;
  /** Record a window before its producer runs (a resume finds it there). */
  startWindow(w: Pick<WindowRecord, 'start' | 'minutes' | 'seed' | 'generation'>): Promise<void>;
  /** Record what a window's producer sent. */
  windowProduced(start: string, events: Record<StreamName, number>): Promise<void>;
  /** Mark windows whose events are all in the warehouse. */
  windowsLoaded(starts: readonly string[]): Promise<void>;
  /** Ledger, load log and tables compared window by window, over every window either knows. */
  books(): Promise<WarehouseBooks>;
  close(): Promise<void>;
}

/** The most restarts of a crashing loader before the twin gives up. */
const MAX_LOADER_RESTARTS = 1000;

/** `2026-11-27T09:00:00Z` -> `2026-11-27 09:00:00`, a TIMESTAMP parameter. */
const sqlTime = toCsvTimestamp;

/** An ISO second from a TIMESTAMP: a Date (maybe from the worker's realm, so not instanceof Date) or its text. */
function isoOfSql(t: Date | string): string {
  return isoSecond(typeof t === 'string' ? new Date(t.replace(' ', 'T') + 'Z') : t);
}

/** The ledger of producer windows: the twin's own schema, beside the warehouse's. */
const LEDGER_SCHEMA = 'twin';
const LEDGER = `${LEDGER_SCHEMA}.windows`;
/** The ledger's column of a stream's events produced (`sales`, ...). */
const LEDGER_COLUMNS = perStream((s) => quoteIdent(s));
const LEDGER_DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${LEDGER_SCHEMA}`,
  `CREATE TABLE IF NOT EXISTS ${LEDGER} (window_start TIMESTAMP PRIMARY KEY, minutes INT NOT NULL, seed BIGINT NOT NULL, generation TEXT NOT NULL, status VARCHAR(16) NOT NULL, recorded_at TIMESTAMP NOT NULL)`,
  // A column per stream; a ledger made before a stream was added gets that stream's column on the next open.
  ...streamNames.map((s) => `ALTER TABLE ${LEDGER} ADD COLUMN IF NOT EXISTS ${LEDGER_COLUMNS[s]} INT`),
];

/** Advisory lock key of the twin on a shared Postgres server ('bfst'). */
const ADVISORY_KEY = 0x62667374;

/** The window tag of a fact row id: `T-20261127T060000-1-000042-0` -> `20261127T060000-1`. */
const ID_TAG_SQL = (column: string) => `split_part(${column}, '-', 2) || '-' || split_part(${column}, '-', 3)`;

/** `20261127T060000-1` from a landing key `sales/dt=.../sales-20261127T060000-1-000003.csv`; undefined for batch files. */
function windowTagOfFile(key: string): string | undefined {
  if (!key.endsWith('.csv')) return undefined;
  return parseChunkId(key.slice(key.lastIndexOf('/') + 1, -'.csv'.length))?.tag;
}

/** `20261127T060000-1` -> `2026-11-27T06:00:00Z`; undefined for another tag. */
function isoStartOfTag(tag: string): string | undefined {
  const start = windowStartOfTag(tag);
  return start && `${start.replace(' ', 'T')}Z`;
}

/** `20261127T060000-1` -> `2026-11-27 06:00 seed 1`, for people. */
function describeTag(tag: string): string {
  const start = windowStartOfTag(tag);
  if (!start) return `ids tagged ${JSON.stringify(tag)}`;
  return `${start.slice(0, 16)} seed ${parseInt(tag.slice(tag.indexOf('-') + 1), 36)}`;
}

/** `20261127T060000-1` -> `2026-11-27 06:00:00`, the window's start as a TIMESTAMP; undefined for another tag. */
function windowStartOfTag(tag: string): string | undefined {
  if (!/^\d{8}T\d{6}-/.test(tag)) return undefined;
  return `${tag.slice(0, 4)}-${tag.slice(4, 6)}-${tag.slice(6, 8)} ${tag.slice(9, 11)}:${tag.slice(11, 13)}:${tag.slice(13, 15)}`;
}

function describePg(url: string): string {
  try {
    const u = new URL(url);
    return `Postgres at ${u.host}${u.pathname}`;
  } catch {
    return 'Postgres (DATABASE_URL)';
  }
}

/** Files and rows loaded so far, from the load log. */
async function loadLog(driver: SqlDriver): Promise<{ files: number; rows: Record<StreamName, number> }> {
  const rows = await driver.query<{ job_name: string; files: number; rows: number | string }>(
    `SELECT "job_name", COUNT(*) AS files, COALESCE(SUM("rows_loaded"), 0) AS rows FROM ${COPY_JOB_DETAIL} WHERE "status" = 'loaded' GROUP BY "job_name"`,
  );
  const row = perStream((stream) =>
    rows.find((r) => r.job_name.trim() === copyJobName(streams[stream].contract.table)),
  );
  return {
    files: streamNames.reduce((sum, stream) => sum + Number(row[stream]?.files ?? 0), 0),
    rows: perStream((stream) => Number(row[stream]?.rows ?? 0)),
  };
}

/** Per stream: rows in the table and rows the load log says it loaded. */
async function tableAndLogTotals(
  driver: SqlDriver,
): Promise<{ tables: Record<StreamName, number>; loadLog: Record<StreamName, number> }> {
  const log = await loadLog(driver);
  const tables = perStream(() => 0);
  for (const stream of streamNames) {
    const rows = await driver.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM ${qualified(streams[stream].contract.table)}`,
    );
    tables[stream] = Number(rows[0]?.n ?? 0);
  }
  return { tables, loadLog: log.rows };
}

/** Rows the load log says each window's files of one table loaded, and the files. */
async function loggedByWindow(
  driver: SqlDriver,
  table: string,
): Promise<Map<string, { rows: number; files: string[] }>> {
  const files = await driver.query<{ file_name: string; rows_loaded: number | string }>(
    `SELECT "file_name", "rows_loaded" FROM ${COPY_JOB_DETAIL} WHERE "status" = 'loaded' AND "job_name" = $1`,
    [copyJobName(table)],
  );
  const byTag = new Map<string, { rows: number; files: string[] }>();
  for (const f of files) {
    const tag = windowTagOfFile(f.file_name) ?? '(batch files)';
    const e = byTag.get(tag) ?? { rows: 0, files: [] };
    e.rows += Number(f.rows_loaded);
    e.files.push(f.file_name);
    byTag.set(tag, e);
  }
  return byTag;
}

/** One stream's windows whose rows in the table differ from the load log's, each in words. */
async function windowMismatches(driver: SqlDriver, stream: StreamName): Promise<{ tag: string; problem: string }[]> {
  const { table, key } = streams[stream].contract;
  const logByTag = await loggedByWindow(driver, table);
  const inTable = await driver.query<{ tag: string; n: number | string }>(
    `SELECT ${ID_TAG_SQL(quoteIdent(key))} AS tag, COUNT(*) AS n FROM ${qualified(table)} GROUP BY 1`,
  );
  const tableByTag = new Map(inTable.map((r) => [r.tag, Number(r.n)]));
  const out: { tag: string; problem: string }[] = [];
  for (const tag of [...new Set([...logByTag.keys(), ...tableByTag.keys()])].sort()) {
    const log = logByTag.get(tag);
    const n = tableByTag.get(tag) ?? 0;
    if ((log?.rows ?? 0) === n) continue;
    const names = log?.files ?? [];
    const shown = names.length
      ? ': ' + names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '')
      : '';
    out.push({
      tag,
      problem: `window ${tag}: ${n} row(s) in ${table}, the load log says ${log?.rows ?? 0} from ${names.length} file(s)${shown}`,
    });
  }
  return out;
}

/**
 * The load log against the tables, file by file where it differs: rows the log says each
 * window's files loaded, against the rows of that window in the table. Empty when they agree.
 */
async function integrityProblems(driver: SqlDriver): Promise<{ problems: string[]; windows: string[] }> {
  const { tables, loadLog: logged } = await tableAndLogTotals(driver);
  const problems = new Problems();
  const windows = new Set<string>();
  for (const stream of streamNames) {
    if (tables[stream] === logged[stream]) continue;
    const bad = await windowMismatches(driver, stream);
    for (const b of bad) windows.add(b.tag);
    problems.add(
      `${streams[stream].contract.table} holds ${tables[stream]} row(s) but the load log says ${logged[stream]} were loaded`,
      ...bad.map((b) => b.problem),
    );
  }
  return { problems: [...problems.all], windows: [...windows] };
}

/** Delete the rows and load-log entries of damaged windows and mark them unfinished, so the next run makes them again. */
async function repairWindows(driver: SqlDriver, tags: readonly string[]): Promise<void> {
  const statements: string[] = [];
  for (const tag of tags) {
    for (const stream of streamNames) {
      const { table, key } = streams[stream].contract;
      statements.push(`DELETE FROM ${qualified(table)} WHERE ${ID_TAG_SQL(quoteIdent(key))} = ${literal(tag)}`);
    }
    statements.push(`DELETE FROM ${COPY_JOB_DETAIL} WHERE "file_name" LIKE ${literal(`%-${tag}-%`)}`);
    const start = windowStartOfTag(tag);
    if (start) statements.push(`UPDATE ${LEDGER} SET status = 'producing' WHERE window_start = ${literal(start)}`);
  }
  await inTransaction(driver, statements);
  // The views hold partial aggregates of the deleted rows: rebuild them from the facts.
  await refreshViews(driver, { full: true });
}

/** --repair: delete the rows and load-log entries of windows the tables hold but the ledger does not list. */
async function repairUnlisted(driver: SqlDriver): Promise<void> {
  const listed = new Set((await readLedger(driver)).map((w) => windowTag(w.start, w.seed)));
  const unlisted = (await heldWindows(driver)).filter((h) => !listed.has(h.tag)).map((h) => h.tag);
  if (unlisted.length) await repairWindows(driver, unlisted);
}

/** An open warehouse connection, before migrations. */
interface Connection {
  driver: CopyDriver;
  where: string;
  /** Gives up the data directory's lock (PGlite); nothing on a server, where the lock is the session's. */
  release(): void;
  /** Marks the data directory a ready twin warehouse (PGlite). */
  markReady(): void;
}

/** Whether an error from the pg client means the connection is gone, whichever call saw it first. */
function connectionGone(error: unknown): boolean {
  // SQLSTATE class 08 (connection exception) and 57P01-57P03 (the server ended the session).
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(08|57P0[123])/.test(code)) return true;
  return /Connection terminated|not queryable|ECONNRESET|EPIPE/.test((error as Error).message);
}

/**
 * A dropped connection is an 'error' event on the client; unheard, it ends the process.
 * Heard, it is remembered, and every statement then fails with one line that says so.
 */
function guardConnection(pg: PgDriver, where: string): PgDriver {
  let lost: Error | undefined;
  pg.client.on('error', (error) => (lost ??= error));
  pg.client.on('end', () => (lost ??= new Error('the server closed the connection')));
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (lost) throw new Error(`the warehouse (${where}) connection was lost: ${lost.message}`);
      try {
        return await call(...args);
      } catch (error) {
        if (!lost && !connectionGone(error)) throw error;
        throw new Error(`the warehouse (${where}) connection was lost: ${(lost ?? (error as Error)).message}`, {
          cause: error,
        });
      }
    };
  return {
    ...pg,
    exec: guard(pg.exec),
    query: guard(pg.query),
    copyCsv: guard(pg.copyCsv),
    execInTransaction: guard(pg.execInTransaction!),
    transaction: guard(pg.transaction) as PgDriver['transaction'],
    close: () => pg.close(),
  } as PgDriver;
}

/** One twin per database: a session advisory lock, released when the connection ends. */
async function lockDatabase(pg: PgDriver, where: string): Promise<void> {
  const [{ locked }] = await pg.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${ADVISORY_KEY}) AS locked`);
  if (locked) return;
  const [h] = await pg.query<{ pid: number; client: string | null; app: string | null; since: Date | string | null }>(
    `SELECT a.pid, host(a.client_addr) AS client, a.application_name AS app, a.backend_start AS since FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = ${ADVISORY_KEY}`,
  );
  const holder = h
    ? `: server backend pid ${h.pid}${h.client ? ` from ${h.client}` : ''}${h.app ? ` (${h.app})` : ''}, connected since ${h.since ? isoOfSql(h.since) : '?'}`
    : '';
  throw new DataDirBusy(`${where} is in use by another twin${holder}. Wait for it to finish, or stop it.`);
}

/** --fresh on a server: drop only what the twin made; a warehouse schema with no twin ledger beside it belongs to someone else. */
async function dropTwinSchemas(pg: PgDriver, where: string): Promise<void> {
  const [{ ours, theirs }] = await pg.query<{ ours: boolean; theirs: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = ${literal(LEDGER_SCHEMA)}) AS ours, EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = ${literal(WAREHOUSE_SCHEMA)}) AS theirs`,
  );
  if (theirs && !ours)
    throw new WarehouseRefused(
      `--fresh: ${where} has a schema ${WAREHOUSE_SCHEMA} that the twin did not make (no schema ${LEDGER_SCHEMA} beside it); the twin leaves it alone. Use another database.`,
    );
  await pg.exec(`DROP SCHEMA IF EXISTS ${WAREHOUSE_SCHEMA} CASCADE`);
  await pg.exec(`DROP SCHEMA IF EXISTS ${LEDGER_SCHEMA} CASCADE`);
  await pg.exec(`DROP TABLE IF EXISTS ${MIGRATIONS_TABLE}`);
}

/** The Postgres server in DATABASE_URL, locked for this twin (and emptied of the twin's schemas with --fresh). */
async function connectPostgres(databaseUrl: string, fresh: boolean): Promise<Connection> {
  const where = describePg(databaseUrl);
  let pg: PgDriver;
  try {
    pg = (await openWarehouse({ databaseUrl })) as PgDriver;
  } catch (error) {
    // The environment names a server that is not there (or refuses us): a refusal, exit 2, nothing moved.
    throw new WarehouseRefused(`cannot connect to DATABASE_URL (${where}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  const driver = guardConnection(pg, where);
  try {
    await lockDatabase(pg, where);
    if (fresh) await dropTwinSchemas(pg, where);
  } catch (error) {
    await pg.close().catch(() => undefined);
    throw error;
  }
  return { driver, where, release: () => undefined, markReady: () => undefined };
}

/** PGlite in the twin's claimed data directory, in a worker thread so loading overlaps the rest of the pipeline. */
async function openPglite(dataDir: string, catalog: Catalog, fresh: boolean): Promise<Connection> {
  const dir = claimDataDir(dataDir, { fresh });
  try {
    // A new (or reset) directory starts as a copy of a dumped cluster, already migrated to this
    // build's migrations, rather than initdb and every migration (tens of seconds of CPU).
    if (dir.blank) unpackDataDir(await migratedDataDirPath(twinMigrations(catalog)), dir.path);
    const driver = await openPgliteInWorker(dir.path);
    return { driver, where: `PGlite at ${dir.path}`, release: dir.release, markReady: dir.markReady };
  } catch (error) {
    dir.release();
    // A full disk first: --fresh would delete a directory that a bigger disk opens.
    const full = noSpaceError(dir.path, error);
    if (full) throw full;
    throw new WarehouseRefused(
      `the warehouse in ${dir.path} is damaged: PGlite cannot open it (${(error as Error).message.replace(/^could not open PGlite at [^:]*: /, '')}). ` +
        `Start it again with --fresh (this deletes that twin data directory and its warehouse), or move the directory aside to keep it and give a new --data-dir.`,
    );
  }
}

/** The warehouse's migrations as the twin applies them (Postgres, this catalog's dimensions). */
function twinMigrations(catalog: Catalog) {
  return buildMigrations({ dialect: 'postgres' }, catalog);
}

/** Migrate, make the ledger, and check the tables against the load log (repairing with --repair). */
async function prepare(connection: Connection, options: TwinWarehouseOptions): Promise<void> {
  const { driver, where } = connection;
  await applyMigrations(driver, twinMigrations(options.catalog));
  for (const ddl of LEDGER_DDL) await driver.exec(ddl);
  connection.markReady();
  if (options.repair) await repairUnlisted(driver);
  const integrity = await integrityProblems(driver);
  if (!integrity.problems.length) return;
  if (!options.repair) {
    throw new WarehouseRefused(
      `the warehouse (${where}) does not match its load log:\n  ${integrity.problems.join('\n  ')}\n` +
        `Repair it with --repair (deletes those windows' rows and load-log entries; the run then makes them again), or start over with --fresh.`,
    );
  }
  await repairWindows(driver, integrity.windows);
  const after = await integrityProblems(driver);
  if (after.problems.length)
    throw new WarehouseRefused(
      `--repair could not make the warehouse (${where}) match its load log:\n  ${after.problems.join('\n  ')}\nStart over with --fresh.`,
    );
}

/** The command that recreates this warehouse (it deletes the twin's data there). */
function recreateCommand(options: TwinWarehouseOptions): string {
  return options.databaseUrl
    ? 'DATABASE_URL=<the same URL> npm start -- --fresh'
    : `npm start -- --data-dir ${options.dataDir} --fresh`;
}

/** A failure while preparing, as the refusal the CLI prints (exit 2). */
function refusalOf(error: unknown, where: string, options: TwinWarehouseOptions): Error {
  if (error instanceof MigrationChangedError) {
    // Released versioned migrations never change, and every release upgrades the one before
    // (warehouse/releases): a changed one means code older than the first release made it.
    const first = releases[0].version;
    return new WarehouseRefused(
      `${error.message}
This warehouse (${where}) was made by code from before release ${first}, the first release ` +
        `(or by an unreleased build): there is no upgrade path from it. Recreate it with
  ${recreateCommand(options)}
` +
        `(this deletes that warehouse and its data; the run then loads again), or move the directory aside and give a new --data-dir.`,
    );
  }
  if (error instanceof WarehouseRefused || error instanceof DataDirBusy || error instanceof DataDirRefused)
    return error;
  return new WarehouseRefused(
    `the warehouse (${where}) cannot be read: ${(error as Error).message}. If it is damaged, start it again with --fresh.`,
  );
}

export async function openTwinWarehouse(options: TwinWarehouseOptions): Promise<TwinWarehouse> {
  const connection = options.databaseUrl
    ? await connectPostgres(options.databaseUrl, options.fresh)
    : await openPglite(options.dataDir, options.catalog, options.fresh);
  const close = async () => {
    await connection.driver.close?.().catch(() => undefined);
    connection.release();
  };
  try {
    await prepare(connection, options);
  } catch (error) {
    await close();
    throw (
      (options.databaseUrl ? undefined : noSpaceError(options.dataDir, error)) ??
      refusalOf(error, connection.where, options)
    );
  }
  return twinWarehouse(connection.driver, connection.where, close);
}

/**
 * The dashboard's queries under the analysts' role, as QuickSight's own user (bfstream_dashboard,
 * granted that role only) reads them on Redshift: a view the role may not read fails here too,
 * instead of passing as the twin's superuser. SET LOCAL ends with the transaction.
 */
function readAsAnalyst(driver: CopyDriver): Promise<DashboardRows> {
  return driver.transaction(async (tx) => {
    await tx.exec(`SET LOCAL ROLE ${quoteIdent(databaseRoles.analyst)}`);
    return runDashboardQueries(tx);
  });
}

/** The warehouse's operations over an open, prepared driver. */
function twinWarehouse(driver: CopyDriver, where: string, close: () => Promise<void>): TwinWarehouse {
  // Failed files asked for by reloadOnce; the loader removes each once it has tried it.
  const reload = new Set<string>();
  return {
    describe: where,
    driver,
    lastEventTime: () => lastEventTime(driver),
    load: (options) => loadWithRestarts(driver, options, reload),
    refresh: async () => {
      await refreshViews(driver);
    },
    dashboard: () => readAsAnalyst(driver),
    factDigest: (stream, spans) => factDigest(driver, stream, spans),
    factIds: (stream, from, to) => factIds(driver, stream, from, to),
    loadedFiles: () => loadedFiles(driver),
    failedFiles: () => failedFiles(driver),
    reloadOnce: (keys) => {
      for (const key of keys) reload.add(key);
    },
    heldWindows: () => heldWindows(driver),
    windows: () => readLedger(driver),
    startWindow: (w) => startWindow(driver, w),
    windowProduced: (start, events) => windowProduced(driver, start, events),
    windowsLoaded: (starts) => windowsLoaded(driver, starts),
    books: () => warehouseBooks(driver),
    close,
  };
}

async function lastEventTime(driver: SqlDriver): Promise<string | null> {
  const parts = Object.values(streams).map(
    (s) => `SELECT MAX(${quoteIdent('timestamp')}) AS t FROM ${qualified(s.contract.table)}`,
  );
  const rows = await driver.query<{ t: Date | string | null }>(
    `SELECT MAX(t) AS t FROM (${parts.join(' UNION ALL ')}) x`,
  );
  const t = rows[0]?.t;
  return t === null || t === undefined ? null : isoOfSql(t);
}

/** Load every new landing file, like a supervisor restarting auto-copy: each restart lists again and skips what committed. */
async function loadWithRestarts(
  driver: SqlDriver,
  { s3, bucket, crashMidFile }: TwinLoadOptions,
  reload: Set<string>,
): Promise<LoadCounts> {
  const before = await loadLog(driver);
  const counts: LoadCounts = { files: 0, skipped: 0, rows: perStream(() => 0), crashes: 0, failures: [] };
  const faults = crashMidFile
    ? {
        beforeCommit: (key: string) => {
          if (crashMidFile(key)) throw new Error('chaos: loader crashed mid-file, after COPY and before COMMIT');
        },
      }
    : undefined;
  for (let restarts = 0; ; restarts++) {
    try {
      const report = await loadLandingFiles({ driver, s3, bucket, refresh: false, faults, reload });
      counts.skipped = report.filesSkipped;
      counts.failures.push(...report.failures);
      break;
    } catch (error) {
      if (!(error instanceof LoaderCrash) || restarts >= MAX_LOADER_RESTARTS) throw error;
      counts.crashes++;
    }
  }
  // What committed, crashes or not, is in the load log.
  const after = await loadLog(driver);
  counts.files = after.files - before.files;
  counts.rows = perStream((stream) => after.rows[stream] - before.rows[stream]);
  return counts;
}

async function factDigest(
  driver: SqlDriver,
  stream: StreamName,
  spans: readonly { from: string; to: string }[],
): Promise<{ rows: number; hash: bigint }> {
  const { table, key } = streams[stream].contract;
  const ts = quoteIdent('timestamp');
  const inSpans = spans.map((_, i) => `(${ts} >= $${2 * i + 1} AND ${ts} < $${2 * i + 2})`).join(' OR ') || 'false';
  const rows = await driver.query<{ n: number | string; h: string | number | null }>(
    `SELECT COUNT(*) AS n, SUM(('x' || substr(md5(${quoteIdent(key)}), 1, 15))::bit(60)::bigint) AS h FROM ${qualified(table)} WHERE ${inSpans}`,
    spans.flatMap((s) => [sqlTime(s.from), sqlTime(s.to)]),
  );
  return { rows: Number(rows[0]?.n ?? 0), hash: BigInt(String(rows[0]?.h ?? 0)) };
}

async function factIds(driver: SqlDriver, stream: StreamName, from: string, to: string): Promise<Map<string, number>> {
  const { table, key } = streams[stream].contract;
  const ts = quoteIdent('timestamp');
  const rows = await driver.query<{ id: string; n: number }>(
    `SELECT ${quoteIdent(key)} AS id, COUNT(*) AS n FROM ${qualified(table)} WHERE ${ts} >= $1 AND ${ts} < $2 GROUP BY ${quoteIdent(key)}`,
    [sqlTime(from), sqlTime(to)],
  );
  return new Map(rows.map((r) => [r.id, Number(r.n)]));
}

async function loadedFiles(driver: SqlDriver): Promise<Set<string>> {
  const rows = await driver.query<{ file_name: string }>(
    `SELECT "file_name" FROM ${COPY_JOB_DETAIL} WHERE "status" = 'loaded'`,
  );
  return new Set(rows.map((r) => r.file_name));
}

async function readLedger(driver: SqlDriver): Promise<WindowRecord[]> {
  const rows = await driver.query<
    {
      window_start: Date | string;
      minutes: number;
      seed: number | string;
      generation: string;
      status: WindowRecord['status'];
    } & Record<StreamName, number | null>
  >(
    `SELECT window_start, minutes, seed, generation, status, ${streamNames.map((s) => LEDGER_COLUMNS[s]).join(', ')} FROM ${LEDGER} ORDER BY window_start`,
  );
  return rows.map((r) => ({
    start: isoOfSql(r.window_start),
    minutes: r.minutes,
    seed: Number(r.seed),
    generation: r.generation,
    status: r.status.trim() as WindowRecord['status'],
    ...perStream((s) => r[s]),
  }));
}

async function startWindow(
  driver: SqlDriver,
  w: Pick<WindowRecord, 'start' | 'minutes' | 'seed' | 'generation'>,
): Promise<void> {
  await driver.query(
    `INSERT INTO ${LEDGER} (window_start, minutes, seed, generation, status, recorded_at) VALUES ($1, $2, $3, $4, 'producing', $5) ON CONFLICT (window_start) DO UPDATE SET recorded_at = EXCLUDED.recorded_at`,
    [sqlTime(w.start), w.minutes, w.seed, w.generation, sqlTime(new Date().toISOString())],
  );
}

async function windowProduced(driver: SqlDriver, start: string, events: Record<StreamName, number>): Promise<void> {
  await driver.query(
    `UPDATE ${LEDGER} SET ${streamNames.map((s, i) => `${LEDGER_COLUMNS[s]} = $${i + 2}`).join(', ')}, status = CASE WHEN status = 'loaded' THEN status ELSE 'produced' END WHERE window_start = $1`,
    [sqlTime(start), ...streamNames.map((s) => events[s])],
  );
}

async function windowsLoaded(driver: SqlDriver, starts: readonly string[]): Promise<void> {
  if (starts.length)
    await driver.query(`UPDATE ${LEDGER} SET status = 'loaded' WHERE window_start = ANY($1::timestamp[])`, [
      starts.map(sqlTime),
    ]);
}

/** Every window the fact tables hold rows of, found by the tag in each row's id, oldest first. */
async function heldWindows(driver: SqlDriver): Promise<HeldWindow[]> {
  const byTag = new Map<string, HeldWindow>();
  const ts = quoteIdent('timestamp');
  for (const stream of streamNames) {
    const { table, key } = streams[stream].contract;
    const rows = await driver.query<{ tag: string; n: number | string; first: Date | string; last: Date | string }>(
      `SELECT ${ID_TAG_SQL(quoteIdent(key))} AS tag, COUNT(*) AS n, MIN(${ts}) AS first, MAX(${ts}) AS last FROM ${qualified(table)} GROUP BY 1`,
    );
    for (const r of rows) {
      const [first, last] = [isoOfSql(r.first), isoOfSql(r.last)];
      const held = byTag.get(r.tag) ?? {
        tag: r.tag,
        start: isoStartOfTag(r.tag),
        rows: perStream(() => 0),
        firstEvent: first,
        lastEvent: last,
      };
      held.rows[stream] = Number(r.n);
      if (first < held.firstEvent) held.firstEvent = first;
      if (last > held.lastEvent) held.lastEvent = last;
      byTag.set(r.tag, held);
    }
  }
  return [...byTag.values()].sort((a, b) => (a.tag < b.tag ? -1 : 1));
}

/** Landing files whose every load failed, each with its latest attempt and error. */
async function failedFiles(driver: SqlDriver): Promise<FailedFile[]> {
  const rows = await driver.query<{ file_name: string; attempt: number; error: string | null }>(
    `SELECT d."file_name", d."attempt", d."error" FROM ${COPY_JOB_DETAIL} d WHERE d."status" = 'failed'
       AND d."attempt" = (SELECT MAX(a."attempt") FROM ${COPY_JOB_DETAIL} a WHERE a."file_name" = d."file_name")
       AND NOT EXISTS (SELECT 1 FROM ${COPY_JOB_DETAIL} l WHERE l."file_name" = d."file_name" AND l."status" = 'loaded')
     ORDER BY d."file_name"`,
  );
  return rows.map((r) => ({
    key: r.file_name,
    tag: windowTagOfFile(r.file_name),
    attempts: Number(r.attempt),
    error: r.error ?? '',
  }));
}

/** At most `max` items, then how many more. */
function some(items: readonly string[], max = 5): string {
  return items.slice(0, max).join(', ') + (items.length > max ? ` and ${items.length - max} more` : '');
}

/** The ledger's windows against the tables', one by one: what is missing from the ledger, and what differs. */
function windowProblems(
  ledger: readonly WindowRecord[],
  held: readonly HeldWindow[],
  problems: Problems,
): Pick<WarehouseBooks, 'unlisted' | 'differing'> {
  const heldByTag = new Map(held.map((h) => [h.tag, h]));
  const listed = new Set(ledger.map((w) => windowTag(w.start, w.seed)));
  const unlisted = held.filter((h) => !listed.has(h.tag)).map((h) => h.tag);
  problems.check(
    !unlisted.length,
    () =>
      `${unlisted.length} window(s) in the tables that the ledger does not list, so nothing says what they produced: ${some(unlisted.map(describeTag))}. ` +
      'Run again with --repair to delete their rows (a later --start can make them again), or start over with --fresh',
  );
  const differing: string[] = [];
  const details: string[] = [];
  for (const w of ledger) {
    // Unfinished windows are reported as such; windows from before the ledger kept counts cannot be compared.
    if (w.status !== 'loaded' || streamNames.some((st) => w[st] === null)) continue;
    const rows = heldByTag.get(windowTag(w.start, w.seed))?.rows ?? perStream(() => 0);
    const off = streamNames.filter((st) => rows[st] !== w[st]);
    if (!off.length) continue;
    differing.push(w.start);
    details.push(
      `${hhmmOf(w.start)} seed ${w.seed} (${off.map((st) => `${st} ${rows[st]} held, ${w[st]} produced`).join('; ')})`,
    );
  }
  problems.check(
    !differing.length,
    () => `${differing.length} window(s) whose rows differ from what they produced: ${some(details)}`,
  );
  return { unlisted, differing };
}

const hhmmOf = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** Windows not yet loaded, and the files that failed to load: what the next run does, and what only --reload-failed does. */
function unfinishedProblems(
  ledger: readonly WindowRecord[],
  failed: readonly FailedFile[],
  problems: Problems,
): string[] {
  const failedTags = new Set(failed.map((f) => f.tag));
  const unfinished = ledger.filter((w) => w.status !== 'loaded');
  const resumable = unfinished.filter((w) => !failedTags.has(windowTag(w.start, w.seed))).map((w) => w.start);
  problems
    .check(
      !resumable.length,
      () =>
        `${resumable.length} window(s) produced but not fully loaded: ${some(resumable.map(hhmmOf))} (the next run finishes them)`,
    )
    .check(
      !failed.length,
      () =>
        `${failed.length} landing file(s) failed to load, and no run loads them again by itself: ${some(
          failed.map((f) => `${f.key} (${f.error.slice(0, 120)})`),
          3,
        )}. ` + 'Fix the cause, then run npm start -- --reload-failed (each is loaded once, recorded in the load log)',
    );
  return unfinished.map((w) => w.start);
}

/** Ledger, load log and tables compared over all runs, window by window. */
async function warehouseBooks(driver: SqlDriver): Promise<WarehouseBooks> {
  const ledger = await readLedger(driver);
  const { tables, loadLog } = await tableAndLogTotals(driver);
  const held = await heldWindows(driver);
  const failed = await failedFiles(driver);
  const produced = perStream((stream) => ledger.reduce((sum, w) => sum + (w[stream] ?? 0), 0));
  const problems = new Problems();
  const unfinished = unfinishedProblems(ledger, failed, problems);
  const { unlisted, differing } = windowProblems(ledger, held, problems);
  for (const stream of streamNames) {
    const table = streams[stream].contract.table;
    problems.check(
      loadLog[stream] === tables[stream],
      () => `${table}: ${tables[stream]} row(s), but the load log says ${loadLog[stream]} (run again with --repair)`,
    );
  }
  return {
    balanced: problems.empty,
    problems: [...problems.all],
    windows: ledger.length,
    unfinished,
    unlisted,
    differing,
    failedFiles: failed.map((f) => f.key),
    produced,
    loadLog,
    tables,
  };
}
