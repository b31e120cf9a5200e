// The local twin: the whole pipeline in one process. The same producer and consumer
// handlers as in Lambda, real SQS and S3 over HTTP (fauxqs, or AWS_ENDPOINT_URL), the
// Lambda SQS event source emulated, and the same warehouse migrations, loader and
// views on PGlite (or DATABASE_URL). A run ends with the books: every event produced
// is loaded exactly once, rejected with its reason, or (if unreadable) in a DLQ.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { availableParallelism } from 'node:os';
import { buildCatalog, type Catalog } from '../kernel/catalog';
import { knownIdsOf, streamNames, type StreamName } from '../kernel/contracts';
import { consumeBatch } from '../handlers/consumer';
import { expectedSaleLines } from '../kernel/generator';
import { SQS_MAX_MESSAGE_BYTES, type Compression } from '../kernel/packing';
import type { ProducerResult, ProducerSettings } from '../handlers/producer';
import { startProducerPool, type ProducerPool } from './producerPool';
import { chunkIdOfBody, FreshnessTracker, type FreshnessSummary } from './freshness';
import { reconcile, type Books, type SentChunks } from './books';
import { Chaos, type ChaosCounts, type ChaosOptions } from './chaos';
import { createStreamQueues, ensureBucket, openEndpoint, type StreamQueues, type TwinEndpoint } from './endpoint';
import { queueDepth, SqsEventSource, type EventSourceStats, type SqsBatchHandler } from './eventSource';
import { startConsumerPool, type ConsumerPool } from './consumerPool';
import { twinArchives } from './archives';
import { UsageMeter, type TwinUsage } from './usage';
import {
  openTwinWarehouse,
  type DashboardData,
  type TwinWarehouse,
  type LoadCounts,
  type WarehouseBooks,
  type WindowRecord,
} from './warehouse';

export interface TwinOptions {
  /** Scheduled producer runs (windows). Default 24: 06:00 to 12:00 in 15-minute windows. */
  runs?: number;
  /** Length of each window, minutes. Default 15. */
  windowMinutes?: number;
  /** First window start, ISO-8601. Default: right after the last data in the warehouse, or Black Friday 06:00 UTC. */
  start?: string;
  /** Exact sale lines per run; without it each window follows the demand curve. */
  eventsPerRun?: number;
  /** Sale lines per minute at the top of the curve. Default 400 (about 260k events over the default morning). */
  peakLinesPerMinute?: number;
  seed?: number;
  /** Events per SQS message, or 'fill' (default) to pack each message up to maxMessageBytes. */
  eventsPerMessage?: number | 'fill';
  /** The queues' MaximumMessageSize. Default 1 MiB. */
  maxMessageBytes?: number;
  compression?: Compression;
  /** Records per consumer invocation (the event source mapping's BatchSize). Default 10. */
  batchSize?: number;
  /** 'message' (default): a CSV per message and hour. 'batch': one per invocation, as the original design. */
  filePer?: 'message' | 'batch';
  /** Concurrent consumer invocations per stream: its pollers, and its worker threads. Default: defaultConcurrency(). */
  consumerConcurrency?: number;
  /** Run consumer invocations in worker threads (default) or in this thread. */
  consumerWorkers?: boolean;
  /** Producer windows in flight at once (the twin compresses time). Default: defaultConcurrency(). */
  producerConcurrency?: number;
  /** Receives before SQS moves a message to its DLQ. Default 3. */
  maxReceiveCount?: number;
  /**
   * Queue visibility timeout, whole seconds. Default 30, or 2 with chaos so failed messages come
   * back within the run; keep it above the longest consumer invocation (AWS: 6 x the function timeout).
   */
  visibilityTimeoutSeconds?: number;
  /** PGlite data directory. Default `.twin/pgdata`; ignored with databaseUrl. */
  dataDir?: string;
  /** Start from an empty warehouse: a new PGlite cluster in the (marked) data directory, or, on a server, drop the twin's schemas. */
  fresh?: boolean;
  /** Delete the rows of windows that do not match the load log, so this run makes them again. */
  repair?: boolean;
  /** Exactly these window starts, instead of runs from start (how a run finishes windows an earlier run left). */
  windows?: readonly string[];
  /** Called with a line for the user: windows resumed, a run that moves into a new day. */
  onNotice?: (line: string) => void;
  /** Postgres URL instead of PGlite (DATABASE_URL). */
  databaseUrl?: string;
  /** SQS and S3 endpoint instead of embedded fauxqs (AWS_ENDPOINT_URL). */
  endpointUrl?: string;
  /** Name prefix of queues and bucket. Default `twin`. */
  prefix?: string;
  chaos?: ChaosOptions;
  catalog?: Catalog;
  /** Refresh the views and call onWarehouseRefresh every this many ms while the run goes on (a live dashboard). Files load continuously anyway. */
  loadEveryMs?: number;
  /** Called after each warehouse refresh with fresh dashboard data. */
  onWarehouseRefresh?: (data: DashboardData) => void | Promise<void>;
  /** Called often with the run's progress. */
  onProgress?: (progress: TwinProgress) => void;
  /** Skip the books (the bench can time the pipeline alone). Default false. */
  skipBooks?: boolean;
  /**
   * 'archives': the function workers run the dev stack's shipped Lambda archives (built from the
   * program, cached under .twin/archives; `npm start`'s default). 'source' (default here): the source modules.
   */
  functions?: 'archives' | 'source';
  /**
   * Start producer run i no earlier than i x this many ms after the stream starts, as the
   * schedule does (time still compressed: 300 here can stand for a 5-minute rate). Default 0: back to back.
   */
  scheduleEveryMs?: number;
}

