// PGlite (Postgres in WASM, in-process) as a warehouse driver: the twin and the tests.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { CopyDriver } from '../runner';
import { copyCsvSql } from './copy-sql';
import { exclusive } from './exclusive';

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
  return exclusive({
    dialect: 'postgres' as const,
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
      const result = await db.query(copyCsvSql(table, columns, `'/dev/blob'`), [], {
        blob: new Blob([csv as Uint8Array<ArrayBuffer>]),
      });
      return result.affectedRows ?? 0;
    },
    async close() {
      if (!db.closed) await db.close();
    },
  });
}

/**
 * A freshly initialised PGlite data directory, made once per machine and shared by
 * test files and bench runs: initdb takes 10 s or more on a busy 2-core machine,
 * a restore about one. Pass it as `loadDataDir`.
 */
export async function blankDataDir(): Promise<Blob> {
  const version = (
    JSON.parse(readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const path = join(tmpdir(), `pglite-${version}-blank.tar`);
  if (!existsSync(path)) {
    const db = await PGlite.create();
    const dump = await db.dumpDataDir('none');
    await db.close();
    // Write then rename: parallel jest workers never read a half-written file.
    const part = `${path}.${process.pid}.part`;
    writeFileSync(part, new Uint8Array(await dump.arrayBuffer()));
    renameSync(part, path);
  }
  return new Blob([readFileSync(path)]);
}
