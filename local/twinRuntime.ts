// What a twin run stands on, set up before the first window and torn down after the books:
// the endpoint (fauxqs or AWS_ENDPOINT_URL), the queues and bucket, the SDK clients (each
// metered), the producer's and consumers' worker pools behind one emulated event source per
// stream, the warehouse and its live loader. Also the run's progress, which the event
// sources, the producer and the loader all advance.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { buildCatalog, type Catalog } from '../kernel/catalog';
import { knownIdsOf, perStream, streamNames, streamTotal, type StreamName } from '../kernel/contracts';
import { producerSettingValuesOf } from '../kernel/producerSettings';
import { streamNamings } from '../kernel/streamNaming';
import type { ProducerSettings } from '../functions/producer';
import { twinArchives, type TwinArchives } from './archives';
import type { SentChunks } from './books';
import { Chaos } from './chaos';
import { startConsumerPool, type ConsumeBatch } from './consumerPool';
import { createStreamQueues, ensureBucket, openEndpoint, type StreamQueues, type TwinEndpoint } from './endpoint';
import {
  functionTimedOut,
  SqsEventSource,
  withinTimeout,
  type InvocationOutcome,
  type SqsBatchHandler,
} from './eventSource';
import { chunkIdOfBody, FreshnessTracker } from './freshness';
import { LiveLoader } from './liveLoader';
import { startProducerPool, type ProducerPool } from './producerPool';
import type { ResolvedSettings, TwinOptions, TwinProgress } from './twinTypes';
import { UsageMeter } from './usage';
import { openTwinWarehouse, type LoadCounts, type TwinWarehouse } from './warehouse';
import { InvocationTimeout, loadExport } from './workerPool';

/**
 * The consumers' timeout unless the twin is told (consumerTimeoutSeconds) or runs the shipped
 * archives (which declare it): the stack's default consumerTimeoutSeconds (infra/config.ts).
 */
const STACK_DEFAULT_CONSUMER_TIMEOUT_SECONDS = 60;

/** Events in a producer message, read from the envelope head without parsing the body. */
function eventsInBody(body: string): number {
  const m = /"count":(\d+)/.exec(body.slice(0, 200));
  return m ? Number(m[1]) : 0;
}

/** The run's progress as the user sees it, and the freshness of each chunk. */
export class RunProgress {
  readonly freshness = new FreshnessTracker();
  readonly state: TwinProgress;
  private estimates: readonly number[] = [];
  private estimatedLeft = 0;
  private estimatedDone = 0;

  constructor(
    runs: number,
    private readonly onProgress?: (progress: TwinProgress) => void,
    finishing?: readonly string[],
  ) {
    this.state = { phase: 'setup', runsDone: 0, runs, produced: 0, consumed: 0, loaded: 0, expected: 0 };
    if (finishing) this.state.finishing = finishing;
  }

  report(): void {
    this.onProgress?.({ ...this.state, freshness: this.freshness.summary() });
  }

  enter(phase: TwinProgress['phase']): void {
    this.state.phase = phase;
    this.report();
  }

  /** Demanded sale lines per window; each window's real event count replaces its estimate once produced. */
  expect(estimates: readonly number[]): void {
    this.estimates = estimates;
    this.estimatedLeft = estimates.reduce((a, b) => a + b, 0);
    this.updateExpected();
  }

  windowProduced(index: number, events: Record<StreamName, number>): void {
    this.state.produced += streamTotal(events);
    this.estimatedLeft -= this.estimates[index];
    this.estimatedDone += this.estimates[index];
    this.updateExpected();
    this.state.runsDone++;
  }

  consumed(outcome: InvocationOutcome): void {
    for (const r of outcome.succeeded) {
      this.state.consumed += eventsInBody(r.body);
      const chunk = chunkIdOfBody(r.body);
      if (chunk) this.freshness.landedChunk(chunk, Number(r.attributes.SentTimestamp), Date.now());
    }
  }