export interface TwinProgress {
  phase: 'setup' | 'stream' | 'load' | 'books' | 'done';
  runsDone: number;
  runs: number;
  /** Events the producer has sent (both streams). */
  produced: number;
  /** Events in messages the consumers have finished (deleted). */
  consumed: number;
  /** Rows the loader has inserted. */
  loaded: number;
  /** Events of the whole run: exact for windows produced, estimated from the demand curve for the rest. */
  expected: number;
  /** Data age so far: producer send to rows visible in the views, per chunk. */
  freshness?: FreshnessSummary;
}

export interface TwinTimings {
  setupMs: number;
  /** From the first producer call until every consumer queue is drained. */
  streamMs: number;
  produceMs: number;
  /** Loading left after the stream ends (files also load while it runs). */
  loadMs: number;
  refreshMs: number;
  queriesMs: number;
  booksMs: number;
  /** Producer start to views refreshed: what `twin.events_per_s` divides by. */
  pipelineMs: number;
  totalMs: number;
}

export interface TwinReport {
  settings: Pick<
    ResolvedSettings,
    'runs' | 'windowMinutes' | 'seed' | 'eventsPerMessage' | 'maxMessageBytes' | 'compression' | 'batchSize' | 'filePer'
  > & {
    start: string;
    end: string;
    endpoint: string;
    warehouse: string;
    chaos?: ChaosOptions;
    /** What the function workers ran: the shipped archives or the source modules. */
    functions: 'archives' | 'source';
    /** The archives' build directory, whether it was cached, and the time to find or build it. */
    archives?: { dir: string; cached: boolean; ms: number };
  };
  events: Record<StreamName, number>;
  /** All events of both streams. */
  totalEvents: number;
  messages: Record<StreamName, number>;
  messageBytes: Record<StreamName, number>;
  lostSales: number;
  baskets: number;
  /** Landing files written (distinct keys) and the loader's view of them. */
  files: { written: number; loaded: number; skipped: number };
  /** Loader restarts after a crash, and files it refused (recorded as failed in the load log). */
  loader: { crashes: number; failures: { key: string; error: string }[] };
  rowsLoaded: Record<StreamName, number>;
  /** Events rejected by the consumers (lines in rejected/). */
  rejects: number;
  dlqDepth: Record<StreamName, number>;
  consumers: Record<StreamName, EventSourceStats>;
  chaos?: ChaosCounts;
  books?: Books;
  /** The whole warehouse, every window ever produced: ledger, load log and tables agree. */
  warehouseBooks?: WarehouseBooks;
  /** Windows an earlier run left unfinished, finished by a pass before this run, and whether that pass balanced. */
  resumed?: { windows: string[]; balanced: boolean };
  /** Things the user should know about this run (a new day, windows resumed). */
  notes: string[];
  dashboard?: DashboardData;
  usage: TwinUsage;
  timings: TwinTimings;
  /** Events per second from producer start to views refreshed. */
  eventsPerSecond: number;
  /** Per chunk, from the producer's send to the end of the first view refresh that showed its rows. */
  freshness: FreshnessSummary;
}

export const BLACK_FRIDAY_MORNING = '2026-11-27T06:00:00Z';

export interface ResolvedSettings {
  runs: number;
  windowMinutes: number;
  peakLinesPerMinute: number;
  seed: number;
  eventsPerMessage: number | 'fill';
  maxMessageBytes: number;
  compression: Compression;
  batchSize: number;
  filePer: 'message' | 'batch';
  consumerConcurrency: number;
  consumerWorkers: boolean;
  producerConcurrency: number;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  prefix: string;
  functions: 'archives' | 'source';
}

/**
 * Worker threads per function unless told otherwise: half the cores, 1 to 4. The emulator
 * and the warehouse need the other half, and on two cores every extra isolate costs more
 * in compiling and collecting than it adds.
 */
export function defaultConcurrency(cores = availableParallelism()): number {
  return Math.min(4, Math.max(1, Math.floor(cores / 2)));
}

