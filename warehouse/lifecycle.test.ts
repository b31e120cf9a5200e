// A stack's warehouse over its life, through the migrator Lambda's handler, the Redshift
// Data API driver and a Data API endpoint on 127.0.0.1 backed by a real Postgres (PGlite)
// playing Redshift, with the landing bucket in fauxqs: first deploy, the same deploy again,
// config changes, a failed then fixed migration, a crash after COPY JOB CREATE, a timeout,
// and a replaced namespace. Auto-copy is the fake's autoCopy(): each job loads the files
// created after it, once by name.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
import { BatchExecuteStatementCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { PGlite } from '@electric-sql/pglite';
import { buildCatalog } from '../kernel/catalog';
import type { FakeRedshiftData } from '../test/support/fakeRedshiftData';
import { useStackLife } from '../test/support/dataApiNamespace';
import { LOAD_ERROR_METRIC } from './loadErrors';
import { buildMigrations, migrationsHash, type Migration } from './migrations';
import { createMigratorHandler, s3Lister, type MigratorResult } from '../handlers/migrator';
import { RedshiftDataDriver } from './drivers/redshift-data';
import { applyMigrations, MIGRATIONS_TABLE } from './runner';
import { landingBatch, putBatch, type Batch } from '../test/support/warehouse';

const ROLE = 'arn:aws:iam::123456789012:role/bfstream-dev-copy';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Landing files with events, leaving out the header-only smoke-test canaries of new jobs. */
const data = (keys: readonly string[] | undefined) => (keys ?? []).filter((k) => !k.includes('/_smoke/')).sort();
// S3 reports whole seconds; the tests keep files 2 s clear of a job boundary (1 s margin).
const CLEAR_OF_BOUNDARY_MS = 2_100;

interface Config {
  catalogProducts: number;
  bucket: string;
  region: string;
}

describe('the warehouse over a stack life (migrator -> Data API -> PGlite, landing in fauxqs)', () => {
  const stack = useStackLife();
  const namespace = () => stack.namespace();

  /** The config of a stack's first deploy, in this test's bucket. */
  const firstConfig = (): Config => ({ catalogProducts: 20, bucket: stack.landing.bucket, region: 'us-east-1' });

  const migrationsFor = (c: Config): Migration[] =>
    buildMigrations(
      { dialect: 'redshift', copyRoleArn: ROLE, bucket: c.bucket, region: c.region },
      buildCatalog(11, { products: c.catalogProducts, stores: 4 }),
    );

  /** The migrator of this stack's workgroup, talking to the namespace's Data API. */
  const migratorOf = (ns: { client: RedshiftDataClient }, migrations: Migration[]) => ({
    migrations,
    workgroupName: 'bfstream-dev',
    database: 'retail',
    client: ns.client,
    pollMs: 1,
  });

  /** What `pulumi up` does to the warehouse: invoke the migrator with the migrations' hash. */
  async function deploy(ns: { client: RedshiftDataClient }, c: Config, timeLeftMs?: number): Promise<MigratorResult> {
    const migrations = migrationsFor(c);
    const handler = createMigratorHandler({
      ...migratorOf(ns, migrations),
      landing: s3Lister(stack.landing.s3),
      boundarySeconds: 1,
    });
    const deadline = Date.now() + (timeLeftMs ?? 0);
    return handler(
      { hash: migrationsHash(migrations), namespaceId: 'ns-1' },
      timeLeftMs === undefined ? undefined : { getRemainingTimeInMillis: () => deadline - Date.now() },
    );
  }

  const namedWrites = (fake: FakeRedshiftData, from = 0) =>
    fake.calls.slice(from).filter((c) => c.action.endsWith('ExecuteStatement') && c.body.StatementName);
  const jobs = async (db: PGlite) =>
    (
      await db.query<{ job_name: string; bucket: string; job_text: string }>(
        'SELECT job_name, bucket, job_text FROM public.sys_copy_job ORDER BY job_name',
      )
    ).rows;

  /** Every generated event is in the warehouse exactly once. */
  async function expectEachEventOnce(db: PGlite, batches: Batch[]) {
    const sales = batches.flatMap((b) => b.sales.map((s) => s.transaction_id));
    const inventory = batches.flatMap((b) => b.inventory.map((u) => u.update_id));
    const count = async (table: string, id: string) =>
      (
        await db.query<{ n: number; d: number }>(
          `SELECT COUNT(*)::int AS n, COUNT(DISTINCT ${id})::int AS d FROM retail.${table}`,
        )
      ).rows[0];
    // Every id distinct and each loaded once: as many rows, and as many distinct ids, as events sent.
    expect(await count('sales_transactions', 'transaction_id')).toEqual({ n: sales.length, d: sales.length });
    expect(await count('inventory_updates', 'update_id')).toEqual({ n: inventory.length, d: inventory.length });
  }

  const window = (start: string, seed: number) => landingBatch([{ start, minutes: 5, seed, saleLines: 40 }], 15);

  test('deploy, then the same deploy again: the second applies nothing and submits no write', async () => {
    const ns = await namespace();
    const config = firstConfig();
    const first = await deploy(ns, config);
    expect(first.applied).toEqual(migrationsFor(config).map((m) => m.id));
    const before = ns.fake.calls.length;
    const second = await deploy(ns, config);
    expect(second).toEqual({ applied: [], skipped: migrationsFor(config).map((m) => m.id), hash: first.hash });
    expect(namedWrites(ns.fake, before)).toEqual([]);
    // Same config, same hash: the Invocation's triggers (hash, namespace id) do not change, so Pulumi plans nothing.
    expect(migrationsHash(migrationsFor(config))).toBe(first.hash);
    expect((await jobs(ns.db)).map((j) => j.job_name)).toEqual([
      'inventory_updates_autocopy',
      'sales_transactions_autocopy',
    ]);
  });

  test('config changes (catalogProducts, bucket, region) deploy cleanly: new dims, jobs dropped and created again', async () => {
    const ns = await namespace();
    let config = firstConfig();
    await deploy(ns, config);
    config = { ...config, catalogProducts: 12 };
    expect((await deploy(ns, config)).applied).toEqual(['R__dims']);
    expect((await ns.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM retail.products')).rows[0].n).toBe(12);

    stack.landing.freshBucket();
    config = { ...config, bucket: stack.landing.bucket };
    const from = ns.fake.calls.length;
    expect((await deploy(ns, config)).applied).toEqual(['R__copy_job_inventory', 'R__copy_job_sales']);
    expect(
      namedWrites(ns.fake, from)
        .map((c) => c.body.Sql)
        .filter((s) => /^COPY JOB DROP/.test(String(s))),
    ).toEqual(['COPY JOB DROP inventory_updates_autocopy', 'COPY JOB DROP sales_transactions_autocopy']);
    expect((await jobs(ns.db)).map((j) => j.bucket)).toEqual([stack.landing.bucket, stack.landing.bucket]);

    config = { ...config, region: 'eu-west-1' };
    const beforeRegion = ns.fake.calls.length;
    expect((await deploy(ns, config)).applied).toEqual(['R__copy_job_inventory', 'R__copy_job_sales']);
    const created = namedWrites(ns.fake, beforeRegion)
      .map((c) => String(c.body.Sql))
      .filter((s) => /JOB CREATE/.test(s));
    expect(created).toHaveLength(2);
    for (const sql of created) expect(sql).toContain("REGION 'eu-west-1'");
    expect((await jobs(ns.db)).map((j) => j.job_name)).toEqual([
      'inventory_updates_autocopy',
      'sales_transactions_autocopy',
    ]);
    // And the new jobs load what lands next.
    await sleep(CLEAR_OF_BOUNDARY_MS);
    const batch = window('2026-11-27T10:00:00Z', 1);
    await putBatch(stack.landing, batch);
    expect(data(await ns.fake.autoCopy())).toEqual([...batch.files.keys()].sort());
    await expectEachEventOnce(ns.db, [batch]);
  });

  test('a failed migration, then a fixed one: files that landed meanwhile are loaded once, by name, and no sale is lost', async () => {
    const ns = await namespace();
    const config = firstConfig();
    ns.fake.failWhen(/CREATE MATERIALIZED VIEW/, 'ERROR: out of memory');
    await expect(deploy(ns, config)).rejects.toThrow(/migration 0004_views failed: .*out of memory/);
    expect(await jobs(ns.db)).toEqual([]);
    // The producer and consumers keep writing while no COPY JOB exists.
    const early = window('2026-11-27T10:00:00Z', 1);
    await putBatch(stack.landing, early);
    await sleep(CLEAR_OF_BOUNDARY_MS);

    ns.fake.clearFailures();
    const fixed = await deploy(ns, config);
    expect(data(fixed.backfilled)).toEqual([...early.files.keys()].sort());
    expect(fixed.ambiguous).toBeUndefined();
    // Auto-copy never sees those files: they predate the jobs (it loads only the jobs' canaries).
    expect(data(await ns.fake.autoCopy())).toEqual([]);
    await sleep(CLEAR_OF_BOUNDARY_MS);
    const late = window('2026-11-27T10:05:00Z', 2);
    await putBatch(stack.landing, late);
    expect(data(await ns.fake.autoCopy())).toEqual([...late.files.keys()].sort());

    // Deploying again loads nothing twice: the backfill ledger, and auto-copy's own by-name record.
    const again = await deploy(ns, config);
    expect(again.backfilled).toBeUndefined();
    expect(again.applied).toEqual([]);
    expect(await ns.fake.autoCopy()).toEqual([]);
    await expectEachEventOnce(ns.db, [early, late]);
  });

  test('each new COPY JOB is smoke-tested once with its own options; a failing one stops the deploy, unrecorded, naming the job', async () => {
    const ns = await namespace();
    const config = firstConfig();
    // A COPY role Redshift cannot use shows at once, not when the first real file fails.
    ns.fake.failWhen(/NOLOAD/, 'S3ServiceException: Access Denied, Status 403');
    await expect(deploy(ns, config)).rejects.toThrow(
      /migration R__copy_job_inventory failed: COPY JOB inventory_updates_autocopy failed its smoke test \(COPY \.\.\. NOLOAD of s3:\/\/landing-test-\d+\/inventory\/_smoke\/inventory_updates_autocopy-[0-9a-f]{12}\.csv with the job's options\): .*Access Denied/,
    );
    ns.fake.clearFailures();
    const fixed = await deploy(ns, config);
    expect(fixed.applied).toEqual(['R__copy_job_inventory', 'R__copy_job_sales', 'R__dims']);
    const smokes = () => ns.fake.calls.filter((c) => String(c.body.StatementName ?? '').endsWith('.smoke'));
    expect(smokes().map((c) => c.body.StatementName)).toEqual([
      'R__copy_job_inventory.smoke',
      'R__copy_job_inventory.smoke',
      'R__copy_job_sales.smoke',
    ]);
    await deploy(ns, config);
    expect(smokes()).toHaveLength(3);
    // The canaries load as zero rows.
    await ns.fake.autoCopy();
    expect(
      (await ns.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM retail.sales_transactions')).rows[0].n,
    ).toBe(0);
  });

  test('a file auto-copy fails to load (and will skip forever) becomes the CopyJobLoadErrors metric the alarm watches', async () => {
    const ns = await namespace();
    const config = firstConfig();
    await deploy(ns, config);
    await sleep(CLEAR_OF_BOUNDARY_MS);
    await stack.landing.put('sales/dt=2026-11-27/hour=10/broken.csv', 'transaction_id,product_id\nonly-one-field\n');
    expect(data(await ns.fake.autoCopy())).toEqual([]);
    expect(await ns.fake.autoCopy()).toEqual([]);
    const lines: string[] = [];
    const migrations = migrationsFor(config);
    const handler = createMigratorHandler({ ...migratorOf(ns, migrations), emitMetric: (l) => lines.push(l) });
    const result = await handler({ check: 'copyJobErrors', sinceMinutes: 5 });
    expect(result.jobs).toEqual([{ job: 'sales_transactions_autocopy', errors: 1 }]);
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0]);
    expect(emf).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: LOAD_ERROR_METRIC.namespace,
            Dimensions: [['Workgroup']],
            Metrics: [{ Name: LOAD_ERROR_METRIC.name, Unit: 'Count' }],
          },
        ],
      },
      Workgroup: 'bfstream-dev',
      [LOAD_ERROR_METRIC.name]: 1,
    });
    // The check migrates nothing.
    expect(ns.fake.calls.slice(-3).every((c) => !c.body.StatementName)).toBe(true);
    await expect(handler({ check: 'copyJobErrors', sinceMinutes: 0 })).rejects.toThrow(
      'sinceMinutes must be a whole number 1..1440, got 0',
    );
  });

  test('a crash after COPY JOB CREATE, before its tracking row: the next deploy keeps the job instead of failing on it', async () => {
    const ns = await namespace();
    const config = firstConfig();
    ns.fake.failWhen(new RegExp(`INSERT INTO ${MIGRATIONS_TABLE} .*'R__copy_job_sales'`), 'Lambda timed out');
    await expect(deploy(ns, config)).rejects.toThrow(/migration R__copy_job_sales failed/);
    expect((await jobs(ns.db)).map((j) => j.job_name)).toContain('sales_transactions_autocopy');
    ns.fake.clearFailures();
    const from = ns.fake.calls.length;
    const rerun = await deploy(ns, config);
    expect(rerun.applied).toEqual(['R__copy_job_sales', 'R__dims']);
    const sql = namedWrites(ns.fake, from).map((c) => JSON.stringify(c.body.Sql ?? c.body.Sqls));
    expect(sql.filter((s) => /JOB CREATE|COPY JOB DROP/.test(s))).toEqual([]);
  });

  test('a migrator about to time out cancels its statement; a rerun waits for a statement still in flight instead of submitting it again', async () => {
    const config = firstConfig();
    const ns = await namespace();
    // The schema statement never finishes: with 8 s left and a 5 s margin, the migrator cancels it.
    ns.fake.holdWhen(/CREATE SCHEMA/, Infinity);
    await expect(deploy(ns, config, 8_000)).rejects.toThrow(
      /migration 0001_schema failed: Redshift statement stmt-\d+ still STARTED after \d+ ms; cancelled it \(\d+ ms left to the caller\)/,
    );
    const submitted = ns.fake.calls.filter(
      (c) => c.action.endsWith('ExecuteStatement') && c.body.StatementName === '0001_schema',
    );
    expect(submitted).toHaveLength(1);
    const cancels = ns.fake.calls.filter((c) => c.action === 'CancelStatement');
    expect(cancels).toHaveLength(1);
    // Closed before the next namespace opens.
    await ns.close();

    const ns2 = await namespace();
    const migrations = migrationsFor(config);
    const driver = new RedshiftDataDriver(ns2.client, {
      workgroupName: 'bfstream-dev',
      database: 'retail',
      pollMs: 1,
    });
    await applyMigrations(driver, migrations.slice(0, 1));
    // An earlier run died (no chance to cancel) while 0002_tables' batch, named by its id, still ran.
    ns2.fake.holdWhen(/CREATE TABLE IF NOT EXISTS retail\.stores/, 3);
    const tables = migrations.find((m) => m.id === '0002_tables')!;
    const record = `INSERT INTO ${MIGRATIONS_TABLE} (id, checksum, applied_at) VALUES ('0002_tables', '${tables.checksum}', '2026-11-28 08:00:00')`;
    await ns2.client.send(
      new BatchExecuteStatementCommand({
        WorkgroupName: 'bfstream-dev',
        Database: 'retail',
        Sqls: [...tables.statements, record],
        StatementName: '0002_tables',
      }),
    );
    const rerun = await deploy(ns2, config);
    expect(rerun.skipped).toEqual(['0001_schema', '0002_tables']);
    expect(
      ns2.fake.calls.filter((c) => c.action === 'BatchExecuteStatement' && c.body.StatementName === '0002_tables'),
    ).toHaveLength(1);
    expect(ns2.fake.calls.some((c) => c.action === 'ListStatements' && c.body.StatementName === '0002_tables')).toBe(
      true,
    );
  });

  test('a replaced namespace (a new, empty database) is migrated again, and reloads the files still in the bucket once', async () => {
    const config = firstConfig();
    const old = await namespace();
    const batch = window('2026-11-27T11:00:00Z', 3);
    await deploy(old, config);
    await sleep(CLEAR_OF_BOUNDARY_MS);
    await putBatch(stack.landing, batch);
    await old.fake.autoCopy();
    await expectEachEventOnce(old.db, [batch]);
    // Closed before the next namespace opens.
    await old.close();
    await sleep(CLEAR_OF_BOUNDARY_MS);
    const replacement = await namespace();
    const result = await deploy(replacement, config);
    expect(result.applied).toEqual(migrationsFor(config).map((m) => m.id));
    expect(data(result.backfilled)).toEqual([...batch.files.keys()].sort());
    expect(data(await replacement.fake.autoCopy())).toEqual([]);
    await expectEachEventOnce(replacement.db, [batch]);
  });
});
