// A release's twin data directory as its own `npm start` left it, kept as a test fixture
// (test/fixtures/twin-<version>.tar.xz): test/twin-upgrade.test.ts restores it and runs HEAD's
// `npm start` on it, so every release's twin directory is proved to upgrade in place. Make it once
// per release, in a checkout of the release's commit with its node_modules (the release's code, not
// HEAD's, must write the directory):
//
//   git worktree add /tmp/rel-0.1.0 8b1fbe3 && cp -al node_modules /tmp/rel-0.1.0/
//   npx tsx tools/twinReleaseFixture.ts 0.1.0 /tmp/rel-0.1.0
//
// It runs the release's twin (FIXTURE_RUN), packs the directory byte for byte with tar and xz (the
// PGlite cluster is 40 MB: three near-identical template databases and a 16 MB WAL segment, which
// xz's 64 MB window folds to a few MB, where gzip's 32 KB window cannot), restores the archive
// elsewhere, checks that every table and view holds rows, and records the archive's sha256, the
// command and the rows in test/fixtures/twin-<version>.json.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openPglite } from '../warehouse/drivers/pglite';
import { releases } from '../warehouse/releases';
import type { SqlDriver } from '../warehouse/runner';
import { runScript } from './runScript';

export const FIXTURE_DIR = join(__dirname, '..', 'test', 'fixtures');

/**
 * The release's run: two 5-minute windows of 120 demanded sale lines, on one consumer per stream.
 * The smallest that leaves rows in every table and view; the data is a few hundred kB of the
 * directory, the rest is the cluster itself.
 */
export const FIXTURE_RUN = [
  '--runs',
  '2',
  '--window',
  '5',
  '--demand',
  '120',
  '--seed',
  '7',
  '--start',
  '2026-11-27T06:00:00Z',
  '--concurrency',
  '1',
  '--progress',
  'none',
] as const;

/** What the fixture's record file says: how it was made and what it holds. */
export interface TwinFixtureRecord {
  version: string;
  commit: string;
  command: string;
  archive: string;
  sha256: string;
  bytes: number;
  /** Rows per table and view (`schema.name`), as the release left them. */
  rows: Record<string, number>;
}

export function twinFixturePaths(version: string): { archive: string; record: string } {
  return { archive: join(FIXTURE_DIR, `twin-${version}.tar.xz`), record: join(FIXTURE_DIR, `twin-${version}.json`) };
}

export function readTwinFixtureRecord(version: string): TwinFixtureRecord {
  return JSON.parse(readFileSync(twinFixturePaths(version).record, 'utf8')) as TwinFixtureRecord;
}

export const sha256Of = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Unpacks a release's fixture into `dir` (made if absent): the release's twin data directory. */
export function restoreTwinFixture(version: string, dir: string): void {
  const { archive } = twinFixturePaths(version);
  if (!existsSync(archive))
    throw new Error(
      `${archive} is missing: make it with tools/twinReleaseFixture.ts ${version} <checkout of the release>`,
    );
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xJf', archive, '-C', dir]);
}

/** A table or view of the twin's warehouse: the warehouse's schema, the twin's ledger, the migrations' table. */
export interface Relation {
  /** `schema.name` (every name the twin makes is lower case: usable in SQL as it is). */
  name: string;
  kind: 'table' | 'view';
  columns: string[];
}

/** Every table and view in the warehouse's, the twin's and the public schema, by name. */
export async function relationsOf(driver: SqlDriver): Promise<Relation[]> {
  const rows = await driver.query<{ name: string; kind: string; columns: string[] }>(
    `SELECT n.nspname || '.' || c.relname AS name, c.relkind::text AS kind,
       array_agg(a.attname::text ORDER BY a.attnum) AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname IN ('retail', 'twin', 'public') AND c.relkind IN ('r', 'p', 'v', 'm')
     GROUP BY 1, 2 ORDER BY 1`,
  );
  return rows.map((r) => ({
    name: r.name,
    kind: r.kind === 'v' || r.kind === 'm' ? 'view' : 'table',
    columns: r.columns,
  }));
}

