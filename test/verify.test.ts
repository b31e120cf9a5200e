// `npm run verify` against the emulators: the dev stack's shipped archives on fauxqs (SQS, S3),
// the migrator behind a local Redshift Data API over PGlite (which plays auto-copy and AUTO
// REFRESH), the producer and migrator behind a local Lambda Invoke endpoint, and the services no
// emulator covers answered at the SDK's edge from the program's own graph. The command passes,
// moves no view's number, and fails with one clear line for each injected fault.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { QuickSightClient } from '@aws-sdk/client-quicksight';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import type { PGlite } from '@electric-sql/pglite';
import type { SQSBatchResponse } from 'aws-lambda';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERIFICATION_STORE, perStream, streamNames, type StreamName } from '../kernel/contracts';
import { streamNamings } from '../kernel/streamNaming';
import { startLambdaEndpoint, type LambdaEndpoint } from '../local/lambdaEndpoint';
import { SqsEventSource } from '../local/eventSource';
import type { BareFunction } from '../local/bareLambda';
import { named, ofType } from '../tools/mockGraph';
import { runVerify, type VerifyIo } from '../tools/verify';
import type { VerifyClients, VerifyReport } from '../tools/verifySteps';
import { qualified } from '../warehouse/schema';
import { answerAtEdge } from './support/awsEdge';
import { useEmulator } from './support/emulator';
import { emulateStack, type EmulatedStack } from './support/emulatedStack';
import { startFakeRedshiftData, type FakeRedshiftData } from './support/fakeRedshiftData';
import { blankDataDir, TEST_PGLITE } from './support/warehouse';
import { createPglite } from '../warehouse/drivers/pglite';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const DAY = 86_400_000;

