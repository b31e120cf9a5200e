// `npm run cost -- --stack dev|prod [--month YYYY-MM]`: a month's whole bill, computed from the
// declared graph. It runs the program under mocks, deployed at the month's first instant, takes every
// schedule's triggers in the month (expression, startDate, endDate, state), merges the warehouse wakes
// at Redshift Serverless's 60-second minimum and the base RPUs, and prices the rest of what the graph
// declares. Every line names its price and the day that price was read.
import { Command, InvalidArgumentError } from 'commander';
import { calendarOf, loadStackConfig, parseStackConfig, type StackConfig } from '../infra/config';
import { definePipeline, deployClock } from '../infra/pipeline';
import { calendarPeriods, rateMinutesOf, rateTriggers } from '../kernel/calendar';
import { expectedSaleLines } from '../kernel/generator';
import { isoSecond } from '../kernel/time';
import { ofType, runUnderMocks, stackConfigUnderTest, type MockRun } from '../tools/mockGraph';
import { parseFlags } from './capacity';
import { BILL_PRICES, type Price } from './cost/billPrices';
import { monthlyBill } from './cost/model';
import { PRICES } from './cost/prices';
import { readTwinRuns } from './twin';

export const STACKS = ['dev', 'prod'] as const;
const MINUTE = 60_000;

/** Assumptions where AWS documents nothing (the README's bill repeats them). */
export const BILL_ASSUMPTIONS = {
  /** Redshift Serverless bills each wake at least 60 s at the base RPUs (AWS billing docs). */
  minimumWakeSeconds: 60,
  /** A window's files, a load check's query: each is done within its minute, so a wake lasts the minimum. */
  wakeSeconds: 60,
  /** One deploy a month; its migration keeps the warehouse busy this long. */
  migrationSeconds: 300,
  /** The dashboard's views a day (DIRECT_QUERY: each runs its visuals' SQL on the warehouse), a wake each. */
  dashboardViewsPerDay: 20,
  /** The load check's run time and memory (the migrator: one SQL statement through the Data API). */
  loadCheckSeconds: 2,
  loadCheckMemoryMb: 256,
  /** Bytes of CSV landed (and loaded) per sale line with its inventory updates. */
  bytesPerSaleLine: 211,
} as const;

export interface Month {
  label: string;
  start: Date;
  end: Date;
  days: number;
}

export function monthOf(label: string): Month {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(label);
  if (!m) throw new InvalidArgumentError(`must be YYYY-MM, got ${JSON.stringify(label)}`);
  const start = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  const end = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  return { label, start, end, days: (+end - +start) / 86_400_000 };
}

export type WakeSource = 'producer windows (auto-copy loads)' | 'load-error check' | 'migration (one deploy)';

/** One declared schedule and its triggers in the month. */
export interface ScheduleTriggers {
  name: string;
  source: WakeSource;
  expression: string;
  startDate?: string;
  endDate?: string;
  state: string;
  triggers: number[];
}

/** Every schedule of the graph that wakes the warehouse, with its triggers in `month`; `deployedAt` starts a schedule without startDate. */
export function scheduleTriggers(run: MockRun, month: Month, deployedAt: Date): ScheduleTriggers[] {
  const functions = ofType(run, 'aws:lambda/function:Function');
  return ofType(run, 'aws:scheduler/schedule:Schedule').flatMap((s): ScheduleTriggers[] => {
    const i = s.inputs;
    const target = functions.find((f) => f.state.arn === i.target?.arn)?.name;
    const source: WakeSource | undefined =
      target === 'functions-producer'
        ? 'producer windows (auto-copy loads)'
        : target === 'warehouse-migrator'
          ? 'load-error check'
          : undefined;
    if (!source) return [];
    const minutes = rateMinutesOf(i.scheduleExpression);
    if (minutes === undefined) throw new Error(`schedule ${s.name}: not a rate expression: ${i.scheduleExpression}`);
    const first = i.startDate ? new Date(i.startDate) : deployedAt;
    // No endDate: the schedule runs for ever (the policy pack refuses that; the bill still counts it).
    const end = i.endDate ? new Date(i.endDate) : month.end;
    const state = i.state ?? 'ENABLED';
    return [
      {
        name: s.name,
        source,
        expression: i.scheduleExpression,
        startDate: i.startDate,
        endDate: i.endDate,
        state,
        triggers: state === 'ENABLED' ? rateTriggers(first, end, minutes, month.start, month.end) : [],
      },
    ];
  });
}

