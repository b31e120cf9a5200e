// `npm run verify`: proves a deployed stack end to end, one step a line, with the deployer's
// (or the verify identity's) credentials. It sends one verification window through the real
// pipeline: the producer makes it at the reserved verification store, which every view leaves
// out, in a window a century back (kernel/verification.ts), so no analyst's number moves and
// each run writes landing keys of its own. The clients are passed in: the CLI (tools/verify.ts)
// makes real ones, and the tests point them at the emulators.
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeSubnetsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeDashboardCommand,
  DescribeDataSetCommand,
  DescribeDataSourceCommand,
  type QuickSightClient,
} from '@aws-sdk/client-quicksight';
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import {
  GetWorkgroupCommand,
  ListUsageLimitsCommand,
  type RedshiftServerlessClient,
} from '@aws-sdk/client-redshift-serverless';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { REDSHIFT_SERVERLESS_UNSUPPORTED_ZONE_IDS } from '../kernel/awsLimits';
import { rejectedStreamPrefix, windowTag } from '../kernel/chunks';
import { VERIFICATION_STORE, perStream, streamNames, streams, type StreamName } from '../kernel/contracts';
import { verificationScheduledTime } from '../kernel/verification';
import { RedshiftDataDriver } from '../warehouse/drivers/redshift-data';
import { allMaterializedViews, allPlainViews, qualified } from '../warehouse/schema';
import { literal } from '../warehouse/sql';
import type { DeployedStack } from './verifyOutputs';

/** What the steps read of the producer's answer (functions/producer.ts, ProducedWindow). */
interface ProducedWindow {
  window: { start: string; minutes: number; seed: number };
  verification?: boolean;
  events: Record<StreamName, number>;
  messages: Record<StreamName, number>;
}

/** What the cost step reads of the migrator's serverlessUsage answer (warehouse/serverlessUsage.ts). */
interface UsageAnswer {
  chargedSeconds: number;
  computeSeconds: number;
  intervals: number;
}

export interface VerifyClients {
  lambda: LambdaClient;
  sqs: SQSClient;
  s3: S3Client;
  redshiftData: RedshiftDataClient;
  cloudwatch: CloudWatchClient;
  serverless: RedshiftServerlessClient;
  ec2: EC2Client;
  quicksight: QuickSightClient;
}

export interface VerifyOptions {
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** How long to wait for the queues to drain, the files to land and the rows to load. */
  timeoutMs?: number;
  pollMs?: number;
  /** The Data API's poll interval. */
  dataApiPollMs?: number;
  /** Called as each step ends, so a person sees the lines as they come. */
  onStep?: (report: StepReport) => void;
}

export type StepId =
  | 'outputs'
  | 'producer'
  | 'queues'
  | 'landing'
  | 'load'
  | 'views'
  | 'alarms'
  | 'usage-limit'
  | 'load-check'
  | 'dashboard'
  | 'subnets'
  | 'cost';

export interface StepReport {
  step: StepId;
  status: 'pass' | 'fail' | 'skip';
  /** The one line a person reads. */
  line: string;
  /** What the step saw, for the JSON report. */
  seen?: Record<string, unknown>;
}

export interface VerifyReport {
  verdict: 'PASS' | 'FAIL';
  startedAt: string;
  finishedAt: string;
  /** The verification window this run sent. */
  window?: { start: string; minutes: number; seed: number; tag: string };
  steps: StepReport[];
}

/** What the steps share: the stack, its clients, the window produced and the clock. */
interface Run {
  stack: DeployedStack;
  clients: VerifyClients;
  sql: RedshiftDataDriver;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  deadline: () => number;
  pollMs: number;
  startedAt: Date;
  produced?: ProducedWindow;
  tag?: string;
}

