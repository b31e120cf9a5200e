// A full disk under the warehouse: injected by test/support/diskFull.cjs (preloaded in every
// thread: writes under the directory fail with ENOSPC once its room is spent, and statfs agrees),
// since CI may have no small file system to fill. The run ends with one line naming the path
// and the room it needs, releases the lock, never advises --fresh; the next run on a full disk
// says the same; the same directory on a bigger disk resumes and balances.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE } from '../local/dataDir';
import { personEnv, startTwin } from './support/twinProcess';

const dir = mkdtempSync(join(tmpdir(), 'twin-disk-full-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FLAGS = ['--window', '5', '--demand', '3000', '--progress', 'none', '--dashboard', join(dir, 'd.html')];

/** The twin on `dataDir`, whose disk has `roomBytes` left when given. */
function twin(dataDir: string, args: string[], roomBytes?: number) {
  const disk =
    roomBytes === undefined
      ? {}
      : {
          DISK_FULL_DIR: dataDir,
          DISK_FULL_AFTER_BYTES: String(roomBytes),
          NODE_OPTIONS: `--require ${join(__dirname, 'support', 'diskFull.cjs')}`,
        };
  // A hang fails the test, not the suite.
  return startTwin([...FLAGS, '--data-dir', dataDir, ...args], { env: personEnv(disk), killAfterMs: 240_000 }).done;
}

const NO_SPACE = (path: string) =>
  new RegExp(
    `^error: no space left on the disk of ${path}, \\d+ MB free: the twin needs about \\d+ MB there\\. Nothing is damaged, and the directory resumes: free some room \\(or copy the directory to a bigger disk and give that --data-dir\\), then run the same command again\\.$`,
  );

it('a disk that fills mid-run: one line with the path and the room, the lock released, resumed on a bigger disk', async () => {
  const dataDir = join(dir, 'pg');
  // Room for the blank warehouse (about 40 MB) and a little more: it runs out while loading.
  const full = await twin(dataDir, ['--runs', '6'], 47_000_000);
  const lines = full.stderr.split('\n').filter(Boolean);
  expect(lines).toEqual([expect.stringMatching(NO_SPACE(dataDir))]);
  expect(full.status).toBe(2);
  expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);

  // Still full: the integrity check calls it a full disk, not damage, and never says --fresh.
  const again = await twin(dataDir, ['--runs', '1'], 0);
  expect(again.stderr.split('\n').filter(Boolean)).toEqual([expect.stringMatching(NO_SPACE(dataDir))]);
  expect(again.stderr).not.toContain('--fresh');
  expect(again.status).toBe(2);

  // The same directory on a bigger disk: finished and balanced.
  const bigger = join(dir, 'bigger');
  cpSync(dataDir, bigger, { recursive: true });
  // The cut windows are made again with the settings they were started with; the new one is small.
  const resumed = await twin(bigger, ['--runs', '1', '--demand', '150']);
  // How many of the six windows the full disk cut short depends on where the room ran out (some may
  // have loaded first): each of them is finished, and so is the new one.
  const cut = Number(/Finishing (\d+) window\(s\) an earlier run started but did not load/.exec(resumed.stdout)?.[1]);
  expect(cut).toBeGreaterThanOrEqual(1);
  expect(cut).toBeLessThanOrEqual(6);
  expect(resumed.stdout).toMatch(/\b7 window\(s\) produced/);
  expect(resumed.stdout).toContain('BALANCED: every window ever produced is in the warehouse, once.');
  expect(resumed.status).toBe(0);
}, 900_000);