export interface Wake {
  at: number;
  seconds: number;
}

/** Billed seconds of a set of wakes: overlapping ones merge; each busy span bills at least the minimum. */
export function billedSeconds(wakes: Wake[], minimumSeconds: number = BILL_ASSUMPTIONS.minimumWakeSeconds): number {
  const spans = [...wakes].sort((a, b) => a.at - b.at);
  let total = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const w of spans) {
    const wEnd = w.at + Math.max(w.seconds, minimumSeconds) * 1000;
    if (w.at < end) end = Math.max(end, wEnd);
    else {
      if (end > start) total += end - start;
      [start, end] = [w.at, wEnd];
    }
  }
  if (end > start) total += end - start;
  return total / 1000;
}

export interface BillLine {
  item: string;
  quantity: string;
  price: Price;
  usd: number;
}

export interface StackBill {
  stack: string;
  month: Month;
  config: StackConfig;
  schedules: ScheduleTriggers[];
  warehouse: { wakes: number; billedSeconds: number; rpuHours: number; usd: number };
  saleLines: number;
  lines: BillLine[];
  total: number;
}

export interface BillOptions {
  /** Overrides like `pulumi config set`: bfstream:scheduleEnabled=false. */
  overrides?: Record<string, string>;
  /** Where twin-usage.json is (the counted twin run that prices the ingest requests). */
  benchDir?: string;
  /** Where the graph comes from: the program run under mocks (stackGraph). Tests pass one that shares a run between bills. */
  graphOf?: typeof stackGraph;
}

/** Runs the stack's program under mocks, deployed at the month's first instant, and bills the month. */
export async function stackBill(stack: string, month: Month, options: BillOptions = {}): Promise<StackBill> {
  const { cfg, run } = await (options.graphOf ?? stackGraph)(stack, month, options.overrides);
  return billOf(stack, month, cfg, run, options.benchDir ?? __dirname);
}

/** The graph the stack's program declares when deployed at the month's first instant. */
export async function stackGraph(
  stack: string,
  month: Month,
  overrides: Record<string, string> = {},
): Promise<{ cfg: StackConfig; run: MockRun }> {
  const config = { ...stackConfigUnderTest(stack), ...overrides };
  const cfg = parseStackConfig(config);
  const run = await runUnderMocks({
    stack,
    config,
    deployTime: month.start.toISOString(),
    // The program as index.ts declares it; a fresh call each time (index.ts runs once per process).
    program: () => {
      const { config: c, region } = loadStackConfig();
      definePipeline(c, region, deployClock());
    },
  });
  if (run.errors.length) throw new Error(`the ${stack} program failed under mocks: ${run.errors[0]}`);
  return { cfg, run };
}

const usd = (x: number) => Math.round(x * 100) / 100;
const n = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The warehouse's wakes in the month: every schedule's triggers, the deploy's migration. */
function warehouseWakes(schedules: ScheduleTriggers[], month: Month): Wake[] {
  return [
    ...schedules.flatMap((s) => s.triggers.map((at) => ({ at, seconds: BILL_ASSUMPTIONS.wakeSeconds }))),
    { at: +month.start, seconds: BILL_ASSUMPTIONS.migrationSeconds },
  ];
}

