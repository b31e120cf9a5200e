// How old is what the dashboard shows, in AWS? A hop-by-hop budget per stack: each hop's
// p50 and worst case (no faults), with its source: the design, a measurement here, or
// AWS documentation. Where AWS documents no bound the hop says so and stays out of the
// sums, which are then lower bounds. Pure: config and measured costs in, rows out.
import { cpuSlowdown, producerSeconds, type CapacityCosts } from '../infra/capacity';
import type { StackConfig } from '../infra/config';
import { streamNames, type StreamName } from '../kernel/contracts';

export interface BudgetHop {
  hop: string;
  /** Seconds; undefined where AWS documents no bound. */
  p50?: number;
  worst?: number;
  source: string;
}

export interface FreshnessBudget {
  hops: BudgetHop[];
  sumP50: number;
  sumWorst: number;
  /** The hop with the largest worst case. */
  dominant: string;
  /** Hops with no documented bound, left out of the sums. */
  unbounded: string[];
}

export const BUDGET_SOURCES = {
  window: 'functions/producer.ts resolveWindow: a run covers the window that ends at its scheduled time',
  scheduler:
    'infra/schedule.ts sets flexibleTimeWindow OFF: EventBridge Scheduler invokes at the scheduled time (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-flexible-time-windows.html); AWS documents no delivery latency',
  batching:
    'Lambda buffers records until MaximumBatchingWindowInSeconds (0-300 s) expires or BatchSize is met, up to the 6 MB payload limit (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/lambda/aws.sdk.kotlin.services.lambda.model/-get-event-source-mapping-response/maximum-batching-window-in-seconds.html, .../batch-size.html)',
  autoCopy:
    'COPY JOB: "detects when new Amazon S3 files are created ... and then loads them automatically"; Redshift "determines the number of files batched together per COPY command" (https://docs.aws.amazon.com/redshift/latest/dg/loading-data-copy-job.html): no latency bound documented',
  autoRefresh:
    'AUTO REFRESH: "as soon as possible after a base table changes", and Redshift "prioritizes your workloads over autorefresh and might stop autorefresh" (https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-refresh.html): no bound documented',
} as const;

/** Messages one window sends on a stream at the peak. */
function messagesPerWindow(config: StackConfig, costs: CapacityCosts, stream: StreamName): number {
  const lines = config.peakLinesPerMinute * config.windowMinutes;
  const events = lines * costs.eventsPerSaleLine[stream];
  const perMessage = config.eventsPerMessage === 'fill' ? costs.eventsPerMessage[stream] : config.eventsPerMessage;
  return Math.max(1, Math.ceil(events / perMessage));
}