class StepFailure extends Error {
  constructor(
    message: string,
    readonly seen?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const pass = (step: StepId, line: string, seen?: Record<string, unknown>): StepReport => ({
  step,
  status: 'pass',
  line,
  ...(seen ? { seen } : {}),
});

/**
 * The status text of SYS_COPY_JOB_DETAIL: AWS's page lists one-letter codes (P, I, E, U), and
 * its own example prints `Ingested` (docs.aws.amazon.com/redshift/latest/dg/SYS_COPY_JOB_DETAIL.html).
 * Both forms are known; anything else means the load-error check reads a status it cannot count.
 */
export const KNOWN_COPY_STATUSES: ReadonlyMap<string, 'pending' | 'ingested' | 'error' | 'unknown'> = new Map([
  ['p', 'pending'],
  ['pending', 'pending'],
  ['i', 'ingested'],
  ['ingested', 'ingested'],
  ['e', 'error'],
  ['error', 'error'],
  ['failed', 'error'],
  ['u', 'unknown'],
  ['unknown', 'unknown'],
]);

/** Runs every step in order; a step whose input failed is skipped with the reason. */
export async function verifyDeployment(
  stack: DeployedStack,
  clients: VerifyClients,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const run: Run = {
    stack,
    clients,
    sql: new RedshiftDataDriver(clients.redshiftData, {
      workgroupName: stack.workgroupName,
      database: stack.database,
      pollMs: options.dataApiPollMs ?? 500,
    }),
    now,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    deadline: () => startedAt.getTime() + timeoutMs,
    pollMs: options.pollMs ?? 5_000,
    startedAt,
  };
  const steps: StepReport[] = [];
  const record = (report: StepReport) => {
    steps.push(report);
    options.onStep?.(report);
  };
  record(pass('outputs', `stack outputs: ${describeStack(stack)}`));
  const pipeline: [StepId, (r: Run) => Promise<StepReport>][] = [
    ['producer', produceWindow],
    ['queues', drainQueues],
    ['landing', landingFiles],
    ['load', loadedRows],
    ['views', viewsAnswer],
  ];
  let broken: StepId | undefined;
  for (const [id, step] of pipeline) {
    if (broken) {
      record({ step: id, status: 'skip', line: `${id}: skipped, because ${broken} failed` });
      continue;
    }
    const report = await attempt(id, () => step(run));
    if (report.status === 'fail') broken = id;
    record(report);
  }
  // The checks of the rest of the stack do not depend on the window.
  for (const [id, step] of [
    ['alarms', alarmsOk],
    ['usage-limit', usageLimit],
    ['load-check', loadCheck],
    ['dashboard', dashboardReady],
    ['subnets', subnetsSupported],
    ['cost', runCost],
  ] as [StepId, (r: Run) => Promise<StepReport>][])
    record(await attempt(id, () => step(run)));
  const tag = run.tag;
  return {
    verdict: steps.some((s) => s.status !== 'pass') ? 'FAIL' : 'PASS',
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    ...(run.produced && tag ? { window: { ...run.produced.window, tag } } : {}),
    steps,
  };
}

function describeStack(stack: DeployedStack): string {
  return `workgroup ${stack.workgroupName} in ${stack.region}, bucket ${stack.landingBucket}, ${stack.alarmNames.length} alarms${stack.quicksight ? ', QuickSight dashboard' : ''}`;
}

async function attempt(step: StepId, run: () => Promise<StepReport>): Promise<StepReport> {
  try {
    return await run();
  } catch (error) {
    const seen = error instanceof StepFailure ? error.seen : undefined;
    const message = error instanceof Error ? error.message : String(error);
    return { step, status: 'fail', line: `${step}: FAILED: ${message.split('\n')[0]}`, ...(seen ? { seen } : {}) };
  }
}

/** Polls `probe` until it returns a value, or fails with `late()` at the deadline. */
async function until<T>(run: Run, probe: () => Promise<T | undefined>, late: () => Promise<StepFailure>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (run.now().getTime() >= run.deadline()) throw await late();
    await run.sleep(run.pollMs);
  }
}

async function invokeJson<T>(run: Run, functionName: string, event: unknown): Promise<T> {
  const answer = await run.clients.lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)) }),
  );
  const text = answer.Payload ? Buffer.from(answer.Payload).toString('utf8') : 'null';
  if (answer.FunctionError) {
    const error = JSON.parse(text) as { errorMessage?: string };
    throw new StepFailure(`${functionName} failed: ${error.errorMessage ?? text}`);
  }
  return JSON.parse(text) as T;
}