const isWhole = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** Defaults applied and every problem listed, so a bad option fails before anything starts. */
export function resolveTwinSettings(options: TwinOptions): ResolvedSettings {
  const s: ResolvedSettings = {
    runs: options.runs ?? 24,
    windowMinutes: options.windowMinutes ?? 15,
    peakLinesPerMinute: options.peakLinesPerMinute ?? 400,
    seed: options.seed ?? 1,
    eventsPerMessage: options.eventsPerMessage ?? 'fill',
    maxMessageBytes: options.maxMessageBytes ?? SQS_MAX_MESSAGE_BYTES,
    compression: options.compression ?? 'gzip',
    batchSize: options.batchSize ?? 10,
    filePer: options.filePer ?? 'message',
    consumerConcurrency: options.consumerConcurrency ?? defaultConcurrency(),
    consumerWorkers: options.consumerWorkers ?? true,
    producerConcurrency: options.producerConcurrency ?? defaultConcurrency(),
    maxReceiveCount: options.maxReceiveCount ?? 3,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? (options.chaos ? 2 : 30),
    prefix: options.prefix ?? 'twin',
    functions: options.functions ?? 'source',
  };
  const problems: string[] = [];
  if (!isWhole(s.runs, 1, 10000)) problems.push(`runs must be a whole number 1..10000, got ${s.runs}`);
  if (!isWhole(s.windowMinutes, 1, 1440))
    problems.push(`windowMinutes must be a whole number 1..1440, got ${s.windowMinutes}`);
  if (!isWhole(s.peakLinesPerMinute, 1, 1_000_000))
    problems.push(`peakLinesPerMinute must be a whole number 1..1000000, got ${s.peakLinesPerMinute}`);
  if (options.eventsPerRun !== undefined && !isWhole(options.eventsPerRun, 0, 5_000_000))
    problems.push(`eventsPerRun must be a whole number 0..5000000, got ${options.eventsPerRun}`);
  if (!isWhole(s.seed, 0, 0xffffffff)) problems.push(`seed must be a whole number 0..4294967295, got ${s.seed}`);
  if (s.eventsPerMessage !== 'fill' && !isWhole(s.eventsPerMessage, 1, 100_000))
    problems.push(`eventsPerMessage must be 'fill' or a whole number 1..100000, got ${s.eventsPerMessage}`);
  if (!isWhole(s.maxMessageBytes, 1024, SQS_MAX_MESSAGE_BYTES))
    problems.push(`maxMessageBytes must be a whole number 1024..${SQS_MAX_MESSAGE_BYTES}, got ${s.maxMessageBytes}`);
  if (s.compression !== 'gzip' && s.compression !== 'none')
    problems.push(`compression must be gzip or none, got ${s.compression}`);
  if (!isWhole(s.batchSize, 1, 10000)) problems.push(`batchSize must be a whole number 1..10000, got ${s.batchSize}`);
  if (s.filePer !== 'message' && s.filePer !== 'batch')
    problems.push(`filePer must be message or batch, got ${s.filePer}`);
  if (!isWhole(s.consumerConcurrency, 1, 16))
    problems.push(`consumerConcurrency must be a whole number 1..16, got ${s.consumerConcurrency}`);
  if (!isWhole(s.producerConcurrency, 1, 64))
    problems.push(`producerConcurrency must be a whole number 1..64, got ${s.producerConcurrency}`);
  if (!isWhole(s.maxReceiveCount, 1, 1000))
    problems.push(`maxReceiveCount must be a whole number 1..1000, got ${s.maxReceiveCount}`);
  if (!isWhole(s.visibilityTimeoutSeconds, 0, 43200))
    problems.push(`visibilityTimeoutSeconds must be a whole number 0..43200, got ${s.visibilityTimeoutSeconds}`);
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(s.prefix))
    problems.push(`prefix must be lowercase letters, digits and dashes (1..41), got ${JSON.stringify(s.prefix)}`);
  if (options.start !== undefined && Number.isNaN(Date.parse(options.start)))
    problems.push(`start must be an ISO-8601 timestamp, got ${JSON.stringify(options.start)}`);
  if (options.loadEveryMs !== undefined && !isWhole(options.loadEveryMs, 100))
    problems.push(`loadEveryMs must be a whole number >= 100, got ${options.loadEveryMs}`);
  if (s.functions === 'archives') {
    // The shipped functions take what the stack gives them: the dev catalog, a file per message, their own execution environments.
    if (options.catalog)
      problems.push('a custom catalog runs only from source (the archives carry the dev stack catalog)');
    if (s.filePer !== 'message')
      problems.push("filePer 'batch' runs only from source (the shipped consumer writes a file per message)");
    if (!s.consumerWorkers)
      problems.push('in-process consumers run only from source (the archives run in worker threads)');
  } else if (s.functions !== 'source') problems.push(`functions must be archives or source, got ${s.functions}`);
  if (options.scheduleEveryMs !== undefined && !isWhole(options.scheduleEveryMs, 0, 86_400_000))
    problems.push(`scheduleEveryMs must be a whole number 0..86400000, got ${options.scheduleEveryMs}`);
  if (problems.length > 0) throw new RangeError(`invalid twin options: ${problems.join('; ')}`);
  return s;
}

