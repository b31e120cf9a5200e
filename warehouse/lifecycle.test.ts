// A stack's warehouse over its life, through the migrator Lambda's handler, the Redshift
// Data API driver and a Data API endpoint on 127.0.0.1 backed by a real Postgres (PGlite)
// playing Redshift, with the landing bucket in fauxqs: first deploy, the same deploy again,
// config changes, a failed then fixed migration, a crash after COPY JOB CREATE, a timeout,
// and a replaced namespace. Auto-copy is the fake's autoCopy(): each job loads the files
// created after it, once by name.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
import { BatchExecuteStatementCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { PGlite } from '@electric-sql/pglite';
import { buildCatalog } from '../kernel/catalog';
import type { FakeRedshiftData } from '../test/support/fakeRedshiftData';
import { useStackLife, type Namespace } from '../test/support/dataApiNamespace';
import { LOAD_ERROR_METRIC } from './loadErrors';
import { buildMigrations, migrationsHash, type Migration } from './migrations';
import { createMigratorHandler, s3Lister, type MigratorOptions, type MigratorResult } from '../functions/migrator';
import { DASHBOARD_USER, md5Password, memorySecret, passwordProblems, type DashboardSecret } from './readers';
import { RedshiftDataDriver } from './drivers/redshift-data';
import { applyMigrations, MIGRATIONS_TABLE } from './runner';
import { landingBatch, putBatch, type Batch, type Landing } from '../test/support/warehouse';

const ROLE = 'arn:aws:iam::123456789012:role/bfstream-dev-copy';
/** Landing files with events, leaving out the header-only smoke-test canaries of new jobs. */
const data = (keys: readonly string[] | undefined) => (keys ?? []).filter((k) => !k.includes('/_smoke/')).sort();
// S3 reports whole seconds; the tests keep files 2 s clear of a job boundary (1 s margin).
const CLEAR_OF_BOUNDARY_MS = 2_100;
/** jest's fake timers for Date alone; advancing: it runs on with real time, else it stands still. */
const onlyDate = ({ advancing }: { advancing: boolean }): Parameters<typeof jest.useFakeTimers>[0] => ({
  advanceTimers: advancing,
  doNotFake: [
    'hrtime',
    'nextTick',
    'performance',
    'queueMicrotask',
    'requestAnimationFrame',
    'cancelAnimationFrame',
    'requestIdleCallback',
    'cancelIdleCallback',
    'setImmediate',
    'clearImmediate',
    'setInterval',
    'clearInterval',
    'setTimeout',
    'clearTimeout',
  ],
});
/** Moves every clock of the test past a job boundary: what waiting CLEAR_OF_BOUNDARY_MS did. */
const clearOfBoundary = () => jest.setSystemTime(Date.now() + CLEAR_OF_BOUNDARY_MS);

interface Config {
  catalogProducts: number;
  bucket: string;
  region: string;
}

describe('the warehouse over a stack life (migrator -> Data API -> PGlite, landing in fauxqs)', () => {
  const namespaces = useStackLife();
  let landing: Landing;
  beforeAll(() => {
    landing = namespaces.landing;
  });
  // Each test runs on jest's fake Date, and on none of jest's other fakes: it runs on with real time
  // (advanceTimers), and every clock of the boundaries reads it in this process: fauxqs's
  // LastModified, the fake Data API's COPY JOB created_at, the migrator's cutoffs and PGlite's
  // now(). So a test moves it past a boundary (clearOfBoundary) instead of waiting for one. Intl
  // follows it too (jest fakes it with Date).
  beforeEach(() => jest.useFakeTimers(onlyDate({ advancing: true })));
  afterEach(() => jest.useRealTimers());
  /** The default config, on the current bucket. */
  const defaultConfig = (): Config => ({ catalogProducts: 20, bucket: landing.bucket, region: 'us-east-1' });

  const migrationsFor = (c: Config): Migration[] =>
    buildMigrations(
      { dialect: 'redshift', copyRoleArn: ROLE, bucket: c.bucket, region: c.region },
      buildCatalog(11, { products: c.catalogProducts, stores: 4 }),
    );

  /** What `pulumi up` does to the warehouse: invoke the migrator with the migrations' hash. */
  async function deploy(
    ns: { client: RedshiftDataClient },
    c: Config,
    timeLeftMs?: number,
    dashboardSecret?: DashboardSecret,
  ): Promise<MigratorResult> {
    const migrations = migrationsFor(c);
    const handler = createMigratorHandler({
      dashboardSecret,
      migrations,
      workgroupName: 'bfstream-dev',
      database: 'retail',
      client: ns.client,
      pollMs: 1,
      landing: s3Lister(landing.s3),
      boundarySeconds: 1,
    });
    const deadline = Date.now() + (timeLeftMs ?? 0);
    return handler(
      { hash: migrationsHash(migrations), namespaceId: 'ns-1' },
      timeLeftMs === undefined ? undefined : { getRemainingTimeInMillis: () => deadline - Date.now() },
    );
  }

  /** The migrator of a namespace, for the scheduled check and the on-demand actions. */
  const migrator = (ns: { client: RedshiftDataClient }, c: Config, more: Partial<MigratorOptions> = {}) =>
    createMigratorHandler({
      migrations: migrationsFor(c),
      workgroupName: 'bfstream-dev',
      database: 'retail',
      client: ns.client,
      pollMs: 1,
      ...more,
    });

  /** A test on a fresh bucket and namespace, with the default config; the namespace closes after. */
  const inFreshNamespace = <T>(run: (ns: Namespace, config: Config) => Promise<T>) =>
    namespaces.fresh((ns) => run(ns, defaultConfig()));

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

  test('deploy, then the same deploy again: the second applies nothing and submits no write', async () =>
    inFreshNamespace(async (ns, config) => {
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
    }));

  test('config changes (catalogProducts, bucket, region) deploy cleanly: new dims, jobs dropped and created again', async () =>
    inFreshNamespace(async (ns, defaults) => {
      let config = defaults;
      await deploy(ns, config);
      config = { ...config, catalogProducts: 12 };
      expect((await deploy(ns, config)).applied).toEqual(['R__dims']);
      expect((await ns.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM retail.products')).rows[0].n).toBe(12);

      landing.freshBucket();
      config = { ...config, bucket: landing.bucket };
      const from = ns.fake.calls.length;
      expect((await deploy(ns, config)).applied).toEqual(['R__copy_job_inventory', 'R__copy_job_sales']);
      expect(
        namedWrites(ns.fake, from)
          .map((c) => c.body.Sql)
          .filter((s) => /^COPY JOB DROP/.test(String(s))),
      ).toEqual(['COPY JOB DROP inventory_updates_autocopy', 'COPY JOB DROP sales_transactions_autocopy']);
      expect((await jobs(ns.db)).map((j) => j.bucket)).toEqual([landing.bucket, landing.bucket]);

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
      clearOfBoundary();
      const batch = window('2026-11-27T10:00:00Z', 1);
      await putBatch(landing, batch);
      expect(data(await ns.fake.autoCopy())).toEqual([...batch.files.keys()].sort());
      await expectEachEventOnce(ns.db, [batch]);
    }));

  test('a failed migration, then a fixed one: files that landed meanwhile are loaded once, by name, and no sale is lost', async () =>
    inFreshNamespace(async (ns, config) => {
      // The clock stands still in this test: each file lands where the test moves it.
      jest.useFakeTimers(onlyDate({ advancing: false }));
      ns.fake.failWhen(/CREATE MATERIALIZED VIEW/, 'ERROR: out of memory');
      await expect(deploy(ns, config)).rejects.toThrow(/migration 0004_views failed: .*out of memory/);
      expect(await jobs(ns.db)).toEqual([]);
      // The producer and consumers keep writing while no COPY JOB exists.
      const early = window('2026-11-27T10:00:00Z', 1);
      await putBatch(landing, early);
      // Clear of the early files, to 100 ms past a whole second: the jobs are created there.
      jest.setSystemTime(Math.ceil((Date.now() + CLEAR_OF_BOUNDARY_MS) / 1000) * 1000 + 100);

      ns.fake.clearFailures();
      const fixed = await deploy(ns, config);
      expect(data(fixed.backfilled)).toEqual([...early.files.keys()].sort());
      expect(fixed.ambiguous).toBeUndefined();
      // Files of this minute land half a second later, in the jobs' own whole second: S3's
      // LastModified cannot tell them from files that landed just before, so the migrator never
      // loads them itself (auto-copy does).
      jest.setSystemTime(Date.now() + 500);
      const edge = window(`${new Date().toISOString().slice(0, 16)}:00Z`, 4);
      await putBatch(landing, edge);
      // Auto-copy never sees the early files: they predate the jobs (it loads the jobs' canaries and the edge files).
      expect(data(await ns.fake.autoCopy())).toEqual([...edge.files.keys()].sort());
      clearOfBoundary();
      const late = window('2026-11-27T10:05:00Z', 2);
      await putBatch(landing, late);
      expect(data(await ns.fake.autoCopy())).toEqual([...late.files.keys()].sort());

      // Deploying again loads nothing twice: the backfill ledger, and auto-copy's own by-name record.
      const again = await deploy(ns, config);
      expect(again.backfilled).toBeUndefined();
      // The edge files are reported for a check by hand, not loaded a second time.
      expect(data(again.ambiguous)).toEqual([...edge.files.keys()].sort());
      expect(again.applied).toEqual([]);
      expect(await ns.fake.autoCopy()).toEqual([]);
      await expectEachEventOnce(ns.db, [early, edge, late]);
    }));

  test('each new COPY JOB is smoke-tested once with its own options; a failing one stops the deploy, unrecorded, naming the job', async () =>
    inFreshNamespace(async (ns, config) => {
      // A COPY role Redshift cannot use shows at once, not when the first real file fails.
      ns.fake.failWhen(/NOLOAD/, 'S3ServiceException: Access Denied, Status 403');
      await expect(deploy(ns, config)).rejects.toThrow(
        /migration R__copy_job_inventory failed: COPY JOB inventory_updates_autocopy failed its smoke test \(COPY \.\.\. NOLOAD of s3:\/\/landing-test-\d+\/inventory\/_smoke\/inventory_updates_autocopy-[0-9a-f]{12}\.csv with the job's options\): .*Access Denied/,
      );
      ns.fake.clearFailures();
      const fixed = await deploy(ns, config);
      expect(fixed.applied).toEqual(['R__copy_job_inventory', 'R__copy_job_sales', 'R__dims', 'R__grants', 'R__views']);
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
    }));

  test('a file auto-copy fails to load (and will skip forever) becomes the CopyJobLoadErrors metric the alarm watches', async () =>
    inFreshNamespace(async (ns, config) => {
      await deploy(ns, config);
      clearOfBoundary();
      await landing.put('sales/dt=2026-11-27/hour=10/broken.csv', 'transaction_id,product_id\nonly-one-field\n');
      expect(data(await ns.fake.autoCopy())).toEqual([]);
      expect(await ns.fake.autoCopy()).toEqual([]);
      const lines: string[] = [];
      const handler = migrator(ns, config, { emitMetric: (l) => lines.push(l) });
      const before = ns.fake.calls.length;
      // (sinceMinutes: what schedules sent before the ledger; ignored)
      const result = await handler({ check: 'copyJobErrors', sinceMinutes: 5 });
      expect(result.jobs).toEqual([
        { job: 'sales_transactions_autocopy', errors: 1, files: ['sales/dt=2026-11-27/hour=10/broken.csv'] },
      ]);
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
      // The check migrates nothing: no statement named by a migration.
      expect(namedWrites(ns.fake, before)).toEqual([]);
      // Reported once: the next check counts nothing.
      expect((await handler({ check: 'copyJobErrors' })).jobs).toEqual([]);
      await expect(handler({ check: 'copyJobErrors', action: 'nonsense' } as never)).rejects.toThrow(
        'migrator: unknown action "nonsense" (expected reloadFailed or rotateDashboardPassword)',
      );
    }));

  test('files auto-copy failed to load come back by reloadFailed: each COPYed once by name, recorded; a rerun and auto-copy load nothing twice', async () =>
    inFreshNamespace(async (ns, config) => {
      await deploy(ns, config);
      clearOfBoundary();
      // A cause outside the files (a constraint, a full disk): auto-copy marks the 11:00 window's sales files E.
      await ns.db.exec(
        `ALTER TABLE retail.sales_transactions ADD CONSTRAINT hold_1100 CHECK (transaction_id NOT LIKE 'T-20261127T110000-%')`,
      );
      const good = window('2026-11-27T10:00:00Z', 2);
      const held = window('2026-11-27T11:00:00Z', 2);
      await putBatch(landing, good);
      await putBatch(landing, held);
      const heldSales = [...held.files.keys()].filter((k) => k.startsWith('sales/')).sort();
      const autoLoaded = data(await ns.fake.autoCopy());
      expect(autoLoaded).toEqual(
        [...good.files.keys(), ...held.files.keys()].filter((k) => !heldSales.includes(k)).sort(),
      );
      // The same key rewritten (a replayed window): auto-copy skips it by name.
      await landing.put(heldSales[0], held.files.get(heldSales[0])!);
      expect(data(await ns.fake.autoCopy())).toEqual([]);
      const broken = 'sales/dt=2026-11-27/hour=12/broken.csv';
      await landing.put(broken, 'transaction_id,product_id\nonly-one-field\n');
      expect(data(await ns.fake.autoCopy())).toEqual([]);

      const handler = createMigratorHandler({
        migrations: migrationsFor(config),
        workgroupName: 'bfstream-dev',
        database: 'retail',
        client: ns.client,
        pollMs: 1,
      });
      const dry = await handler({ action: 'reloadFailed', dryRun: true });
      expect(dry).toMatchObject({ action: 'reloadFailed', dryRun: true, failed: [] });
      expect(dry.reloaded).toEqual([...heldSales, broken].sort());
      await ns.db.exec('ALTER TABLE retail.sales_transactions DROP CONSTRAINT hold_1100');
      const first = await handler({ action: 'reloadFailed' });
      expect(first.reloaded).toEqual(heldSales);
      expect(first.failed.map((f) => f.key)).toEqual([broken]);
      await expectEachEventOnce(ns.db, [good, held]);
      const ledger = await ns.db.query<{ file_name: string }>(
        'SELECT file_name FROM retail.landing_backfill ORDER BY file_name',
      );
      expect(ledger.rows.map((r) => r.file_name)).toEqual(heldSales);
      // Again, and auto-copy again: nothing is loaded twice; the broken file is tried again and fails again.
      const again = await handler({ action: 'reloadFailed' });
      expect(again).toMatchObject({ reloaded: [], alreadyLoaded: [] });
      expect(again.failed.map((f) => f.key)).toEqual([broken]);
      expect(data(await ns.fake.autoCopy())).toEqual([]);
      await expectEachEventOnce(ns.db, [good, held]);
      await expect(handler({ action: 'reload' } as never)).rejects.toThrow(
        'migrator: unknown action "reload" (expected reloadFailed or rotateDashboardPassword)',
      );
    }));

  test('a file that fails after a check has run is counted by the next check, once, whichever status form SYS_COPY_JOB_DETAIL prints', async () =>
    inFreshNamespace(async (ns, config) => {
      await deploy(ns, config);
      clearOfBoundary();
      await putBatch(landing, window('2026-11-27T10:00:00Z', 21));
      await putBatch(landing, window('2026-11-27T11:00:00Z', 22));
      const loaded = data(await ns.fake.autoCopy());
      expect(loaded.length).toBeGreaterThanOrEqual(4);
      const lines: string[] = [];
      const handler = migrator(ns, config, { emitMetric: (l) => lines.push(l) });
      const metric = () => JSON.parse(lines.at(-1)!)[LOAD_ERROR_METRIC.name] as number;
      // Still pending, enqueued an hour ago: the first check has nothing to report.
      await ns.db.query(
        `UPDATE public.sys_copy_job_detail SET status = 'P', enqueue_time = enqueue_time - INTERVAL '1 hour' WHERE file_name = $1`,
        [loaded[0]],
      );
      expect((await handler({ check: 'copyJobErrors' })).jobs).toEqual([]);
      expect(metric()).toBe(0);
      // Then it fails: a window over enqueue time would never see it again; the next check counts it.
      await ns.db.query(`UPDATE public.sys_copy_job_detail SET status = 'E' WHERE file_name = $1`, [loaded[0]]);
      expect((await handler({ check: 'copyJobErrors' })).jobs.flatMap((j) => j.files)).toEqual([loaded[0]]);
      expect(metric()).toBe(1);
      expect((await handler({ check: 'copyJobErrors' })).jobs).toEqual([]);
      expect(metric()).toBe(0);
      // The worded form of AWS's example: 'Ingested' is not a failure, 'Failed' is.
      await ns.db.exec('ALTER TABLE public.sys_copy_job_detail ALTER COLUMN status TYPE VARCHAR(16)');
      await ns.db.query(`UPDATE public.sys_copy_job_detail SET status = 'Ingested' WHERE file_name = $1`, [loaded[1]]);
      await ns.db.query(`UPDATE public.sys_copy_job_detail SET status = 'Failed' WHERE file_name = $1`, [loaded[2]]);
      expect((await handler({ check: 'copyJobErrors' })).jobs.flatMap((j) => j.files)).toEqual([loaded[2]]);
      expect(metric()).toBe(1);
      const ledger = await ns.db.query<{ file_name: string; status: string }>(
        'SELECT file_name, status FROM retail.load_error_ledger ORDER BY file_name',
      );
      expect(ledger.rows).toEqual(
        [
          { file_name: loaded[0], status: 'E' },
          { file_name: loaded[2], status: 'Failed' },
        ].sort((a, b) => (a.file_name < b.file_name ? -1 : 1)),
      );
    }));

  test("the dashboard's database user: made from a secret with no value, analyst role only, no password in any statement; rotation stores, then sets", async () =>
    inFreshNamespace(async (ns, config) => {
      const memory = memorySecret();
      const writes: number[] = [];
      // Where each write falls among the statements sent: the secret is written before the SQL that uses it.
      const secret: DashboardSecret = {
        read: () => memory.read(),
        write: async (v) => {
          writes.push(ns.fake.sent().length);
          await memory.write(v);
        },
      };
      const first = await deploy(ns, config, undefined, secret);
      expect(first.dashboardUser).toBe('created');
      const value = (await memory.read())!;
      expect(value.username).toBe(DASHBOARD_USER);
      expect(passwordProblems(value.password)).toEqual([]);
      const hashOf = async () =>
        (
          await ns.db.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [
            DASHBOARD_USER,
          ])
        ).rows[0]?.rolpassword;
      expect(await hashOf()).toBe(md5Password(DASHBOARD_USER, value.password));
      const sql = () => JSON.stringify(ns.fake.sent());
      expect(sql()).not.toContain(value.password);
      expect(JSON.stringify(migrationsFor(config))).not.toContain(value.password);
      const roles = await ns.db.query<{ role: string }>(
        'SELECT b.rolname AS role FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1',
        [DASHBOARD_USER],
      );
      expect(roles.rows).toEqual([{ role: 'bfstream_analyst' }]);

      const before = ns.fake.calls.length;
      expect((await deploy(ns, config, undefined, secret)).dashboardUser).toBe('unchanged');
      expect(namedWrites(ns.fake, before)).toEqual([]);

      const handler = migrator(ns, config, { dashboardSecret: secret });
      // The ALTER fails: the secret already holds the new password, and a second rotation ends the lock-out.
      ns.fake.failWhen(/^ALTER USER/, 'connection reset');
      await expect(handler({ action: 'rotateDashboardPassword' })).rejects.toThrow(/connection reset/);
      const stored = (await memory.read())!.password;
      expect(stored).not.toBe(value.password);
      expect(await hashOf()).toBe(md5Password(DASHBOARD_USER, value.password));
      ns.fake.clearFailures();
      expect(await handler({ action: 'rotateDashboardPassword' })).toEqual({ rotated: true });
      const rotated = (await memory.read())!.password;
      expect(await hashOf()).toBe(md5Password(DASHBOARD_USER, rotated));
      const sent = ns.fake.sent();
      const alter = sent.length - 1 - [...sent].reverse().findIndex((s) => /^ALTER USER/.test(String(s)));
      expect(writes.at(-1)!).toBeLessThanOrEqual(alter);
      expect(sql()).not.toContain(rotated);
      expect(memory.writes).toBe(3);
    }));

  test('a crash after COPY JOB CREATE, before its tracking row: the next deploy keeps the job instead of failing on it', async () =>
    inFreshNamespace(async (ns, config) => {
      ns.fake.failWhen(new RegExp(`INSERT INTO ${MIGRATIONS_TABLE} .*'R__copy_job_sales'`), 'Lambda timed out');
      await expect(deploy(ns, config)).rejects.toThrow(/migration R__copy_job_sales failed/);
      expect((await jobs(ns.db)).map((j) => j.job_name)).toContain('sales_transactions_autocopy');
      ns.fake.clearFailures();
      const from = ns.fake.calls.length;
      const rerun = await deploy(ns, config);
      expect(rerun.applied).toEqual(['R__copy_job_sales', 'R__dims', 'R__grants', 'R__views']);
      const sql = namedWrites(ns.fake, from).map((c) => JSON.stringify(c.body.Sql ?? c.body.Sqls));
      expect(sql.filter((s) => /JOB CREATE|COPY JOB DROP/.test(s))).toEqual([]);
    }));

  test('a migrator about to time out cancels its statement; a rerun waits for a statement still in flight instead of submitting it again', async () => {
    const config = await inFreshNamespace(async (ns, config) => {
      // The schema statement never finishes: with 6 s left and a 5 s margin, the migrator cancels it once
      // 1 s has passed (the statements before it take milliseconds here). The clock moves that second
      // as soon as the statement is submitted, instead of the migrator polling through it.
      ns.fake.holdWhen(/CREATE SCHEMA/, Infinity);
      let ended = false;
      const run = deploy(ns, config, 6_000).finally(() => (ended = true));
      const failed = expect(run).rejects.toThrow(
        /migration 0001_schema failed: Redshift statement stmt-\d+ still STARTED after \d+ ms; cancelled it \(\d+ ms left to the caller\)/,
      );
      const submittedSchema = () => ns.fake.calls.some((c) => c.body.StatementName === '0001_schema');
      while (!ended && !submittedSchema()) await new Promise((r) => setTimeout(r, 1));
      jest.setSystemTime(Date.now() + 1_000);
      await failed;
      const submitted = ns.fake.calls.filter(
        (c) => c.action.endsWith('ExecuteStatement') && c.body.StatementName === '0001_schema',
      );
      expect(submitted).toHaveLength(1);
      const cancels = ns.fake.calls.filter((c) => c.action === 'CancelStatement');
      expect(cancels).toHaveLength(1);
      return config;
    });

    await namespaces.within(async (ns2) => {
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
  });

  test('a replaced namespace (a new, empty database) is migrated again, and reloads the files still in the bucket once', async () => {
    const batch = window('2026-11-27T11:00:00Z', 3);
    const config = await inFreshNamespace(async (old, config) => {
      await deploy(old, config);
      clearOfBoundary();
      await putBatch(landing, batch);
      await old.fake.autoCopy();
      await expectEachEventOnce(old.db, [batch]);
      return config;
    });
    clearOfBoundary();
    await namespaces.within(async (replacement) => {
      const result = await deploy(replacement, config);
      expect(result.applied).toEqual(migrationsFor(config).map((m) => m.id));
      expect(data(result.backfilled)).toEqual([...batch.files.keys()].sort());
      expect(data(await replacement.fake.autoCopy())).toEqual([]);
      await expectEachEventOnce(replacement.db, [batch]);
    });
  });
});
