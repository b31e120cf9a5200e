// At what peak does a stack fall behind, and which part gives first? A hop-by-hop
// model over the stack config and per-invocation costs measured in the twin
// (measured by `npm run bench -- --only freshness`, reviewed into infra/capacityCosts.json). Pure:
// the costs come in as an argument; measuredCosts() gives the reviewed ones.
import { LAMBDA_MAX_MEMORY_MB, LAMBDA_MAX_TIMEOUT_SECONDS } from '../kernel/awsLimits';
import { perStream, streamNames, streamTotal, type StreamName } from '../kernel/contracts';
import { Problems } from '../kernel/problems';
import reviewedCosts from './capacityCosts.json';

/**
 * What the capacity model reads of a stack's config: infra/config.ts's StackConfig has every
 * field (the config imports the model for its guard, so the model names only what it reads).
 */
export interface CapacityConfig {
  schedule: string;
  windowMinutes: number;
  peakLinesPerMinute: number;
  eventsPerMessage: number | 'fill';
  producerMemoryMb: number;
  producerTimeoutSeconds: number;
  consumerMemoryMb: number;
  consumerTimeoutSeconds: number;
  batchSize: number;
  maxConcurrency: number;
  baseCapacity: number;
  maxCapacity: number;
}

/** Per-invocation costs measured in the twin, on one core of the bench machine. */
export interface CapacityCosts {
  producerMsPerSaleLine: number;
  consumerMsPerEvent: Record<StreamName, number>;
  /** Consumer time per message on top of its events (receive, delete, the S3 put of its file). */
  consumerMsPerMessage: Record<StreamName, number>;
  /** Events per SQS message when the producer fills messages ('fill'). */
  eventsPerMessage: Record<StreamName, number>;
  /** Events of each stream per sale line, the model's unit: 1 for sales by definition, measured for the others. */
  eventsPerSaleLine: Record<StreamName, number>;
  filesPerMessage: number;
  producerHeapBytesPerSaleLine: number;
  /** When and where they were measured, for the printout. */
  measuredAt?: string;
  /** Streams the reviewed file has no figures for, costed by the conservative stand-ins (completeCosts). */
  unmeasured?: StreamName[];
}

/** AWS figures (with their source) and our own safety margins. */
export const CAPACITY_LIMITS = {
  // "At 1,769 MB, a function has the equivalent of one vCPU (one vCPU-second of credits per
  // second)": https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html. Below it a
  // function gets that share of a vCPU; our handlers run on one thread, so more memory adds no speed.
  memoryMbPerVcpu: 1769,
  // "For most standard queues ... approximately 120,000 in flight messages":
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html
  sqsInFlightPerQueue: 120_000,
  // Concurrent executions, default quota 1,000 per Region: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
  lambdaAccountConcurrency: 1000,
  // MaximumConcurrency 2..1000: https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html
  maxConcurrencyPerMapping: 1000,
  /** Ours: a producer run may take at most this share of its timeout (retries and slow calls need the rest). */
  producerTimeoutShare: 0.5,
  /** Ours: a window's events may take at most this share of the producer's memory (the runtime, SDK and packed bodies need the rest). */
  producerMemoryShare: 0.5,
  /** Ours: consumers may be busy at most this share of the time at the sustained peak (redeliveries, cold starts). */
  consumerBusyShare: 1,
  // The warehouse hop. AWS publishes no load rate per RPU; it documents only that one RPU has 16 GB
  // of memory (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html) and that
  // COPY loads files in parallel across slices. ASSUMPTION, ours, not measured here (the twin loads
  // into PGlite): an RPU loads at least 1,000 rows a second of small gzip CSV files through auto-copy,
  // with the auto-refresh of the views included. Check it against SYS_LOAD_HISTORY in the first sale.
  warehouseRowsPerSecondPerRpu: 1000,
  /** Base capacities Redshift Serverless offers at the low end; 4 only in some Regions. */
  smallestBaseRpu: 8,
} as const;

/** A function at `memoryMb` runs CPU-bound work this many times slower than one full vCPU (1 core of the bench machine, assumed equal). */
export function cpuSlowdown(memoryMb: number): number {
  return CAPACITY_LIMITS.memoryMbPerVcpu / Math.min(memoryMb, CAPACITY_LIMITS.memoryMbPerVcpu);
}