function isoAt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** The first window: after the ledger's last window, else after the warehouse's last event (a second run adds to the first), else Black Friday 06:00. */
function firstWindowStart(ledger: readonly WindowRecord[], lastEvent: string | null, windowMinutes: number): string {
  const lastEnd = Math.max(
    ...ledger.map((w) => Date.parse(w.start) + w.minutes * 60_000),
    lastEvent ? Date.parse(lastEvent) + 1000 : 0,
  );
  if (lastEnd <= 0) return BLACK_FRIDAY_MORNING;
  const length = windowMinutes * 60_000;
  return isoAt(Math.ceil(lastEnd / length) * length);
}

/** A run refused before any data moved (an overlapping --start, say): exit 2. */
export class TwinRefused extends Error {
  override name = 'TwinRefused';
}

/** The settings that decide a window's events and landing file names; a resume must repeat them. */
type Generation = Pick<
  TwinOptions,
  | 'windowMinutes'
  | 'seed'
  | 'eventsPerRun'
  | 'peakLinesPerMinute'
  | 'eventsPerMessage'
  | 'maxMessageBytes'
  | 'compression'
  | 'filePer'
>;

function generationOf(s: ResolvedSettings, eventsPerRun: number | undefined): string {
  const g: Generation = {
    windowMinutes: s.windowMinutes,
    seed: s.seed,
    eventsPerRun,
    peakLinesPerMinute: s.peakLinesPerMinute,
    eventsPerMessage: s.eventsPerMessage,
    maxMessageBytes: s.maxMessageBytes,
    compression: s.compression,
    filePer: s.filePer,
  };
  return JSON.stringify(g);
}

const hhmm = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** Windows an earlier run started but did not finish: the run stops and runTwin finishes them first. */
class ResumeFirst extends Error {
  constructor(readonly windows: WindowRecord[]) {
    super(`${windows.length} window(s) to finish first`);
  }
}

/**
 * The run's windows: exactly those asked for, or `runs` from the start. A window may repeat one
 * already in the ledger with the same settings (a replay: its files are loaded once anyway), but
 * never overlap another, or the same minutes would hold two sets of events.
 */
function planWindows(
  s: ResolvedSettings,
  options: TwinOptions,
  ledger: readonly WindowRecord[],
  lastEvent: string | null,
  generation: string,
): string[] {
  const windowMs = s.windowMinutes * 60_000;
  if (options.windows) return [...options.windows];
  const start = options.start ? isoAt(Date.parse(options.start)) : firstWindowStart(ledger, lastEvent, s.windowMinutes);
  const planned = Array.from({ length: s.runs }, (_, i) => isoAt(Date.parse(start) + i * windowMs));
  const clashes: string[] = [];
  for (const p of planned) {
    const ps = Date.parse(p);
    for (const w of ledger) {
      const ws = Date.parse(w.start);
      if (ps < ws + w.minutes * 60_000 && ws < ps + windowMs && !(ws === ps && w.generation === generation)) {
        clashes.push(
          `${hhmm(p)}+${s.windowMinutes}m overlaps ${hhmm(w.start)}+${w.minutes}m (seed ${w.seed}${ws === ps && w.minutes === s.windowMinutes ? ', other settings' : ''})`,
        );
        break;
      }
    }
  }
  if (clashes.length) {
    const next = firstWindowStart(ledger, null, s.windowMinutes);
    throw new TwinRefused(
      `--start ${options.start}: ${clashes.length} window(s) overlap windows already in the warehouse, and their minutes would hold two sets of events: ${clashes.slice(0, 3).join('; ')}${clashes.length > 3 ? '; ...' : ''}. ` +
        `Replay a window only with the same start, length and settings; or start after the last one (--start ${next}), or drop --start; or start over with --fresh.`,
    );
  }
  return planned;
}

/** Events in a producer message, read from the envelope head without parsing the body. */
function eventsInBody(body: string): number {
  const m = /"count":(\d+)/.exec(body.slice(0, 200));
  return m ? Number(m[1]) : 0;
}

/** How often the loader looks for new landing files during the stream, besides after each consumer invocation. */
const LIVE_LOAD_INTERVAL_MS = 100;

/**
 * Run the twin. A window an earlier run left unfinished (killed, crashed) is finished
 * first, by a pass with the settings it was started with: the same files come out and
 * the loader, which loads each name once, adds exactly what is missing.
 */
