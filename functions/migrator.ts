// The migrator Lambda: applies the rendered Redshift migrations through the Data
// API. Infrastructure deploys it and invokes it on the migrations' hash and the
// namespace id. It imports only the AWS SDK (provided by the Lambda runtime), Powertools
// logger and our own pure modules: never faker, PGlite or pg.
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { secretsManagerSecret } from './dashboardSecret';
import { RedshiftDataDriver } from '../warehouse/drivers/redshift-data';
import { recordReported, unreportedFailures } from '../warehouse/loadErrorLedger';
import { copyJobErrors, loadErrorMetricLog, type CopyJobErrors } from '../warehouse/loadErrors';
import {
  ensureDashboardUser,
  rotateDashboardPassword,
  type DashboardSecret,
  type DashboardUserOutcome,
} from '../warehouse/readers';
import { migrationsHash, type Migration } from '../warehouse/migrations';
import { reloadFailedFiles, type ReloadFailedResult } from '../warehouse/reloadFailed';
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
  /** The dashboard's credentials; default the secret in env DASHBOARD_SECRET_ARN, none when unset (no dashboard). */
  dashboardSecret?: DashboardSecret;
}

export interface MigratorEvent {
  /**
   * Scheduled `copyJobErrors`: count the files auto-copy failed that no check reported yet, log them as a
   * metric. `serverlessUsage` (npm run verify): what the workgroup charged since `since`. Neither migrates.
   */
  check?: 'copyJobErrors' | 'serverlessUsage';
  /** ISO-8601 start of a serverlessUsage check. */
  since?: string;
  /** Ignored: sent by schedules from before the ledger, when the check looked back this many minutes. */
  sinceMinutes?: number;
  /**
   * By hand: `reloadFailed` (`npm run reload-failed`) COPYs, by name and once, each landing file a
   * COPY JOB failed to load and no row has loaded, recording it in the landing ledger;
   * `rotateDashboardPassword` gives the dashboard's database user a new password (docs/INFRA.md).
   * Neither migrates.
   */
  action?: 'reloadFailed' | 'rotateDashboardPassword';
  /** With action reloadFailed: list the files, load nothing. */
  dryRun?: boolean;
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
  /** What the deploy did to the dashboard's database user, when the stack has a dashboard. */
  dashboardUser?: DashboardUserOutcome;
}

export interface UsageCheckResult extends ServerlessUsage {
  check: 'serverlessUsage';
}

export interface LoadCheckResult {
  check: 'copyJobErrors';
  jobs: CopyJobErrors[];
}

/** The objects under a prefix, with their LastModified, one ListObjectsV2 page at a time; and the smoke-test canaries. */
export function s3Lister(s3: S3Client): LandingLister {
  return {
    async put(bucket, key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/csv' }));
    },
    async *list(bucket, prefix, startAfter) {
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            StartAfter: startAfter,
            ContinuationToken: token,
          }),
        );
        yield (page.Contents ?? []).flatMap((o) =>
          o.Key && o.LastModified ? [{ key: o.Key, lastModified: o.LastModified }] : [],
        );
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
  };
}

