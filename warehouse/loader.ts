// The twin's stand-in for Redshift auto-copy: list each stream's landing prefix,
// load every file not loaded before (by name) with COPY, and record it in a table
// shaped like SYS_COPY_JOB_DETAIL. A file that fails is recorded with its error and
// skipped, as auto-copy does; the others go on. Each file commits atomically with
// its tracking row, so a crash mid-file leaves nothing half loaded.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { perStream, streamNames, streams, type StreamName } from '../kernel/contracts';
import { COPY_JOB_DETAIL, copyJobName } from './migrations';
import { canCopy, inTransaction, type CopyDriver, type SqlDriver } from './runner';
import { allMaterializedViews, qualified, renderRebuildSql, renderRefreshSql } from './schema';
import { literal, timestampLiteral } from './sql';

export interface LoaderFaults {
  /** Called after a file's rows and tracking row are written, before COMMIT; throw to simulate a crash. */
  beforeCommit?(key: string): void | Promise<void>;
}

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

function recordSql(
  stream: StreamName,
  key: string,
  status: 'loaded' | 'failed',
  rows: number,
  bytes: number,
  error: string | null,
): string {
  const job = copyJobName(streams[stream].contract.table);
  return `INSERT INTO ${COPY_JOB_DETAIL} ("job_name", "file_name", "status", "rows_loaded", "bytes", "error", "loaded_at") VALUES (${literal(job)}, ${literal(key)}, '${status}', ${rows}, ${bytes}, ${error === null ? 'NULL' : literal(error.slice(0, 4000))}, ${timestampLiteral(new Date())})`;
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
  const loaded = await driver
    .query<{ file_name: string }>(`SELECT "file_name" FROM ${COPY_JOB_DETAIL}`)
    .catch((error: Error) => {
      throw new Error(
        `loader: cannot read ${COPY_JOB_DETAIL} (${error.message}); apply the Postgres migrations (buildMigrations({ dialect: 'postgres' }, dims)) first`,
      );
    });
  const done = new Set(loaded.map((r) => r.file_name));

  for (const stream of streamNames) {
    const prefix = options.prefixes?.[stream] ?? streams[stream].prefix;
    const listed = await listKeys(s3, bucket, prefix);
    const fresh = listed.filter((o) => !done.has(o.key));
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
      const outcome = await loadFile(driver, stream, key, csv, faults);
      if (outcome.ok) {
        report.filesLoaded++;
        report.rowsLoaded[stream] += outcome.rows;
        report.bytesLoaded += csv.byteLength;
      } else {
        report.filesFailed++;
        report.failures.push({ key, error: outcome.error });
      }
      done.add(key);
    }
  }
  if (options.refresh !== false) {
    const started = performance.now();
    await refreshViews(driver);
    report.refreshMs = performance.now() - started;
  }
  return report;
}

async function loadFile(
  driver: CopyDriver,
  stream: StreamName,
  key: string,
  csv: Uint8Array,
  faults?: LoaderFaults,
): Promise<{ ok: true; rows: number } | { ok: false; error: string }> {
  const contract = streams[stream].contract;
  const headerProblem = checkHeader(stream, csv);
  if (headerProblem) {
    await driver.exec(recordSql(stream, key, 'failed', 0, csv.byteLength, headerProblem));
    return { ok: false, error: headerProblem };
  }
  await driver.exec('BEGIN');
  let rows: number;
  try {
    rows = await driver.copyCsv(qualified(contract.table), contract.columns, csv);
    await driver.exec(recordSql(stream, key, 'loaded', rows, csv.byteLength, null));
  } catch (error) {
    await driver.exec('ROLLBACK');
    const e = error as Error & { where?: string; detail?: string };
    const message = [e.message, e.detail, e.where].filter(Boolean).join(' | ');
    await driver.exec(recordSql(stream, key, 'failed', 0, csv.byteLength, message));
    return { ok: false, error: message };
  }
  try {
    await faults?.beforeCommit?.(key);
  } catch (crash) {
    await driver.exec('ROLLBACK');
    throw new LoaderCrash(key, crash);
  }
  await driver.exec('COMMIT');
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