/** Sale lines the producer's windows generate in the month, from the demand curve at the stack's peak. */
function monthSaleLines(schedules: ScheduleTriggers[], cfg: StackConfig): number {
  let lines = 0;
  for (const s of schedules.filter((x) => x.source === 'producer windows (auto-copy loads)'))
    for (const at of s.triggers)
      lines += expectedSaleLines({
        start: isoSecond(at - cfg.windowMinutes * MINUTE),
        minutes: cfg.windowMinutes,
        seed: 0,
        peakLinesPerMinute: cfg.peakLinesPerMinute,
      });
  return lines;
}

function billOf(stack: string, month: Month, cfg: StackConfig, run: MockRun, benchDir: string): StackBill {
  const P = BILL_PRICES;
  const schedules = scheduleTriggers(run, month, month.start);
  const wakes = warehouseWakes(schedules, month);
  const seconds = billedSeconds(wakes);
  const rpuHours = (seconds / 3600) * cfg.baseCapacity;
  const lines: BillLine[] = [];
  const add = (item: string, quantity: string, price: Price, cost: number) =>
    lines.push({ item, quantity, price, usd: cost });
  const bySource = (source: WakeSource) =>
    schedules.filter((s) => s.source === source).reduce((k, s) => k + s.triggers.length, 0);
  add(
    'Redshift Serverless compute',
    `${n(bySource('producer windows (auto-copy loads)'))} producer windows + ${n(bySource('load-error check'))} load checks + 1 migration, merged: ${n(seconds / 3600, 1)} billed h x ${cfg.baseCapacity} RPU = ${n(rpuHours, 1)} RPU-h`,
    P.redshiftRpuHour,
    rpuHours * P.redshiftRpuHour.usd,
  );
  const saleLines = monthSaleLines(schedules, cfg);
  addIngest(add, saleLines, cfg, month, benchDir);
  const checks = bySource('load-error check');
  const checkGbSeconds = checks * BILL_ASSUMPTIONS.loadCheckSeconds * (BILL_ASSUMPTIONS.loadCheckMemoryMb / 1024);
  add(
    'Lambda: load-error checks',
    `${n(checks)} runs, ${n(checkGbSeconds)} GB-s (assumed ${BILL_ASSUMPTIONS.loadCheckSeconds} s each)`,
    P.ingest,
    (checks / 1e6) * PRICES.lambda.perMillionRequests + checkGbSeconds * PRICES.lambda.perGbSecond.x86_64,
  );
  const gb = (saleLines * BILL_ASSUMPTIONS.bytesPerSaleLine) / 1e9;
  add(
    'S3 landing storage',
    `${n(gb, 2)} GB landed this month, held all month`,
    P.s3StandardGbMonth,
    gb * P.s3StandardGbMonth.usd,
  );
  add(
    'Redshift managed storage',
    `${n(gb, 2)} GB loaded this month`,
    P.redshiftStorageGbMonth,
    gb * P.redshiftStorageGbMonth.usd,
  );
  addFixed(add, run, cfg);
  const total = lines.reduce((t, l) => t + l.usd, 0);
  return {
    stack,
    month,
    config: cfg,
    schedules,
    warehouse: { wakes: wakes.length, billedSeconds: seconds, rpuHours, usd: rpuHours * P.redshiftRpuHour.usd },
    saleLines,
    lines,
    total,
  };
}

type Add = (item: string, quantity: string, price: Price, cost: number) => void;