export async function runTwin(options: TwinOptions = {}): Promise<TwinReport> {
  try {
    return await runPipeline(options);
  } catch (error) {
    if (!(error instanceof ResumeFirst)) throw error;
    const groups = new Map<string, string[]>();
    for (const w of error.windows) groups.set(w.generation, [...(groups.get(w.generation) ?? []), w.start]);
    const finished: string[] = [];
    let balanced = true;
    for (const [generation, windows] of groups) {
      options.onNotice?.(
        `Finishing ${windows.length} window(s) an earlier run started but did not load: ${windows.map(hhmm).join(', ')} UTC.`,
      );
      const g = JSON.parse(generation) as Generation;
      const pass = await runPipeline({
        ...options,
        ...g,
        eventsPerRun: g.eventsPerRun ?? undefined,
        windows,
        runs: windows.length,
        start: undefined,
        fresh: false,
        repair: false,
      });
      finished.push(...windows);
      if (pass.books && !pass.books.balanced) {
        balanced = false;
        // Stop there: the warehouse needs a look before more data goes in.
        return {
          ...pass,
          resumed: { windows: finished, balanced },
          notes: [
            ...pass.notes,
            'Finishing the earlier windows did not balance; this run stopped before its own windows.',
          ],
        };
      }
    }
    const report = await runPipeline({ ...options, fresh: false, repair: false });
    return {
      ...report,
      resumed: { windows: finished, balanced },
      notes: [
        `Finished ${finished.length} window(s) an earlier run left unloaded first: ${finished.map(hhmm).join(', ')} UTC.`,
        ...report.notes,
      ],
    };
  }
}

