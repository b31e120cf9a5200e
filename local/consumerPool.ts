// Consumer invocations in worker threads: each worker is one execution environment
// of a stream's consumer function with its own S3 client, running the shipped
// archive's handler (or, with --source, the unchanged consumeBatch). Chaos faults that belong inside the function (a crash after the S3
// writes, S3 put failures) are injected in the worker; it reports its metered S3
// usage and the faults it injected with each answer.
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { MessagePort } from 'node:worker_threads';
import type { KnownIds, StreamName } from '../kernel/contracts';
import { consumeBatch } from '../handlers/consumer';
import { Chaos, type ChaosCounts, type ChaosOptions } from './chaos';
import { lambdaContext } from './eventSource';
import { UsageMeter, type S3UsageDelta } from './usage';
import { endpointEnvironment } from './producerPool';
import { loadArchiveHandler, onEachArchiveClient, serveRequests, WorkerPool, type ArchiveHandler } from './workerPool';

export interface ConsumerWorkerData {
  endpoint: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  stream: StreamName;
  bucket: string;
  filePer: 'message' | 'batch';
  productIds: string[];
  storeIds: string[];
  chaos?: { options: ChaosOptions; maxReceiveCount: number };
  /** Run this shipped archive instead of the source modules (LANDING_BUCKET from the environment; filePer 'message' only). */
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
  const chaos = data.chaos ? new Chaos(data.chaos.options, data.chaos.maxReceiveCount) : undefined;
  const instrument = (s3: S3Client) => {
    meter.meterS3(s3);
    chaos?.failS3Puts(s3);
  };
  let consume: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  if (data.archive) {
    onEachArchiveClient<S3Client>(data.archive, '@aws-sdk/client-s3', 'S3Client', instrument);
    consume = loadArchiveHandler<typeof consume>(data.archive);
  } else {
    const s3 = new S3Client({
      endpoint: data.endpoint,
      region: data.region,
      credentials: data.credentials,
      forcePathStyle: true,
    });
    instrument(s3);
    const known: KnownIds = { products: new Set(data.productIds), stores: new Set(data.storeIds) };
    const deps = { s3, known, settings: { stream: data.stream, bucket: data.bucket, filePer: data.filePer } };
    consume = (event, context) => consumeBatch(deps, event, context);
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
  if (data.archive && data.filePer !== 'message')
    throw new Error(`the shipped consumer writes a file per message; filePer '${data.filePer}' runs only from source`);
  const env = data.archive ? { ...endpointEnvironment(data), LANDING_BUCKET: data.bucket } : {};
  return WorkerPool.start<ConsumerRequest, ConsumerAnswer, ConsumerWorkerData>(
    `${data.stream} consumer`,
    size,
    __filename,
    'serveConsumer',
    data,
    env,
  );
}