export function freshnessBudget(config: StackConfig, costs: CapacityCosts): FreshnessBudget {
  const window = config.windowMinutes * 60;
  const produce = producerSeconds(config, costs, config.peakLinesPerMinute);
  // The longest stream decides: its messages land in one batch (up to batchSize) that waits for the batching window when not full.
  const messages = Math.max(...streamNames.map((stream) => messagesPerWindow(config, costs, stream)));
  const batchFull = messages >= config.batchSize;
  const batching = batchFull ? 0 : config.batchWindowSeconds;
  const perMessage = (stream: StreamName) =>
    (((config.eventsPerMessage === 'fill' ? costs.eventsPerMessage[stream] : config.eventsPerMessage) *
      costs.consumerMsPerEvent[stream] +
      costs.consumerMsPerMessage[stream]) *
      cpuSlowdown(config.consumerMemoryMb)) /
    1000;
  const slowest = Math.max(...streamNames.map(perMessage));
  const batch = Math.min(messages, config.batchSize);
  const hops: BudgetHop[] = [
    {
      hop: `window (${config.schedule}): an event waits for its window to end`,
      p50: window / 2,
      worst: window,
      source: BUDGET_SOURCES.window,
    },
    { hop: 'EventBridge Scheduler delivery', source: BUDGET_SOURCES.scheduler },
    {
      hop: `producer run at the peak (${(config.peakLinesPerMinute * config.windowMinutes).toLocaleString('en-US')} sale lines, ${config.producerMemoryMb} MB)`,
      p50: produce / 2,
      worst: produce,
      source: `measured: capacity.producer_ms_per_1k_sale_lines, x ${cpuSlowdown(config.producerMemoryMb).toFixed(2)} for ${config.producerMemoryMb} MB (1,769 MB = 1 vCPU); messages leave while the rest is packed, so a chunk waits half the run at p50`,
    },
    {
      hop: `SQS + batching window (${messages} message(s) a stream per window, batch size ${config.batchSize})`,
      p50: batching,
      worst: batching,
      source: `${batchFull ? 'a window fills a batch, so no wait' : `a window's messages do not fill a batch: it waits batchWindowSeconds ${config.batchWindowSeconds} s`}. ${BUDGET_SOURCES.batching}. SQS delivery itself: no latency documented`,
    },
    {
      hop: `consumer (${batch} message(s) a batch, ${config.consumerMemoryMb} MB)`,
      p50: (slowest * (batch + 1)) / 2,
      worst: slowest * batch,
      source: `measured: capacity.*_consumer_ms_per_1k_events and *_ms_per_message, x ${cpuSlowdown(config.consumerMemoryMb).toFixed(2)} for ${config.consumerMemoryMb} MB; records run one after another, so a chunk waits for those before it`,
    },
    { hop: 'S3 event integration + COPY JOB', source: BUDGET_SOURCES.autoCopy },
    { hop: 'materialized view auto refresh', source: BUDGET_SOURCES.autoRefresh },
  ];
  const bounded = hops.filter((h) => h.worst !== undefined);
  return {
    hops,
    sumP50: bounded.reduce((s, h) => s + h.p50!, 0),
    sumWorst: bounded.reduce((s, h) => s + h.worst!, 0),
    dominant: bounded.reduce((a, b) => (b.worst! > a.worst! ? b : a)).hop,
    unbounded: hops.filter((h) => h.worst === undefined).map((h) => h.hop),
  };
}

const secs = (s: number | undefined) =>
  s === undefined ? 'no documented bound' : s >= 100 ? `${Math.round(s)} s` : `${s.toFixed(1)} s`;

export function budgetTable(stack: string, budget: FreshnessBudget): string {
  const rows = budget.hops.map(
    (h) => `| ${h.hop} | ${secs(h.p50)} | ${secs(h.worst)} | ${h.source.replace(/\|/g, '\\|')} |`,
  );
  return [
    `| ${stack}: hop | p50 | worst case (no faults) | source |`,
    '|---|---:|---:|---|',
    ...rows,
    `| **sum of the bounded hops** | **${secs(budget.sumP50)}** | **${secs(budget.sumWorst)}** | plus ${budget.unbounded.join(', ')}: AWS documents no bound |`,
  ].join('\n');
}

/** The knobs that cut the budget without touching exactly once (the window still comes from the scheduled time). */
export function proposals(config: StackConfig): { change: string; config: StackConfig }[] {
  const out: { change: string; config: StackConfig }[] = [];
  if (config.batchWindowSeconds > 1)
    out.push({
      change: `batchWindowSeconds ${config.batchWindowSeconds} -> 1`,
      config: { ...config, batchWindowSeconds: 1 },
    });
  if (config.windowMinutes > 1) {
    const both = {
      ...config,
      schedule: 'rate(1 minute)',
      windowMinutes: 1,
      batchWindowSeconds: Math.min(1, config.batchWindowSeconds),
    };
    out.push({
      change: `schedule ${config.schedule} -> rate(1 minute)${config.batchWindowSeconds > 1 ? ', and batchWindowSeconds 1' : ''}`,
      config: both,
    });
  }
  return out;
}
