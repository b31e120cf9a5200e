// PGlite (Postgres in WASM, in-process) as a warehouse driver: the twin and the tests.
import { PGlite } from '@electric-sql/pglite';
import type { CopyDriver } from '../runner';
import { copyCsvSql } from './copy-sql';

export interface PgliteDriver extends CopyDriver {
  readonly dialect: 'postgres';
  readonly db: PGlite;
  close(): Promise<void>;
}

export interface PgliteOptions {
  /** Start from a data directory tarball (PGlite's dumpDataDir) instead of running initdb, which takes seconds. */
  loadDataDir?: Blob;
}

/** In memory without a directory; on disk (and reopenable) with one. */
export async function openPglite(dataDir?: string, options: PgliteOptions = {}): Promise<PgliteDriver> {
  const db = await PGlite.create({ dataDir, loadDataDir: options.loadDataDir });
  return {
    dialect: 'postgres',
    db,
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T>(sql: string, params?: unknown[]) {
      return (await db.query<T>(sql, params)).rows;
    },
    async execInTransaction(statements) {
      await db.transaction(async (tx) => {
        for (const s of statements) await tx.exec(s);
      });
    },
    async copyCsv(table, columns, csv) {
      // PGlite reads COPY input from the blob passed with the query as /dev/blob.
      const result = await db.query(copyCsvSql(table, columns, `'/dev/blob'`), [], { blob: new Blob([csv as Uint8Array<ArrayBuffer>]) });
      return result.affectedRows ?? 0;
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