/** Refuses an unknown check, and migrations other than the ones this function carries (a stale deploy). */
function checkEvent(event: MigratorEvent, hash: string): void {
  if (event.check !== undefined && event.check !== 'copyJobErrors' && event.check !== 'serverlessUsage')
    throw new Error(
      `migrator: unknown check ${JSON.stringify(event.check)} (expected copyJobErrors or serverlessUsage)`,
    );
  if (event.check === 'serverlessUsage' && (typeof event.since !== 'string' || Number.isNaN(Date.parse(event.since))))
    throw new Error(
      `migrator: a serverlessUsage check needs since, an ISO-8601 time, got ${JSON.stringify(event.since)}`,
    );
  if (event.action !== undefined && event.action !== 'reloadFailed' && event.action !== 'rotateDashboardPassword')
    throw new Error(
      `migrator: unknown action ${JSON.stringify(event.action)} (expected reloadFailed or rotateDashboardPassword)`,
    );
  if (event.action !== undefined && event.check !== undefined)
    throw new Error('migrator: give an action or a check, not both');
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

/**
 * The scheduled check: the failed files no check reported yet (the ledger; no time window), logged
 * as a metric, then recorded. Reported before recorded: a check that dies between reports twice.
 */
async function checkLoadErrors(
  { driver, workgroupName }: { driver: RedshiftDataDriver; workgroupName: string },
  options: MigratorOptions,
  logger: Logger,
): Promise<LoadCheckResult> {
  const now = (options.now ?? (() => new Date()))();
  const failures = await unreportedFailures(driver);
  const jobs = copyJobErrors(failures);
  // Embedded metric format: CloudWatch turns this log line into the CopyJobLoadErrors metric.
  (options.emitMetric ?? ((line) => process.stdout.write(`${line}\n`)))(loadErrorMetricLog(workgroupName, jobs, now));
  if (jobs.length)
    logger.error(
      'COPY JOBs failed to load files; auto-copy skips them from now on: see retail.load_error_ledger, SYS_COPY_JOB_DETAIL and SYS_LOAD_ERROR_DETAIL, fix the cause, then run npm run reload-failed (docs/INFRA.md)',
      { jobs },
    );
  await recordReported(driver, failures, now);
  return { check: 'copyJobErrors', jobs };
}

/** The dashboard's secret: injected, or the one the stack names; none when the stack has no dashboard. */
function dashboardSecret(options: MigratorOptions): DashboardSecret | undefined {
  if (options.dashboardSecret) return options.dashboardSecret;
  const arn = process.env.DASHBOARD_SECRET_ARN;
  return arn ? secretsManagerSecret(new SecretsManagerClient({}), arn) : undefined;
}

/** On demand: a new dashboard password (stored, then set; readers.ts says why in that order). */
async function rotate(
  driver: RedshiftDataDriver,
  options: MigratorOptions,
  logger: Logger,
): Promise<{ rotated: true }> {
  const secret = dashboardSecret(options);
  if (!secret) throw new Error('migrator: this stack has no dashboard (env DASHBOARD_SECRET_ARN is unset)');
  await rotateDashboardPassword(driver, secret);
  logger.info('dashboard password rotated');
  return { rotated: true };
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
  const secret = dashboardSecret(options);
  // After the migrations: the analyst role the user is granted exists then.
  const dashboardUser = secret ? await ensureDashboardUser(driver, secret) : undefined;
  logger.info('migrations done', { ...result, hash, dashboardUser });
  return { ...result, hash, ...(dashboardUser ? { dashboardUser } : {}) };
}

/** By hand: the files auto-copy failed to load, each COPYed once by name (see warehouse/reloadFailed.ts). */
async function reloadFailed(
  driver: RedshiftDataDriver,
  event: MigratorEvent,
  options: MigratorOptions,
  logger: Logger,
): Promise<ReloadFailedResult> {
  const result = await reloadFailedFiles(driver, options.migrations, {
    dryRun: event.dryRun === true,
    now: options.now,
  });
  if (result.failed.length)
    logger.error('landing files failed to load again: see SYS_LOAD_ERROR_DETAIL, fix, and run reloadFailed again', {
      failed: result.failed,
    });
  logger.info(result.dryRun ? 'failed files that would be reloaded' : 'failed files reloaded', { ...result });
  return result;
}

export function createMigratorHandler(options: MigratorOptions): {
  (event: MigratorEvent & { check: 'copyJobErrors' }, context?: MigratorContext): Promise<LoadCheckResult>;
  (event: MigratorEvent & { action: 'reloadFailed' }, context?: MigratorContext): Promise<ReloadFailedResult>;
  (event: MigratorEvent & { action: 'rotateDashboardPassword' }, context?: MigratorContext): Promise<{ rotated: true }>;
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
    if (event.check === 'copyJobErrors') return checkLoadErrors(warehouse, options, logger);
    if (event.action === 'reloadFailed') return reloadFailed(warehouse.driver, event, options, logger);
    if (event.action === 'rotateDashboardPassword') return rotate(warehouse.driver, options, logger);
    return migrate(warehouse.driver, event, hash, options, logger);
  }) as ReturnType<typeof createMigratorHandler>;
}