export async function rowCount(driver: SqlDriver, relation: Relation): Promise<number> {
  return Number((await driver.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${relation.name}`))[0].n);
}

/** A materialized view's pending partial aggregates: empty between loads, by design. */
export const isStaging = (r: Relation): boolean => r.name.endsWith('__pending');

/** Rows per relation of a restored fixture; throws when a table or view (staging aside) is empty. */
async function checkRows(dir: string): Promise<Record<string, number>> {
  const driver = await openPglite(dir);
  try {
    const rows: Record<string, number> = {};
    const empty: string[] = [];
    for (const r of await relationsOf(driver)) {
      rows[r.name] = await rowCount(driver, r);
      if (rows[r.name] === 0 && !isStaging(r)) empty.push(r.name);
    }
    if (empty.length) throw new Error(`the release's run left these empty: ${empty.join(', ')}`);
    return rows;
  } finally {
    await driver.close();
  }
}

/** The release's commit, checked out clean in `checkout`. */
function checkedOutRelease(version: string, checkout: string): string {
  const release = releases.find((r) => r.version === version);
  if (!release) throw new Error(`no frozen release ${version} (warehouse/releases.ts)`);
  const git = (...args: string[]) => execFileSync('git', ['-C', checkout, ...args], { encoding: 'utf8' }).trim();
  const head = git('rev-parse', 'HEAD');
  if (head !== release.commit) throw new Error(`${checkout} is at ${head}, not release ${version} (${release.commit})`);
  if (git('status', '--porcelain', '--untracked-files=no'))
    throw new Error(`${checkout} has local changes: the fixture must be the release's own code`);
  if (!existsSync(join(checkout, 'node_modules'))) throw new Error(`${checkout} has no node_modules`);
  return head;
}

/**
 * This process's environment for a twin on the embedded emulator and PGlite: without npm's
 * variables (npm sets its own) and without DATABASE_URL or AWS_ENDPOINT_URL, which would send the
 * twin to a server instead of the data directory (a warehouse suite run against a server sets one).
 */
export function twinEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'DATABASE_URL' && k !== 'AWS_ENDPOINT_URL'),
  );
}

/** The release's `npm start`, on PGlite in `dataDir`. */
function runReleaseTwin(checkout: string, dataDir: string, scratch: string): void {
  const env = twinEnvironment();
  const args = ['start', '--', ...FIXTURE_RUN, '--data-dir', dataDir, '--dashboard', join(scratch, 'dashboard.html')];
  const run = spawnSync('npm', args, { cwd: checkout, env, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`the release's npm start exited ${run.status}`);
}

async function main(): Promise<void> {
  const [version, checkoutArg] = process.argv.slice(2);
  if (!version || !checkoutArg) {
    process.stderr.write('usage: tsx tools/twinReleaseFixture.ts <version> <checkout of the release commit>\n');
    process.exit(2);
  }
  const checkout = resolve(checkoutArg);
  const commit = checkedOutRelease(version, checkout);
  const scratch = mkdtempSync(join(tmpdir(), `twin-fixture-${version}-`));
  try {
    const dataDir = join(scratch, 'pgdata');
    runReleaseTwin(checkout, dataDir, scratch);
    const { archive, record } = twinFixturePaths(version);
    mkdirSync(FIXTURE_DIR, { recursive: true });
    // Byte for byte as the twin left it; names sorted and owners zeroed, so the machine's users do not show.
    execFileSync(
      'tar',
      ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-cJf', archive, '-C', dataDir, '.'],
      {
        env: { ...process.env, XZ_OPT: '-9e -T1' },
      },
    );
    restoreTwinFixture(version, join(scratch, 'check'));
    const rows = await checkRows(join(scratch, 'check'));
    const fixture: TwinFixtureRecord = {
      version,
      commit,
      command: `npm start -- ${FIXTURE_RUN.join(' ')} --data-dir <dir>`,
      archive: `twin-${version}.tar.xz`,
      sha256: sha256Of(archive),
      bytes: statSync(archive).size,
      rows,
    };
    writeFileSync(record, `${JSON.stringify(fixture, null, 2)}\n`);
    process.stdout.write(`${archive}: ${fixture.bytes} bytes, release ${version} at ${commit}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) runScript(main);
