// The migrator's backfill over a landing bucket of 400 days: one file every 5 minutes is about
// 120k keys per stream prefix (prod lands one a minute, 600k; the pass is linear in keys and this
// size takes seconds). The listing comes from a synthetic lister that makes
// each page on demand (no emulator holds 240k objects), through the migrator handler, the
// Data API driver and the fake Data API over PGlite. A re-apply reads only the partitions
// around the open job's cutoff; a whole-prefix pass (a new job definition) streams the pages
// and keeps memory flat.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildCatalog } from '../kernel/catalog';
import { streams } from '../kernel/contracts';
import { createMigratorHandler } from '../functions/migrator';
import { startFakeRedshiftData } from '../test/support/fakeRedshiftData';
import { blankDataDir, TEST_PGLITE } from '../test/support/warehouse';
import { buildMigrations, migrationsHash } from './migrations';
import type { LandingFile, LandingLister } from './runner';
import { createPglite } from './drivers/pglite';

const KEYS_PER_PREFIX = 120_000;
const PAGE = 1000; // ListObjectsV2's most keys per page
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const FILE_EVERY = 5 * MINUTE;
const FIRST_DEPLOY = Date.parse('2025-10-01T00:00:00Z');
/** The first file lands a day after the jobs exist, then one every 5 minutes for 120k files (~417 days). */
const FIRST_FILE = FIRST_DEPLOY + 86_400_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

/** The partition of the hour a file falls in (`dt=2025-10-02/hour=00/`); the last one is kept, as pages walk hour by hour. */
let lastHour = { hour: NaN, partition: '' };
function partitionOf(i: number): string {
  const hour = Math.floor((i * FILE_EVERY) / HOUR);
  if (hour !== lastHour.hour) {
    const at = new Date(FIRST_FILE + hour * HOUR).toISOString();
    lastHour = { hour, partition: `dt=${at.slice(0, 10)}/hour=${at.slice(11, 13)}/` };
  }
  return lastHour.partition;
}

/** The i-th file of a prefix: its key names the hour partition of its 5 minutes; it landed 30 s after they began. */
function fileAt(prefix: string, i: number): LandingFile {
  return {
    key: `${prefix}${partitionOf(i)}chunk-${String(i).padStart(7, '0')}.csv`,
    lastModified: new Date(FIRST_FILE + i * FILE_EVERY + 30_000),
  };
}

/** The heap one prefix's whole listing takes while held, in MB. */
function heapOfWholeListing(prefix: string): number {
  const baseline = heapMb();
  const all = Array.from({ length: KEYS_PER_PREFIX }, (_, i) => fileAt(prefix, i));
  const held = heapMb() - baseline;
  expect(all).toHaveLength(KEYS_PER_PREFIX);
  return held;
}

/** A bucket of KEYS_PER_PREFIX files per prefix, listed like ListObjectsV2: key order, StartAfter, 1000 a page. */
function syntheticBucket(keys: number) {
  const reads = { pages: 0, keys: 0, startAfter: new Map<string, string | undefined>(), peakHeapMb: 0 };
  const baseline = heapMb();
  async function* pages(prefix: string, startAfter?: string): AsyncGenerator<LandingFile[]> {
    reads.startAfter.set(prefix, startAfter);
    let lo = 0; // the first file after startAfter: keys grow with i
    let hi = keys;
    while (startAfter !== undefined && lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fileAt(prefix, mid).key <= startAfter) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < keys; i += PAGE) {
      const page = Array.from({ length: Math.min(PAGE, keys - i) }, (_, j) => fileAt(prefix, i + j));
      reads.pages++;
      reads.keys += page.length;
      if (reads.pages % 40 === 0) reads.peakHeapMb = Math.max(reads.peakHeapMb, heapMb() - baseline);
      yield page;
    }
  }
  const lister: LandingLister = {
    list(_bucket, prefix, startAfter) {
      const iterable = pages(prefix, startAfter);
      // A runner that wants the whole list at once (`await list()`) gets it, and the test sees it read every page.
      return Object.assign(iterable, {
        then(resolve: (files: LandingFile[]) => void, reject: (e: unknown) => void) {
          (async () => {
            const all: LandingFile[] = [];
            for await (const page of pages(prefix, startAfter)) all.push(...page);
            return all;
          })().then(resolve, reject);
        },
      });
    },
  };
  return { lister, reads };
}