export interface HopCapacity {
  hop: string;
  /** Largest sustained peak this hop holds, sale lines per minute; Infinity when AWS documents no bound. */
  maxPeak: number;
  /** What binds it, in words. */
  limit: string;
  /** Figures at the configured peak. */
  atPeak: string;
}

export interface CapacityReport {
  peak: number;
  windowMinutes: number;
  hops: HopCapacity[];
  /** The hop with the smallest maxPeak. */
  first: HopCapacity;
  /** first.maxPeak / peak. */
  headroom: number;
  /** Quotas the config exceeds whatever the peak (in-flight messages, account concurrency), by the key to change. */
  problems: { key: keyof CapacityConfig; message: string }[];
  /** Risks the model sees but the config guard leaves to people: a full consumer batch near its timeout. */
  warnings: { key: keyof CapacityConfig; message: string }[];
}

const eventsPerMessage = (
  config: Pick<CapacityConfig, 'eventsPerMessage'>,
  costs: CapacityCosts,
  stream: StreamName,
) => (config.eventsPerMessage === 'fill' ? costs.eventsPerMessage[stream] : config.eventsPerMessage);
const streamEventsPerLine = (costs: CapacityCosts, stream: StreamName) => costs.eventsPerSaleLine[stream];
/** The stream whose events are the model's unit, the sale line: one event per line, never measured. */
const UNIT_STREAM: StreamName = 'sales';
const fmt = (x: number) => (Number.isFinite(x) ? Math.floor(x).toLocaleString('en-US') : 'no bound');

/** Producer run time (s) for one window at `peak` sale lines per minute (the whole window at the peak). */
export function producerSeconds(
  config: Pick<CapacityConfig, 'windowMinutes' | 'producerMemoryMb'>,
  costs: CapacityCosts,
  peak: number,
): number {
  return (peak * config.windowMinutes * costs.producerMsPerSaleLine * cpuSlowdown(config.producerMemoryMb)) / 1000;
}

/** Events per second one stream's consumers drain at full concurrency. */
export function consumerEventsPerSecond(
  config: Pick<CapacityConfig, 'consumerMemoryMb' | 'maxConcurrency' | 'eventsPerMessage'>,
  costs: CapacityCosts,
  stream: StreamName,
): number {
  const msPerEvent =
    costs.consumerMsPerEvent[stream] + costs.consumerMsPerMessage[stream] / eventsPerMessage(config, costs, stream);
  return (
    (config.maxConcurrency * CAPACITY_LIMITS.consumerBusyShare * 1000) /
    (msPerEvent * cpuSlowdown(config.consumerMemoryMb))
  );
}

