// The monthly AWS bill of the ingest path, from what a twin run counted.
// Pure: counted usage in, bill out. The twin counts every SQS and S3 request its
// SDK clients make (with SQS payload in 64 KiB billing units) and times every
// simulated Lambda invocation; this scales those counts per sale line to a stated
// Black Friday load and prices them with bench/cost/prices.ts.
import { LAMBDA_MAX_MEMORY_MB, LAMBDA_MIN_MEMORY_MB } from '../../kernel/awsLimits';
import { Problems } from '../../kernel/problems';
import type { TwinUsage } from '../../local/usage';
import { PRICES, type PriceTable } from './prices';

export interface BlackFridayLoad {
  /** Sale lines per second at the top of the day: sizes files per hour and concurrency. */
  peakSalesPerSecond: number;
  /** Sale lines per day: drives every request count. */
  salesPerDay: number;
  /** Days billed: a month at this load. */
  daysPerMonth: number;
}

/** The stated load: a month at the volume of Black Friday, 5,000 sale lines/s at the peak. */
export const BLACK_FRIDAY_LOAD: BlackFridayLoad = {
  peakSalesPerSecond: 5000,
  salesPerDay: 50_000_000,
  daysPerMonth: 30,
};

export type Architecture = 'x86_64' | 'arm64';

/** One twin run of one design: its output volume and what it counted. */
export interface DesignRun {
  design: string;
  /** Sale lines produced in the run (the unit the load is stated in). */
  saleLines: number;
  /** Inventory updates produced alongside (they ride the second queue). */
  inventoryUpdates: number;
  usage: Pick<TwinUsage, 'sqs' | 'lambda' | 's3' | 'filesPerHour'>;
  /** Configured memory of each function counted in usage.lambda, by the same name. */
  lambdaMemoryMb: Record<string, number>;
  architecture: Architecture;
}

/** SQS actions the pipeline makes in AWS. Others the twin counts (CreateQueue, GetQueueAttributes for its drain checks) are setup or instrumentation. */
export const BILLED_SQS_ACTIONS = [
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
] as const;
/** S3 actions the pipeline makes in AWS: consumers PUT files, auto-copy GETs each once. The twin's LIST, HEAD and CreateBucket stand in for the S3 event integration or are setup. */
export const BILLED_S3_PUT_ACTIONS = ['PutObject'] as const;
export const BILLED_S3_GET_ACTIONS = ['GetObject'] as const;

export interface ModelAssumptions {
  /**
   * Long polls the Lambda event source makes on an idle queue: pollers per queue,
   * each waiting up to 20 s. Billed whatever the load; the same for both designs.
   */
  idlePollersPerQueue: number;
  queues: number;
}

export const DEFAULT_ASSUMPTIONS: ModelAssumptions = { idlePollersPerQueue: 5, queues: 2 };

export interface LineItem {
  quantity: number;
  unit: string;
  cost: number;
}

export interface FunctionBill {
  invocations: number;
  memoryMb: number;
  /** Billed duration: each invocation rounded up to the next millisecond. */
  gbSeconds: number;
  requestCost: number;
  durationCost: number;
}