/** SQS, Lambda (producer, consumers) and S3 requests: the twin's counted run, scaled to the month's sale lines. */
function addIngest(add: Add, saleLines: number, cfg: StackConfig, month: Month, benchDir: string): void {
  const idlePolls = 2 * 5 * ((month.days * 86_400) / 20);
  if (saleLines === 0) {
    add(
      'SQS: idle long polls of the two event sources',
      `${n(idlePolls)} requests`,
      BILL_PRICES.ingest,
      (idlePolls / 1e6) * PRICES.sqs.standardPerMillionRequests,
    );
    return;
  }
  const ours = readTwinRuns(benchDir).ours;
  const bill = monthlyBill(ours, {
    peakSalesPerSecond: cfg.peakLinesPerMinute / 60,
    salesPerDay: saleLines / month.days,
    daysPerMonth: month.days,
  });
  add(
    'SQS requests',
    `${n(bill.sqs.totalBilled)} billed (64 KiB units), ${n(bill.sqs.idlePollingRequests)} of them idle long polls`,
    BILL_PRICES.ingest,
    bill.sqs.cost,
  );
  add(
    'Lambda: producer and consumers',
    `${n(bill.lambda.invocations)} invocations, ${n(bill.lambda.gbSeconds)} GB-s (durations measured in the twin)`,
    BILL_PRICES.ingest,
    bill.lambda.cost,
  );
  add(
    'S3 requests',
    `${n(bill.s3.puts.quantity)} PUT, ${n(bill.s3.gets.quantity)} GET (auto-copy reads each file once)`,
    BILL_PRICES.ingest,
    bill.s3.cost,
  );
}

/** What the graph declares that bills by the month: keys, secrets, alarms, dashboards, Quick Suite seats. */
function addFixed(add: Add, run: MockRun, cfg: StackConfig): void {
  const P = BILL_PRICES;
  const count = (type: string) => ofType(run, type).length;
  const keys = count('aws:kms/key:Key');
  add('KMS keys', `${keys}`, P.kmsKeyMonth, keys * P.kmsKeyMonth.usd);
  const secrets = ofType(run, 'aws:redshiftserverless/namespace:Namespace').filter(
    (r) => r.inputs.manageAdminPassword,
  ).length;
  add('Secrets Manager: the admin password', `${secrets}`, P.secretMonth, secrets * P.secretMonth.usd);
  const alarms = count('aws:cloudwatch/metricAlarm:MetricAlarm');
  add('CloudWatch alarms', `${alarms}`, P.alarmMonth, alarms * P.alarmMonth.usd);
  const dashboards = count('aws:cloudwatch/dashboard:Dashboard');
  add('CloudWatch dashboard', `${dashboards}`, P.dashboardMonth, dashboards * P.dashboardMonth.usd);
  if (!cfg.dashboardEnabled) return;
  const authors = [cfg.quicksightPrincipalArn, cfg.quicksightEngineerArn].filter((a) => a !== '').length;
  const readers = [cfg.quicksightViewerArn].filter((a) => a !== '').length;
  add(
    'Quick Suite authors (one user per principal)',
    `${authors}`,
    P.quickProfessionalMonth,
    authors * P.quickProfessionalMonth.usd,
  );
  add(
    'Quick Suite readers (one user per principal)',
    `${readers}`,
    P.quickReaderMonth,
    readers * P.quickReaderMonth.usd,
  );
  // DIRECT_QUERY data sets (infra/dashboard.ts) query the views on every open: each view is a wake.
  const views = BILL_ASSUMPTIONS.dashboardViewsPerDay * 30;
  const rpuHours = (views * BILL_ASSUMPTIONS.minimumWakeSeconds * cfg.baseCapacity) / 3600;
  add(
    'Redshift compute: dashboard views (DIRECT_QUERY)',
    `${n(views)} views (assumed ${BILL_ASSUMPTIONS.dashboardViewsPerDay} a day), a 60 s wake each: ${n(rpuHours, 1)} RPU-h`,
    P.redshiftRpuHour,
    rpuHours * P.redshiftRpuHour.usd,
  );
}

