// 0008_engineer_monitor (Redshift only). Its own module, so the migration list does not import
// readers.ts, which imports the runner.
import { databaseRoles } from './grants';
import { versionedMigration, type Migration } from './migration';
import { qualified } from './schema';

/**
 * 0008: engineers read every row of the load records. Redshift only: sys:monitor for the SYS
 * views, and SELECT on the bookkeeping tables 0005 made after 0004's grant on every table.
 */
export function engineerMonitorMigration(): Migration {
  const engineer = `ROLE ${databaseRoles.engineer}`;
  const statements = [
    `GRANT ROLE sys:monitor TO ${engineer}`,
    `GRANT SELECT ON ${qualified('landing_backfill')}, ${qualified('copy_job_runs')} TO ${engineer}`,
  ];
  return versionedMigration('0008_engineer_monitor', statements);
}
