// PGlite (Postgres in WASM, in-process) as a warehouse driver: the twin and the tests.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type * as PgliteModule from '@electric-sql/pglite';
import { applyMigrations, type CopyDriver } from '../runner';
import { migrationsHash, type Migration } from '../migrations';
import { copyCsvSql } from './copy-sql';
import { DumpBlob, dumpFileSystem } from './dataDirDump';
import { exclusive } from './exclusive';
import { headerSumOk, nextHeader, tarHeader } from './tar';

export interface PgliteDriver extends CopyDriver {
  readonly dialect: 'postgres';
  readonly db: PGlite;
  close(): Promise<void>;
}

export interface PgliteOptions {
  /** Start from a data directory tarball (PGlite's dumpDataDir) instead of running initdb, which takes seconds. */
  loadDataDir?: Blob;
  /** Postgres's shared_buffers (default: SHARED_BUFFERS). Tests that hold a few thousand rows open with a few MB. */
  sharedBuffers?: string;
}

/**
 * PGlite's module, loaded on first use: the twin's main thread only finds and unpacks a cached
 * snapshot (its worker thread opens PGlite), and loading PGlite there would cost over half a second.
 */
function pgliteModule(): typeof PgliteModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily (see above)
  return require('@electric-sql/pglite') as typeof PgliteModule;
}

/**
 * The buffer pool every PGlite here starts with unless told otherwise: 32 MB, not initdb's 128 MB.
 * Postgres zeroes its pool at every start, and PGlite starts Postgres at every open: 128 MB cost
 * about 0.75 CPU-s per open, 32 MB about 0.35 s, 4 MB about 0.2 s (this machine, 2026-12-07). A
 * default `npm start` loads 31 MB of fact tables, which 32 MB still holds.
 */
export const SHARED_BUFFERS = '32MB';

/** The Postgres settings PGlite starts with after its own (a worker thread adds them to PGlite's defaults). */
export const pgliteSettings = (sharedBuffers = SHARED_BUFFERS): string[] => ['-c', `shared_buffers=${sharedBuffers}`];

/**
 * PGlite.create with pgliteSettings: every PGlite of the twin and the tests is made here. One in
 * memory from a dump of ours (blankDataDir, migratedDataDir) opens on dumpFileSystem, not loadDataDir.
 */
export function createPglite(options: PgliteModule.PGliteOptions = {}, sharedBuffers?: string): Promise<PGlite> {
  const pglite = pgliteModule();
  const { loadDataDir, ...rest } = options;
  const inMemory = !options.fs && (!options.dataDir || options.dataDir.startsWith('memory://'));
  const from =
    loadDataDir instanceof DumpBlob && inMemory ? { fs: dumpFileSystem(pglite, loadDataDir) } : { loadDataDir };
  const startParams = [...pglite.PGlite.defaultStartParams, ...pgliteSettings(sharedBuffers)];
  return pglite.PGlite.create({ ...rest, ...from, startParams });
}

/** In memory without a directory; on disk (and reopenable) with one. */
export async function openPglite(dataDir?: string, options: PgliteOptions = {}): Promise<PgliteDriver> {
  const db = await createPglite({ dataDir, loadDataDir: options.loadDataDir }, options.sharedBuffers);
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
    return headerSumOk(header) && tail.every((b) => b === 0);
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
  return readDump(await blankDataDirPath());
}

/** The dumps this process read, by path: each test of a file opens from the same one. */
const readDumps = new Map<string, { stamp: string; blob: DumpBlob }>();

/** The dump at `path`, read once per process (again if another process made the file anew). */
function readDump(path: string): DumpBlob {
  const { size, mtimeMs } = statSync(path);
  const stamp = `${size}:${mtimeMs}`;
  const known = readDumps.get(path);
  if (known?.stamp === stamp) return known.blob;
  const blob = new DumpBlob(readFileSync(path), path);
  readDumps.set(path, { stamp, blob });
  return blob;
}

/** Where blankDataDir's dump lies (a worker thread can read it itself). */
export function blankDataDirPath(): Promise<string> {
  return cachedDump('blank', () => createPglite());
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

/** unpackDataDir's buffer, kept by the process: memory touched for the first time is dear here (dataDirDump.ts). */
let unpackBuffer: Buffer | undefined;

/**
 * Unpack a dumped data directory (a tar from dumpDataDir) into the directory an on-disk PGlite
 * will open, file for file as PGlite's own loadDataDir writes it (contents and modification
 * times), but with Node's file calls: PGlite passes each file through its WASM file system,
 * which costs a second of CPU for a 40 MB cluster. PGlite then opens it as an existing cluster.
 * The tar is read a piece at a time into one buffer, not whole into a new one per unpack.
 */
export function unpackDataDir(tarPath: string, dir: string): void {
  const root = resolve(dir);
  const buffer = (unpackBuffer ??= Buffer.alloc(1 << 20));
  const tar = openSync(tarPath, 'r');
  try {
    for (let at = 0; readSync(tar, buffer, 0, 512, at) === 512;) {
      const entry = tarHeader(buffer.subarray(0, 512), at, tarPath);
      if (!entry) return; // the end of the archive
      const target = resolve(root, `.${entry.name.startsWith('/') ? '' : '/'}${entry.name}`);
      if (!target.startsWith(root + sep))
        throw new Error(`${tarPath} is damaged at byte ${at} (delete it: it is made again)`);
      if (entry.directory) mkdirSync(target, { recursive: true });
      else {
        mkdirSync(dirname(target), { recursive: true });
        copyRange(tar, entry.offset, entry.size, target, buffer);
        utimesSync(target, entry.modified, entry.modified);
      }
      at = nextHeader(entry);
    }
  } finally {
    closeSync(tar);
  }
}

/** `size` bytes of `from` at `offset` into a new file `to`, through `buffer`. */
function copyRange(from: number, offset: number, size: number, to: string, buffer: Buffer): void {
  const out = openSync(to, 'w');
  try {
    for (let done = 0; done < size;) {
      const read = readSync(from, buffer, 0, Math.min(buffer.length, size - done), offset + done);
      if (read === 0) throw new Error(`${to}: the dump ends ${size - done} bytes short of this file`);
      writeSync(out, buffer, 0, read);
      done += read;
    }
  } finally {
    closeSync(out);
  }
}

/** migratedDataDirPath's dump, to pass as `loadDataDir`. */
export async function migratedDataDir(migrations: readonly Migration[]): Promise<Blob> {
  return readDump(await migratedDataDirPath(migrations));
}
