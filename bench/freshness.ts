// Data age in the twin at the prod stack's settings, at its configured peak and at 10x,
// in the same run; and, from the same runs, the per-invocation costs the capacity
// model scales (producer time per sale line, consumer time per event, events per
// message, files per message, producer heap per sale line).
//
// The producer sends a whole window at once, in Lambda as here. Runs start on a
// compressed schedule (one window every few seconds instead of every 5 minutes): long
// enough for a window to drain, so each window meets an idle pipeline as it would in
// AWS. The views refresh after every load pass that finds files (loadEveryMs 100), the
// twin's stand-in for auto refresh "as soon as possible".
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCatalog } from '../kernel/catalog';
import { perStream, streamNames, type StreamName } from '../kernel/contracts';
import { generateWindow } from '../kernel/generator';
import type { StackConfig } from '../infra/config';
import { availableParallelism as availableCores } from 'node:os';
import { defaultConcurrency, runTwin, type TwinReport } from '../local/twin';
import type { BenchEntries, SectionOptions } from './sections';
import { prodStackConfig } from './twin';
import type { CapacityCosts } from '../infra/capacity';

export interface FreshnessRun {
  label: string;
  peakLinesPerMinute: number;
  saleLinesPerRun: number;
  runs: number;
  scheduleEveryMs: number;
  report: TwinReport;
}

/** How far above the configured peak the second run goes. */
export const OVERLOAD_FACTOR = 10;
/** Events per message of the run that prices a message's own cost. */
const SMALL_MESSAGE_EVENTS = 10;