describe('npm run verify against the emulators (dev stack)', () => {
  let stack: EmulatedStack;
  let db: PGlite;
  let fake: FakeRedshiftData;
  let lambda: LambdaEndpoint;
  let dir: string;
  let outputs: Record<string, unknown>;
  const held: Partial<Record<StreamName, Promise<void>>> = {};
  const release: Partial<Record<StreamName, () => void>> = {};
  let stopped = false;
  let draining: Promise<unknown>;
  let copying: ReturnType<typeof setInterval>;

  // Declared before the emulator's own afterAll (jest runs them in order), so the consumers stop before it does.
  afterAll(async () => {
    clearInterval(copying);
    for (const stream of streamNames) release[stream]?.();
    stopped = true;
    await draining.catch(() => undefined);
    await lambda?.close();
    await fake?.stop();
    await db?.close();
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const em = useEmulator();

  beforeAll(async () => {
    stack = await emulateStack('dev', em, 'verify-dev-');
    dir = mkdtempSync(join(tmpdir(), 'verify-'));
    db = await createPglite({ loadDataDir: await blankDataDir() }, TEST_PGLITE.sharedBuffers);
    fake = await startFakeRedshiftData(db, { pollsBeforeDone: 0, s3: em.s3 });
    const endpoints = { AWS_ENDPOINT_URL: em.endpoint.url };
    const [producer, migrator, ...consumerFns] = await Promise.all([
      stack.start('producer', endpoints),
      stack.start('migrator', { ...endpoints, AWS_ENDPOINT_URL_REDSHIFT_DATA: fake.endpoint }),
      ...streamNames.map((s) => stack.start(streamNamings[s].consumerFunction, endpoints)),
    ]);
    // The deploy's migration, as the Invocation runs it; then the views are fresh.
    const invocation = named(stack.run, 'aws:lambda/invocation:Invocation', 'warehouse-migrate');
    const migrated = await migrator.invoke(JSON.parse(invocation.inputs.input));
    if (migrated.error) throw new Error(`migration failed: ${migrated.error.stack}\n${migrator.output()}`);
    await fake.refreshViews();
    const physical = (fn: keyof EmulatedStack['shipped']) =>
      named(stack.run, 'aws:lambda/function:Function', stack.shipped[fn].resourceName).state.name as string;
    lambda = await startLambdaEndpoint({ [physical('producer')]: producer, [physical('migrator')]: migrator });
    const consumers: Record<StreamName, BareFunction> = perStream((s) => consumerFns[streamNames.indexOf(s)]);
    // The consumers behind their event sources, for the whole file; a test may hold one (a stuck queue).
    draining = Promise.all(
      streamNames.map((stream) =>
        new SqsEventSource({
          sqs: em.sqs,
          queueUrl: stack.queues[stream].url,
          queueArn: stack.queues[stream].arn,
          functionName: stream,
          batchSize: 10,
          concurrency: 1,
          functionTimeoutMs: 120_000,
          handler: async (event) => {
            await held[stream];
            const answer = await consumers[stream].invoke<SQSBatchResponse>(event);
            if (answer.error) throw new Error(`${stream} consumer failed: ${answer.error.message}`);
            return answer.result;
          },
        }).drain(() => stopped),
      ),
    );
    // Auto-copy and AUTO REFRESH, as Redshift runs them in the background.
    let busy = false;
    copying = setInterval(() => {
      if (busy) return;
      busy = true;
      void fake
        .autoCopy()
        .then(() => fake.refreshViews())
        .finally(() => (busy = false));
    }, 200);
    outputs = deployedOutputs(stack);
  }, 180_000);

  /** The stack outputs as `pulumi stack output --json` prints them, the queue URLs pointed at the emulator. */
  function deployedOutputs(s: EmulatedStack): Record<string, unknown> {
    const rewrite = (urls: Record<string, string>) =>
      Object.fromEntries(Object.entries(urls).map(([k, v]) => [k, s.urlRewrites.get(v) ?? v]));
    const out = JSON.parse(JSON.stringify(s.run.outputs)) as Record<string, Record<string, string>>;
    return { ...out, queueUrls: rewrite(out.queueUrls), deadLetterQueueUrls: rewrite(out.deadLetterQueueUrls) };
  }

  /** The services no emulator covers, answered from the program's graph (alarms OK, its usage limits, its subnets). */
  function edgeClients(quicksight: Record<string, (input: Record<string, unknown>) => unknown> = {}) {
    const alarms = new Set(ofType(stack.run, 'aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => a.state.name));
    const workgroup = named(stack.run, 'aws:redshiftserverless/workgroup:Workgroup', 'warehouse-workgroup');
    const subnetIds = workgroup.inputs.subnetIds as string[];
    return {
      cloudwatch: answerAtEdge(new CloudWatchClient({ region: REGION, credentials }), {
        DescribeAlarmsCommand: (input) => ({
          MetricAlarms: (input.AlarmNames as string[])
            .filter((n) => alarms.has(n))
            .map((n) => ({ AlarmName: n, StateValue: 'OK' })),
        }),
      }),
      serverless: answerAtEdge(new RedshiftServerlessClient({ region: REGION, credentials }), {
        ListUsageLimitsCommand: (input) => ({
          usageLimits: ofType(stack.run, 'aws:redshiftserverless/usageLimit:UsageLimit')
            .filter((l) => l.inputs.usageType === input.usageType)
            .map((l) => ({ amount: l.inputs.amount, period: l.inputs.period, breachAction: l.inputs.breachAction })),
        }),
        GetWorkgroupCommand: () => ({ workgroup: { subnetIds } }),
      }),
      ec2: answerAtEdge(new EC2Client({ region: REGION, credentials }), {
        DescribeSubnetsCommand: (input) => ({
          Subnets: (input.SubnetIds as string[]).map((id, i) => ({
            SubnetId: id,
            AvailabilityZoneId: `use1-az${[1, 2, 4][i % 3]}`,
          })),
        }),
      }),
      quicksight: answerAtEdge(new QuickSightClient({ region: REGION, credentials }), quicksight),
    };
  }

  function clients(quicksight?: Record<string, (input: Record<string, unknown>) => unknown>): VerifyClients {
    return {
      lambda: new LambdaClient({ region: REGION, credentials, endpoint: lambda.url }),
      sqs: em.sqs,
      s3: em.s3,
      redshiftData: new RedshiftDataClient({ region: REGION, credentials, endpoint: fake.endpoint }),
      ...edgeClients(quicksight),
    };
  }

  /** One run of the command, `daysAhead` days from now so that each test has a window of its own. */
  async function verify(
    daysAhead: number,
    { out = outputs, extra = [] as string[], quicksight = undefined as Parameters<typeof clients>[0] } = {},
  ): Promise<{ code: number; lines: string[]; report: VerifyReport }> {
    const file = join(dir, `outputs-${daysAhead}.json`);
    const reportFile = join(dir, `report-${daysAhead}.json`);
    writeFileSync(file, JSON.stringify(out));
    const lines: string[] = [];
    const io: VerifyIo = {
      out: (line) => lines.push(line),
      clients: () => clients(quicksight),
      timing: { pollMs: 100, dataApiPollMs: 0, now: () => new Date(Date.now() + daysAhead * DAY) },
    };
    const code = await runVerify(['--stack', 'dev', '--outputs', file, '--json', reportFile, ...extra], io);
    return { code, lines, report: JSON.parse(readFileSync(reportFile, 'utf8')) as VerifyReport };
  }

  const lineOf = (lines: string[], step: string) => lines.find((l) => l.startsWith(`${step}:`)) ?? '';

  test('passes: one verification window goes through, exactly once, and no view shows it', async () => {
    await db.query(
      `INSERT INTO public.sys_serverless_usage VALUES (now() AT TIME ZONE 'UTC' + interval '1 day', now() AT TIME ZONE 'UTC' + interval '1 day 1 minute', 480, 8, 480)`,
    );
    const { code, lines, report } = await verify(1);
    expect({ code, lines }).toEqual({ code: 0, lines: expect.arrayContaining([expect.stringMatching(/^VERIFIED/)]) });
    expect(report.steps.map((s) => [s.step, s.status])).toEqual(
      [
        'outputs',
        'producer',
        'queues',
        'landing',
        'load',
        'views',
        'alarms',
        'usage-limit',
        'load-check',
        'dashboard',
        'subnets',
        'cost',
      ].map((s) => [s, 'pass']),
    );
    // A window a century back, at the reserved store: in the facts once per event, in no view.
    const window = report.window!;
    expect(Number(window.start.slice(0, 4))).toBe(new Date(Date.now() + DAY).getUTCFullYear() - 100);
    const produced = report.steps.find((s) => s.step === 'producer')!.seen!.events as Record<StreamName, number>;
    const [sales] = (
      await db.query<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM ${qualified('sales_transactions')} WHERE store_id = $1 AND transaction_id LIKE $2`,
        [VERIFICATION_STORE.store_id, `%-${window.tag}-%`],
      )
    ).rows;
    expect(sales.n).toBe(produced.sales);
    const [overall] = (
      await db.query<{ n: number }>(
        `SELECT COALESCE(SUM(sale_lines), 0)::int AS n FROM ${qualified('v_revenue_overall')}`,
      )
    ).rows;
    expect(overall.n).toBe(0);
    expect(lineOf(lines, 'cost')).toContain('480 RPU-seconds');
    expect(lineOf(lines, 'load-check')).toMatch(/statuses seen I ×\d+/);
  }, 120_000);

  test('a missing output: one line naming it, and exit 1', async () => {
    const broken = JSON.parse(JSON.stringify(outputs)) as { verification: Record<string, unknown> };
    delete broken.verification.producerFunctionName;
    const { code, lines } = await verify(2, { out: broken });
    expect(code).toBe(1);
    expect(lines).toEqual([
      'outputs: FAILED: missing stack output verification.producerFunctionName',
      expect.stringMatching(/^NOT VERIFIED: 1 step\(s\) failed \(outputs\)/),
    ]);
  });

  test('a stuck queue: the queue step names it, the window steps after it are skipped', async () => {
    held.sales = new Promise<void>((resolve) => (release.sales = resolve));
    try {
      const { code, lines } = await verify(3, { extra: ['--timeout', '10'] });
      expect(code).toBe(1);
      expect(lineOf(lines, 'queues')).toMatch(
        /^queues: FAILED: queue sales still holds \d+ message\(s\) after the timeout/,
      );
      expect(lineOf(lines, 'load')).toBe('load: skipped, because queues failed');
    } finally {
      release.sales!();
      held.sales = undefined;
    }
  }, 60_000);

  test('a failed load: the load step names the file and the way back', async () => {
    await db.exec(
      `ALTER TABLE ${qualified('sales_transactions')} ADD CONSTRAINT verify_fault CHECK (store_id <> '${VERIFICATION_STORE.store_id}') NOT VALID`,
    );
    try {
      const { code, lines } = await verify(4);
      expect(code).toBe(1);
      expect(lineOf(lines, 'load')).toMatch(
        /^load: FAILED: COPY JOB failed to load sales\/dt=\d{4}-\d\d-\d\d\/hour=\d\d\/sales-.*\.csv: read SYS_LOAD_ERROR_DETAIL/,
      );
    } finally {
      await db.exec(`ALTER TABLE ${qualified('sales_transactions')} DROP CONSTRAINT verify_fault`);
    }
  }, 60_000);

  test('wrong status text in SYS_COPY_JOB_DETAIL: the load check names it', async () => {
    await db.query(
      `INSERT INTO public.sys_copy_job_detail (job_id, job_name, file_location, file_name, status, enqueue_time, rows_loaded) VALUES (0, 'x', 'b', 'odd-status-file', 'Z', now(), 0)`,
    );
    try {
      const { code, lines } = await verify(5);
      expect(code).toBe(1);
      expect(lineOf(lines, 'load-check')).toBe(
        'load-check: FAILED: SYS_COPY_JOB_DETAIL prints status text the load-error check does not know: "Z" (attach this report to an issue)',
      );
      expect(lineOf(lines, 'load')).toMatch(/^load: the facts hold/);
    } finally {
      await db.query(`DELETE FROM public.sys_copy_job_detail WHERE file_name = 'odd-status-file'`);
    }
  }, 60_000);

  test('an unreadable secret: the dashboard step says QuickSight cannot sign in', async () => {
    const withDashboard = JSON.parse(JSON.stringify(outputs)) as { verification: Record<string, unknown> };
    withDashboard.verification.quicksight = {
      accountId: '123456789012',
      dashboardId: 'bfstream-dev-sales',
      dataSourceId: 'bfstream-dev-warehouse',
      dataSetIds: ['bfstream-dev-v_sales_hourly'],
    };
    const { code, lines } = await verify(6, {
      out: withDashboard,
      quicksight: {
        DescribeDashboardCommand: () => ({ Dashboard: { Version: { Status: 'CREATION_SUCCESSFUL' } } }),
        DescribeDataSetCommand: (input) => ({ DataSet: { DataSetId: input.DataSetId } }),
        DescribeDataSourceCommand: () => ({
          DataSource: {
            Status: 'CREATION_FAILED',
            ErrorInfo: { Type: 'ACCESS_DENIED', Message: 'QuickSight cannot read secret bfstream-dev-dashboard' },
          },
        }),
      },
    });
    expect(code).toBe(1);
    expect(lineOf(lines, 'dashboard')).toBe(
      'dashboard: FAILED: data source bfstream-dev-warehouse is CREATION_FAILED (ACCESS_DENIED: QuickSight cannot read secret bfstream-dev-dashboard): QuickSight cannot sign in; check that its service role may read the secret (docs/INFRA.md, turning the dashboard on)',
    );
  }, 60_000);
});
