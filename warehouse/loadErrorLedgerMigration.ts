// 0007_load_error_ledger: the ledger of failed files the load-error check has reported
// (loadErrorLedger.ts reads and writes it). Its own module, so the migration list does not
// import the check, which imports the runner.
import { databaseRoles } from './grants';
import { versionedMigration, type Migration } from './migration';
import { qualified, type Dialect } from './schema';

/** The files the load-error check has reported, once each (engineers read it; see docs/INFRA.md). */
export const LOAD_ERROR_LEDGER = qualified('load_error_ledger');

/** 0007: the ledger; engineers read it (it is made after 0004's grant on every table then). */
export function loadErrorLedgerMigration(dialect: Dialect): Migration {
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${LOAD_ERROR_LEDGER} ("job_name" VARCHAR(128) NOT NULL, "file_name" VARCHAR(1024) NOT NULL, "status" VARCHAR(32) NOT NULL, "enqueue_time" TIMESTAMP, "reported_at" TIMESTAMP NOT NULL, PRIMARY KEY ("job_name", "file_name"))`,
    `GRANT SELECT ON ${LOAD_ERROR_LEDGER} TO ${dialect === 'redshift' ? 'ROLE ' : ''}${databaseRoles.engineer}`,
  ];
  return versionedMigration('0007_load_error_ledger', statements);
}
