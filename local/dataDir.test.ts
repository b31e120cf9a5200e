// The twin's data directory: only a directory it marked is created, reset or reused,
// and one process at a time holds it. Everything else is refused and left untouched.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimDataDir, DataDirBusy, DataDirRefused, dataDirPathProblem, LOCK_FILE, MARKER_FILE } from './dataDir';

const root = mkdtempSync(join(tmpdir(), 'twin-datadir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every file under a directory with its bytes, to prove it was left untouched. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath, e.name);
    out[path] = e.isFile() ? readFileSync(path, 'utf8') : '<dir>';
  }
  return out;
}

describe('claimDataDir', () => {
  it("refuses a user's folder and leaves it untouched", () => {
    const dir = join(root, 'home');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'my notes');
    writeFileSync(join(dir, 'sub', 'code.ts'), 'export {}');
    const before = snapshot(dir);
    expect(() => claimDataDir(dir, { fresh: false })).toThrow(DataDirRefused);
    expect(() => claimDataDir(dir, { fresh: true })).toThrow(
      `--data-dir ${dir} holds files the twin did not make (notes.txt, sub/); the twin leaves it alone.`,
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a plain file and leaves it untouched', () => {
    const file = join(root, 'plain.txt');
    writeFileSync(file, 'keep me');
    expect(() => claimDataDir(file, { fresh: true })).toThrow(
      `--data-dir ${file} is a file, not a directory; the twin leaves it alone.`,
    );
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('refuses a Postgres cluster without the mark, even one that lost PG_VERSION', () => {
    const dir = join(root, 'cluster');
    mkdirSync(join(dir, 'base'), { recursive: true });
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    expect(() => claimDataDir(dir, { fresh: true })).toThrow(
      /holds a Postgres cluster that the twin did not mark as its own \(no twin-data-dir.json\).*adopt it/,
    );
    rmSync(join(dir, 'PG_VERSION'));
    expect(() => claimDataDir(dir, { fresh: true })).toThrow(/holds files the twin did not make \(base\/\)/);
    expect(existsSync(join(dir, 'base'))).toBe(true);
  });

  it('refuses a path under /proc without touching it', () => {
    expect(dataDirPathProblem('/proc/1/pg')).toBe(
      '/proc/1/pg is under /proc, a kernel file system, not a place for data',
    );
    expect(() => claimDataDir('/proc/x/pg', { fresh: false })).toThrow('--data-dir /proc/x/pg is under /proc');
  });

  it('creates and marks a new or empty directory, reuses it, and resets it only with fresh', () => {
    const dir = join(root, 'new', 'pgdata');
    const first = claimDataDir(dir, { fresh: false });
    expect(first.blank).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, MARKER_FILE), 'utf8'))).toMatchObject({
      owner: 'black-friday-sale-stream twin',
      state: 'creating',
    });
    writeFileSync(join(dir, 'PG_VERSION'), '17\n'); // stands in for the cluster PGlite makes
    first.markReady();
    first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);

    const again = claimDataDir(dir, { fresh: false });
    expect(again.blank).toBe(false);
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
    again.release();

    const fresh = claimDataDir(dir, { fresh: true });
    expect(fresh.blank).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([MARKER_FILE, LOCK_FILE].sort());
    fresh.release();

    const empty = join(root, 'empty');
    mkdirSync(empty);
    const claimed = claimDataDir(empty, { fresh: false });
    expect(claimed.blank).toBe(true);
    claimed.release();
  });

  it('resets a marked directory left half-made (killed before its cluster was ready)', () => {
    const dir = join(root, 'half');
    claimDataDir(dir, { fresh: false }).release(); // marked 'creating', never made ready
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    writeFileSync(join(dir, 'torn'), 'x');
    const claimed = claimDataDir(dir, { fresh: false });
    expect(claimed.blank).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([MARKER_FILE, LOCK_FILE].sort());
    claimed.release();
  });
});

describe('the data directory lock', () => {
  it('refuses a second holder and names the first', () => {
    const dir = join(root, 'locked');
    const first = claimDataDir(dir, { fresh: false });
    try {
      expect(() => claimDataDir(dir, { fresh: true })).toThrow(DataDirBusy);
      expect(() => claimDataDir(dir, { fresh: true })).toThrow(
        new RegExp(`is in use by another twin: pid ${process.pid} on `),
      );
      expect(existsSync(join(dir, MARKER_FILE))).toBe(true); // the refused --fresh deleted nothing
    } finally {
      first.release();
    }
  });

  it('takes over a lock whose holder is gone', () => {
    const dir = join(root, 'stale');
    claimDataDir(dir, { fresh: false }).release();
    // A real process that held the lock and died without releasing it.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({
        pid,
        startTicks: '1',
        processStartedAt: '2026-11-27T06:00:00Z',
        host: hostname(),
        lockedAt: '2026-11-27T06:00:00Z',
        command: 'twin',
      }),
    );
    const claimed = claimDataDir(dir, { fresh: false });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    claimed.release();
  });
});
