// A Redshift Serverless namespace as the warehouse lifecycle tests see it: a real Postgres
// (PGlite, from the blank data dir) behind the fake Data API on 127.0.0.1, its COPYs reading the
// landing bucket in fauxqs. `useStackLife` gives a describe block one landing for all its tests,
// a fresh bucket for each, and closes every namespace a test opened when it ends.
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { PGlite } from '@electric-sql/pglite';
import { startFakeRedshiftData, type FakeRedshiftData } from './fakeRedshiftData';
import { blankDataDir, startLanding, type Landing } from './warehouse';

/** One namespace: a database and the Data API in front of it. */
export interface Namespace {
  db: PGlite;
  fake: FakeRedshiftData;
  client: RedshiftDataClient;
  /** Closes the client, the Data API and the database; a second call does nothing. */
  close(): Promise<void>;
}

export async function openNamespace(blank: Blob, landing: Landing): Promise<Namespace> {
  const db = await PGlite.create({ loadDataDir: blank });
  const fake = await startFakeRedshiftData(db, { s3: landing.s3 });
  const client = new RedshiftDataClient({
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  let closing: Promise<void> | undefined;
  return {
    db,
    fake,
    client,
    close() {
      closing ??= (async () => {
        client.destroy();
        await fake.stop();
        await db.close();
      })();
      return closing;
    },
  };
}

export interface StackLife {
  /** The landing in fauxqs; its bucket is a fresh one in each test. */
  readonly landing: Landing;
  /** A new, empty namespace, closed when the test ends. */
  namespace(): Promise<Namespace>;
}

/** The setup every test of a stack's life shares, opened once per describe block. */
export function useStackLife(): StackLife {
  let landing: Landing;
  let blank: Blob;
  const opened: Namespace[] = [];
  beforeAll(async () => {
    [landing, blank] = await Promise.all([startLanding(), blankDataDir()]);
  }, 60_000);
  beforeEach(() => landing.freshBucket());
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((ns) => ns.close()));
  });
  afterAll(async () => {
    await landing?.stop();
  });
  return {
    get landing() {
      return landing;
    },
    async namespace() {
      const ns = await openNamespace(blank, landing);
      opened.push(ns);
      return ns;
    },
  };
}