  loaded(counts: LoadCounts): void {
    this.state.loaded = streamTotal(counts.rows);
  }

  private updateExpected(): void {
    // Events per demanded line so far (a sale and its update, plus restocks, less lost sales); one per stream until a window is in.
    const ratio = this.estimatedDone > 0 ? this.state.produced / this.estimatedDone : streamNames.length;
    this.state.expected = Math.round(this.state.produced + ratio * this.estimatedLeft);
  }
}

type Closer = () => unknown;

/**
 * The warehouse every pass of one run stands on (the windows an earlier run left, then the run's
 * own): the first pass opens it, claiming its data directory, and the run closes it after the last.
 * A pass that opened its own would start PGlite again (a worker, its WASM, Postgres and the
 * integrity check: seconds of CPU) and let go of the directory's lock between passes.
 */
export class RunWarehouse {
  private opening?: Promise<TwinWarehouse>;

  /** The open warehouse, opened by the first caller. */
  open(open: () => Promise<TwinWarehouse>): Promise<TwinWarehouse> {
    return (this.opening ??= open());
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    await opening?.then(
      (w) => w.close(),
      () => undefined,
    );
  }
}

/** One run's resources. `open` and `startFunctions` set them up; `close` tears down whatever was set up, in reverse. */
export class TwinRuntime {
  /** When the run began: its setup and total times count from here. */
  readonly started = performance.now();
  readonly catalog: Catalog;
  readonly usage = new UsageMeter();
  readonly progress: RunProgress;
  readonly bucket: string;
  readonly chaos?: Chaos;
  /** The bodies SQS accepted from the producer, for the books. */
  readonly sent: SentChunks = perStream(() => []);
  endpoint!: TwinEndpoint;
  /** The twin's own SQS client: queue depths, the books. */
  admin!: SQSClient;
  queues!: Record<StreamName, StreamQueues>;
  loaderS3!: S3Client;
  chaosSqs?: SQSClient;
  archives?: TwinArchives;
  consumerTimeoutSeconds!: number;
  producers!: ProducerPool;
  sources!: Record<StreamName, SqsEventSource>;
  warehouse!: TwinWarehouse;
  loader!: LiveLoader;
  private readonly closers: Closer[] = [];

  private constructor(
    readonly s: ResolvedSettings,
    readonly options: TwinOptions,
    private readonly runWarehouse: RunWarehouse,
  ) {
    this.catalog = options.catalog ?? buildCatalog();
    this.progress = new RunProgress(s.runs, options.onProgress, options.windows);
    this.bucket = `${s.prefix}-landing`;
    this.chaos = options.chaos ? new Chaos(options.chaos, s.maxReceiveCount) : undefined;
  }

  /**
   * What a run needs before its functions: the warehouse (its lock first), the endpoint, the queues
   * and the bucket. The caller plans the run on the warehouse, then starts the functions
   * (startFunctions), so a refused run never starts a function worker. On a failure, what was set
   * up is torn down again (the warehouse by the run, after its last pass).
   */
  static async open(s: ResolvedSettings, options: TwinOptions, warehouse: RunWarehouse): Promise<TwinRuntime> {
    const runtime = new TwinRuntime(s, options, warehouse);
    runtime.progress.report();
    try {
      await runtime.setUp();
      return runtime;
    } catch (error) {
      await runtime.close();
      throw error;
    }
  }

