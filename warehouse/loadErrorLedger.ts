// Every file auto-copy failed to load, reported once. A COPY JOB that fails a file records it in
// SYS_COPY_JOB_DETAIL and skips it on every later attempt
// (https://docs.aws.amazon.com/redshift/latest/dg/SYS_COPY_JOB_DETAIL.html). A time window over
// enqueue_time misses a file enqueued before one check that fails after it; so the check keeps a
// ledger of the files it has reported and counts the failed ones not in it, whenever they failed.
// It reports before it records: a check that dies in between reports a file twice, never not at all.
import { LOAD_ERROR_LEDGER } from './loadErrorLedgerMigration';
import { inTransaction, type SqlDriver } from './runner';

export { LOAD_ERROR_LEDGER } from './loadErrorLedgerMigration';
import { literal, timestampLiteral } from './sql';

/**
 * A failed file in SYS_COPY_JOB_DETAIL. The page lists one-letter codes (P pending, I ingested,
 * E "error ingested", U unknown), but its own example prints the word `Ingested`: so a failure is
 * read as the code E or as a word saying error or failure (Error, Errored, Failed).
 */
const FAILED_STATUS = { code: 'E', words: ['error', 'fail'] } as const;

function failedPredicate(): string {
  return [
    `UPPER(TRIM(status)) = ${literal(FAILED_STATUS.code)}`,
    ...FAILED_STATUS.words.map((w) => `LOWER(status) LIKE ${literal(`%${w}%`)}`),
  ].join(' OR ');
}

export interface FailedFile {
  job: string;
  file: string;
  status: string;
  enqueueTime: Date | null;
}

const asTimestamp = (v: unknown): Date | null =>
  v === null || v === undefined ? null : v instanceof Date ? v : new Date(`${String(v).replace(' ', 'T')}Z`);

/**
 * The failed files no check has reported yet. Two queries, compared here: Redshift runs a query
 * on a SYS view on the leader node and refuses to join it with a user table.
 */
export async function unreportedFailures(driver: SqlDriver): Promise<FailedFile[]> {
  const failed = await driver.query<{ job_name: string; file_name: string; status: string; enqueue_time: unknown }>(
    `SELECT TRIM(job_name) AS job_name, TRIM(file_name) AS file_name, TRIM(status) AS status, enqueue_time FROM sys_copy_job_detail WHERE ${failedPredicate()} ORDER BY 1, 2`,
  );
  const reported = new Set(
    (
      await driver.query<{ job_name: string; file_name: string }>(
        `SELECT job_name, file_name FROM ${LOAD_ERROR_LEDGER}`,
      )
    ).map((r) => `${r.job_name.trim()}\n${r.file_name.trim()}`),
  );
  const seen = new Set<string>();
  const out: FailedFile[] = [];
  for (const r of failed) {
    const key = `${r.job_name}\n${r.file_name}`;
    // A file retried under a re-created job of the same name counts once.
    if (reported.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push({ job: r.job_name, file: r.file_name, status: r.status, enqueueTime: asTimestamp(r.enqueue_time) });
  }
  return out;
}

/** Records reported files in the ledger, in one transaction. */
export async function recordReported(driver: SqlDriver, files: readonly FailedFile[], at: Date): Promise<void> {
  if (files.length === 0) return;
  const rows = files.map(
    (f) =>
      `(${literal(f.job)}, ${literal(f.file)}, ${literal(f.status.slice(0, 32))}, ${f.enqueueTime ? timestampLiteral(f.enqueueTime) : 'NULL'}, ${timestampLiteral(at)})`,
  );
  await inTransaction(driver, [
    `INSERT INTO ${LOAD_ERROR_LEDGER} (job_name, file_name, status, enqueue_time, reported_at) VALUES ${rows.join(', ')}`,
  ]);
}
