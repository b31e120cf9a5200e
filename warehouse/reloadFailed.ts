// The way back for a file auto-copy failed to load. A COPY JOB marks such a file E in
// SYS_COPY_JOB_DETAIL and never tries it again, and a rewrite of the same key (a replayed
// window) is skipped too: auto-copy loads each name once (Redshift SYS_COPY_JOB_DETAIL docs,
// https://docs.aws.amazon.com/redshift/latest/dg/SYS_COPY_JOB_DETAIL.html). Once the cause is
// fixed, the migrator's reloadFailed action COPYs each such file by name with its job's options,
// and records it in LANDING_BACKFILL in the same transaction, so no file is loaded twice: not
// by a rerun (it skips what the ledger holds), not by two runs at once (the ledger is locked).
import { LANDING_BACKFILL, renderFileCopy, type CopyJobSpec, type Migration } from './migrations';
import { inTransaction, type SqlDriver } from './runner';
import { literal, timestampLiteral } from './sql';

export interface ReloadFailedOptions {
  /** List what would be loaded, load nothing. */
  dryRun?: boolean;
  now?: () => Date;
}

export interface ReloadFailedResult {
  action: 'reloadFailed';
  dryRun: boolean;
  /** Files loaded now (or, with dryRun, that would be). */
  reloaded: string[];
  /** Files that failed again, with the error; a later run tries them again. */
  failed: { key: string; error: string }[];
  /** Files another run loaded meanwhile (found in the ledger under its lock). */
  alreadyLoaded: string[];
}

/**
 * Files a job marked E that no row has loaded: no ingested (I) entry for the same key, and not
 * in the ledger of files the migrator loaded itself. Smoke-test canaries hold no events.
 */
export async function failedFilesOf(driver: SqlDriver, spec: CopyJobSpec): Promise<string[]> {
  const rows = await driver.query<{ file_name: string }>(
    `SELECT DISTINCT TRIM(d.file_name) AS file_name FROM sys_copy_job_detail d
     WHERE TRIM(d.job_name) = $1 AND TRIM(d.file_location) = $2 AND d.status = 'E'
       AND NOT EXISTS (SELECT 1 FROM sys_copy_job_detail i WHERE TRIM(i.file_location) = $2 AND TRIM(i.file_name) = TRIM(d.file_name) AND i.status = 'I')
       AND NOT EXISTS (SELECT 1 FROM ${LANDING_BACKFILL} b WHERE b.file_name = TRIM(d.file_name))
     ORDER BY 1`,
    [spec.name, spec.bucket],
  );
  return rows
    .map((r) => r.file_name)
    .filter((key) => key.startsWith(spec.prefix) && !key.startsWith(`${spec.prefix}_smoke/`));
}

/**
 * One file in one transaction: lock the ledger (a second run waits here), stop if the file is
 * already in it (1 / 0 aborts the transaction), COPY it by name, record it.
 */
function reloadStatements(spec: CopyJobSpec, key: string, at: Date): string[] {
  const file = literal(key);
  return [
    `LOCK TABLE ${LANDING_BACKFILL}`,
    `SELECT 1 / (1 - COUNT(*)) AS not_loaded_yet FROM ${LANDING_BACKFILL} WHERE file_name = ${file}`,
    renderFileCopy(spec, key),
    `INSERT INTO ${LANDING_BACKFILL} (file_name, job_name, loaded_at) VALUES (${file}, ${literal(spec.name)}, ${timestampLiteral(at)})`,
  ];
}

async function inLedger(driver: SqlDriver, key: string): Promise<boolean> {
  return (await driver.query(`SELECT 1 FROM ${LANDING_BACKFILL} WHERE file_name = $1`, [key])).length > 0;
}

/** COPY, by name and once, every file a COPY JOB of these migrations failed to load. */
export async function reloadFailedFiles(
  driver: SqlDriver,
  migrations: readonly Migration[],
  options: ReloadFailedOptions = {},
): Promise<ReloadFailedResult> {
  const now = options.now ?? (() => new Date());
  const result: ReloadFailedResult = {
    action: 'reloadFailed',
    dryRun: options.dryRun === true,
    reloaded: [],
    failed: [],
    alreadyLoaded: [],
  };
  for (const spec of migrations.flatMap((m) => (m.copyJob ? [m.copyJob] : []))) {
    for (const key of await failedFilesOf(driver, spec)) {
      if (options.dryRun) {
        result.reloaded.push(key);
        continue;
      }
      try {
        await inTransaction(driver, reloadStatements(spec, key, now()), { name: `reload.${spec.name}` });
        result.reloaded.push(key);
      } catch (error) {
        if (await inLedger(driver, key)) result.alreadyLoaded.push(key);
        else result.failed.push({ key, error: (error as Error).message });
      }
    }
  }
  return result;
}
