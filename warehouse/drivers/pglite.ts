// PGlite (Postgres in WASM, in-process) as a warehouse driver: the twin and the tests.
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations, type CopyDriver } from '../runner';
import { migrationsHash, type Migration } from '../migrations';
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

/** PGlite's version: a dump made by one version is not loaded by another. */
function pgliteVersion(): string {
  const manifest = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Whether `path` looks like a whole tar file (PGlite's dumpDataDir 'none'): whole 512-byte
 * records, a first header whose checksum matches, and the two zero records that end an archive.
 * A cache file cut short or overwritten fails this and is made again; reading only the ends.
 */
export function wholeTar(path: string): boolean {
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size < 3 * 512 || size % 512 !== 0) return false;
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(512);
    const tail = Buffer.alloc(1024);
    readSync(fd, header, 0, 512, 0);
    readSync(fd, tail, 0, 1024, size - 1024);
    // POSIX ustar: the header's byte sum, its 8 checksum bytes counted as spaces, in octal at 148.
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
    const recorded = parseInt(header.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
    return sum === recorded && tail.every((b) => b === 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * The path of a dumped data directory cached in tmpdir under `name`, made by `make` on a first
 * (or damaged) use and then shared by every process on the machine. Write then rename: a
 * parallel process never reads a half-written file.
 */
async function cachedDump(name: string, make: () => Promise<PGlite>): Promise<string> {
  const path = join(tmpdir(), `pglite-${pgliteVersion()}-${name}.tar`);
  if (existsSync(path) && wholeTar(path)) return path;
  const db = await make();
  const dump = await db.dumpDataDir('none');
  await db.close();
  const part = `${path}.${process.pid}.part`;
  try {
    writeFileSync(part, new Uint8Array(await dump.arrayBuffer()));
    renameSync(part, path);
  } finally {
    rmSync(part, { force: true });
  }
  return path;
}

/**
 * A freshly initialised PGlite data directory, made once per machine and shared by
 * test files and bench runs: initdb takes 10 s or more on a busy 2-core machine,
 * a restore about one. Pass it as `loadDataDir`.
 */
export async function blankDataDir(): Promise<Blob> {
  return new Blob([readFileSync(await blankDataDirPath())]);
}

/** Where blankDataDir's dump lies (a worker thread can read it itself). */
export function blankDataDirPath(): Promise<string> {
  return cachedDump('blank', () => PGlite.create());
}

/**
 * A blank data directory with `migrations` applied, cached per machine like the blank one and
 * keyed by their hash (migrationsHash: every id and checksum), so a changed migration list makes
 * a new one. Migrating a new cluster takes seconds; its restore about what the blank one takes.
 * The caller still runs applyMigrations on what it opens: the runner then finds every migration
 * applied (recorded at the time this dump was made), so what is applied stays the runner's call.
 */
export function migratedDataDirPath(migrations: readonly Migration[]): Promise<string> {
  return cachedDump(`migrated-${migrationsHash(migrations).slice(0, 16)}`, async () => {
    const driver = await openPglite(undefined, { loadDataDir: await blankDataDir() });
    await applyMigrations(driver, migrations);
    return driver.db;
  });
}

/** migratedDataDirPath's dump, to pass as `loadDataDir`. */
export async function migratedDataDir(migrations: readonly Migration[]): Promise<Blob> {
  return new Blob([readFileSync(await migratedDataDirPath(migrations))]);
}
