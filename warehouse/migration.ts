// One migration: its shape, its checksum, and the two kinds (versioned, applied once and frozen
// at release; repeatable, re-applied when its checksum changes). Its own module, so that the
// list (migrations.ts), the releases, the grants and each new migration's file import it
// without importing one another.
import { createHash } from 'node:crypto';

export interface Migration {
  /** Sortable id: `0002_tables` (versioned) or `R__dims` (repeatable, sorts after every versioned id). */
  id: string;
  statements: string[];
  /** sha256 of the statements and the transactional flag. */
  checksum: string;
  /** False for statements Redshift refuses inside a transaction block (COPY JOB). */
  transactional: boolean;
  /** Re-applied whenever its checksum changes (Flyway repeatable / Liquibase runOnChange). */
  repeatable?: boolean;
  /** The COPY JOB this migration creates: the runner checks SYS_COPY_JOB, drops a changed job, and backfills. */
  copyJob?: CopyJobSpec;
}

/** Plain data (it travels in the migrator's archive as JSON). */
export interface CopyJobSpec {
  name: string;
  /** Qualified target table and its columns, in contract order. */
  table: string;
  columns: string[];
  bucket: string;
  /** Landing prefix the job watches, e.g. `sales/`. */
  prefix: string;
  /** COPY options after FROM (IAM_ROLE, FORMAT, ...), shared by the job and the one-off loads. */
  options: string[];
}

/** Prefix of every repeatable migration id (Flyway's convention). */
const REPEATABLE_PREFIX = 'R__';

export function checksumOf(statements: readonly string[], transactional: boolean): string {
  const hash = createHash('sha256');
  hash.update(transactional ? 'tx\n' : 'no-tx\n');
  for (const s of statements) hash.update(`${s.length}:${s}\n`);
  return hash.digest('hex');
}

/** A versioned migration: applied once, never changed after a release ships it. */
export function versionedMigration(id: string, statements: string[], transactional = true): Migration {
  return { id, statements, checksum: checksumOf(statements, transactional), transactional };
}

/** A repeatable migration (`R__<name>`): applied again whenever its checksum changes. */
export function repeatableMigration(
  name: string,
  statements: string[],
  transactional = true,
  copyJob?: CopyJobSpec,
): Migration {
  return {
    ...versionedMigration(`${REPEATABLE_PREFIX}${name}`, statements, transactional),
    repeatable: true,
    ...(copyJob ? { copyJob } : {}),
  };
}
