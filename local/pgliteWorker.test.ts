// PGlite behind a worker thread behaves as the in-thread driver does: same results,
// statements in order on one connection, Postgres errors with their detail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inTransaction } from '../warehouse/runner';
import { openPgliteInWorker, type PgliteWorkerDriver } from './pgliteWorker';
import { blankDataDirPath, SHARED_BUFFERS, unpackDataDir } from '../warehouse/drivers/pglite';

const dir = mkdtempSync(join(tmpdir(), 'pglite-worker-'));
let db: PgliteWorkerDriver;

beforeAll(async () => {
  // A blank cluster unpacked from the machine's cached dump, as the twin starts a new directory:
  // PGlite's own initdb would take seconds of CPU more.
  unpackDataDir(await blankDataDirPath(), join(dir, 'pgdata'));
  db = await openPgliteInWorker(join(dir, 'pgdata'));
}, 60_000);
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("starts Postgres with the twin's settings, as the in-thread driver does (a 32 MB buffer pool)", async () => {
  expect(SHARED_BUFFERS).toBe('32MB');
  expect(await db.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '32MB' }]);
});

it('runs statements, queries with parameters and returns typed rows', async () => {
  await db.exec(
    'CREATE TABLE sale (id TEXT PRIMARY KEY, qty INT NOT NULL, at TIMESTAMP NOT NULL, price NUMERIC(12,2))',
  );
  await db.exec("INSERT INTO sale VALUES ('a', 1, '2026-11-27 06:00:00', 9.99), ('b', 2, '2026-11-27 06:01:00', 1.50)");
  const rows = await db.query<{ id: string; qty: number; at: Date; price: string }>(
    'SELECT * FROM sale WHERE qty >= $1 ORDER BY id',
    [1],
  );
  expect(rows.map((r) => [r.id, r.qty, r.price])).toEqual([
    ['a', 1, '9.99'],
    ['b', 2, '1.50'],
  ]);
  // A Date (from the worker's realm, so compared by tag rather than instanceof in jest).
  expect(Object.prototype.toString.call(rows[0].at)).toBe('[object Date]');
  expect(rows[0].at.toISOString()).toBe('2026-11-27T06:00:00.000Z');
});

it('loads CSV with COPY and counts the rows', async () => {
  const csv = new TextEncoder().encode('id,qty,at,price\nc,3,2026-11-27 07:00:00,2.00\nd,4,2026-11-27 07:00:01,\n');
  expect(await db.copyCsv('sale', ['id', 'qty', 'at', 'price'], csv)).toBe(2);
  expect(csv.byteLength).toBeGreaterThan(0); // the caller's bytes are copied, not taken
  expect(await db.query('SELECT count(*)::int AS n FROM sale')).toEqual([{ n: 4 }]);
});

it('keeps BEGIN ... ROLLBACK sent through exec on one connection', async () => {
  await db.exec('BEGIN');
  await db.exec("INSERT INTO sale VALUES ('e', 5, '2026-11-27 08:00:00', 1)");
  await db.exec('ROLLBACK');
  await expect(
    inTransaction(db, [
      "INSERT INTO sale VALUES ('f', 6, '2026-11-27 08:00:00', 1)",
      "INSERT INTO sale VALUES ('a', 7, '2026-11-27 08:00:00', 1)",
    ]),
  ).rejects.toThrow(/duplicate key/);
  expect((await db.query<{ id: string }>('SELECT id FROM sale ORDER BY id')).map((r) => r.id)).toEqual([
    'a',
    'b',
    'c',
    'd',
  ]);
});

it('passes Postgres errors back with their detail', async () => {
  const error = await db
    .exec("INSERT INTO sale VALUES ('a', 1, '2026-11-27 06:00:00', 1)")
    .catch((e: unknown) => e as Error & { detail?: string; code?: string });
  expect(error!.message).toMatch(/duplicate key value violates unique constraint/);
  expect(error!.detail).toBe('Key (id)=(a) already exists.');
  expect(error!.code).toBe('23505');
});
