// The migrator Lambda: applies the rendered Redshift migrations through the Data
// API. Infrastructure deploys it and invokes it on the migrations' hash and the
// namespace id. It imports only the AWS SDK (provided by the Lambda runtime), Powertools
// logger and our own pure modules: never faker, PGlite or pg.
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { RedshiftDataDriver } from '../warehouse/drivers/redshift-data';
import { copyJobErrors, loadErrorMetricLog, type CopyJobErrors } from '../warehouse/loadErrors';
import { migrationsHash, type Migration } from '../warehouse/migrations';
import { serverlessUsage, type ServerlessUsage } from '../warehouse/serverlessUsage';
import { applyMigrations, type ApplyResult, type LandingLister } from '../warehouse/runner';

export interface MigratorOptions {
  migrations: Migration[];
  /** Default: env WORKGROUP_NAME. */
  workgroupName?: string;
  /** Default: env DATABASE. */
  database?: string;
  /** Default: env SECRET_ARN (optional; IAM identity when absent). */
  secretArn?: string;
  pollMs?: number;
  /** Injected in tests; created once per cold start otherwise. */
  client?: RedshiftDataClient;
  /** Lists landing files (files that predate a COPY JOB are loaded once); default S3 ListObjectsV2. */
  landing?: LandingLister;
  /** Clock of the COPY JOB boundaries (tests). */
  now?: () => Date;
  /** See ApplyOptions.boundarySeconds (tests shorten it). */
  boundarySeconds?: number;
  /**
   * Where the metric line goes. Default: straight to stdout, past the runtime's console (as
   * Powertools Metrics does), so the log event is the bare EMF document CloudWatch reads.
   */
  emitMetric?: (line: string) => void;
}

export interface MigratorEvent {
  /**
   * Scheduled `copyJobErrors`: count auto-copy's load errors of the last `sinceMinutes` and log them as
   * a metric. `serverlessUsage` (npm run verify): what the workgroup charged since `since`. Neither migrates.
   */
  check?: 'copyJobErrors' | 'serverlessUsage';
  sinceMinutes?: number;
  /** ISO-8601 start of a serverlessUsage check. */
  since?: string;
  /** migrationsHash() the deployer expects; a mismatch means a stale function. */
  hash?: string;
  /** The namespace the deploy targets: a replaced namespace changes it and so re-runs the Invocation. */
  namespaceId?: string;
}

/** The part of the Lambda context the migrator reads. */
export interface MigratorContext {
  getRemainingTimeInMillis(): number;
}

export interface MigratorResult extends ApplyResult {
  hash: string;
}

export interface UsageCheckResult extends ServerlessUsage {
  check: 'serverlessUsage';
}

export interface LoadCheckResult {
  check: 'copyJobErrors';
  since: string;
  jobs: CopyJobErrors[];
}

/** Every object under a prefix, with its LastModified, through ListObjectsV2 pages; and the smoke-test canaries. */
export function s3Lister(s3: S3Client): LandingLister {
  return {
    async put(bucket, key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/csv' }));
    },
    async list(bucket, prefix) {
      const files: { key: string; lastModified: Date }[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? [])
          if (o.Key && o.LastModified) files.push({ key: o.Key, lastModified: o.LastModified });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return files;
    },
  };
}

/** Refuses an unknown check, and migrations other than the ones this function carries (a stale deploy). */
function checkEvent(event: MigratorEvent, hash: string): void {
  if (event.check !== undefined && event.check !== 'copyJobErrors' && event.check !== 'serverlessUsage')
    throw new Error(`migrator: unknown check ${JSON.stringify(event.check)} (expected copyJobErrors or serverlessUsage)`);
  if (event.check === 'serverlessUsage' && (typeof event.since !== 'string' || Number.isNaN(Date.parse(event.since))))
    throw new Error(`migrator: a serverlessUsage check needs since, an ISO-8601 time, got ${JSON.stringify(event.since)}`);
  if (event.hash !== undefined && event.hash !== hash) {
    throw new Error(
      `migrator was invoked for migrations ${event.hash} but carries ${hash}; redeploy the function with the new migrations`,
    );
  }
}

/**
 * One driver per invocation: it carries this invocation's remaining time. Statements are
 * named by migration id, so a rerun waits for one still in flight instead of submitting again.
 */
