// Consumer invocations in worker threads: each worker is one execution environment
// of a stream's consumer function with its own S3 client, running the shipped
// archive's handler or, from source, a consumer core (the unchanged consumeBatch unless
// another is injected, as the bench injects the original design). Chaos faults that belong
// inside the function (a crash after the S3 writes, S3 put failures) are injected in the
// worker; it reports its metered S3 usage and the faults it injected with each answer.
import type { S3Client } from '@aws-sdk/client-s3';
import type * as S3Module from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { MessagePort } from 'node:worker_threads';
import type { KnownIds, StreamName } from '../kernel/contracts';
import type { ConsumerDeps } from '../functions/consumer';
import type { ChaosCounts, ChaosOptions } from './chaos';
import type * as ChaosModule from './chaos';
import { endpointEnvironment, lambdaContext } from './lambdaContext';
import { UsageMeter, type S3UsageDelta } from './usage';
import {
  loadArchiveHandler,
  loadExport,
  onEachArchiveClient,
  sdkModule,
  serveRequests,
  sourceModule,
  WorkerPool,
  type ArchiveHandler,
} from './workerPool';

/** consumeBatch's signature: what a consumer core does with one SQS batch. */
export type ConsumeBatch = (deps: ConsumerDeps, event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * A consumer core, named by module and export so each worker thread can load it: the twin
 * runs it from source in place of the real consumeBatch (a benchmark's other design, say).
 */
export interface ConsumerCore {
  module: string;
  entry: string;
  /**
   * What one landing file holds, `message` for consumeBatch (a CSV per message and hour). It is
   * in the run's report and in each window's generation, so a resume runs the same core.
   */
  filePer: string;
}

/** The consumer that ships: functions/consumer.ts's consumeBatch. */
export const SHIPPED_CONSUMER: ConsumerCore = {
  module: require.resolve('../functions/consumer'),
  entry: 'consumeBatch',
  filePer: 'message',
};

export const isShippedConsumer = (core: ConsumerCore): boolean =>
  core.module === SHIPPED_CONSUMER.module && core.entry === SHIPPED_CONSUMER.entry;

/** The consumer core's deps for one stream, as the Lambda handler builds them. */
export function consumerDeps(
  s3: S3Client,
  stream: StreamName,
  bucket: string,
  ids: { productIds: readonly string[]; storeIds: readonly string[] },
): ConsumerDeps {
  const known: KnownIds = { products: new Set(ids.productIds), stores: new Set(ids.storeIds) };
  return { s3, known, settings: { stream, bucket } };
}

export interface ConsumerWorkerData {
  endpoint: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  stream: StreamName;
  bucket: string;
  productIds: string[];
  storeIds: string[];
  chaos?: { options: ChaosOptions; maxReceiveCount: number };
  /** The consumer core to run from source; ignored with an archive. */
  core: ConsumerCore;
  /** Run this shipped archive instead of the source modules (LANDING_BUCKET from the environment). */
  archive?: ArchiveHandler;
}

export interface ConsumerRequest {
  event: SQSEvent;
  functionName: string;
  timeoutMs: number;
}

export interface ConsumerAnswer {
  /** The handler's response, or undefined when it threw. */
  response?: SQSBatchResponse;
  /** The handler's error message when it threw (Lambda: a function error). */
  thrown?: string;
  s3Usage: S3UsageDelta;
  chaos?: ChaosCounts;
}

/** Inside a worker: one consumer execution environment. */
export function serveConsumer(port: MessagePort, data: ConsumerWorkerData): void {
  const meter = new UsageMeter();
  const chaos = data.chaos
    ? new (sourceModule<typeof ChaosModule>(require.resolve('./chaos')).Chaos)(
        data.chaos.options,
        data.chaos.maxReceiveCount,
      )
    : undefined;
  const instrument = (s3: S3Client) => {
    meter.meterS3(s3);
    chaos?.failS3Puts(s3);
  };
  let consume: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  if (data.archive) {
    onEachArchiveClient<S3Client>(data.archive, '@aws-sdk/client-s3', 'S3Client', instrument);
    consume = loadArchiveHandler<typeof consume>(data.archive);
  } else {
    const { S3Client } = sourceModule<typeof S3Module>('@aws-sdk/client-s3');
    const s3 = new S3Client({
      endpoint: data.endpoint,
      region: data.region,
      credentials: data.credentials,
      forcePathStyle: true,
    });
    instrument(s3);
    const deps = consumerDeps(s3, data.stream, data.bucket, data);
    const core = loadExport<ConsumeBatch>(data.core.module, data.core.entry);
    consume = (event, context) => core(deps, event, context);
  }
  serveRequests<ConsumerRequest, ConsumerAnswer>(port, async ({ event, functionName, timeoutMs }) => {
    const context = lambdaContext(functionName, timeoutMs, data.region);
    const call = () => consume(event, context);
    let response: SQSBatchResponse | undefined;
    let thrown: string | undefined;
    try {
      response = (await (chaos ? chaos.consumerInvocation(event, call) : call())) ?? undefined;
    } catch (error) {
      thrown = (error as Error).message ?? String(error);
    }
    return { response, thrown, s3Usage: meter.takeS3Usage(), chaos: chaos?.takeCounts() };
  });
}

export type ConsumerPool = WorkerPool<ConsumerRequest, ConsumerAnswer>;

/** `size` execution environments of one stream's consumer. */
export function startConsumerPool(size: number, data: ConsumerWorkerData): Promise<ConsumerPool> {
  if (data.archive && !isShippedConsumer(data.core))
    throw new Error(
      `the shipped consumer runs as it ships; the consumer core ${data.core.entry} runs only from source`,
    );
  const env = data.archive ? { ...endpointEnvironment(data), LANDING_BUCKET: data.bucket } : {};
  return WorkerPool.start<ConsumerRequest, ConsumerAnswer, ConsumerWorkerData>(
    `${data.stream} consumer`,
    size,
    __filename,
    'serveConsumer',
    data,
    env,
    [sdkModule('@aws-sdk/client-s3', data.archive)],
  );
}
