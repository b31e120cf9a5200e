// The twin's stand-in for Redshift auto-copy: list each stream's landing prefix,
// load every file not loaded before (by name) with COPY, and record it in a table
// shaped like SYS_COPY_JOB_DETAIL. A file that fails is recorded with its error and
// skipped, as auto-copy does; the others go on, and only a reload asked for by name
// (`reload`) tries it again, once. Each file commits with its tracking row in one
// exclusive transaction (the driver's transaction(): nothing else on the connection
// joins it), so a crash at any step leaves nothing half loaded and rolls back nothing else.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { perStream, streamNames, streams, type StreamName } from '../kernel/contracts';
import { COPY_JOB_DETAIL, copyJobName } from './migrations';
import { canCopy, inTransaction, type CopyDriver, type SqlDriver } from './runner';
import { allMaterializedViews, qualified, renderRebuildSql, renderRefreshSql } from './schema';
import { literal, timestampLiteral } from './sql';

/** The steps of one file's load, in order; a fault hook at each can stop the loader there. */
export const loadSteps = ['afterFetch', 'afterCopy', 'beforeCommit', 'afterCommit'] as const;
export type LoadStep = (typeof loadSteps)[number];

/**
 * Called at a step of a file's load; throw to simulate a crash there. afterFetch: the file is read,
 * no transaction yet. afterCopy: its rows are in, not its tracking row. beforeCommit: both are
 * written, not committed. afterCommit: committed, before the next file.
 */
export type LoaderFaults = Partial<Record<LoadStep, (key: string) => void | Promise<void>>>;

export interface LoadOptions {
  driver: SqlDriver;
  s3: S3Client;
  bucket: string;
  /** Landing prefix per stream; defaults to the contracts' prefixes (sales/, inventory/). */
  prefixes?: Partial<Record<StreamName, string>>;
  /** Refresh the views after loading; default true. */
  refresh?: boolean;
  /** Files fetched from S3 ahead of the one being loaded; default 4. */
  prefetch?: number;
  faults?: LoaderFaults;
  /**
   * Files to load again although the load log has them as failed (and never loaded): each is
   * tried once, as a new attempt in the load log, and removed from the set once recorded.
   */
  reload?: Set<string>;
}

export interface LoadFailure {
  key: string;
  error: string;
}

export interface LoadReport {
  filesLoaded: number;
  filesFailed: number;
  /** Files seen under the prefixes that an earlier run already loaded or failed. */
  filesSkipped: number;
  /** Rows loaded per stream. */
  rowsLoaded: Record<StreamName, number>;
  bytesLoaded: number;
  failures: LoadFailure[];
  /** Milliseconds spent refreshing the views (0 when not refreshed). */
  refreshMs: number;
}