/** The producer makes one verification window, and a second invocation of it makes the same window, not another. */
async function produceWindow(run: Run): Promise<StepReport> {
  const event = { scheduledTime: verificationScheduledTime(run.startedAt), verification: true };
  const first = await invokeJson<ProducedWindow>(run, run.stack.producerFunctionName, event);
  const again = await invokeJson<ProducedWindow>(run, run.stack.producerFunctionName, event);
  const seen = { event, first: first.window, again: again.window, events: first.events };
  if (first.verification !== true)
    throw new StepFailure('the producer ignored the verification flag (deploy this version first)', seen);
  if (
    JSON.stringify(first.window) !== JSON.stringify(again.window) ||
    JSON.stringify(first.events) !== JSON.stringify(again.events)
  )
    throw new StepFailure(
      'a rerun of the same scheduled time produced another window: the producer is not idempotent',
      seen,
    );
  run.produced = first;
  run.tag = windowTag(first.window.start, first.window.seed);
  const counts = streamNames.map((s) => `${first.events[s]} ${s}`).join(', ');
  return pass(
    'producer',
    `producer: window ${first.window.start} (${first.window.minutes} min) made ${counts} events; a rerun made the same window`,
    seen,
  );
}

async function queueDepth(run: Run, url: string): Promise<number> {
  const { Attributes = {} } = await run.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Both queues drain (the consumers took the window), and their dead-letter queues hold nothing. */
async function drainQueues(run: Run): Promise<StepReport> {
  const { queueUrls, deadLetterQueueUrls } = run.stack;
  const depths = perStream(() => -1);
  await until(
    run,
    async () => {
      for (const s of streamNames) depths[s] = await queueDepth(run, queueUrls[s]);
      return streamNames.every((s) => depths[s] === 0) ? true : undefined;
    },
    async () =>
      new StepFailure(
        `queue ${streamNames
          .filter((s) => depths[s] > 0)
          .map((s) => `${s} still holds ${depths[s]} message(s)`)
          .join(', ')} after the timeout: its consumer is not draining it (read the consumer's log group)`,
        { depths },
      ),
  );
  const dead = perStream(() => 0);
  for (const s of streamNames) dead[s] = await queueDepth(run, deadLetterQueueUrls[s]);
  const stuck = streamNames.filter((s) => dead[s] > 0);
  if (stuck.length)
    throw new StepFailure(
      `dead-letter queue of ${stuck.map((s) => `${s} holds ${dead[s]} message(s)`).join(', ')}: read them before they expire (docs/INFRA.md)`,
      { dead },
    );
  return pass('queues', 'queues: both drained; their dead-letter queues are empty', { depths, dead });
}

/** The landing keys of the window's chunks, per stream (kernel/chunks.ts csvKey), and any rejected file. */
async function listWindow(run: Run, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await run.clients.s3.send(
      new ListObjectsV2Command({ Bucket: run.stack.landingBucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** The hour partition prefix of the window's files for one stream. */
function windowPrefix(run: Run, stream: StreamName): string {
  const start = run.produced!.window.start;
  return `${streams[stream].prefix}dt=${start.slice(0, 10)}/hour=${start.slice(11, 13)}/${stream}-${run.tag}-`;
}

/** One CSV file per message of the window lands under the stream's prefix, and nothing is rejected. */
async function landingFiles(run: Run): Promise<StepReport> {
  const found = perStream((): string[] => []);
  await until(
    run,
    async () => {
      for (const s of streamNames) found[s] = await listWindow(run, windowPrefix(run, s));
      return streamNames.every((s) => found[s].length >= run.produced!.messages[s]) ? true : undefined;
    },
    async () =>
      new StepFailure(
        `landing files missing: ${streamNames.map((s) => `${s} ${found[s].length} of ${run.produced!.messages[s]} under ${windowPrefix(run, s)}`).join(', ')}`,
        { found },
      ),
  );
  const rejected = (
    await Promise.all(streamNames.map((s) => listWindow(run, `${rejectedStreamPrefix(s)}${s}-${run.tag}-`)))
  ).flat();
  if (rejected.length)
    throw new StepFailure(`the consumers set aside events of the window: ${rejected.join(', ')}`, { rejected });
  return pass(
    'landing',
    `landing: ${streamNames.map((s) => `${found[s].length} ${s} file(s)`).join(', ')} under the expected keys, none rejected`,
    { found },
  );
}

/** Rows of the window in one fact table, counted by the ids the window's tag makes (kernel/generator.ts). */
async function windowRows(run: Run, stream: StreamName): Promise<number> {
  const { table, key } = streams[stream].contract;
  const [row] = await run.sql.query<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${qualified(table)} WHERE store_id = ${literal(VERIFICATION_STORE.store_id)} AND ${key} LIKE ${literal(`%-${run.tag}-%`)}`,
  );
  return Number(row?.n ?? 0);
}

/** Files of the window that a COPY JOB failed to load (SYS_COPY_JOB_DETAIL, either status form). */
async function failedFiles(run: Run): Promise<string[]> {
  const rows = await run.sql.query<{ file_name: string; status: string }>(
    `SELECT TRIM(file_name) AS file_name, TRIM(status) AS status FROM sys_copy_job_detail WHERE file_name LIKE ${literal(`%-${run.tag}-%`)}`,
  );
  return rows.filter((r) => KNOWN_COPY_STATUSES.get(r.status.toLowerCase()) === 'error').map((r) => r.file_name);
}

/** The COPY JOBs load the window: the facts hold exactly its events, counted by id. */
async function loadedRows(run: Run): Promise<StepReport> {
  const rows = perStream(() => 0);
  const expected = run.produced!.events;
  const loadedAt = await until(
    run,
    async () => {
      for (const s of streamNames) rows[s] = await windowRows(run, s);
      if (streamNames.some((s) => rows[s] > expected[s]))
        throw new StepFailure(
          `the facts hold more rows of the window than it made (${streamNames.map((s) => `${s} ${rows[s]} of ${expected[s]}`).join(', ')}): a file was loaded twice`,
          { rows, expected },
        );
      const failed = await failedFiles(run);
      if (failed.length)
        throw new StepFailure(
          `COPY JOB failed to load ${failed.join(', ')}: read SYS_LOAD_ERROR_DETAIL, then reload it (docs/INFRA.md, "A failed load")`,
          { failed },
        );
      return streamNames.every((s) => rows[s] === expected[s]) ? run.now() : undefined;
    },
    async () =>
      new StepFailure(
        `rows missing after the timeout: ${streamNames.map((s) => `${s} ${rows[s]} of ${expected[s]}`).join(', ')}`,
        { rows, expected },
      ),
  );
  const seconds = Math.round((loadedAt.getTime() - run.startedAt.getTime()) / 1000);
  return pass(
    'load',
    `load: the facts hold the window's ${streamNames.map((s) => `${rows[s]} ${s}`).join(' and ')} rows, each once, ${seconds} s after the producer ran`,
    { rows, secondsAfterProducer: seconds },
  );
}

/**
 * Every view answers, none shows the verification store, and every materialized view has
 * refreshed past the window's rows (SVV_MV_INFO.is_stale, docs.aws.amazon.com/redshift/latest/dg/r_SVV_MV_INFO.html).
 */
async function viewsAnswer(run: Run): Promise<StepReport> {
  const timings: Record<string, number> = {};
  for (const view of allPlainViews) {
    const started = Date.now();
    await run.sql.query(`SELECT COUNT(*) AS n FROM ${qualified(view.name)}`);
    timings[view.name] = Date.now() - started;
  }
  const [leak] = await run.sql.query<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${qualified('v_sales_by_store')} WHERE store_id = ${literal(VERIFICATION_STORE.store_id)}`,
  );
  if (Number(leak?.n ?? 0) > 0)
    throw new StepFailure('v_sales_by_store shows the verification store: the views are older than this version');
  const mvNames = allMaterializedViews.map((v) => v.name);
  let stale: string[] = mvNames;
  const freshAt = await until(
    run,
    async () => {
      const rows = await run.sql.query<{ name: string; is_stale: string | boolean }>(
        `SELECT TRIM(name) AS name, is_stale FROM svv_mv_info WHERE TRIM(schema) = 'retail'`,
      );
      const state = new Map(rows.map((r) => [r.name, String(r.is_stale).toLowerCase().startsWith('f')]));
      stale = mvNames.filter((n) => state.get(n) !== true);
      return stale.length === 0 ? run.now() : undefined;
    },
    async () => new StepFailure(`materialized views still stale after the timeout: ${stale.join(', ')}`, { stale }),
  );
  const age = Math.round((freshAt.getTime() - run.startedAt.getTime()) / 1000);
  const slowest = Math.max(...Object.values(timings));
  return pass(
    'views',
    `views: ${allPlainViews.length} views answer (slowest ${slowest} ms), none shows the verification store; the materialized views were fresh ${age} s after the producer ran`,
    { timings, dataAgeSeconds: age },
  );
}

/** The stack's alarms exist; none is in ALARM. INSUFFICIENT_DATA is normal for an alarm with no data yet. */
async function alarmsOk(run: Run): Promise<StepReport> {
  const names = run.stack.alarmNames;
  const found = new Map<string, string>();
  for (let i = 0; i < names.length; i += 100) {
    let token: string | undefined;
    do {
      const page = await run.clients.cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), NextToken: token }),
      );
      for (const a of page.MetricAlarms ?? []) found.set(a.AlarmName!, a.StateValue ?? 'UNKNOWN');
      token = page.NextToken;
    } while (token);
  }
  const missing = names.filter((n) => !found.has(n));
  const firing = names.filter((n) => found.get(n) === 'ALARM');
  const states = Object.fromEntries(found);
  if (missing.length) throw new StepFailure(`alarms missing: ${missing.join(', ')}`, { states });
  if (firing.length)
    throw new StepFailure(`alarms in ALARM: ${firing.join(', ')} (docs/INFRA.md has each runbook)`, { states });
  const waiting = names.filter((n) => found.get(n) === 'INSUFFICIENT_DATA').length;
  return pass('alarms', `alarms: all ${names.length} exist, none in ALARM (${waiting} without data yet)`, { states });
}

/** A usage limit on the workgroup's compute (serverless-compute RPU-hours) is in place. */
async function usageLimit(run: Run): Promise<StepReport> {
  const { usageLimits = [] } = await run.clients.serverless.send(
    new ListUsageLimitsCommand({ resourceArn: run.stack.workgroupArn, usageType: 'serverless-compute' }),
  );
  if (usageLimits.length === 0)
    throw new StepFailure(`no serverless-compute usage limit on ${run.stack.workgroupArn}: nothing caps the bill`);
  const limits = usageLimits.map((l) => ({ amount: l.amount, period: l.period, breachAction: l.breachAction }));
  return pass(
    'usage-limit',
    `usage limit: ${limits.map((l) => `${l.amount} RPU-hours a ${l.period}, then ${l.breachAction}`).join('; ')}`,
    { limits },
  );
}

/** The scheduled load-error check runs, and every status text it reads is one it knows. */
async function loadCheck(run: Run): Promise<StepReport> {
  const result = await invokeJson<Record<string, unknown>>(run, run.stack.migratorFunctionName, {
    check: 'copyJobErrors',
  });
  const rows = await run.sql.query<{ status: string; n: number | string }>(
    'SELECT TRIM(status) AS status, COUNT(*) AS n FROM sys_copy_job_detail GROUP BY TRIM(status) ORDER BY 1',
  );
  const statuses = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const unknown = rows.map((r) => r.status).filter((s) => !KNOWN_COPY_STATUSES.has(s.toLowerCase()));
  if (unknown.length)
    throw new StepFailure(
      `SYS_COPY_JOB_DETAIL prints status text the load-error check does not know: ${unknown.map((s) => JSON.stringify(s)).join(', ')} (attach this report to an issue)`,
      { statuses, result },
    );
  return pass(
    'load-check',
    `load-check: the load-error check ran; statuses seen ${rows.map((r) => `${r.status} ×${r.n}`).join(', ') || 'none yet'}`,
    { statuses, result },
  );
}

/** With the dashboard on: it and its data sets exist, and the data source signed in (it can read its secret). */
async function dashboardReady(run: Run): Promise<StepReport> {
  const qs = run.stack.quicksight;
  if (!qs) return pass('dashboard', 'dashboard: off in this stack (dashboardEnabled: false)');
  const AwsAccountId = qs.accountId;
  const { Dashboard } = await run.clients.quicksight.send(
    new DescribeDashboardCommand({ AwsAccountId, DashboardId: qs.dashboardId }),
  );
  const version = Dashboard?.Version;
  if (version?.Status !== 'CREATION_SUCCESSFUL' && version?.Status !== 'UPDATE_SUCCESSFUL')
    throw new StepFailure(
      `dashboard ${qs.dashboardId} is ${version?.Status ?? 'missing'}${version?.Errors?.length ? `: ${version.Errors.map((e) => e.Message).join('; ')}` : ''}`,
    );
  for (const DataSetId of qs.dataSetIds)
    await run.clients.quicksight.send(new DescribeDataSetCommand({ AwsAccountId, DataSetId }));
  const { DataSource } = await run.clients.quicksight.send(
    new DescribeDataSourceCommand({ AwsAccountId, DataSourceId: qs.dataSourceId }),
  );
  const status = DataSource?.Status ?? 'missing';
  if (DataSource?.ErrorInfo || !/SUCCESSFUL$/.test(status))
    throw new StepFailure(
      `data source ${qs.dataSourceId} is ${status}${DataSource?.ErrorInfo ? ` (${DataSource.ErrorInfo.Type}: ${DataSource.ErrorInfo.Message})` : ''}: QuickSight cannot sign in; check that its service role may read the secret (docs/INFRA.md, turning the dashboard on)`,
      { status, error: DataSource?.ErrorInfo },
    );
  return pass(
    'dashboard',
    `dashboard: ${qs.dashboardId} ${version.Status}, ${qs.dataSetIds.length} data sets, data source ${status}`,
  );
}

/** The workgroup's subnets lie in zone IDs that Redshift Serverless supports. */
async function subnetsSupported(run: Run): Promise<StepReport> {
  const { workgroup } = await run.clients.serverless.send(
    new GetWorkgroupCommand({ workgroupName: run.stack.workgroupName }),
  );
  const subnetIds = workgroup?.subnetIds ?? [];
  if (subnetIds.length === 0) throw new StepFailure(`workgroup ${run.stack.workgroupName} reports no subnets`);
  const { Subnets = [] } = await run.clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }));
  const zones = Object.fromEntries(Subnets.map((s) => [s.SubnetId!, s.AvailabilityZoneId ?? '?']));
  const unsupported = REDSHIFT_SERVERLESS_UNSUPPORTED_ZONE_IDS[run.stack.region] ?? [];
  const bad = Object.entries(zones).filter(([, zone]) => unsupported.includes(zone));
  if (bad.length)
    throw new StepFailure(
      `subnets in zones Redshift Serverless does not support: ${bad.map(([id, zone]) => `${id} (${zone})`).join(', ')}`,
      { zones },
    );
  return pass(
    'subnets',
    `subnets: ${subnetIds.length} in supported zone IDs ${[...new Set(Object.values(zones))].join(', ')}`,
    {
      zones,
    },
  );
}

/**
 * What the warehouse charged over the run: SYS_SERVERLESS_USAGE.charged_seconds (RPU-seconds),
 * which only superusers see, read by the migrator (warehouse/serverlessUsage.ts). Usage is
 * recorded a minute at a time and after each transaction ends, so the last minute may be missing.
 */
async function runCost(run: Run): Promise<StepReport> {
  const usage = await invokeJson<UsageAnswer>(run, run.stack.migratorFunctionName, {
    check: 'serverlessUsage',
    since: run.startedAt.toISOString(),
  });
  const hours = usage.chargedSeconds / 3600;
  return pass(
    'cost',
    `cost: the warehouse charged ${usage.chargedSeconds} RPU-seconds (${hours.toFixed(3)} RPU-hours) over ${usage.intervals} minute(s) of this run (SYS_SERVERLESS_USAGE)`,
    { ...usage },
  );
}
