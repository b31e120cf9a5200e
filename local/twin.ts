// The local twin: the whole pipeline in one process. The same producer and consumer
// handlers as in Lambda, real SQS and S3 over HTTP (fauxqs, or AWS_ENDPOINT_URL), the
// Lambda SQS event source emulated, and the same warehouse migrations, loader and
// views on PGlite (or DATABASE_URL). A run ends with the books: every event produced
// is loaded exactly once, rejected with its reason, or (if unreadable) in a DLQ.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { availableParallelism } from 'node:os';
import { buildCatalog, type Catalog } from '../functions/catalog';
import { knownIdsOf, streamNames, type StreamName } from '../functions/contracts';
import { consumeBatch } from '../functions/consumer';
import { expectedSaleLines } from '../functions/generator';
import { SQS_MAX_MESSAGE_BYTES, type Compression } from '../functions/packing';
import type { ProducerResult, ProducerSettings } from '../functions/producer';
import { startProducerPool, type ProducerPool } from './producerPool';
import { reconcile, type Books, type SentChunks } from './books';
import { Chaos, type ChaosCounts, type ChaosOptions } from './chaos';
import { createStreamQueues, ensureBucket, openEndpoint, type StreamQueues, type TwinEndpoint } from './endpoint';
import { queueDepth, SqsEventSource, type EventSourceStats, type SqsBatchHandler } from './eventSource';
import { startConsumerPool, type ConsumerPool } from './consumerPool';
import { twinArchives } from './archives';
import { UsageMeter, type TwinUsage } from './usage';
import { openTwinWarehouse, type DashboardData, type TwinWarehouse, type LoadCounts } from './warehouse';

export interface TwinOptions {
  /** Scheduled producer runs (windows). Default 24: 06:00 to 12:00 in 15-minute windows. */
  runs?: number;
  /** Length of each window, minutes. Default 15. */
  windowMinutes?: number;
  /** First window start, ISO-8601. Default: right after the last data in the warehouse, or Black Friday 06:00 UTC. */
  start?: string;
  /** Exact sale lines per run; without it each window follows the demand curve. */
  eventsPerRun?: number;
  /** Sale lines per minute at the top of the curve. Default 400 (about 100k events over the default morning). */
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
  /** Start from an empty warehouse: drop the warehouse schema and its migration log, then migrate again. */
  fresh?: boolean;
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
  /** Expected events of the whole run, from the demand curve (an estimate). */
  expected: number;
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
  settings: Pick<ResolvedSettings, 'runs' | 'windowMinutes' | 'seed' | 'eventsPerMessage' | 'maxMessageBytes' | 'compression' | 'batchSize' | 'filePer'> & {
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
  dashboard?: DashboardData;
  usage: TwinUsage;
  timings: TwinTimings;
  /** Events per second from producer start to views refreshed. */
  eventsPerSecond: number;
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

const isWhole = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

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
  if (!isWhole(s.windowMinutes, 1, 1440)) problems.push(`windowMinutes must be a whole number 1..1440, got ${s.windowMinutes}`);
  if (!isWhole(s.peakLinesPerMinute, 1, 1_000_000)) problems.push(`peakLinesPerMinute must be a whole number 1..1000000, got ${s.peakLinesPerMinute}`);
  if (options.eventsPerRun !== undefined && !isWhole(options.eventsPerRun, 0, 5_000_000)) problems.push(`eventsPerRun must be a whole number 0..5000000, got ${options.eventsPerRun}`);
  if (!isWhole(s.seed, 0, 0xffffffff)) problems.push(`seed must be a whole number 0..4294967295, got ${s.seed}`);
  if (s.eventsPerMessage !== 'fill' && !isWhole(s.eventsPerMessage, 1, 100_000)) problems.push(`eventsPerMessage must be 'fill' or a whole number 1..100000, got ${s.eventsPerMessage}`);
  if (!isWhole(s.maxMessageBytes, 1024, SQS_MAX_MESSAGE_BYTES)) problems.push(`maxMessageBytes must be a whole number 1024..${SQS_MAX_MESSAGE_BYTES}, got ${s.maxMessageBytes}`);
  if (s.compression !== 'gzip' && s.compression !== 'none') problems.push(`compression must be gzip or none, got ${s.compression}`);
  if (!isWhole(s.batchSize, 1, 10000)) problems.push(`batchSize must be a whole number 1..10000, got ${s.batchSize}`);
  if (s.filePer !== 'message' && s.filePer !== 'batch') problems.push(`filePer must be message or batch, got ${s.filePer}`);
  if (!isWhole(s.consumerConcurrency, 1, 16)) problems.push(`consumerConcurrency must be a whole number 1..16, got ${s.consumerConcurrency}`);
  if (!isWhole(s.producerConcurrency, 1, 64)) problems.push(`producerConcurrency must be a whole number 1..64, got ${s.producerConcurrency}`);
  if (!isWhole(s.maxReceiveCount, 1, 1000)) problems.push(`maxReceiveCount must be a whole number 1..1000, got ${s.maxReceiveCount}`);
  if (!isWhole(s.visibilityTimeoutSeconds, 0, 43200)) problems.push(`visibilityTimeoutSeconds must be a whole number 0..43200, got ${s.visibilityTimeoutSeconds}`);
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(s.prefix)) problems.push(`prefix must be lowercase letters, digits and dashes (1..41), got ${JSON.stringify(s.prefix)}`);
  if (options.start !== undefined && Number.isNaN(Date.parse(options.start))) problems.push(`start must be an ISO-8601 timestamp, got ${JSON.stringify(options.start)}`);
  if (options.loadEveryMs !== undefined && !isWhole(options.loadEveryMs, 100)) problems.push(`loadEveryMs must be a whole number >= 100, got ${options.loadEveryMs}`);
  if (s.functions === 'archives') {
    // The shipped functions take what the stack gives them: the dev catalog, a file per message, their own execution environments.
    if (options.catalog) problems.push('a custom catalog runs only from source (the archives carry the dev stack catalog)');
    if (s.filePer !== 'message') problems.push("filePer 'batch' runs only from source (the shipped consumer writes a file per message)");
    if (!s.consumerWorkers) problems.push('in-process consumers run only from source (the archives run in worker threads)');
  } else if (s.functions !== 'source') problems.push(`functions must be archives or source, got ${s.functions}`);
  if (problems.length > 0) throw new RangeError(`invalid twin options: ${problems.join('; ')}`);
  return s;
}

