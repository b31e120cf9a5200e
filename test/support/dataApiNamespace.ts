// Redshift namespaces for the tests of a stack's warehouse over its life: each a PGlite (from the
// blank cluster, so no initdb per test) playing Redshift behind the fake Data API, with COPY reading
// from a landing bucket in fauxqs that the suite shares. Not imported by production code.
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { PGlite } from '@electric-sql/pglite';
import { fakeClient, startFakeRedshiftData, type FakeRedshiftData } from './fakeRedshiftData';
import { blankDataDir, startLanding, TEST_PGLITE, type Landing } from './warehouse';
import { createPglite } from '../../warehouse/drivers/pglite';

/** One namespace: a database and the Data API in front of it. */
export interface Namespace {
  db: PGlite;
  fake: FakeRedshiftData;
  client: RedshiftDataClient;
  close(): Promise<void>;
}

export interface StackLife {
  /** The suite's landing bucket, started in beforeAll. */
  readonly landing: Landing;
  /** A new namespace on the current bucket; the caller closes it. */
  open(): Promise<Namespace>;
  /** Runs `use` on a new namespace on the current bucket, and closes it after, whatever happened. */
  within<T>(use: (ns: Namespace) => Promise<T>): Promise<T>;
  /** The same, on a fresh, empty bucket: what most tests start from. */
  fresh<T>(use: (ns: Namespace) => Promise<T>): Promise<T>;
}

/** Starts the landing bucket and reads the blank cluster once for the describe block (beforeAll), stops it after. */
export function useStackLife(): StackLife {
  let landing: Landing | undefined;
  let blank: Blob;
  beforeAll(async () => {
    [landing, blank] = await Promise.all([startLanding(), blankDataDir()]);
  }, 60_000);
  afterAll(async () => {
    await landing?.stop();
  });
  const open = async (): Promise<Namespace> => {
    const db = await createPglite({ loadDataDir: blank }, TEST_PGLITE.sharedBuffers);
    // A statement is done at its first DescribeStatement, as a quick one is on Redshift, so a deploy
    // does not make a second round trip (and a pollMs wait) per statement: polling through STARTED is
    // proven in redshift-data.test.ts, and a statement a test holds (holdWhen) still stays STARTED here.
    const fake = await startFakeRedshiftData(db, { s3: landing!.s3, pollsBeforeDone: 0 });
    const client = fakeClient(fake);
    return {
      db,
      fake,
      client,
      async close() {
        client.destroy();
        await fake.stop();
        await db.close();
      },
    };
  };
  const within = async <T>(use: (ns: Namespace) => Promise<T>): Promise<T> => {
    const ns = await open();
    try {
      return await use(ns);
    } finally {
      await ns.close();
    }
  };
  return {
    get landing() {
      return landing!;
    },
    open,
    within,
    fresh(use) {
      landing!.freshBucket();
      return within(use);
    },
  };
}