function openDriver(
  options: MigratorOptions,
  context: MigratorContext | undefined,
): { driver: RedshiftDataDriver; workgroupName: string } {
  const workgroupName = options.workgroupName ?? process.env.WORKGROUP_NAME ?? '';
  const database = options.database ?? process.env.DATABASE ?? '';
  const missing = [
    !workgroupName && 'workgroupName (env WORKGROUP_NAME)',
    !database && 'database (env DATABASE)',
  ].filter(Boolean);
  if (missing.length) throw new Error(`migrator settings missing: ${missing.join(', ')}`);
  const driver = new RedshiftDataDriver(options.client ?? new RedshiftDataClient({}), {
    workgroupName,
    database,
    secretArn: options.secretArn ?? process.env.SECRET_ARN,
    pollMs: options.pollMs,
    ...(context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}),
  });
  return { driver, workgroupName };
}

/** The scheduled check: auto-copy's load errors of the last minutes, logged as a metric; migrates nothing. */
async function checkLoadErrors(
  { driver, workgroupName }: { driver: RedshiftDataDriver; workgroupName: string },
  event: MigratorEvent,
  options: MigratorOptions,
  logger: Logger,
): Promise<LoadCheckResult> {
  const minutes = event.sinceMinutes ?? 5;
  if (!(Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440))
    throw new Error(`migrator: sinceMinutes must be a whole number 1..1440, got ${JSON.stringify(event.sinceMinutes)}`);
  const now = (options.now ?? (() => new Date()))();
  const since = new Date(now.getTime() - minutes * 60_000);
  const jobs = await copyJobErrors(driver, since);
  // Embedded metric format: CloudWatch turns this log line into the CopyJobLoadErrors metric.
  (options.emitMetric ?? ((line) => process.stdout.write(`${line}\n`)))(loadErrorMetricLog(workgroupName, jobs, now));
  if (jobs.length)
    logger.error(
      'COPY JOBs failed to load files; auto-copy skips them from now on: see SYS_COPY_JOB_DETAIL (status E) and SYS_LOAD_ERROR_DETAIL, fix, and load them by hand',
      { jobs },
    );
  return { check: 'copyJobErrors', since: since.toISOString(), jobs };
}

/** Applies what is due, loading the landing files that predate a COPY JOB when the bucket is known. */
async function migrate(
  driver: RedshiftDataDriver,
  event: MigratorEvent,
  hash: string,
  options: MigratorOptions,
  logger: Logger,
): Promise<MigratorResult> {
  const landing = options.landing ?? (process.env.LANDING_BUCKET ? s3Lister(new S3Client({})) : undefined);
  logger.info('applying migrations', {
    hash,
    namespaceId: event.namespaceId,
    migrations: options.migrations.map((m) => m.id),
  });
  const result = await applyMigrations(driver, options.migrations, {
    landing,
    now: options.now,
    boundarySeconds: options.boundarySeconds,
  });
  if (result.ambiguous?.length) {
    logger.warn(
      'landing files within seconds of a COPY JOB boundary: check SYS_LOAD_DETAIL for each and load any missing one by hand (docs/INFRA.md)',
      { files: result.ambiguous },
    );
  }
  logger.info('migrations done', { ...result, hash });
  return { ...result, hash };
}

export function createMigratorHandler(options: MigratorOptions): {
  (event: MigratorEvent & { check: 'copyJobErrors' }, context?: MigratorContext): Promise<LoadCheckResult>;
  (event: MigratorEvent & { check: 'serverlessUsage' }, context?: MigratorContext): Promise<UsageCheckResult>;
  (event?: MigratorEvent, context?: MigratorContext): Promise<MigratorResult>;
} {
  const logger = new Logger({ serviceName: 'migrator' });
  const hash = migrationsHash(options.migrations);
  return (async (event: MigratorEvent = {}, context?: MigratorContext) => {
    checkEvent(event, hash);
    const warehouse = openDriver(options, context);
    if (event.check === 'serverlessUsage')
      return { check: 'serverlessUsage', ...(await serverlessUsage(warehouse.driver, new Date(event.since!))) };
    return event.check === 'copyJobErrors'
      ? checkLoadErrors(warehouse, event, options, logger)
      : migrate(warehouse.driver, event, hash, options, logger);
  }) as ReturnType<typeof createMigratorHandler>;
}