async function measure(
  config: StackConfig,
  label: string,
  peak: number,
  runs: number,
  scheduleEveryMs: number,
  eventsPerMessage = config.eventsPerMessage,
  windowMinutes = config.windowMinutes,
): Promise<FreshnessRun> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-freshness-${label}-`));
  const saleLinesPerRun = peak * windowMinutes;
  try {
    const report = await runTwin({
      runs,
      windowMinutes,
      eventsPerRun: saleLinesPerRun,
      eventsPerMessage,
      maxMessageBytes: config.maxMessageBytes,
      compression: config.compression,
      batchSize: config.batchSize,
      scheduleEveryMs,
      loadEveryMs: 100,
      fresh: true,
      dataDir,
      prefix: `bench-fresh-${label}`,
      skipBooks: true,
    });
    if (streamNames.some((stream) => report.rowsLoaded[stream] !== report.events[stream])) {
      throw new Error(
        `freshness ${label}: loaded ${JSON.stringify(report.rowsLoaded)} rows of ${JSON.stringify(report.events)} events`,
      );
    }
    return { label, peakLinesPerMinute: peak, saleLinesPerRun, runs, scheduleEveryMs, report };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What the capacity model scales, measured in one twin run (one core of this machine per invocation). */
export type MeasuredCosts = Pick<
  CapacityCosts,
  | 'producerMsPerSaleLine'
  | 'consumerMsPerEvent'
  // From a second run with small messages: what a message costs beyond its events.
  | 'consumerMsPerMessage'
  | 'eventsPerMessage'
  | 'eventsPerSaleLine'
  | 'filesPerMessage'
>;

const durationOf = (report: TwinReport, suffix: string) =>
  Object.entries(report.usage.lambda).find(([name]) => name.endsWith(suffix))![1].durationMs;

/** `report` packs messages as the stack does; `small` packs a few events per message, so messages dominate its consumer time. */
export function costsOf(report: TwinReport, small: TwinReport): MeasuredCosts {
  const messages = streamNames.reduce((n, stream) => n + report.messages[stream], 0);
  const perEvent = perStream((stream) => durationOf(report, `-${stream}-consumer`) / report.events[stream]);
  const perMessage = (stream: StreamName) =>
    Math.max(
      0,
      (durationOf(small, `-${stream}-consumer`) - perEvent[stream] * small.events[stream]) / small.messages[stream],
    );
  return {
    producerMsPerSaleLine: durationOf(report, '-producer') / report.events.sales,
    consumerMsPerEvent: perEvent,
    consumerMsPerMessage: perStream(perMessage),
    eventsPerMessage: perStream((stream) => report.events[stream] / report.messages[stream]),
    eventsPerSaleLine: perStream((stream) => report.events[stream] / report.events.sales),
    filesPerMessage: report.files.written / messages,
  };
}

/** Heap the generator holds per sale line of a window (the producer keeps a window's events until it is packed). */
export function producerHeapBytesPerSaleLine(saleLines: number): number {
  const catalog = buildCatalog();
  const generatorCatalog = {
    products: catalog.products.map((p) => ({ product_id: p.product_id, price: p.price })),
    stores: catalog.stores.map((s) => ({ store_id: s.store_id, size: s.size })),
  };
  generateWindow(generatorCatalog, { start: '2026-11-27T10:00:00Z', minutes: 5, seed: 2, saleLines: 1000 }); // warm up
  const before = process.memoryUsage().heapUsed;
  const window = generateWindow(generatorCatalog, { start: '2026-11-27T10:00:00Z', minutes: 5, seed: 1, saleLines });
  const grown = process.memoryUsage().heapUsed - before;
  if (window.sales.length === 0) throw new Error('generator made no sale lines');
  return Math.max(0, grown) / saleLines;
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Where a chunk's age went at the peak, stage by stage (the p50; the p95 in the note). */
function stageEntries(f: TwinReport['freshness']): BenchEntries {
  const what = {
    consume: 'send to landed in S3: the queue wait and the consumer',
    load: 'landed to loaded: the loader (the auto-copy stand-in)',
    refresh: 'loaded to visible: the view refresh',
  } as const;
  return Object.fromEntries(
    (Object.keys(what) as (keyof typeof what)[]).map((stage) => [
      `twin.freshness_${stage}_p50_ms`,
      {
        value: round(f.stages?.[stage].p50Ms ?? 0),
        unit: 'ms',
        note: `Per chunk at the prod peak, ${what[stage]}; p95 ${round(f.stages?.[stage].p95Ms ?? 0)} ms. Same runs as twin.freshness_p95_ms.`,
      },
    ]),
  );
}

/** The four runs: at the peak, at 10x, the peak in 5-minute windows, and small messages for a message's own cost. */
interface FreshnessRuns {
  atPeak: FreshnessRun;
  over: FreshnessRun;
  fiveMinutes: FreshnessRun;
  small: FreshnessRun;
}

async function measureRuns(config: StackConfig, options: SectionOptions): Promise<FreshnessRuns> {
  const peak = options.quick ? 50 : config.peakLinesPerMinute;
  // Windows start often enough to keep the run short, far enough apart that each meets a drained pipeline.
  const gapMs = (lines: number) => Math.max(1500, Math.ceil(lines / 40) * 10);
  const runsOf = (lines: number) => (options.quick ? 1 : lines > 20_000 ? 3 : 6);
  const lines = peak * config.windowMinutes;
  const atPeak = await measure(config, 'peak', peak, runsOf(lines), gapMs(lines));
  const overLines = lines * OVERLOAD_FACTOR;
  const over = await measure(config, 'over', peak * OVERLOAD_FACTOR, runsOf(overLines), gapMs(overLines));
  // The same peak in the 5-minute windows prod had before (rate(5 minutes)), for the window's share of the age.
  const fiveMinutes = await measure(
    config,
    'fiveminutes',
    peak,
    options.quick ? 1 : 3,
    gapMs(peak * 5),
    config.eventsPerMessage,
    5,
  );
  const small = await measure(config, 'small', options.quick ? 20 : 400, 1, 0, SMALL_MESSAGE_EVENTS);
  return { atPeak, over, fiveMinutes, small };
}

function describeRun(r: FreshnessRun): string {
  return `${r.runs} windows of ${r.saleLinesPerRun / r.peakLinesPerMinute} min at ${r.peakLinesPerMinute.toLocaleString('en-US')} sale lines/min (${r.saleLinesPerRun.toLocaleString('en-US')} a window, sent at once), one every ${r.scheduleEveryMs / 1000} s; ${r.report.freshness.chunks} chunks`;
}

/** twin.freshness_*: the data age at the peak, with the 10x run as its baseline. */
function freshnessEntries(config: StackConfig, { atPeak, over, fiveMinutes }: FreshnessRuns): BenchEntries {
  const f = atPeak.report.freshness;
  const g = over.report.freshness;
  const load = `load average ${loadavg()[0].toFixed(1)} on ${availableCores()} cores at the end`;
  const settings = `${load}; prod settings (${config.schedule}, batch ${config.batchSize}, ${config.eventsPerMessage === 'fill' ? `messages filled to ${config.maxMessageBytes / 1024} KiB` : `${config.eventsPerMessage} events/message`}, ${config.compression}), consumer concurrency ${defaultConcurrency()} per stream (the twin's default on this machine), views refreshed after each load pass`;
  return {
    'twin.freshness_p95_ms': {
      value: round(f.p95Ms),
      unit: 'ms',
      baseline: round(g.p95Ms),
      ratio: round(g.p95Ms / Math.max(1, f.p95Ms), 1),
      note: `Producer send (SQS SentTimestamp) to the end of the first view refresh showing the chunk's rows, p95 over chunks, at the prod peak: ${describeRun(atPeak)}; p50 ${round(f.p50Ms)} ms, max ${round(f.maxMs)} ms. Baseline: the same at ${OVERLOAD_FACTOR}x the peak: ${describeRun(over)}; p50 ${round(g.p50Ms)} ms, max ${round(g.maxMs)} ms. ${settings}. Target <= 2,000 ms at the peak.`,
    },
    ...stageEntries(f),
    'twin.freshness_p95_ms_5min_window': {
      value: round(fiveMinutes.report.freshness.p95Ms),
      unit: 'ms',
      baseline: round(f.p95Ms),
      ratio: round(fiveMinutes.report.freshness.p95Ms / Math.max(1, f.p95Ms), 2),
      note: `The same peak in 5-minute windows (prod's schedule before rate(1 minute)): ${describeRun(fiveMinutes)}; p50 ${round(fiveMinutes.report.freshness.p50Ms)} ms. Baseline: twin.freshness_p95_ms (${config.schedule}), same run; ratio = this / baseline.`,
    },
    'twin.freshness_p50_ms': {
      value: round(f.p50Ms),
      unit: 'ms',
      baseline: round(g.p50Ms),
      note: `As twin.freshness_p95_ms, the median; baseline at ${OVERLOAD_FACTOR}x the peak.`,
    },
    'twin.freshness_max_ms': {
      value: round(f.maxMs),
      unit: 'ms',
      baseline: round(g.maxMs),
      note: `As twin.freshness_p95_ms, the oldest chunk; baseline at ${OVERLOAD_FACTOR}x the peak.`,
    },
  };
}

