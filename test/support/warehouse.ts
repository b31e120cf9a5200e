// Shared by the warehouse tests: a fresh warehouse (PGlite in memory, or a new
// database on the server in DATABASE_URL), a landing bucket in fauxqs, and
// landing files made from generated windows. Not imported by production code.
// fauxqs, the S3 client and pg load when first used: half the suites that import this file
// need none of them, and loading them costs such a suite about 0.3 CPU-s.
import type { S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { buildCatalog, type Catalog } from '../../kernel/catalog';
import { csvKey, chunkId } from '../../kernel/chunks';
import { streams, type InventoryUpdate, type SaleLine, type StreamName } from '../../kernel/contracts';
import { toCsv } from '../../kernel/csv';
import { generateWindow } from '../../kernel/generator';
import { blankDataDir, migratedDataDir, openPglite } from '../../warehouse/drivers/pglite';

export { blankDataDir };
import { buildMigrations, COPY_JOB_DETAIL } from '../../warehouse/migrations';
import { allMaterializedViews, factTableDefs, qualified, twinObjects } from '../../warehouse/schema';
import { applyMigrations, type CopyDriver } from '../../warehouse/runner';

let catalog: Catalog | undefined;
/** The real default catalog (200 products, 25 stores), built once per test file. */
export function testCatalog(): Catalog {
  return (catalog ??= buildCatalog());
}

export const serverUrl = process.env.DATABASE_URL || undefined;
export const backendName = serverUrl ? 'Postgres server (DATABASE_URL)' : 'PGlite';

const migrations = () => buildMigrations({ dialect: 'postgres' }, testCatalog());

/** How the tests open PGlite: shared buffers of a few MB, not initdb's 128 (PgliteOptions.sharedBuffers). */
export const TEST_PGLITE = { sharedBuffers: '4MB' } as const;

/** A migrated, empty warehouse of its own; close() drops it. */
export async function openTestWarehouse(
  options: { migrate?: boolean } = {},
): Promise<CopyDriver & { close(): Promise<void> }> {
  let driver: CopyDriver & { close(): Promise<void> };
  if (serverUrl) {
    const [{ Client }, { openPg }] = await Promise.all([import('pg'), import('../../warehouse/drivers/pg')]);
    // One database per test: jest runs files in parallel against the same server.
    const name = `wh_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const pg = await openPg(url.toString());
    driver = {
      ...pg,
      async close() {
        await pg.close();
        const dropper = new Client({ connectionString: serverUrl });
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS ${name}`);
        await dropper.end();
      },
    };
    if (options.migrate !== false) await applyMigrations(driver, migrations());
  } else if (options.migrate === false) {
    driver = await openPglite(undefined, { ...TEST_PGLITE, loadDataDir: await blankDataDir() });
  } else {
    // From the cached migrated cluster: the runner then finds every migration applied.
    driver = await openPglite(undefined, { ...TEST_PGLITE, loadDataDir: await migratedDataDir(migrations()) });
    await applyMigrations(driver, migrations());
  }
  return driver;
}

export interface Landing {
  s3: S3Client;
  bucket: string;
  /** Switch to a new, empty bucket (one per test). */
  freshBucket(): void;
  put(key: string, body: string | Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

/** fauxqs S3 on loopback with an empty landing bucket. */
export async function startLanding(): Promise<Landing> {
  const [{ startFauxqs }, { PutObjectCommand, S3Client }] = await Promise.all([
    import('fauxqs'),
    import('@aws-sdk/client-s3'),
  ]);
  const server = await startFauxqs({ port: 0, logger: false });
  let buckets = 0;
  const landing = { bucket: '' } as Landing;
  landing.freshBucket = () => {
    landing.bucket = `landing-test-${++buckets}`;
    server.createBucket(landing.bucket);
  };
  landing.freshBucket();
  const s3 = new S3Client({
    endpoint: `http://127.0.0.1:${server.port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  landing.s3 = s3;
  landing.put = async (key, body) => {
    await s3.send(new PutObjectCommand({ Bucket: landing.bucket, Key: key, Body: body }));
  };
  landing.stop = async () => {
    s3.destroy();
    await server.stop();
  };
  return landing;
}

/**
 * A migrated warehouse and a landing bucket for one describe block, opened in beforeAll and
 * closed in afterAll; with `resetEach`, empty facts and a fresh bucket for every test.
 * `use` receives them once they are open (the suites keep their own `driver` and `landing`).
 */
export function useWarehouseAndLanding(
  use: (driver: CopyDriver & { close(): Promise<void> }, landing: Landing) => void,
  options: { resetEach?: boolean } = {},
): void {
  let opened: [CopyDriver & { close(): Promise<void> }, Landing] | undefined;
  beforeAll(async () => {
    opened = await Promise.all([openTestWarehouse(), startLanding()]);
    use(...opened);
  });
  if (options.resetEach)
    beforeEach(async () => {
      await resetFacts(opened![0]);
      opened![1].freshBucket();
    });
  afterAll(async () => {
    await Promise.all([opened?.[0].close(), opened?.[1].stop()]);
  });
}

/** Empty the facts, the load log and the views' data, keeping schema and dims. */
export async function resetFacts(driver: CopyDriver): Promise<void> {
  const names = [
    ...factTableDefs.map((t) => qualified(t.name)),
    COPY_JOB_DETAIL,
    ...allMaterializedViews.flatMap((v) => [qualified(v.name), twinObjects(v).pending]),
  ];
  await driver.exec(`TRUNCATE ${names.join(', ')}`);
}

export interface Batch {
  sales: SaleLine[];
  inventory: InventoryUpdate[];
  /** Landing key -> CSV text. */
  files: Map<string, string>;
}

/** Generated windows cut into landing files of at most `perFile` events, keyed as the consumer keys them. */
export function landingBatch(
  windows: { start: string; minutes: number; seed: number; saleLines: number }[],
  perFile = 700,
  catalog: Catalog = testCatalog(),
): Batch {
  const batch: Batch = { sales: [], inventory: [], files: new Map() };
  for (const w of windows) {
    const g = generateWindow(catalog, w);
    batch.sales.push(...g.sales);
    batch.inventory.push(...g.inventory);
    const cut = <E extends { timestamp: string }>(stream: StreamName, events: E[]) => {
      for (let i = 0, n = 0; i < events.length; i += perFile, n++) {
        const part = events.slice(i, i + perFile);
        const key = csvKey(stream, chunkId(stream, w.start, w.seed, n), part[0].timestamp);
        batch.files.set(key, toCsv(streams[stream].contract, part));
      }
    };
    cut('sales', g.sales);
    cut('inventory', g.inventory);
  }
  return batch;
}

export async function putBatch(landing: Landing, batch: Batch): Promise<void> {
  for (const [key, body] of batch.files) await landing.put(key, body);
}

/** Runs one statement as a database role; returns the error message, or 'ok'. */
export async function asRole(driver: CopyDriver, role: string, sql: string): Promise<string> {
  await driver.exec(`SET ROLE ${role}`);
  try {
    await driver.query(sql);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await driver.exec('RESET ROLE');
  }
}