  /** Tears down in reverse order; every closer runs even if one fails, and the first failure is thrown. */
  async close(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (const close of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  private async setUp(): Promise<void> {
    const { options } = this;
    // Opened by the run's first pass (with its --fresh and --repair), and closed by the run.
    const opening = this.runWarehouse.open(() =>
      openTwinWarehouse({
        dataDir: options.dataDir ?? '.twin/pgdata',
        databaseUrl: options.databaseUrl,
        fresh: options.fresh ?? false,
        repair: options.repair,
        catalog: this.catalog,
      }),
    );
    // The opening claims the data directory (its marker and lock) before its first await: a busy
    // or foreign directory has failed by the next turn of the event loop, before anything starts.
    await Promise.race([opening, new Promise(setImmediate)]);
    // The endpoint, queues and bucket start while the warehouse opens (and migrates) in its worker;
    // a refusal of the warehouse's is the one reported, once both have settled.
    const [warehouse, transport] = await Promise.allSettled([opening, this.setUpTransport()]);
    if (warehouse.status === 'rejected') throw warehouse.reason;
    if (transport.status === 'rejected') throw transport.reason;
    this.warehouse = warehouse.value;
    this.loader = new LiveLoader({
      warehouse: this.warehouse,
      load: {
        s3: this.loaderS3,
        bucket: this.bucket,
        crashMidFile: this.chaos?.options.rates.loaderCrash ? (key) => this.chaos!.loaderCrashes(key) : undefined,
      },
      freshness: this.progress.freshness,
      refreshEveryMs: options.loadEveryMs,
      onRefresh: options.onWarehouseRefresh,
      onLoaded: (counts) => this.progress.loaded(counts),
    });
  }

  /** The endpoint, the queues, the bucket and the archives (when the functions run them). */
  private async setUpTransport(): Promise<void> {
    const { s, options } = this;
    this.endpoint = await openEndpoint(options.endpointUrl, 'us-east-1');
    this.closers.push(() => this.endpoint.stop());
    this.admin = this.sqsClient();
    this.queues = await createStreamQueues(this.admin, {
      prefix: s.prefix,
      maxMessageBytes: s.maxMessageBytes,
      maxReceiveCount: s.maxReceiveCount,
      visibilityTimeoutSeconds: s.visibilityTimeoutSeconds,
    });
    this.loaderS3 = this.s3Client();
    await ensureBucket(this.loaderS3, this.bucket);
    this.archives = s.functions === 'archives' ? await twinArchives() : undefined;
    this.consumerTimeoutSeconds =
      s.consumerTimeoutSeconds ??
      this.archives?.timeoutSeconds(streamNamings[streamNames[0]].consumerFunction) ??
      STACK_DEFAULT_CONSUMER_TIMEOUT_SECONDS;
    this.chaosSqs = this.chaos ? this.sqsClient() : undefined;
  }

  /**
   * The functions, once the run is planned: the producer's pool and each stream's consumers behind
   * their event source, cold-started side by side. The caller closes the runtime on a failure.
   */
  async startFunctions(): Promise<void> {
    const producers = this.startProducers();
    const sources = streamNames.map((stream) => this.eventSource(stream));
    // Every start settles before a failure is thrown, so close() finds each pool that did start.
    const started = await Promise.allSettled([producers, ...sources]);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    this.producers = await producers;
    const ready = await Promise.all(sources);
    this.sources = perStream((stream) => ready[streamNames.indexOf(stream)]);
  }

  /** A metered SQS client of its own (each role gets its own middleware stack), destroyed at the end. */
  sqsClient(): SQSClient {
    const client = this.endpoint.sqsClient();
    this.usage.meterSqs(client);
    this.closers.push(() => client.destroy());
    return client;
  }

  s3Client(): S3Client {
    const client = this.endpoint.s3Client();
    this.usage.meterS3(client);
    this.closers.push(() => client.destroy());
    return client;
  }

  /**
   * The producer: its invocations run in worker threads (see producerPool.ts); each reports the
   * bodies SQS accepted, so the books know exactly what left.
   */
  private async startProducers(): Promise<ProducerPool> {
    const { s, endpoint, catalog, queues } = this;
    const settings: ProducerSettings = {
      queueUrls: perStream((stream) => queues[stream].url),
      ...producerSettingValuesOf(s),
    };
    const pool = await startProducerPool(Math.min(s.producerConcurrency, s.runs), {
      endpoint: endpoint.url,
      region: endpoint.region,
      credentials: endpoint.credentials,
      catalog: {
        products: catalog.products.map((p) => ({ product_id: p.product_id, price: p.price })),
        stores: catalog.stores.map((st) => ({ store_id: st.store_id, size: st.size })),
      },
      settings,
      queueStreams: streamNames.map((st) => [queues[st].url, st]),
      keepSent: !this.options.skipBooks,
      archive: this.archives?.handler('producer'),
    });
    this.closers.push(() => pool.close());
    return pool;
  }

  /**
   * One stream's consumer behind its event source. Its invocations run in that function's pool of
   * worker threads (one per concurrent invocation, each with its own S3 client), or in-process.
   */
  private async eventSource(stream: StreamName): Promise<SqsEventSource> {
    const { s, queues, chaos, usage } = this;
    const functionName = streamNamings[stream].resources.consumer(s.prefix);
    const timeoutMs = this.consumerTimeoutSeconds * 1000;
    const consumerSqs = this.sqsClient();
    return new SqsEventSource({
      sqs: consumerSqs,
      queueUrl: queues[stream].url,
      queueArn: queues[stream].arn,
      functionName,
      batchSize: s.batchSize,
      concurrency: s.consumerConcurrency,
      visibilityTimeoutMs: s.visibilityTimeoutSeconds * 1000,
      functionTimeoutMs: timeoutMs,
      handler: s.consumerWorkers
        ? await this.pooledConsumer(stream, functionName, timeoutMs)
        : this.inProcessConsumer(stream, timeoutMs),
      invoke: (_event: SQSEvent, call) =>
        usage.invoke(functionName, call, (r) => (r?.batchItemFailures.length ?? 0) > 0),
      // Under chaos every receive is counted against the delivery budget, and may be duplicated.
      onReceive: chaos ? chaos.duplicateDeliveries(consumerSqs, queues[stream].url) : undefined,
      onInvocation: (outcome) => {
        this.progress.consumed(outcome);
        // Files land as consumer invocations finish: the loader wakes then, as auto-copy reacts to S3 events.
        this.loader.wake();
      },
    });
  }

  private async pooledConsumer(stream: StreamName, functionName: string, timeoutMs: number): Promise<SqsBatchHandler> {
    const { s, endpoint, catalog, chaos, usage } = this;
    const pool = await startConsumerPool(s.consumerConcurrency, {
      endpoint: endpoint.url,
      region: endpoint.region,
      credentials: endpoint.credentials,
      stream,
      bucket: this.bucket,
      productIds: catalog.products.map((p) => p.product_id),
      storeIds: catalog.stores.map((st) => st.store_id),
      chaos: this.options.chaos ? { options: this.options.chaos, maxReceiveCount: s.maxReceiveCount } : undefined,
      core: s.consumerCore,
      archive: this.archives?.handler(streamNamings[stream].consumerFunction),
    });
    this.closers.push(() => pool.close());
    return async (event) => {
      // The worker enforces the timeout (and is replaced if it overruns), from when it takes the batch.
      const answer = await pool.invoke({ event, functionName, timeoutMs }, timeoutMs).catch((error: unknown) => {
        throw error instanceof InvocationTimeout ? new Error(functionTimedOut(timeoutMs)) : error;
      });
      usage.addS3Usage(answer.s3Usage);
      if (chaos && answer.chaos) chaos.addCounts(answer.chaos);
      if (answer.thrown !== undefined) throw new Error(answer.thrown);
      return answer.response;
    };
  }

  private inProcessConsumer(stream: StreamName, timeoutMs: number): SqsBatchHandler {
    const { chaos } = this;
    const s3 = this.s3Client();
    if (chaos) chaos.failS3Puts(s3);
    const deps = { s3, known: knownIdsOf(this.catalog), settings: { stream, bucket: this.bucket } };
    const core = loadExport<ConsumeBatch>(this.s.consumerCore.module, this.s.consumerCore.entry);
    const consume: SqsBatchHandler = (event, context) =>
      chaos ? chaos.consumerInvocation(event, () => core(deps, event, context)) : core(deps, event, context);
    return (event, context) => withinTimeout(consume(event, context), timeoutMs);
  }
}