describe('the backfill over 400 days of landing files', () => {
  test('a re-apply reads only the partitions around the cutoff; a new job definition streams 120k keys a prefix in a quarter of the memory holding them takes', async () => {
    const db = await createPglite({ loadDataDir: await blankDataDir() }, TEST_PGLITE.sharedBuffers);
    const fake = await startFakeRedshiftData(db);
    const client = new RedshiftDataClient({
      endpoint: fake.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      // The fake's server closes an idle keep-alive socket after 5 s; a long listing outlasts it.
      maxAttempts: 3,
    });
    const deploy = async (role: string, at: number, lister: LandingLister) => {
      const migrations = buildMigrations(
        { dialect: 'redshift', copyRoleArn: role, bucket: 'landing', region: 'us-east-1' },
        buildCatalog(11, { products: 20, stores: 4 }),
      );
      const handler = createMigratorHandler({
        migrations,
        workgroupName: 'bfstream-prod',
        database: 'retail',
        client,
        pollMs: 1,
        landing: lister,
        now: () => new Date(at),
      });
      return handler({ hash: migrationsHash(migrations), namespaceId: 'ns-1' });
    };
    const role = 'arn:aws:iam::123456789012:role/bfstream-prod-copy';
    const prefixes = Object.values(streams).map((s) => s.prefix);
    try {
      // The first deploy goes through an empty bucket (the jobs' cutoff: 2025-10-01).
      await deploy(role, FIRST_DEPLOY, syntheticBucket(0).lister);

      // 417 days later, a release that changes only views: the jobs are the same.
      const later = FIRST_FILE + KEYS_PER_PREFIX * FILE_EVERY + 3_600_000;
      const reapply = syntheticBucket(KEYS_PER_PREFIX);
      const again = await deploy(role, later, reapply.lister);
      expect(again.backfilled ?? []).toEqual([]);
      expect(again.ambiguous ?? []).toEqual([]);
      // From the cutoff less SQS's 14 days and a window, and no further than the cutoff's day.
      for (const prefix of prefixes) expect(reapply.reads.startAfter.get(prefix)).toBe(`${prefix}dt=2025-09-16`);
      expect(reapply.reads.keys).toBeLessThanOrEqual(prefixes.length * PAGE);

      // A release that changes the jobs (another COPY role): new generations, and one pass over each whole prefix.
      const changed = syntheticBucket(KEYS_PER_PREFIX);
      const renewed = await deploy(`${role}-v2`, later + 3_600_000, changed.lister);
      expect(renewed.applied).toEqual(expect.arrayContaining(['R__copy_job_sales', 'R__copy_job_inventory']));
      expect(renewed.backfilled ?? []).toEqual([]); // every file landed inside the first generation's span
      expect(changed.reads.keys).toBe(prefixes.length * KEYS_PER_PREFIX);
      for (const prefix of prefixes) expect(changed.reads.startAfter.get(prefix)).toBeUndefined();
      // Holding one prefix's files at once (what a runner that awaits the whole list does) takes
      // tens of MB; page by page stays well under a quarter of that.
      const heldMb = heapOfWholeListing(prefixes[0]);
      expect(heldMb).toBeGreaterThan(10);
      expect(changed.reads.peakHeapMb).toBeLessThan(heldMb / 4);
    } finally {
      client.destroy();
      await fake.stop();
      await db.close();
    }
  }, 180_000);
});