/** One stream's capacity.<stream>_* figures (the sales stream's events per sale line are 1, the unit: not recorded). */
function streamCapacityEntries(
  stream: StreamName,
  costs: MeasuredCosts,
  small: TwinReport,
  costNote: string,
): BenchEntries {
  const entries: BenchEntries = {
    [`capacity.${stream}_consumer_ms_per_1k_events`]: {
      value: round(costs.consumerMsPerEvent[stream] * 1000, 2),
      unit: 'ms',
      note: `${stream} consumer invocation time per 1,000 events (read, validate, CSV, S3 put), messages as packed. ${costNote}`,
    },
    [`capacity.${stream}_consumer_ms_per_message`]: {
      value: round(costs.consumerMsPerMessage[stream], 2),
      unit: 'ms',
      note: `${stream} consumer time per message beyond its events (receive, delete, one S3 put), from a run of ${small.messages[stream].toLocaleString('en-US')} messages of ${SMALL_MESSAGE_EVENTS} events, less their events at the per-event cost. To the in-process emulator: real S3 and SQS calls take longer.`,
    },
    [`capacity.${stream}_events_per_message`]: {
      value: round(costs.eventsPerMessage[stream]),
      unit: 'events',
      note: `${stream} events per SQS message as the prod stack packs them. ${costNote}`,
    },
  };
  if (stream !== 'sales')
    entries[`capacity.${stream}_per_sale_line`] = {
      value: round(costs.eventsPerSaleLine[stream], 3),
      unit: 'ratio',
      note: `${stream} events per sale line. ${costNote}`,
    };
  return entries;
}

/** capacity.*: the per-invocation costs the capacity model scales, from the 10x run and the small-message run. */
function capacityEntries({ over, small }: FreshnessRuns, heap: number): BenchEntries {
  const costs = costsOf(over.report, small.report);
  const costNote = `Measured in the ${OVERLOAD_FACTOR}x run (${over.report.totalEvents.toLocaleString('en-US')} events), wall time of the twin's simulated invocations on one core of this shared machine.`;
  return {
    'capacity.producer_ms_per_1k_sale_lines': {
      value: round(costs.producerMsPerSaleLine * 1000, 2),
      unit: 'ms',
      note: `Producer invocation time per 1,000 sale lines (generate, pack, gzip, send both streams). ${costNote}`,
    },
    ...Object.assign({}, ...streamNames.map((stream) => streamCapacityEntries(stream, costs, small.report, costNote))),
    'capacity.files_per_message': {
      value: round(costs.filesPerMessage, 3),
      unit: 'ratio',
      note: `Landing files per SQS message (a CSV per message and hour). ${costNote}`,
    },
    'capacity.producer_heap_bytes_per_sale_line': {
      value: round(heap),
      unit: 'bytes',
      note: 'Heap growth while generateWindow holds one window of 100,000 sale lines (with their inventory updates), in this process; the producer keeps a window until it is packed and sent.',
    },
  };
}

export async function runFreshnessBench(options: SectionOptions): Promise<BenchEntries> {
  const config = prodStackConfig();
  const runs = await measureRuns(config, options);
  const heap = producerHeapBytesPerSaleLine(options.quick ? 2000 : 100_000);
  return { ...freshnessEntries(config, runs), ...capacityEntries(runs, heap) };
}
