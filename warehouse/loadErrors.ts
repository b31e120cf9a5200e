// Auto-copy's load errors as a CloudWatch metric. A COPY JOB that fails to load a file
// records it in SYS_COPY_JOB_DETAIL and skips that file on every later attempt (Redshift
// SYS_COPY_JOB_DETAIL docs): nothing retries it, so it must alarm. The migrator, run on a
// schedule with a `check` event, counts the failed files it has not reported before (the ledger
// of loadErrorLedger.ts: no time window, so no file escapes) and writes the count in CloudWatch's
// embedded metric format (one JSON log line; no PutMetricData call).
import type { FailedFile } from './loadErrorLedger';

export const LOAD_ERROR_METRIC = { namespace: 'bfstream/Warehouse', name: 'CopyJobLoadErrors' } as const;

export interface CopyJobErrors {
  job: string;
  errors: number;
  /** The files newly failed, by key. */
  files: string[];
}

/** Newly failed files per job, in job order. */
export function copyJobErrors(failures: readonly FailedFile[]): CopyJobErrors[] {
  const byJob = new Map<string, string[]>();
  for (const f of failures) byJob.set(f.job, [...(byJob.get(f.job) ?? []), f.file]);
  return [...byJob.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([job, files]) => ({ job, errors: files.length, files }));
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