async function runPipeline(options: TwinOptions): Promise<TwinReport> {
  const started = performance.now();
  const s = resolveTwinSettings(options);
  const catalog = options.catalog ?? buildCatalog();
  const usage = new UsageMeter();
  const bucket = `${s.prefix}-landing`;
  const progress: TwinProgress = {
    phase: 'setup',
    runsDone: 0,
    runs: s.runs,
    produced: 0,
    consumed: 0,
    loaded: 0,
    expected: 0,
  };
  const freshness = new FreshnessTracker();
  const report = () => options.onProgress?.({ ...progress, freshness: freshness.summary() });
  report();

  let endpoint: TwinEndpoint | undefined;
  let warehouse: TwinWarehouse | undefined;
  let opening: Promise<TwinWarehouse> | undefined;
  let producers: ProducerPool | undefined;
  const consumerPools: ConsumerPool[] = [];
  const clients: { destroy(): void }[] = [];
  const sqsFor = (): SQSClient => {
    const c = endpoint!.sqsClient();
    usage.meterSqs(c);
    clients.push(c);
    return c;
  };
  const s3For = (): S3Client => {
    const c = endpoint!.s3Client();
    usage.meterS3(c);
    clients.push(c);
    return c;
  };
  try {
    endpoint = await openEndpoint(options.endpointUrl, 'us-east-1');
    // The warehouse opens (and migrates) while the queues and the function workers start.
    opening = openTwinWarehouse({
      dataDir: options.dataDir ?? '.twin/pgdata',
      databaseUrl: options.databaseUrl,
      fresh: options.fresh ?? false,
      repair: options.repair,
      catalog,
    });
    opening.catch(() => undefined); // awaited below; this only keeps an early failure elsewhere from leaving it unhandled
    const admin = sqsFor();
    const queues = await createStreamQueues(admin, {
      prefix: s.prefix,
      maxMessageBytes: s.maxMessageBytes,
      maxReceiveCount: s.maxReceiveCount,
      visibilityTimeoutSeconds: s.visibilityTimeoutSeconds,
    });
    const loaderS3 = s3For();
    await ensureBucket(loaderS3, bucket);
    const chaos = options.chaos ? new Chaos(options.chaos, s.maxReceiveCount) : undefined;
    const archives = s.functions === 'archives' ? await twinArchives() : undefined;

    // Producer: its invocations run in worker threads (see producerPool.ts); each reports the
    // bodies SQS accepted, so the books know exactly what left.
    const sent: SentChunks = { sales: [], inventory: [] };
    const producerSettings: ProducerSettings = {
      salesQueueUrl: queues.sales.url,
      inventoryQueueUrl: queues.inventory.url,
      eventsPerMessage: s.eventsPerMessage,
      maxMessageBytes: s.maxMessageBytes,
      compression: s.compression,
      windowMinutes: s.windowMinutes,
      peakLinesPerMinute: s.peakLinesPerMinute,
      seed: s.seed,
    };
    producers = await startProducerPool(Math.min(s.producerConcurrency, s.runs), {
      endpoint: endpoint.url,
      region: endpoint.region,
      credentials: endpoint.credentials,
      catalog: {
        products: catalog.products.map((p) => ({ product_id: p.product_id, price: p.price })),
        stores: catalog.stores.map((st) => ({ store_id: st.store_id, size: st.size })),
      },
      settings: producerSettings,
      queueStreams: streamNames.map((st) => [queues[st].url, st]),
      keepSent: !options.skipBooks,
      archive: archives?.handler('producer'),
    });
    const chaosSqs = chaos ? sqsFor() : undefined;

    // Consumers: one event source per stream. Its invocations run in that function's pool of
    // worker threads (one per concurrent invocation, each with its own S3 client), or in-process.
    const known = knownIdsOf(catalog);
    const sources = {} as Record<StreamName, SqsEventSource>;
    // Files land as consumer invocations finish: the loader wakes then, as auto-copy reacts to S3 events.
    let wakeLoader: (() => void) | undefined;
    for (const stream of streamNames) {
      const consumerSqs = sqsFor();
      const functionName = `${s.prefix}-${stream}-consumer`;
      const timeoutMs = 60_000;
      let handler: SqsBatchHandler;
      if (s.consumerWorkers) {
        const pool = await startConsumerPool(s.consumerConcurrency, {
          endpoint: endpoint.url,
          region: endpoint.region,
          credentials: endpoint.credentials,
          stream,
          bucket,
          filePer: s.filePer,
          productIds: catalog.products.map((p) => p.product_id),
          storeIds: catalog.stores.map((st) => st.store_id),
          chaos: options.chaos ? { options: options.chaos, maxReceiveCount: s.maxReceiveCount } : undefined,
          archive: archives?.handler(stream === 'sales' ? 'salesConsumer' : 'inventoryConsumer'),
        });
        consumerPools.push(pool);
        handler = async (event) => {
          const answer = await pool.invoke({ event, functionName, timeoutMs });
          usage.addS3Usage(answer.s3Usage);
          if (chaos && answer.chaos) chaos.addCounts(answer.chaos);
          if (answer.thrown !== undefined) throw new Error(answer.thrown);
          return answer.response;
        };
      } else {
        const s3 = s3For();
        if (chaos) chaos.failS3Puts(s3);
        const deps = { s3, known, settings: { stream, bucket, filePer: s.filePer } };
        handler = (event, context) =>
          chaos
            ? chaos.consumerInvocation(event, () => consumeBatch(deps, event, context))
            : consumeBatch(deps, event, context);
      }
      sources[stream] = new SqsEventSource({
        sqs: consumerSqs,
        queueUrl: queues[stream].url,
        queueArn: queues[stream].arn,
        functionName,
        batchSize: s.batchSize,
        concurrency: s.consumerConcurrency,
        visibilityTimeoutMs: s.visibilityTimeoutSeconds * 1000,
        functionTimeoutMs: timeoutMs,
        handler,
        invoke: (_event: SQSEvent, call) =>
          usage.invoke(functionName, call, (r) => (r?.batchItemFailures.length ?? 0) > 0),
        onReceive:
          chaos && options.chaos!.rates.duplicateDelivery > 0
            ? chaos.duplicateDeliveries(consumerSqs, queues[stream].url)
            : undefined,
        onInvocation: (outcome) => {
          for (const r of outcome.succeeded) {
            progress.consumed += eventsInBody(r.body);
            const chunk = chunkIdOfBody(r.body);
            if (chunk) freshness.landedChunk(chunk, Number(r.attributes.SentTimestamp), Date.now());
          }
          wakeLoader?.();
        },
      });
    }
    warehouse = await opening;
    const ledger = await warehouse.windows();
    const unfinished = ledger.filter((w) => w.status !== 'loaded');
    if (unfinished.length && !options.windows) throw new ResumeFirst(unfinished);
    const generation = generationOf(s, options.eventsPerRun);
    const windows = planWindows(s, options, ledger, ledger.length ? null : await warehouse.lastEventTime(), generation);
    const windowMs = s.windowMinutes * 60_000;
    const start = windows[0];
    const notes: string[] = [];
    const firstDay = ledger[0]?.start.slice(0, 10) ?? start.slice(0, 10);
    const lastDay = isoAt(Date.parse(windows[windows.length - 1]) + windowMs - 1000).slice(0, 10);
    if (!options.start && !options.windows && lastDay > firstDay) {
      notes.push(
        `This run carries on after the ${ledger.length} window(s) already in the warehouse, into ${lastDay} (the warehouse began on ${firstDay}). ` +
          'For a clean Black Friday morning, start again with --fresh, or give another --data-dir.',
      );
    }
    for (const n of notes) options.onNotice?.(n);
    // Demanded sale lines per window; each window's real event count replaces its estimate once produced.
    const estimates = windows.map(
      (w) =>
        options.eventsPerRun ??
        expectedSaleLines({
          start: w,
          minutes: s.windowMinutes,
          seed: s.seed,
          peakLinesPerMinute: s.peakLinesPerMinute,
        }),
    );
    let estimatedLeft = estimates.reduce((a, b) => a + b, 0);
    let estimatedDone = 0;
    const updateExpected = () => {
      // Events per demanded line so far (a sale and its update, plus restocks, less lost sales); 2 until a window is in.
      const ratio = estimatedDone > 0 ? progress.produced / estimatedDone : 2;
      progress.expected = Math.round(progress.produced + ratio * estimatedLeft);
    };
    updateExpected();
    const setupMs = performance.now() - started;

    // Stream phase: the schedule's invocations and the event sources run together.
    const streamStarted = performance.now();
    const results: ProducerResult[] = [];
    let producerDone = false;
    let produceMs = 0;
    const progressTimer = setInterval(report, 100);
    progress.phase = 'stream';
    const produce = async () => {
      let next = 0;
      const producerName = `${s.prefix}-producer`;
      const worker = async () => {
        while (next < windows.length) {
          const index = next++;
          const window = windows[index];
          const due = streamStarted + index * (options.scheduleEveryMs ?? 0);
          if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
          // In the ledger before any event leaves, so a kill from here on leaves a window the next run finishes.
          await warehouse!.startWindow({ start: window, minutes: s.windowMinutes, seed: s.seed, generation });
          const {
            result,
            sent: accepted,
            sqsUsage,
          } = await usage.invoke(producerName, () =>
            producers!.invoke({
              start: window,
              seed: s.seed,
              ...(options.eventsPerRun !== undefined ? { count: options.eventsPerRun } : {}),
            }),
          );
          usage.addSqsUsage(sqsUsage);
          for (const st of streamNames) for (const body of accepted[st]) sent[st].push(body);
          results.push(result);
          await warehouse!.windowProduced(window, result.events);
          progress.produced += result.events.sales + result.events.inventory;
          estimatedLeft -= estimates[index];
          estimatedDone += estimates[index];
          updateExpected();
          progress.runsDone++;
          if (chaos) {
            for (const stream of streamNames) {
              await chaos.injectIntoStream(
                chaosSqs!,
                stream,
                queues[stream].url,
                result.window,
                { events: result.events[stream], messages: result.messages[stream] },
                catalog,
              );
            }
          }
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(s.producerConcurrency, windows.length) }, worker));
      } finally {
        producerDone = true;
        produceMs = performance.now() - streamStarted;
      }
    };
    const loaderOptions = {
      s3: loaderS3,
      bucket,
      crashMidFile:
        chaos && options.chaos!.rates.loaderCrash > 0 ? (key: string) => chaos.loaderCrashes(key) : undefined,
    };
    const loadCounts: LoadCounts = { files: 0, skipped: 0, rows: { sales: 0, inventory: 0 }, crashes: 0, failures: [] };
    const addLoad = (c: LoadCounts) => {
      loadCounts.files += c.files;
      loadCounts.rows.sales += c.rows.sales;
      loadCounts.rows.inventory += c.rows.inventory;
      loadCounts.crashes += c.crashes;
      loadCounts.failures.push(...c.failures);
      loadCounts.skipped = c.skipped;
      progress.loaded = loadCounts.rows.sales + loadCounts.rows.inventory;
    };
    // Like auto-copy, the loader picks up files while the stream goes on; the warehouse
    // works in its own thread (PGlite worker) or server. With a live dashboard, the views
    // refresh every loadEveryMs too.
    let streaming = true;
    const liveLoads = async () => {
      let lastRefresh = performance.now();
      while (streaming) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, LIVE_LOAD_INTERVAL_MS);
          wakeLoader = () => (clearTimeout(timer), resolve());
        });
        wakeLoader = undefined;
        if (!streaming) break;
        freshness.loadStarted();
        addLoad(await warehouse!.load(loaderOptions));
        freshness.loadFinished(Date.now());
        if (options.loadEveryMs && performance.now() - lastRefresh >= options.loadEveryMs) {
          lastRefresh = performance.now();
          freshness.refreshStarted();
          await warehouse!.refresh();
          freshness.refreshFinished(Date.now());
          if (options.onWarehouseRefresh) await options.onWarehouseRefresh(await warehouse!.dashboard());
        }
      }
    };
    // A warehouse that fails while loading (a dropped connection, say) ends the stream at once, not after it.
    let failStream: (error: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (failStream = reject));
    failed.catch(() => undefined);
    const live = liveLoads().catch((error: unknown) => {
      streaming = false;
      failStream(error);
    });
    let consumerStats: Record<StreamName, EventSourceStats>;
    try {
      const drained = Promise.all(streamNames.map((st) => sources[st].drain(() => producerDone)));
      const producing = produce();
      // Left behind if the race is lost; their errors are the same failure, reported once.
      drained.catch(() => undefined);
      producing.catch(() => undefined);
      const [, stats] = await Promise.race([Promise.all([producing, drained]), failed]);
      consumerStats = Object.fromEntries(streamNames.map((st, i) => [st, stats[i]])) as Record<
        StreamName,
        EventSourceStats
      >;
    } finally {
      streaming = false;
      wakeLoader?.();
      await live;
      clearInterval(progressTimer);
    }
    const streamMs = performance.now() - streamStarted;

    // Load phase: the loader stands in for auto-copy, then the views refresh.
    progress.phase = 'load';
    report();
    const loadStarted = performance.now();
    freshness.loadStarted();
    addLoad(await warehouse.load(loaderOptions));
    freshness.loadFinished(Date.now());
    const loadMs = performance.now() - loadStarted;
    const refreshStarted = performance.now();
    freshness.refreshStarted();
    await warehouse.refresh();
    freshness.refreshFinished(Date.now());
    const refreshMs = performance.now() - refreshStarted;
    const pipelineMs = performance.now() - streamStarted;
    const queriesStarted = performance.now();
    const dashboard = await warehouse.dashboard();
    if (options.onWarehouseRefresh) await options.onWarehouseRefresh(dashboard);
    const queriesMs = performance.now() - queriesStarted;

    const dlqDepth = {} as Record<StreamName, number>;
    for (const st of streamNames) dlqDepth[st] = await depthOf(admin, queues[st].dlqUrl);

    const events = { sales: 0, inventory: 0 };
    const messages = { sales: 0, inventory: 0 };
    const messageBytes = { sales: 0, inventory: 0 };
    let lostSales = 0;
    let baskets = 0;
    for (const r of results) {
      for (const st of streamNames) {
        events[st] += r.events[st];
        messages[st] += r.messages[st];
        messageBytes[st] += r.bytes[st];
      }
      lostSales += r.lostSales;
      baskets += r.baskets;
    }
    const end = isoAt(Date.parse(windows[windows.length - 1]) + windowMs);

    progress.phase = 'books';
    report();
    const booksStarted = performance.now();
    const books = options.skipBooks
      ? undefined
      : await reconcile({
          sqs: admin,
          s3: loaderS3,
          bucket,
          queues,
          warehouse,
          sent,
          chaos,
          window: { start, end },
          runs: results.map((r) => r.window),
        });
    // A window is done when every event it produced is in the warehouse once (or, without books, when every file loaded).
    const allIn = books
      ? streamNames.every((st) => books.streams[st].missing === 0 && books.streams[st].doubled === 0)
      : loadCounts.failures.length === 0;
    if (allIn) await warehouse.windowsLoaded(windows);
    const warehouseBooks = options.skipBooks ? undefined : await warehouse.books();
    const booksMs = performance.now() - booksStarted;
    const usageSnapshot = usage.snapshot();
    progress.phase = 'done';
    report();
    const totalEvents = events.sales + events.inventory;
    return {
      settings: {
        runs: windows.length,
        windowMinutes: s.windowMinutes,
        start,
        end,
        seed: s.seed,
        eventsPerMessage: s.eventsPerMessage,
        maxMessageBytes: s.maxMessageBytes,
        compression: s.compression,
        batchSize: s.batchSize,
        filePer: s.filePer,
        endpoint: endpoint.embedded ? `fauxqs (embedded, ${endpoint.url})` : endpoint.url,
        warehouse: warehouse.describe,
        ...(options.chaos ? { chaos: options.chaos } : {}),
        functions: s.functions,
        ...(archives ? { archives: { dir: archives.dir, cached: archives.cached, ms: archives.ms } } : {}),
      },
      events,
      totalEvents,
      messages,
      messageBytes,
      lostSales,
      baskets,
      files: {
        written: Object.values(usageSnapshot.filesPerHour).reduce((a, b) => a + b, 0),
        loaded: loadCounts.files,
        skipped: loadCounts.skipped,
      },
      loader: { crashes: loadCounts.crashes, failures: loadCounts.failures },
      rowsLoaded: loadCounts.rows,
      rejects: books?.rejected.lines ?? 0,
      dlqDepth,
      consumers: consumerStats!,
      ...(chaos ? { chaos: { ...chaos.counts } } : {}),
      books,
      warehouseBooks,
      notes,
      dashboard,
      usage: usageSnapshot,
      timings: {
        setupMs,
        streamMs,
        produceMs,
        loadMs,
        refreshMs,
        queriesMs,
        booksMs,
        pipelineMs,
        totalMs: performance.now() - started,
      },
      eventsPerSecond: totalEvents / (pipelineMs / 1000),
      freshness: freshness.summary(),
    };
  } finally {
    for (const c of clients) c.destroy();
    await producers?.close();
    await Promise.all(consumerPools.map((p) => p.close()));
    // Closed even when something failed before the run awaited it.
    if (opening)
      await opening.then(
        (w) => w.close(),
        () => undefined,
      );
    await endpoint?.stop();
  }
}

async function depthOf(sqs: SQSClient, queueUrl: string): Promise<number> {
  const d = await queueDepth(sqs, queueUrl);
  return d.visible + d.inFlight + d.delayed;
}

export type { StreamQueues };
