// The migrator Lambda: applies the rendered Redshift migrations through the Data
// API. Infrastructure deploys it and invokes it on the migrations' hash. It
// imports only the AWS SDK (provided by the Lambda runtime), Powertools logger
// and our own pure modules: never faker, PGlite or pg.
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { Logger } from '@aws-lambda-powertools/logger';
import { RedshiftDataDriver } from './drivers/redshift-data';
import { migrationsHash, type Migration } from './migrations';
import { applyMigrations, type ApplyResult } from './runner';

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
}

export interface MigratorEvent {
  /** migrationsHash() the deployer expects; a mismatch means a stale function. */
  hash?: string;
}

export interface MigratorResult extends ApplyResult {
  hash: string;
}

export function createMigratorHandler(options: MigratorOptions): (event?: MigratorEvent) => Promise<MigratorResult> {
  const logger = new Logger({ serviceName: 'migrator' });
  const hash = migrationsHash(options.migrations);
  let driver: RedshiftDataDriver | undefined;
  return async (event = {}) => {
    if (event.hash !== undefined && event.hash !== hash) {
      throw new Error(`migrator was invoked for migrations ${event.hash} but carries ${hash}; redeploy the function with the new migrations`);
    }
    if (!driver) {
      const workgroupName = options.workgroupName ?? process.env.WORKGROUP_NAME ?? '';
      const database = options.database ?? process.env.DATABASE ?? '';
      const missing = [!workgroupName && 'workgroupName (env WORKGROUP_NAME)', !database && 'database (env DATABASE)'].filter(Boolean);
      if (missing.length) throw new Error(`migrator settings missing: ${missing.join(', ')}`);
      driver = new RedshiftDataDriver(options.client ?? new RedshiftDataClient({}), {
        workgroupName,
        database,
        secretArn: options.secretArn ?? process.env.SECRET_ARN,
        pollMs: options.pollMs,
      });
    }
    logger.info('applying migrations', { hash, migrations: options.migrations.map((m) => m.id) });
    const result = await applyMigrations(driver, options.migrations);
    logger.info('migrations done', { ...result, hash });
    return { ...result, hash };
  };
}