/** Thrown by a fault hook; it aborts the run like a crash, nothing is recorded for that file. */
export class LoaderCrash extends Error {
  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    super(`loader stopped while loading ${key}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'LoaderCrash';
  }
}

/** Every object key under a prefix, in key order. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) out.push({ key: o.Key, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function fetchObject(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!object.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return object.Body.transformToByteArray();
}

/**
 * The header must name the contract's columns in order. COPY maps by position,
 * so a file with the same columns in another order would load shuffled values.
 */
export function checkHeader(stream: StreamName, csv: Uint8Array): string | undefined {
  const expected = streams[stream].contract.columns.join(',');
  let end = csv.indexOf(10);
  if (end < 0) end = csv.length;
  const header = new TextDecoder()
    .decode(csv.subarray(0, Math.min(end, 4096)))
    .replace(/\r$/, '')
    .replace(/^\uFEFF/, '');
  if (header === expected) return undefined;
  const got = header.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  const want = expected.split(',');
  const missing = want.filter((c) => !got.includes(c));
  const extra = got.filter((c) => !want.includes(c));
  const detail = [
    missing.length ? `missing ${missing.join(', ')}` : '',
    extra.length ? `unknown ${extra.join(', ')}` : '',
    !missing.length && !extra.length ? 'same columns in another order' : '',
  ]
    .filter(Boolean)
    .join('; ');
  return `header does not match the ${streams[stream].contract.table} contract (${detail}): expected "${expected}", got "${header.slice(0, 300)}"`;
}

/** One load of one file: its stream, key, bytes and which attempt it is (1, or more for a reload). */
interface FileLoad {
  stream: StreamName;
  key: string;
  csv: Uint8Array;
  attempt: number;
}

function recordSql(file: FileLoad, status: 'loaded' | 'failed', rows: number, error: string | null): string {
  const job = copyJobName(streams[file.stream].contract.table);
  return `INSERT INTO ${COPY_JOB_DETAIL} ("job_name", "file_name", "attempt", "status", "rows_loaded", "bytes", "error", "loaded_at") VALUES (${literal(job)}, ${literal(file.key)}, ${file.attempt}, '${status}', ${rows}, ${file.csv.byteLength}, ${error === null ? 'NULL' : literal(error.slice(0, 4000))}, ${timestampLiteral(new Date())})`;
}

/** Each file in the load log: how many attempts, and whether one loaded it. */
async function loadLogByFile(driver: CopyDriver): Promise<Map<string, { attempts: number; loaded: boolean }>> {
  const rows = await driver
    .query<{ file_name: string; attempts: number | string; loaded: boolean }>(
      `SELECT "file_name", MAX("attempt") AS attempts, BOOL_OR("status" = 'loaded') AS loaded FROM ${COPY_JOB_DETAIL} GROUP BY "file_name"`,
    )
    .catch((error: Error) => {
      throw new Error(
        `loader: cannot read ${COPY_JOB_DETAIL} (${error.message}); apply the Postgres migrations (buildMigrations({ dialect: 'postgres' }, dims)) first`,
      );
    });
  return new Map(rows.map((r) => [r.file_name, { attempts: Number(r.attempts), loaded: r.loaded }]));
}

/** Load every landing file not loaded before; then refresh the views. */
export async function loadLandingFiles(options: LoadOptions): Promise<LoadReport> {
  const { driver, s3, bucket, faults } = options;
  if (!canCopy(driver))
    throw new Error(
      `the loader needs a driver with copyCsv (PGlite or a Postgres server), got a ${driver.dialect} driver without it`,
    );
  if (!bucket) throw new Error('loader: bucket is required');
  const report: LoadReport = {
    filesLoaded: 0,
    filesFailed: 0,
    filesSkipped: 0,
    rowsLoaded: perStream(() => 0),
    bytesLoaded: 0,
    failures: [],
    refreshMs: 0,
  };
  const known = await loadLogByFile(driver);
  // New files, and failed ones asked for by name (never one that loaded).
  const due = (key: string) => {
    const k = known.get(key);
    return !k || (!k.loaded && options.reload?.has(key) === true);
  };

  for (const stream of streamNames) {
    const prefix = options.prefixes?.[stream] ?? streams[stream].prefix;
    const listed = await listKeys(s3, bucket, prefix);
    const fresh = listed.filter((o) => due(o.key));
    report.filesSkipped += listed.length - fresh.length;
    // Fetch ahead so S3 reads overlap the COPYs.
    const ahead = Math.max(1, options.prefetch ?? 4);
    const pending: Promise<Uint8Array>[] = [];
    const fetchAt = (i: number) => {
      if (i < fresh.length) {
        const p = fetchObject(s3, bucket, fresh[i].key);
        p.catch(() => undefined); // handled when awaited
        pending[i] = p;
      }
    };
    for (let i = 0; i < ahead; i++) fetchAt(i);
    for (let i = 0; i < fresh.length; i++) {
      const { key } = fresh[i];
      fetchAt(i + ahead);
      let csv: Uint8Array;
      try {
        csv = await pending[i];
      } catch (error) {
        // Not recorded: a read failure is not the file's fault, so the next run tries again.
        report.failures.push({ key, error: `could not read s3://${bucket}/${key}: ${(error as Error).message}` });
        report.filesFailed++;
        continue;
      }
      delete pending[i];
      const attempt = (known.get(key)?.attempts ?? 0) + 1;
      const outcome = await loadFile(driver, { stream, key, csv, attempt }, faults);
      options.reload?.delete(key);
      known.set(key, { attempts: attempt, loaded: outcome.ok });
      if (outcome.ok) {
        report.filesLoaded++;
        report.rowsLoaded[stream] += outcome.rows;
        report.bytesLoaded += csv.byteLength;
      } else {
        report.filesFailed++;
        report.failures.push({ key, error: outcome.error });
      }
    }
  }
  if (options.refresh !== false) {
    const started = performance.now();
    await refreshViews(driver);
    report.refreshMs = performance.now() - started;
  }
  return report;
}

/** A fault hook's throw, as the crash it stands for. */
async function step(faults: LoaderFaults | undefined, at: LoadStep, key: string): Promise<void> {
  try {
    await faults?.[at]?.(key);
  } catch (crash) {
    throw new LoaderCrash(key, crash);
  }
}

/**
 * One file: COPY and its loaded row in one exclusive transaction, or (when COPY fails) its
 * failed row on its own. A crash (LoaderCrash) records nothing, so a restart loads the file.
 */
async function loadFile(
  driver: CopyDriver,
  file: FileLoad,
  faults?: LoaderFaults,
): Promise<{ ok: true; rows: number } | { ok: false; error: string }> {
  const contract = streams[file.stream].contract;
  await step(faults, 'afterFetch', file.key);
  const headerProblem = checkHeader(file.stream, file.csv);
  if (headerProblem) {
    await driver.exec(recordSql(file, 'failed', 0, headerProblem));
    return { ok: false, error: headerProblem };
  }
  let rows: number;
  try {
    rows = await driver.transaction(async (tx) => {
      const copied = await tx.copyCsv(qualified(contract.table), contract.columns, file.csv);
      await step(faults, 'afterCopy', file.key);
      await tx.exec(recordSql(file, 'loaded', copied, null));
      await step(faults, 'beforeCommit', file.key);
      return copied;
    });
  } catch (error) {
    if (error instanceof LoaderCrash) throw error;
    const e = error as Error & { where?: string; detail?: string };
    const message = [e.message, e.detail, e.where].filter(Boolean).join(' | ');
    await driver.exec(recordSql(file, 'failed', 0, message));
    return { ok: false, error: message };
  }
  await step(faults, 'afterCommit', file.key);
  return { ok: true, rows };
}

export interface RefreshReport {
  views: string[];
}

/**
 * Bring every materialized view up to date in one transaction: Redshift's
 * REFRESH, or in the twin a merge of the pending partial aggregates. With
 * `full`, the twin recomputes each view from the facts instead.
 */
export async function refreshViews(driver: SqlDriver, options: { full?: boolean } = {}): Promise<RefreshReport> {
  if (driver.dialect === 'redshift') {
    // Each Redshift view refreshes on its own (incrementally); they need not commit together.
    for (const view of allMaterializedViews) for (const s of renderRefreshSql(view, 'redshift')) await driver.exec(s);
  } else {
    const statements = allMaterializedViews.flatMap((v) =>
      options.full ? renderRebuildSql(v) : renderRefreshSql(v, 'postgres'),
    );
    await inTransaction(driver, statements);
  }
  return { views: allMaterializedViews.map((v) => v.name) };
}