export function modelCapacity(config: CapacityConfig, costs: CapacityCosts): CapacityReport {
  const L = CAPACITY_LIMITS;
  const peak = config.peakLinesPerMinute;
  const W = config.windowMinutes;
  const hops: HopCapacity[] = [];
  const problems: CapacityReport['problems'] = [];
  const warnings: CapacityReport['warnings'] = [];

  const perLineSeconds = producerSeconds(config, costs, 1);
  const budget = config.producerTimeoutSeconds * L.producerTimeoutShare;
  hops.push({
    hop: 'producer run time',
    maxPeak: budget / perLineSeconds,
    limit: `${L.producerTimeoutShare * 100}% of producerTimeoutSeconds ${config.producerTimeoutSeconds} s, at ${config.producerMemoryMb} MB (${(1 / cpuSlowdown(config.producerMemoryMb)).toFixed(2)} vCPU)`,
    atPeak: `${(perLineSeconds * peak).toFixed(1)} s a ${W}-minute window`,
  });
  const heapPerLine = W * costs.producerHeapBytesPerSaleLine;
  const heapBudget = config.producerMemoryMb * 2 ** 20 * L.producerMemoryShare;
  hops.push({
    hop: 'producer memory',
    maxPeak: heapBudget / heapPerLine,
    limit: `${L.producerMemoryShare * 100}% of producerMemoryMb ${config.producerMemoryMb} MB for a window's events`,
    atPeak: `${((heapPerLine * peak) / 2 ** 20).toFixed(0)} MB of events a window`,
  });
  for (const stream of streamNames) {
    const drain = consumerEventsPerSecond(config, costs, stream);
    const needed = (peak * streamEventsPerLine(costs, stream)) / 60;
    hops.push({
      hop: `${stream} consumers`,
      maxPeak: (drain * 60) / streamEventsPerLine(costs, stream),
      limit: `maxConcurrency ${config.maxConcurrency} at ${config.consumerMemoryMb} MB (${(1 / cpuSlowdown(config.consumerMemoryMb)).toFixed(2)} vCPU), ${fmt(drain)} events/s`,
      atPeak: `${fmt(needed)} events/s, ${((needed / drain) * 100).toFixed(1)}% busy`,
    });
    const batchSeconds =
      (config.batchSize *
        (eventsPerMessage(config, costs, stream) * costs.consumerMsPerEvent[stream] +
          costs.consumerMsPerMessage[stream]) *
        cpuSlowdown(config.consumerMemoryMb)) /
      1000;
    if (batchSeconds > config.consumerTimeoutSeconds * 0.5) {
      warnings.push({
        key: 'batchSize',
        message: `a full ${stream} batch (${config.batchSize} messages) takes about ${batchSeconds.toFixed(1)} s, over half of consumerTimeoutSeconds (${config.consumerTimeoutSeconds} s)`,
      });
    }
  }
  const inFlight = config.maxConcurrency * config.batchSize;
  hops.push({
    hop: 'SQS',
    maxPeak: Infinity,
    limit: 'standard queues: nearly unlimited API calls per second (AWS documents no bound)',
    atPeak: `at most ${fmt(inFlight)} of ~${fmt(L.sqsInFlightPerQueue)} messages in flight per queue`,
  });
  if (inFlight > L.sqsInFlightPerQueue)
    problems.push({
      key: 'batchSize',
      message: `maxConcurrency x batchSize = ${inFlight} messages in flight exceeds the ~${L.sqsInFlightPerQueue} SQS allows a standard queue`,
    });
  const functionsAtOnce = streamNames.length * config.maxConcurrency + 1;
  if (functionsAtOnce > L.lambdaAccountConcurrency)
    problems.push({
      key: 'maxConcurrency',
      message: `${consumersInWords()} at maxConcurrency ${config.maxConcurrency} plus the producer need ${functionsAtOnce} concurrent executions, over the default account quota of ${L.lambdaAccountConcurrency}`,
    });
  // Each window ends its stream with a message of its own, so short windows mean more (smaller) files.
  const messagesPerWindow = streamNames.reduce(
    (n, st) =>
      n + Math.max(1, Math.ceil((peak * W * streamEventsPerLine(costs, st)) / eventsPerMessage(config, costs, st))),
    0,
  );
  hops.push({
    hop: 'S3 event integration + COPY JOB',
    maxPeak: Infinity,
    limit: 'AWS documents no throughput bound for auto-copy; it batches files per COPY itself',
    atPeak: `${fmt((60 / W) * messagesPerWindow * costs.filesPerMessage)} files an hour`,
  });
  hops.push(warehouseHop(config, costs));
  const first = hops.reduce((a, b) => (b.maxPeak < a.maxPeak ? b : a));
  return { peak, windowMinutes: W, hops, first, headroom: first.maxPeak / peak, problems, warnings };
}

/** `two consumers`: one per stream. */
const consumersInWords = () =>
  `${['no', 'one', 'two', 'three', 'four'][streamNames.length] ?? streamNames.length} consumers`;

/** Warehouse rows (every stream's events) per sale line. */
const rowsPerSaleLine = (costs: CapacityCosts) => streamTotal(costs.eventsPerSaleLine);

/** The warehouse's load rate at its base RPUs (the assumption in CAPACITY_LIMITS). */
function warehouseHop(config: CapacityConfig, costs: CapacityCosts): HopCapacity {
  const rowsPerSecond = config.baseCapacity * CAPACITY_LIMITS.warehouseRowsPerSecondPerRpu;
  const needed = (config.peakLinesPerMinute * rowsPerSaleLine(costs)) / 60;
  return {
    hop: 'warehouse load (base RPUs)',
    maxPeak: (rowsPerSecond * 60) / rowsPerSaleLine(costs),
    limit: `baseCapacity ${config.baseCapacity} RPU x ${fmt(CAPACITY_LIMITS.warehouseRowsPerSecondPerRpu)} rows/s per RPU (assumed: AWS publishes no load rate)`,
    atPeak: `${fmt(needed)} rows/s, ${((needed / rowsPerSecond) * 100).toFixed(1)}% of the base`,
  };
}

