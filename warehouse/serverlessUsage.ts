// What Redshift Serverless charged: SYS_SERVERLESS_USAGE, at one-minute granularity, kept 7 days.
// Only superusers see it (docs.aws.amazon.com/redshift/latest/dg/SYS_SERVERLESS_USAGE.html), so
// `npm run verify` asks the migrator, which signs in as the namespace's admin, instead of
// granting its own identity more: it returns sums, never rows of the warehouse.
import type { SqlDriver } from './runner';

export interface ServerlessUsage {
  since: string;
  /** RPU-seconds billed: what the workgroup's compute cost is computed from. */
  chargedSeconds: number;
  /** RPU-seconds consumed. */
  computeSeconds: number;
  /** One-minute intervals that had any usage. */
  intervals: number;
}

export async function serverlessUsage(driver: SqlDriver, since: Date): Promise<ServerlessUsage> {
  const [row] = await driver.query<{ charged: unknown; compute: unknown; intervals: unknown }>(
    `SELECT COALESCE(SUM(charged_seconds), 0) AS charged, COALESCE(SUM(compute_seconds), 0) AS compute, COUNT(*) AS intervals FROM sys_serverless_usage WHERE end_time >= $1`,
    [since],
  );
  return {
    since: since.toISOString(),
    chargedSeconds: Number(row?.charged ?? 0),
    computeSeconds: Number(row?.compute ?? 0),
    intervals: Number(row?.intervals ?? 0),
  };
}
