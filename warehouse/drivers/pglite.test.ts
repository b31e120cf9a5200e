// The migrated cluster cached per machine: keyed by the migrations, so a changed migration
// never opens a stale snapshot, and a damaged cache file is made again, never loaded.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { applyMigrations } from '../runner';
import { versionedMigration } from '../migration';
import {
  blankDataDir,
  blankDataDirPath,
  migratedDataDir,
  migratedDataDirPath,
  openPglite,
  unpackDataDir,
  wholeTar,
} from './pglite';

const realTmp = tmpdir();
let cacheDir: string;
let savedTmp: string | undefined;

beforeAll(async () => {
  // A cache of this file's own: the real one is shared by the machine's other test runs.
  const blank = await blankDataDirPath();
  cacheDir = mkdtempSync(join(realTmp, 'pglite-cache-test-'));
  copyFileSync(blank, join(cacheDir, basename(blank)));
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = cacheDir;
}, 120_000);
afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(cacheDir, { recursive: true, force: true });
});

const first = [versionedMigration('0001_table', ['CREATE TABLE public.cached (a INT)'])];
const changed = [versionedMigration('0001_table', ['CREATE TABLE public.cached (a INT, b TEXT)'])];

async function columnsAfterOpening(migrations: typeof first): Promise<string[]> {
  const driver = await openPglite(undefined, { loadDataDir: await migratedDataDir(migrations) });
  try {
    // The runner finds the migration applied: the snapshot is of exactly this list.
    expect((await applyMigrations(driver, migrations)).applied).toEqual([]);
    const rows = await driver.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'cached' ORDER BY ordinal_position`,
    );
    return rows.map((r) => r.column_name);
  } finally {
    await driver.close();
  }
}

it('makes a new snapshot when a migration changes, and never reuses the stale one', async () => {
  expect(await columnsAfterOpening(first)).toEqual(['a']);
  expect(await columnsAfterOpening(changed)).toEqual(['a', 'b']);
  expect(await migratedDataDirPath(first)).not.toBe(await migratedDataDirPath(changed));
}, 120_000);

it('makes a cache file again when it was cut short or overwritten', async () => {
  const path = await migratedDataDirPath(first);
  const whole = readFileSync(path).length;
  truncateSync(path, whole - 4096);
  expect(wholeTar(path)).toBe(false);
  expect(await migratedDataDirPath(first)).toBe(path);
  expect(readFileSync(path).length).toBe(whole);
  writeFileSync(path, Buffer.alloc(whole, 7));
  expect(wholeTar(path)).toBe(false);
  expect(await columnsAfterOpening(first)).toEqual(['a']);
  expect(wholeTar(path)).toBe(true);
}, 120_000);

it('unpacks a snapshot into a directory that PGlite opens as the migrated cluster', async () => {
  const path = await migratedDataDirPath(changed);
  const dataDir = join(cacheDir, 'unpacked');
  unpackDataDir(path, dataDir);
  const driver = await openPglite(dataDir);
  try {
    expect((await applyMigrations(driver, changed)).applied).toEqual([]);
    // Opened with SHARED_BUFFERS, not the 128 MB pool initdb wrote into the snapshot's postgresql.conf.
    expect(await driver.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '32MB' }]);
  } finally {
    await driver.close();
  }
  // A header that does not add up is refused, not written somewhere.
  const damaged = join(cacheDir, 'damaged.tar');
  const bytes = readFileSync(path);
  bytes[0] ^= 0x20;
  writeFileSync(damaged, bytes);
  expect(() => unpackDataDir(damaged, join(cacheDir, 'refused'))).toThrow(/damaged\.tar is damaged at byte 0/);
}, 120_000);

it('opens each PGlite from a dump on a copy of its own: what one writes, another never sees, even when its copy is reused', async () => {
  const blank = await blankDataDir();
  const open = () => openPglite(undefined, { loadDataDir: blank, sharedBuffers: '4MB' });
  const [a, b] = await Promise.all([open(), open()]);
  try {
    await a.exec(
      'CREATE TABLE public.mine (n INT); INSERT INTO public.mine SELECT generate_series(1, 50000); CHECKPOINT',
    );
    await b.exec('CREATE TABLE public.mine (n TEXT)');
    expect(await b.query('SELECT count(*)::int AS n FROM public.mine')).toEqual([{ n: 0 }]);
    // Its file system dumps what it holds, as after loadDataDir.
    const dumped = await a.db.dumpDataDir('none');
    const reopened = await openPglite(undefined, { loadDataDir: dumped, sharedBuffers: '4MB' });
    expect(await reopened.query('SELECT count(*)::int AS n FROM public.mine')).toEqual([{ n: 50000 }]);
    await reopened.close();
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  // The copies those two gave back hold their writes until the next open copies the dump over them.
  await new Promise((r) => setImmediate(r));
  const [c, d] = await Promise.all([open(), open()]);
  try {
    for (const db of [c, d])
      expect(await db.query("SELECT to_regclass('public.mine') IS NULL AS gone")).toEqual([{ gone: true }]);
  } finally {
    await Promise.all([c.close(), d.close()]);
  }
}, 120_000);