/** The bill as a table, each line with its price and the day it was read. */
export function formatBill(bill: StackBill): string {
  const money = (x: number) => `$${n(usd(x), 2)}`;
  const out = [
    `Bill of stack ${bill.stack}, ${bill.month.label} (deployed ${isoSecond(bill.month.start)}; us-east-1 list prices):`,
    '',
    ...bill.schedules.map(
      (s) =>
        `  schedule ${s.name}: ${s.expression} ${s.startDate ?? 'from deploy'} .. ${s.endDate ?? 'no end'} ${s.state}: ${n(s.triggers.length)} triggers this month (${s.source})`,
    ),
    '',
  ];
  const rows = bill.lines.map((l) => [
    l.item,
    l.quantity,
    money(l.usd),
    Number.isNaN(l.price.usd)
      ? `${l.price.unit}, read ${l.price.readOn}`
      : `$${l.price.usd} per ${l.price.unit}, read ${l.price.readOn}`,
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) out.push(`  ${r[0].padEnd(widths[0])}  ${r[2].padStart(widths[2])}  ${r[1]}; ${r[3]}`);
  out.push(
    '',
    `  Total: ${money(bill.total)} (warehouse compute ${money(bill.warehouse.usd)}: ${n(bill.warehouse.billedSeconds / 3600, 1)} billed hours at ${bill.config.baseCapacity} RPU; ${n(bill.saleLines)} sale lines).`,
    `  Capped: maxCapacity ${bill.config.maxCapacity} RPU; usage limit ${bill.config.usageLimitRpuHours} RPU-hours ${bill.config.usageLimitPeriod}, on breach ${bill.config.usageLimitBreachAction}.`,
  );
  return out.join('\n');
}

/** The calendar's periods at the month's start (for the header of a bill without triggers). */
export function periodsAt(cfg: StackConfig, month: Month) {
  return calendarPeriods(calendarOf(cfg), month.start);
}

function overrideOf(pair: string, previous: Record<string, string>): Record<string, string> {
  const at = pair.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`must be key=value, got ${JSON.stringify(pair)}`);
  const key = pair.slice(0, at);
  return { ...previous, [key.includes(':') ? key : `bfstream:${key}`]: pair.slice(at + 1) };
}

/** Returns the exit code: 0 done, 2 bad flags or a bad stack. */
export async function main(
  argv: readonly string[],
  write: (s: string) => void = (s) => process.stdout.write(s),
  writeErr: (s: string) => void = (s) => process.stderr.write(s),
  now: Date = new Date(),
): Promise<number> {
  const program = new Command('npm run cost --')
    .description("A month's whole bill of a stack, from the graph its program declares.")
    .option('--stack <name>', `stack (${STACKS.join(', ')}); required unless --readme`, (v: string) => {
      if (!(STACKS as readonly string[]).includes(v))
        throw new InvalidArgumentError(`must be one of ${STACKS.join(', ')}, got ${JSON.stringify(v)}`);
      return v;
    })
    .option('--month <YYYY-MM>', 'the month to bill (default: this month)', monthOf)
    .option('--config <key=value>', 'override a config key (repeatable), e.g. scheduleEnabled=false', overrideOf, {})
    .option('--json', 'print the bill as JSON', false)
    .option('--readme', "rewrite the README's bill and sale-freshness blocks from the bills it shows", false)
    .exitOverride()
    .configureOutput({ writeOut: write, writeErr: () => undefined });
  const refused = parseFlags(program, argv, writeErr);
  if (refused !== undefined) return refused;
  const o = program.opts<{
    stack?: string;
    month?: Month;
    config: Record<string, string>;
    json: boolean;
    readme: boolean;
  }>();
  if (o.readme) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the README renderer imports this module
    const { writeReadmeBill } = require('./readmeBill') as typeof import('./readmeBill');
    await writeReadmeBill();
    write('README.md: the bill and the sale-freshness sentences rewritten\n');
    return 0;
  }
  if (!o.stack) {
    writeErr(`error: required option '--stack <name>' not specified (run with --help for all flags)\n`);
    return 2;
  }
  const month = o.month ?? monthOf(now.toISOString().slice(0, 7));
  let bill: StackBill;
  try {
    bill = await stackBill(o.stack, month, { overrides: o.config, benchDir: __dirname });
  } catch (error) {
    if (error instanceof Error && error.name.endsWith('ConfigError')) {
      writeErr(`error: ${error.message.split('\n').join(' ')}\n`);
      return 2;
    }
    throw error;
  }
  write((o.json ? JSON.stringify(bill, null, 2) : formatBill(bill)) + '\n');
  return 0;
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
