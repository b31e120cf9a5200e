// Auto-copy's load errors as a CloudWatch metric. A COPY JOB that fails to load a file
// records it in SYS_COPY_JOB_DETAIL with status 'E' and skips that file on every later
// attempt (Redshift SYS_COPY_JOB_DETAIL docs): nothing retries it, so it must alarm. The
// migrator, run on a schedule with a `check` event, counts them per job and writes the
// count in CloudWatch's embedded metric format (one JSON log line; no PutMetricData call).
import type { SqlDriver } from './runner';

export const LOAD_ERROR_METRIC = { namespace: 'bfstream/Warehouse', name: 'CopyJobLoadErrors' } as const;

export interface CopyJobErrors {
  job: string;
  errors: number;
}

/** Files each COPY JOB failed to load since `since` (enqueued then or later). */
export async function copyJobErrors(driver: SqlDriver, since: Date): Promise<CopyJobErrors[]> {
  const rows = await driver.query<{ job_name: string; errors: number | string }>(
    `SELECT TRIM(job_name) AS job_name, COUNT(*) AS errors FROM sys_copy_job_detail WHERE status = 'E' AND enqueue_time >= $1 GROUP BY TRIM(job_name) ORDER BY 1`,
    [since],
  );
  return rows.map((r) => ({ job: r.job_name, errors: Number(r.errors) }));
}

/** One embedded-metric-format document: the total for the workgroup (0 included, so the alarm sees data). */
export function loadErrorMetricLog(workgroup: string, counts: readonly CopyJobErrors[], at: Date): string {
  return JSON.stringify({
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: LOAD_ERROR_METRIC.namespace,
          Dimensions: [['Workgroup']],
          Metrics: [{ Name: LOAD_ERROR_METRIC.name, Unit: 'Count' }],
        },
      ],
    },
    Workgroup: workgroup,
    [LOAD_ERROR_METRIC.name]: counts.reduce((n, c) => n + c.errors, 0),
    jobs: counts,
  });
}
