// 0006_load_log_attempts (twin only): the twin's load log keeps every attempt at a file (a failed
// load, then its reload), one row each, and the database itself refuses a second loaded row for
// a file: loaded at most once. Literal SQL: once released, this text never changes.
import { versionedMigration, type Migration } from './migration';
import type { Dialect } from './schema';

export function loadLogAttempts(dialect: Dialect): Migration | undefined {
  if (dialect !== 'postgres') return undefined;
  return versionedMigration('0006_load_log_attempts', [
    `ALTER TABLE "retail"."copy_job_detail" ADD COLUMN "attempt" INT NOT NULL DEFAULT 1`,
    `ALTER TABLE "retail"."copy_job_detail" DROP CONSTRAINT IF EXISTS "copy_job_detail_pkey"`,
    `ALTER TABLE "retail"."copy_job_detail" ADD PRIMARY KEY ("file_name", "attempt")`,
    `CREATE UNIQUE INDEX "copy_job_detail_loaded_once" ON "retail"."copy_job_detail" ("file_name") WHERE "status" = 'loaded'`,
  ]);
}
