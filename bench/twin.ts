// End-to-end twin throughput: the prod stack's settings against the original
// design's settings, in the same run, on the same machine. Each run's counted AWS
// usage is kept (twin-usage.json) for the cost model.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { streamNames } from '../kernel/contracts';
import { configFromStackYaml, parseStackConfig, type StackConfig } from '../infra/config';
import { runTwin, type TwinOptions, type TwinReport } from '../local/twin';
import type { DesignRun } from './cost/model';
import { ORIGINAL_CONSUMER } from './originalConsumer';
import type { BenchEntries, SectionOptions } from './sections';

export const PROD_STACK_FILE = join(__dirname, '..', 'Pulumi.prod.yaml');
export const TWIN_USAGE_FILE = 'twin-usage.json';

/** The stack the cost model prices: prod, the Black Friday stack. */
export function prodStackConfig(file = PROD_STACK_FILE): StackConfig {
  const doc = parse(readFileSync(file, 'utf8')) as { config?: Record<string, unknown> };
  // Unguarded: the bench measures the costs the capacity guard needs. The bill does not depend
  // on the alarm address, a required key the stack file leaves to the operator.
  return parseStackConfig({ 'bfstream:alarmEmail': '', ...configFromStackYaml(doc.config) }, { capacityCosts: null });
}

export interface DesignSettings {
  design: 'ours' | 'original';
  describe: string;
  twin: Pick<
    TwinOptions,
    | 'eventsPerMessage'
    | 'maxMessageBytes'
    | 'compression'
    | 'batchSize'
    | 'consumerCore'
    | 'consumerTimeoutSeconds'
    | 'consumerConcurrency'
    | 'producerConcurrency'
  >;
}

/** Ours: what the prod stack deploys (packed, gzip messages; a CSV per message and hour). */
export function ourDesign(config: StackConfig): DesignSettings {
  const twin = {
    eventsPerMessage: config.eventsPerMessage,
    maxMessageBytes: config.maxMessageBytes,
    compression: config.compression,
    batchSize: config.batchSize,
    consumerTimeoutSeconds: config.consumerTimeoutSeconds,
  };
  return {
    design: 'ours',
    describe: `${twin.eventsPerMessage === 'fill' ? 'messages filled' : `${twin.eventsPerMessage} events/message`} to ${twin.maxMessageBytes / 1024} KiB (${twin.compression}), consumer batches of ${twin.batchSize}, a CSV per message and hour`,
    twin,
  };
}

/**
 * The original design: one JSON event per message (sent in SendMessageBatch calls of 10,
 * which flatters it: the original sent one message per call), the default 256 KiB queue
 * limit, consumer batches of 10, one CSV per consumer invocation.
 */
export const ORIGINAL_DESIGN: DesignSettings = {
  design: 'original',
  describe: '1 event/message (uncompressed JSON), consumer batches of 10, one CSV per batch',
  // Two pollers per stream and two producer windows at once: the original waits on round
  // trips, not on the CPU, and runs about a third faster that way than with one of each.
  twin: {
    eventsPerMessage: 1,
    maxMessageBytes: 262_144,
    compression: 'none',
    batchSize: 10,
    consumerCore: ORIGINAL_CONSUMER,
    consumerConcurrency: 2,
    producerConcurrency: 2,
  },
};

interface Size {
  runs: number;
  saleLinesPerRun: number;
}

const WINDOW_MINUTES = 15;

/**
 * Both designs run the same workload, so fixed start-up costs weigh the same on each
 * side: two hours at the prod stack's peak, 8 windows of 15 minutes at peakLinesPerMinute.
 */
function workload(config: StackConfig, quick: boolean): Size {
  return quick
    ? { runs: 2, saleLinesPerRun: 100 }
    : { runs: 8, saleLinesPerRun: config.peakLinesPerMinute * WINDOW_MINUTES };
}

/** What the cost model and the docs need of one run, kept in twin-usage.json. */
export interface TwinRunRecord extends DesignRun {
  describe: string;
  settings: TwinReport['settings'];
  totalEvents: number;
  eventsPerSecond: number;
  timings: TwinReport['timings'];
  files: TwinReport['files'];
  messages: TwinReport['messages'];
}

export function memoryByFunction(usage: TwinReport['usage'], config: StackConfig): Record<string, number> {
  return Object.fromEntries(
    Object.keys(usage.lambda).map((fn) => [
      fn,
      fn.endsWith('-producer') ? config.producerMemoryMb : config.consumerMemoryMb,
    ]),
  );
}

async function runDesign(settings: DesignSettings, size: Size, config: StackConfig): Promise<TwinRunRecord> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-twin-${settings.design}-`));
  try {
    const report = await runTwin({
      ...settings.twin,
      runs: size.runs,
      eventsPerRun: size.saleLinesPerRun,
      windowMinutes: WINDOW_MINUTES,
      fresh: true,
      dataDir,
      prefix: `bench-${settings.design}`,
      skipBooks: true,
    });
    if (streamNames.some((s) => report.rowsLoaded[s] !== report.events[s])) {
      throw new Error(
        `twin ${settings.design}: loaded ${JSON.stringify(report.rowsLoaded)} rows of ${JSON.stringify(report.events)} events`,
      );
    }
    return {
      design: settings.design,
      describe: settings.describe,
      saleLines: report.events.sales,
      inventoryUpdates: report.events.inventory,
      usage: report.usage,
      lambdaMemoryMb: memoryByFunction(report.usage, config),
      architecture: 'x86_64',
      settings: report.settings,
      totalEvents: report.totalEvents,
      eventsPerSecond: report.eventsPerSecond,
      timings: report.timings,
      files: report.files,
      messages: report.messages,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runTwinBench(options: SectionOptions): Promise<BenchEntries> {
  const config = prodStackConfig();
  const size = workload(config, options.quick);
  const ours = await runDesign(ourDesign(config), size, config);
  const original = await runDesign(ORIGINAL_DESIGN, size, config);
  writeFileSync(join(options.outDir, TWIN_USAGE_FILE), JSON.stringify({ ours, original }, null, 2) + '\n');
  const ratio = ours.eventsPerSecond / original.eventsPerSecond;
  const sizeNote = (r: TwinRunRecord) =>
    `${r.totalEvents.toLocaleString('en-US')} events in ${r.settings.runs} windows, ${r.files.written.toLocaleString('en-US')} files`;
  return {
    'twin.events_per_s': {
      value: Math.round(ours.eventsPerSecond),
      unit: 'events/s',
      baseline: Math.round(original.eventsPerSecond),
      ratio: Math.round(ratio * 10) / 10,
      note:
        `Producer start to views refreshed, fauxqs + PGlite in one process. Ours (prod stack): ${ours.describe}; ${sizeNote(ours)}. ` +
        `Original: ${original.describe}; ${sizeNote(original)}. Targets >= 100,000 events/s and >= 30x.`,
    },
    'twin.files_per_1k_sale_lines': {
      value: round3((ours.files.written / ours.saleLines) * 1000),
      unit: 'files',
      baseline: round3((original.files.written / original.saleLines) * 1000),
      ratio:
        Math.round((original.files.written / original.saleLines / (ours.files.written / ours.saleLines)) * 10) / 10,
      note: 'Landing files (both streams) per 1,000 sale lines; ratio = original / ours.',
    },
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function readTwinRuns(outDir: string): { ours: TwinRunRecord; original: TwinRunRecord } {
  return JSON.parse(readFileSync(join(outDir, TWIN_USAGE_FILE), 'utf8')) as {
    ours: TwinRunRecord;
    original: TwinRunRecord;
  };
}