export interface MonthlyBill {
  design: string;
  load: BlackFridayLoad;
  architecture: Architecture;
  pricesTakenOn: string;
  monthlySaleLines: number;
  /** Month / run: every counted figure is multiplied by this. */
  scale: number;
  sqs: {
    /** API requests made (before 64 KiB chunking), by action. */
    requests: Record<string, number>;
    /** Billed requests (64 KiB chunks), by action. */
    billed: Record<string, number>;
    totalRequests: number;
    totalBilled: number;
    idlePollingRequests: number;
    cost: number;
  };
  lambda: { functions: Record<string, FunctionBill>; invocations: number; gbSeconds: number; cost: number };
  s3: { puts: LineItem; gets: LineItem; cost: number };
  /** Landing files written per hour at the peak rate (what auto-copy must load). */
  filesPerHourAtPeak: number;
  filesPerMonth: number;
  /** SQS + Lambda + S3 requests: everything between the schedule and the landing bucket. */
  ingestCost: number;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function checkDesignRun(run: DesignRun, problems: Problems): void {
  problems.check(run.saleLines > 0, () => `${run.design}: saleLines must be > 0, got ${run.saleLines}`);
  problems.check(
    run.inventoryUpdates >= 0,
    () => `${run.design}: inventoryUpdates must be >= 0, got ${run.inventoryUpdates}`,
  );
  for (const fn of Object.keys(run.usage.lambda)) {
    const mb = run.lambdaMemoryMb[fn];
    problems.check(
      Number.isInteger(mb) && mb >= LAMBDA_MIN_MEMORY_MB && mb <= LAMBDA_MAX_MEMORY_MB,
      () =>
        `${run.design}: memory of function ${fn} must be ${LAMBDA_MIN_MEMORY_MB}..${LAMBDA_MAX_MEMORY_MB} MB, got ${mb}`,
    );
  }
}

function checkLoad(load: BlackFridayLoad, problems: Problems): void {
  problems
    .check(load.peakSalesPerSecond > 0, () => `peakSalesPerSecond must be > 0, got ${load.peakSalesPerSecond}`)
    .check(load.salesPerDay > 0, () => `salesPerDay must be > 0, got ${load.salesPerDay}`)
    .check(
      load.daysPerMonth > 0 && load.daysPerMonth <= 31,
      () => `daysPerMonth must be in (0, 31], got ${load.daysPerMonth}`,
    )
    .check(
      !(load.peakSalesPerSecond * 86_400 < load.salesPerDay),
      () => `salesPerDay ${load.salesPerDay} exceeds the peak rate held all day (${load.peakSalesPerSecond * 86_400})`,
    );
}

/** The monthly bill of one design at `load`, scaled from its twin run. */
export function monthlyBill(
  run: DesignRun,
  load: BlackFridayLoad = BLACK_FRIDAY_LOAD,
  prices: PriceTable = PRICES,
  assumptions: ModelAssumptions = DEFAULT_ASSUMPTIONS,
): MonthlyBill {
  const problems = new Problems();
  checkLoad(load, problems);
  checkDesignRun(run, problems);
  problems.throwIfAny('cost model');
  const monthlySaleLines = load.salesPerDay * load.daysPerMonth;
  const scale = monthlySaleLines / run.saleLines;

  const requests: Record<string, number> = {};
  const billed: Record<string, number> = {};
  for (const action of BILLED_SQS_ACTIONS) {
    const counted = run.usage.sqs[action];
    if (!counted) continue;
    requests[action] = counted.requests * scale;
    billed[action] = counted.billingUnits * scale;
  }
  const monthSeconds = load.daysPerMonth * 86_400;
  const idlePollingRequests = assumptions.queues * assumptions.idlePollersPerQueue * (monthSeconds / 20);
  const totalRequests = sum(Object.values(requests)) + idlePollingRequests;
  const totalBilled = sum(Object.values(billed)) + idlePollingRequests;
  const sqsCost = (totalBilled / 1e6) * prices.sqs.standardPerMillionRequests;

  const functions: Record<string, FunctionBill> = {};
  for (const [fn, counted] of Object.entries(run.usage.lambda)) {
    const memoryMb = run.lambdaMemoryMb[fn];
    const invocations = counted.invocations * scale;
    const billedMsPerInvocation = counted.invocations > 0 ? Math.ceil(counted.durationMs / counted.invocations) : 0;
    const gbSeconds = invocations * (billedMsPerInvocation / 1000) * (memoryMb / 1024);
    functions[fn] = {
      invocations,
      memoryMb,
      gbSeconds,
      requestCost: (invocations / 1e6) * prices.lambda.perMillionRequests,
      durationCost: gbSeconds * prices.lambda.perGbSecond[run.architecture],
    };
  }
  const lambdaCost = sum(Object.values(functions).map((f) => f.requestCost + f.durationCost));

  const count = (actions: readonly string[]) => sum(actions.map((a) => run.usage.s3[a] ?? 0)) * scale;
  const putCount = count(BILLED_S3_PUT_ACTIONS);
  const getCount = count(BILLED_S3_GET_ACTIONS);
  const puts: LineItem = {
    quantity: putCount,
    unit: 'PUT',
    cost: (putCount / 1000) * prices.s3.putCopyPostListPer1000,
  };
  const gets: LineItem = { quantity: getCount, unit: 'GET', cost: (getCount / 1000) * prices.s3.getPer1000 };

  const filesInRun = sum(Object.values(run.usage.filesPerHour));
  const filesPerSaleLine = filesInRun / run.saleLines;

  return {
    design: run.design,
    load,
    architecture: run.architecture,
    pricesTakenOn: prices.takenOn,
    monthlySaleLines,
    scale,
    sqs: { requests, billed, totalRequests, totalBilled, idlePollingRequests, cost: sqsCost },
    lambda: {
      functions,
      invocations: sum(Object.values(functions).map((f) => f.invocations)),
      gbSeconds: sum(Object.values(functions).map((f) => f.gbSeconds)),
      cost: lambdaCost,
    },
    s3: { puts, gets, cost: puts.cost + gets.cost },
    filesPerHourAtPeak: filesPerSaleLine * load.peakSalesPerSecond * 3600,
    filesPerMonth: filesPerSaleLine * monthlySaleLines,
    ingestCost: sqsCost + lambdaCost + puts.cost + gets.cost,
  };
}

export interface DesignComparison {
  ours: MonthlyBill;
  original: MonthlyBill;
  /** Original's billed SQS requests / ours (higher is better for ours). */
  sqsRequestsRatio: number;
  /** Original's ingest cost / ours. */
  ingestCostRatio: number;
  /** Original's files per hour / ours. */
  filesRatio: number;
}

/** Both designs at the same load, and how many times cheaper ours is. */
export function compareDesigns(
  ours: DesignRun,
  original: DesignRun,
  load: BlackFridayLoad = BLACK_FRIDAY_LOAD,
  prices: PriceTable = PRICES,
  assumptions: ModelAssumptions = DEFAULT_ASSUMPTIONS,
): DesignComparison {
  const a = monthlyBill(ours, load, prices, assumptions);
  const b = monthlyBill(original, load, prices, assumptions);
  return {
    ours: a,
    original: b,
    sqsRequestsRatio: b.sqs.totalBilled / a.sqs.totalBilled,
    ingestCostRatio: b.ingestCost / a.ingestCost,
    filesRatio: b.filesPerMonth / a.filesPerMonth,
  };
}
