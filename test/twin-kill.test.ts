// The twin never loses or doubles data across kills: `npm start` is SIGKILLed during
// setup, while streaming and while loading; a second twin on the same directory is
// refused while the first runs; then the same command, run again, finishes what was
// left. Every event is then in the warehouse exactly once, exactly as in a run that was
// never interrupted over the same windows.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { twinArchives } from '../local/archives';
import { LOCK_FILE, MARKER_FILE } from '../local/dataDir';
import { openPglite } from '../warehouse/drivers/pglite';
import { kill, startTwin, waitForLine, type Running } from './support/twinProcess';

const root = mkdtempSync(join(tmpdir(), 'twin-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The twin runs the shipped archives, built once and cached under .twin/archives/. On a fresh clone the
// first twins below would build them, and the kills in setup would throw those builds away: build them
// once here, as a user's first run would.
beforeAll(() => twinArchives(), 600_000);

const FLAGS = [
  '--runs',
  '3',
  '--window',
  '5',
  '--demand',
  '150',
  '--seed',
  '7',
  '--progress',
  'lines',
  '--concurrency',
  '1',
];
const twin = (dataDir: string, extra: string[] = []): Running =>
  startTwin([...FLAGS, '--data-dir', dataDir, '--dashboard', join(root, 'dashboard.html'), ...extra]);

/** Run to the end (without blocking this process, so a twin started before keeps going). */
const runToEnd = (dataDir: string, extra: string[] = []) => twin(dataDir, extra).done;

/** A file of the data directory as it is now ('' while absent): the twin writes its lock and marker whole. */
const read = (dir: string, file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');
/** The lock names this twin's process. */
const holdsLock = (dir: string, run: Running) => read(dir, LOCK_FILE).includes(`"pid":${run.child.pid},`);

/** Resolves as soon as `ready()` holds (checked every 20 ms); rejects if the twin exits first. */
async function until(run: Running, ready: () => boolean): Promise<void> {
  while (!ready()) {
    if (run.child.exitCode !== null) throw new Error(`exited (${run.child.exitCode}): ${run.out.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Every fact id, sorted, and the ledger, read straight from a data directory; and the file that holds
 * inventory_updates, to damage (each PGlite open costs seconds of CPU, so one read serves both).
 */
async function contents(dataDir: string): Promise<{
  sales: string[];
  inventory: string[];
  windows: { start: string; status: string }[];
  inventoryFile: string;
}> {
  const db = await openPglite(dataDir);
  try {
    const ids = async (sql: string) => (await db.query<{ id: string }>(sql)).map((r) => r.id);
    const [{ path }] = await db.query<{ path: string }>(
      "SELECT pg_relation_filepath('retail.inventory_updates') AS path",
    );
    return {
      inventoryFile: join(dataDir, path),
      sales: await ids('SELECT transaction_id AS id FROM retail.sales_transactions ORDER BY 1'),
      inventory: await ids('SELECT update_id AS id FROM retail.inventory_updates ORDER BY 1'),
      windows: (
        await db.query<{ start: Date; status: string }>(
          'SELECT window_start AS start, status FROM twin.windows ORDER BY 1',
        )
      ).map((r) => ({ start: r.start.toISOString(), status: r.status })),
    };
  } finally {
    await db.close();
  }
}

it('survives SIGKILLs in setup, mid-stream and mid-load, refuses a concurrent run, and ends with every event exactly once', async () => {
  const dir = join(root, 'killed');

  // 1. Killed during setup: the twin holds the lock and is making the data directory's cluster
  // (its marker says so until the cluster is made and migrated).
  let run = twin(dir);
  await until(run, () => holdsLock(dir, run) && /"state": "creating"/.test(read(dir, MARKER_FILE)));
  expect(await kill(run)).toBe(true);

  // 2. A second twin on the same directory is refused while the first holds it, naming it
  // (the first has many windows to go, so it is surely still running).
  run = twin(dir, ['--runs', '300']);
  await waitForLine(run, /^\[setup\]/);
  await until(run, () => holdsLock(dir, run));
  const second = await runToEnd(dir, ['--fresh']);
  expect(second.status).toBe(2);
  expect(second.stderr).toContain(`is in use by another twin: pid ${run.child.pid} on `);

  // 3. The first is killed while streaming, once a window has been sent (it is in its own windows:
  // 1 left none started).
  await waitForLine(run, /^\[stream\] runs [1-9]/);
  expect(await kill(run)).toBe(true);

  // 4. Killed while loading (the pass that finishes the windows left by 3, or the run's own).
  run = twin(dir);
  await waitForLine(run, /^\[(load|books)\]/);
  expect(await kill(run)).toBe(true);
  // (Which windows it names depends on how far the loader had got when 3 struck: any of them.)
  expect(run.out.stdout).toMatch(
    /^Finishing \d+ window\(s\) an earlier run started but did not load: 2026-11-27 \d\d:\d\d/m,
  );

  // 5. The same command again finishes everything.
  const last = await runToEnd(dir);
  expect(last.stderr).toBe('');
  expect(last.status).toBe(0);
  expect(last.stdout).toContain('BALANCED: every window ever produced is in the warehouse, once.');

  // The same windows, never interrupted: in a directory of its own, so it runs while 6 and 7 below run.
  // The warehouse's books above say how many windows the kills and the finishing run left.
  const windows = Number(/^Books, warehouse \(all runs\):\n {2}(\d+) window\(s\) produced /m.exec(last.stdout)?.[1]);
  expect(windows).toBeGreaterThanOrEqual(3);
  const clean = join(root, 'clean');
  const referenceRun = runToEnd(clean, ['--runs', String(windows), '--start', '2026-11-27T06:00:00Z']);

  // 6. A --start that overlaps loaded windows with other settings is refused before anything moves:
  // the ledger below has no window off the 5-minute grid, and the tables hold exactly what a run
  // never interrupted holds (the reference below).
  const overlap = await runToEnd(dir, ['--start', '2026-11-27T06:07:00Z']);
  expect(overlap.status).toBe(2);
  expect(overlap.stderr).toMatch(
    /--start 2026-11-27T06:07:00Z: 3 window\(s\) overlap windows already in the warehouse.*06:07\+5m overlaps 2026-11-27 06:05\+5m/,
  );

  const killed = await contents(dir);
  expect(killed.windows.length).toBe(windows);
  expect(killed.windows.every((w) => w.status === 'loaded')).toBe(true);
  // The windows follow each other from Black Friday 06:00 with no gap.
  expect(killed.windows.map((w) => w.start)).toEqual(
    killed.windows.map((_, i) => new Date(Date.parse('2026-11-27T06:00:00Z') + i * 5 * 60_000).toISOString()),
  );

  // 7. A truncated table file is found on open, named with its window and files, and --repair makes them again.
  const file = killed.inventoryFile;
  truncateSync(file, Math.floor(statSync(file).size / 2));
  const damaged = await runToEnd(dir);
  expect(damaged.status).toBe(2);
  expect(damaged.stderr).toMatch(
    /does not match its load log:\n {2}inventory_updates holds \d+ row\(s\) but the load log says \d+ were loaded\n {2}window 20261127T\d{6}-7: \d+ row\(s\) in inventory_updates, the load log says \d+ from \d+ file\(s\): inventory\/dt=2026-11-27/,
  );
  expect(damaged.stderr).toContain('Repair it with --repair');
  const repaired = await runToEnd(dir, ['--repair', '--runs', '1']);
  expect(repaired.stderr).toBe('');
  expect(repaired.status).toBe(0);
  expect(repaired.stdout).toMatch(/Finished \d+ window\(s\) an earlier run left unloaded first/);

  const reference = await referenceRun;
  expect(reference.status).toBe(0);
  const expected = await contents(clean);
  expect(killed.sales.length).toBe(expected.sales.length);
  expect(killed.sales).toEqual(expected.sales);
  expect(killed.inventory).toEqual(expected.inventory);
  const after = await contents(dir);
  const before = new Set(expected.inventory);
  expect(after.inventory.filter((id) => before.has(id))).toEqual(expected.inventory);
  expect(after.sales.filter((id) => new Set(expected.sales).has(id))).toEqual(expected.sales);
}, 900_000);