/** The smallest base capacity (8, or 4 where `fourOffered`) that loads `target` sale lines a minute. */
export function baseCapacityFor(target: number, costs: CapacityCosts, fourOffered = false): number {
  const rows = (target * rowsPerSaleLine(costs)) / 60;
  const rpu = Math.ceil(rows / CAPACITY_LIMITS.warehouseRowsPerSecondPerRpu);
  if (fourOffered && rpu <= 4) return 4;
  return Math.max(CAPACITY_LIMITS.smallestBaseRpu, Math.ceil(rpu / 8) * 8);
}

export interface ConfigChange {
  key: keyof CapacityConfig;
  from: string | number;
  to: string | number;
  why: string;
}

/** The changes found so far, what no change can reach, and the config with the changes applied. */
interface Plan {
  readonly costs: CapacityCosts;
  readonly target: number;
  readonly next: CapacityConfig;
  readonly changes: ConfigChange[];
  readonly unreachable: string[];
}

/** Applies one change to the planned config and records it. */
function change<K extends 'producerMemoryMb' | 'producerTimeoutSeconds' | 'consumerMemoryMb'>(
  plan: Plan,
  key: K,
  to: CapacityConfig[K],
  why: string,
): void {
  plan.changes.push({ key, from: plan.next[key], to, why });
  plan.next[key] = to;
}

/** The config changes that let the stack hold `target` sale lines per minute (empty when it already does). */
export function changesToHold(
  config: CapacityConfig,
  costs: CapacityCosts,
  target: number,
): { changes: ConfigChange[]; unreachable: string[] } {
  const plan: Plan = { costs, target, next: { ...config, peakLinesPerMinute: target }, changes: [], unreachable: [] };
  holdProducerTime(plan);
  holdProducerMemory(plan);
  holdConsumers(plan);
  holdWarehouse(plan);
  return { changes: plan.changes, unreachable: plan.unreachable };
}

/** The warehouse: the base RPUs that load the target (the model's assumed rate). */
function holdWarehouse(plan: Plan): void {
  const base = baseCapacityFor(plan.target, plan.costs, plan.next.baseCapacity === 4);
  if (base > plan.next.baseCapacity) {
    plan.changes.push({
      key: 'baseCapacity',
      from: plan.next.baseCapacity,
      to: base,
      why: 'the warehouse loads the peak',
    });
    if (plan.next.maxCapacity < base)
      plan.changes.push({ key: 'maxCapacity', from: plan.next.maxCapacity, to: base, why: 'at least the base' });
  }
}

/** Producer time: a full vCPU first, then a longer timeout, then a shorter window. */
function holdProducerTime(plan: Plan): void {
  const L = CAPACITY_LIMITS;
  const { next, costs, target } = plan;
  const budget = () => next.producerTimeoutSeconds * L.producerTimeoutShare;
  if (producerSeconds(next, costs, target) > budget() && next.producerMemoryMb < L.memoryMbPerVcpu)
    change(plan, 'producerMemoryMb', L.memoryMbPerVcpu, 'a full vCPU');
  const seconds = producerSeconds(next, costs, target);
  if (seconds <= budget()) return;
  const timeout = Math.ceil(seconds / L.producerTimeoutShare / 10) * 10;
  if (timeout <= LAMBDA_MAX_TIMEOUT_SECONDS) {
    change(plan, 'producerTimeoutSeconds', timeout, `a window takes about ${seconds.toFixed(0)} s`);
    return;
  }
  const minutes = Math.floor(
    (LAMBDA_MAX_TIMEOUT_SECONDS * L.producerTimeoutShare) /
      producerSeconds({ ...next, windowMinutes: 1 }, costs, target),
  );
  if (minutes < 1) {
    plan.unreachable.push(
      `the producer cannot generate a 1-minute window of ${target} sale lines in ${LAMBDA_MAX_TIMEOUT_SECONDS * L.producerTimeoutShare} s`,
    );
    return;
  }
  const schedule = `rate(${minutes} minute${minutes === 1 ? '' : 's'})`;
  plan.changes.push({ key: 'schedule', from: next.schedule, to: schedule, why: 'fewer sale lines per run' });
  next.windowMinutes = minutes;
  next.schedule = schedule;
  change(plan, 'producerTimeoutSeconds', LAMBDA_MAX_TIMEOUT_SECONDS, 'the longest Lambda allows');
}