function isoAt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** The first window: after the warehouse's last event (a second run adds to the first), else Black Friday 06:00. */
function firstWindowStart(lastEvent: string | null, windowMinutes: number): string {
  if (!lastEvent) return BLACK_FRIDAY_MORNING;
  const length = windowMinutes * 60_000;
  return isoAt(Math.floor(Date.parse(lastEvent) / length) * length + length);
}

/** Events in a producer message, read from the envelope head without parsing the body. */
function eventsInBody(body: string): number {
  const m = /"count":(\d+)/.exec(body.slice(0, 200));
  return m ? Number(m[1]) : 0;
}

/** How often the loader looks for new landing files during the stream, besides after each consumer invocation. */
const LIVE_LOAD_INTERVAL_MS = 100;

export async function runTwin(options: TwinOptions = {}): Promise<TwinReport> {
  const started = performance.now();
  const s = resolveTwinSettings(options);
  const catalog = options.catalog ?? buildCatalog();
  const usage = new UsageMeter();
  const bucket = `${s.prefix}-landing`;
  const progress: TwinProgress = { phase: 'setup', runsDone: 0, runs: s.runs, produced: 0, consumed: 0, loaded: 0, expected: 0 };
  const report = () => options.onProgress?.({ ...progress });
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
    opening = openTwinWarehouse({ dataDir: options.dataDir ?? '.twin/pgdata', databaseUrl: options.databaseUrl, fresh: options.fresh ?? false, catalog });
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
      catalog: { products: catalog.products.map((p) => ({ product_id: p.product_id, price: p.price })), stores: catalog.stores.map((st) => ({ store_id: st.store_id, size: st.size })) },
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
        handler = (event, context) => (chaos ? chaos.consumerInvocation(event, () => consumeBatch(deps, event, context)) : consumeBatch(deps, event, context));
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
        invoke: (_event: SQSEvent, call) => usage.invoke(functionName, call, (r) => (r?.batchItemFailures.length ?? 0) > 0),
        onReceive: chaos && options.chaos!.rates.duplicateDelivery > 0 ? chaos.duplicateDeliveries(consumerSqs, queues[stream].url) : undefined,
        onInvocation: (outcome) => {
          for (const r of outcome.succeeded) progress.consumed += eventsInBody(r.body);
          wakeLoader?.();
        },
      });
    }
    warehouse = await opening;
    const start = options.start ? isoAt(Date.parse(options.start)) : firstWindowStart(await warehouse.lastEventTime(), s.windowMinutes);
    const windowMs = s.windowMinutes * 60_000;
    const windows = Array.from({ length: s.runs }, (_, i) => isoAt(Date.parse(start) + i * windowMs));
    progress.expected = windows.reduce(
      (n, w) => n + 2 * (options.eventsPerRun ?? expectedSaleLines({ start: w, minutes: s.windowMinutes, seed: s.seed, peakLinesPerMinute: s.peakLinesPerMinute })),
      0,
    );
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
          const window = windows[next++];
          const { result, sent: accepted, sqsUsage } = await usage.invoke(producerName, () =>
            producers!.invoke({ start: window, seed: s.seed, ...(options.eventsPerRun !== undefined ? { count: options.eventsPerRun } : {}) }),
          );
          usage.addSqsUsage(sqsUsage);
          for (const st of streamNames) for (const body of accepted[st]) sent[st].push(body);
          results.push(result);
          progress.produced += result.events.sales + result.events.inventory;
          progress.runsDone++;
          if (chaos) {
            for (const stream of streamNames) {
              await chaos.injectIntoStream(chaosSqs!, stream, queues[stream].url, result.window, { events: result.events[stream], messages: result.messages[stream] }, catalog);
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
    const loaderOptions = { s3: loaderS3, bucket, crashMidFile: chaos && options.chaos!.rates.loaderCrash > 0 ? (key: string) => chaos.loaderCrashes(key) : undefined };
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
        addLoad(await warehouse!.load(loaderOptions));
        if (options.loadEveryMs && performance.now() - lastRefresh >= options.loadEveryMs) {
          lastRefresh = performance.now();
          await warehouse!.refresh();
          if (options.onWarehouseRefresh) await options.onWarehouseRefresh(await warehouse!.dashboard());
        }
      }
    };
    const live = liveLoads();
    let consumerStats: Record<StreamName, EventSourceStats>;
    try {
      const drained = Promise.all(streamNames.map((st) => sources[st].drain(() => producerDone)));
      await produce();
      const stats = await drained;
      consumerStats = Object.fromEntries(streamNames.map((st, i) => [st, stats[i]])) as Record<StreamName, EventSourceStats>;
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
    addLoad(await warehouse.load(loaderOptions));
    const loadMs = performance.now() - loadStarted;
    const refreshStarted = performance.now();
    await warehouse.refresh();
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
    const end = isoAt(Date.parse(start) + s.runs * windowMs);

    progress.phase = 'books';
    report();
    const booksStarted = performance.now();
    const books = options.skipBooks
      ? undefined
      : await reconcile({ sqs: admin, s3: loaderS3, bucket, queues, warehouse, sent, chaos, window: { start, end }, runs: results.map((r) => r.window) });
    const booksMs = performance.now() - booksStarted;
    const usageSnapshot = usage.snapshot();
    progress.phase = 'done';
    report();
    const totalEvents = events.sales + events.inventory;
    return {
      settings: {
        runs: s.runs,
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
      files: { written: Object.values(usageSnapshot.filesPerHour).reduce((a, b) => a + b, 0), loaded: loadCounts.files, skipped: loadCounts.skipped },
      loader: { crashes: loadCounts.crashes, failures: loadCounts.failures },
      rowsLoaded: loadCounts.rows,
      rejects: books?.rejected.lines ?? 0,
      dlqDepth,
      consumers: consumerStats!,
      ...(chaos ? { chaos: { ...chaos.counts } } : {}),
      books,
      dashboard,
      usage: usageSnapshot,
      timings: { setupMs, streamMs, produceMs, loadMs, refreshMs, queriesMs, booksMs, pipelineMs, totalMs: performance.now() - started },
      eventsPerSecond: totalEvents / (pipelineMs / 1000),
    };
  } finally {
    for (const c of clients) c.destroy();
    await producers?.close();
    await Promise.all(consumerPools.map((p) => p.close()));
    // Closed even when something failed before the run awaited it.
    if (opening) await opening.then((w) => w.close(), () => undefined);
    await endpoint?.stop();
  }
}

async function depthOf(sqs: SQSClient, queueUrl: string): Promise<number> {
  const d = await queueDepth(sqs, queueUrl);
  return d.visible + d.inFlight + d.delayed;
}

export type { StreamQueues };