/** Producer memory: enough for a window's events. */
function holdProducerMemory(plan: Plan): void {
  const { next, costs, target } = plan;
  const memory =
    Math.ceil(
      (target * next.windowMinutes * costs.producerHeapBytesPerSaleLine) /
        CAPACITY_LIMITS.producerMemoryShare /
        2 ** 20 /
        64,
    ) * 64;
  if (memory <= next.producerMemoryMb) return;
  if (memory <= LAMBDA_MAX_MEMORY_MB) change(plan, 'producerMemoryMb', memory, "room for a window's events");
  else
    plan.unreachable.push(
      `a window of ${target * next.windowMinutes} sale lines needs ${memory} MB, over Lambda's ${LAMBDA_MAX_MEMORY_MB} MB: shorten the schedule`,
    );
}

/** Consumers: a full vCPU each, then concurrency. */
function holdConsumers(plan: Plan): void {
  const L = CAPACITY_LIMITS;
  const { next, costs, target } = plan;
  const concurrencyFor = (c: CapacityConfig) =>
    Math.max(
      ...streamNames.map((st) =>
        Math.ceil(
          (target * streamEventsPerLine(costs, st)) /
            60 /
            consumerEventsPerSecond({ ...c, maxConcurrency: 1 }, costs, st),
        ),
      ),
    );
  let concurrency = concurrencyFor(next);
  if (
    concurrency > next.maxConcurrency &&
    next.consumerMemoryMb < L.memoryMbPerVcpu &&
    concurrency > 2 * next.maxConcurrency
  ) {
    change(plan, 'consumerMemoryMb', L.memoryMbPerVcpu, 'a full vCPU per consumer');
    concurrency = concurrencyFor(next);
  }
  if (concurrency <= next.maxConcurrency) return;
  const cap = Math.min(L.maxConcurrencyPerMapping, Math.floor((L.lambdaAccountConcurrency - 1) / streamNames.length));
  if (concurrency <= cap)
    plan.changes.push({
      key: 'maxConcurrency',
      from: next.maxConcurrency,
      to: concurrency,
      why: 'consumers drain the peak',
    });
  else
    plan.unreachable.push(
      `consumers need maxConcurrency ${concurrency}, over ${cap} (the default account quota of ${L.lambdaAccountConcurrency} shared by ${consumersInWords()}): ask AWS for a higher quota`,
    );
}

/** The costs in bench/results.json (capacity.* metrics), or the names of those missing (a stream without figures is costed as completeCosts says). */
export function costsFromResults(
  results: Record<string, { value: number; at?: string }>,
): CapacityCosts | { missing: string[] } {
  const names = {
    producer: 'capacity.producer_ms_per_1k_sale_lines',
    consumerPer1k: perStream((s) => `capacity.${s}_consumer_ms_per_1k_events`),
    consumerPerMessage: perStream((s) => `capacity.${s}_consumer_ms_per_message`),
    eventsPerMessage: perStream((s) => `capacity.${s}_events_per_message`),
    perSaleLine: otherStreams((s) => `capacity.${s}_per_sale_line`),
    files: 'capacity.files_per_message',
    heap: 'capacity.producer_heap_bytes_per_sale_line',
  };
  const has = (n: string | undefined) => n !== undefined && typeof results[n]?.value === 'number';
  const v = (n: string) => results[n].value;
  // A stream the results have no figures for (added since the last bench run) takes completeCosts's
  // stand-ins; a figure that no stream has is missing.
  const missing = [
    ...[names.producer, names.files, names.heap].filter((n) => !has(n)),
    ...[names.consumerPer1k, names.consumerPerMessage, names.eventsPerMessage].flatMap((byStream) =>
      streamNames.some((s) => has(byStream[s])) ? [] : Object.values(byStream),
    ),
  ];
  if (missing.length > 0) return { missing };
  const measured = (byStream: Partial<Record<StreamName, string>>, scale: (x: number) => number = (x) => x) =>
    Object.fromEntries(streamNames.filter((s) => has(byStream[s])).map((s) => [s, scale(v(byStream[s]!))]));
  return completeCosts({
    producerMsPerSaleLine: v(names.producer) / 1000,
    consumerMsPerEvent: measured(names.consumerPer1k, (x) => x / 1000),
    consumerMsPerMessage: measured(names.consumerPerMessage),
    eventsPerMessage: measured(names.eventsPerMessage),
    eventsPerSaleLine: { [UNIT_STREAM]: 1, ...measured(names.perSaleLine) },
    filesPerMessage: v(names.files),
    producerHeapBytesPerSaleLine: v(names.heap),
    measuredAt: results[names.producer].at,
  });
}

/** The figures measured per stream (the rest are per sale line or per message, whatever the stream). */
const PER_STREAM_FIGURES = [
  'consumerMsPerEvent',
  'consumerMsPerMessage',
  'eventsPerMessage',
  'eventsPerSaleLine',
] as const;
type PerStreamFigure = (typeof PER_STREAM_FIGURES)[number];

/** What infra/capacityCosts.json holds: a stream added since the last review may have no figures yet. */
export type ReviewedCosts = Omit<CapacityCosts, PerStreamFigure | 'unmeasured'> & {
  [K in PerStreamFigure]: Readonly<Partial<Record<string, number>>>;
};

/**
 * Which measured figure stands in for a stream that has none, each the costliest for the model:
 * the slowest consumer per event and per message, the fewest events per message (more messages,
 * more per-message time, more files), and the most events per sale line (more consumer work and
 * warehouse rows per line). So a new stream is costed no cheaper than the costliest measured one
 * until the bench measures it.
 */
const CONSERVATIVE: Record<PerStreamFigure, (measured: number[]) => number> = {
  consumerMsPerEvent: (m) => Math.max(...m),
  consumerMsPerMessage: (m) => Math.max(...m),
  eventsPerMessage: (m) => Math.min(...m),
  eventsPerSaleLine: (m) => Math.max(...m),
};

/**
 * The reviewed costs with every stream's figures: a stream the file has no figure for takes the
 * conservative stand-in (CONSERVATIVE) and is named in `unmeasured`. A figure for a stream that
 * does not exist is an error (a misspelt stream would otherwise be costed by the stand-in).
 */
export function completeCosts(reviewed: ReviewedCosts): CapacityCosts {
  const problems = new Problems();
  const unmeasured = new Set<StreamName>();
  const figures = Object.fromEntries(
    PER_STREAM_FIGURES.map((figure) => {
      const given = reviewed[figure] ?? {};
      for (const name of Object.keys(given))
        problems.check(streamNames.includes(name as StreamName), `${figure}.${name} names no stream`);
      const measured = streamNames.map((s) => given[s]).filter((v): v is number => typeof v === 'number');
      problems.check(measured.length > 0, `${figure} has no measured stream`);
      const standIn = CONSERVATIVE[figure](measured);
      return [
        figure,
        perStream((s) => {
          if (typeof given[s] === 'number') return given[s];
          unmeasured.add(s);
          return s === UNIT_STREAM && figure === 'eventsPerSaleLine' ? 1 : standIn;
        }),
      ];
    }),
  ) as Pick<CapacityCosts, PerStreamFigure>;
  if (!problems.empty)
    throw new Error(
      `infra/capacityCosts.json: ${problems.all.join('; ')}: measure them (npm run bench -- --only freshness) and review the proposal into it`,
    );
  return { ...reviewed, ...figures, ...(unmeasured.size > 0 ? { unmeasured: [...unmeasured] } : {}) };
}

/** The inverse of completeCosts: the figures as measured, without the stand-ins of `unmeasured` streams. */
export function measuredOnly(costs: CapacityCosts): ReviewedCosts {
  const { unmeasured = [], ...rest } = costs;
  const keep = (byStream: Readonly<Record<string, number>>) =>
    Object.fromEntries(Object.entries(byStream).filter(([s]) => !unmeasured.includes(s as StreamName)));
  return { ...rest, ...Object.fromEntries(PER_STREAM_FIGURES.map((figure) => [figure, keep(costs[figure])])) };
}

/**
 * The measured costs the model and the config's capacity guard use: a reviewed input the program
 * owns (infra/capacityCosts.json). The bench measures them and proposes a new file (`npm run bench`
 * prints the proposal when its measurement differs, or when a stream has no figures in the file;
 * bench/capacityProposal.ts); a person commits it. `pulumi up` reads nothing the bench writes.
 * A stream without figures is costed conservatively (completeCosts).
 */
export function measuredCosts(): CapacityCosts {
  const { source: _source, ...costs } = reviewedCosts as ReviewedCosts & { source: string };
  return completeCosts(costs);
}

/** One value per stream besides the unit stream (sales), whose figures per sale line need no measuring. */
function otherStreams<T>(make: (stream: StreamName) => T): Partial<Record<StreamName, T>> {
  return Object.fromEntries(streamNames.filter((s) => s !== UNIT_STREAM).map((s) => [s, make(s)]));
}
