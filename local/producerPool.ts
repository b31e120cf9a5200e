// The producer's invocations run in worker threads, each its own Lambda execution
// environment with its own SQS client, so generating, packing and gzipping a window
// does not hold up the consumers and the queues on the main thread. Each worker runs
// the shipped archive's handler (settings from its environment, as in Lambda) or, with
// --source, the unchanged runProducer; it sends the bodies SQS accepted (for the books)
// and its metered SQS usage back with the result.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type * as SqsModule from '@aws-sdk/client-sqs';
import type { MessagePort } from 'node:worker_threads';
import { perStream, type StreamName } from '../kernel/contracts';
import { queueUrlVariables } from '../kernel/streamNaming';
import type { GeneratorCatalog } from '../kernel/generator';
import { producerSettingsEnvironment, producerSettingValuesOf } from '../kernel/producerSettings';
import type { ProducerEvent, ProducerResult, ProducerSettings } from '../functions/producer';
import type * as ProducerModule from '../functions/producer';
import { UsageMeter, type SqsApiUsage } from './usage';
import { endpointEnvironment, lambdaContext } from './lambdaContext';
import {
  loadArchiveHandler,
  onEachArchiveClient,
  sdkModule,
  serveRequests,
  sourceModule,
  WorkerPool,
  type ArchiveHandler,
} from './workerPool';

/** Message bodies the producer sent and SQS accepted, per stream. */
export type SentChunks = Record<StreamName, string[]>;

/** Record the bodies of every accepted SendMessageBatch entry, by the stream of its queue. */
export function tapSentMessages(
  sqs: SQSClient,
  queueStream: ReadonlyMap<string, StreamName>,
  sink: () => SentChunks,
): void {
  sqs.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const input = args.input as { QueueUrl?: string; Entries?: { Id?: string; MessageBody?: string }[] };
      const stream = queueStream.get(input.QueueUrl ?? '');
      const failed = new Set(((result.output as { Failed?: { Id?: string }[] }).Failed ?? []).map((f) => f.Id));
      if (stream && input.Entries)
        for (const e of input.Entries) if (!failed.has(e.Id)) sink()[stream].push(e.MessageBody ?? '');
      return result;
    },
    { step: 'initialize', name: 'twinSentTap' },
  );
}

export interface ProducerWorkerData {
  endpoint: string;
  region: string;
  /** Dummy credentials for the embedded emulator; absent for a real endpoint (the default chain). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  catalog: GeneratorCatalog;
  settings: ProducerSettings;
  queueStreams: [string, StreamName][];
  /** Send the accepted bodies back (for the books); off when nobody will read them. */
  keepSent: boolean;
  /** Run this shipped archive instead of the source modules (its settings come from the environment). */
  archive?: ArchiveHandler;
}

export interface ProducerInvocation {
  result: ProducerResult;
  sent: SentChunks;
  sqsUsage: Record<string, SqsApiUsage>;
}

/** Inside a worker: serve invocations one at a time, as one Lambda execution environment does. */
export function serveProducer(port: MessagePort, data: ProducerWorkerData): void {
  const meter = new UsageMeter();
  let sent: SentChunks = perStream(() => []);
  const instrument = (sqs: SQSClient) => {
    meter.meterSqs(sqs);
    if (data.keepSent) tapSentMessages(sqs, new Map(data.queueStreams), () => sent);
  };
  let produce: (event: ProducerEvent) => Promise<ProducerResult>;
  if (data.archive) {
    onEachArchiveClient<SQSClient>(data.archive, '@aws-sdk/client-sqs', 'SQSClient', (sqs) => {
      // The archive's client finds the endpoint in AWS_ENDPOINT_URL, not in its config, so the SDK
      // would try fauxqs's queue URLs (sqs.<region>.127.0.0.1:port, not a valid URL) as the endpoint
      // and warn. A client given the endpoint in its config (the source path) skips this step; so does this one.
      sqs.middlewareStack.remove('queueUrlMiddleware');
      instrument(sqs);
    });
    const handler = loadArchiveHandler<(event: ProducerEvent, context: unknown) => Promise<ProducerResult>>(
      data.archive,
    );
    produce = (event) => handler(event, lambdaContext('producer', 120_000, data.region));
  } else {
    const { SQSClient: Client } = sourceModule<typeof SqsModule>('@aws-sdk/client-sqs');
    const { runProducer } = sourceModule<typeof ProducerModule>(require.resolve('../functions/producer'));
    const sqs = new Client({ endpoint: data.endpoint, region: data.region, credentials: data.credentials });
    instrument(sqs);
    produce = (event) => runProducer({ sqs, catalog: data.catalog, settings: data.settings }, event);
  }
  serveRequests<ProducerEvent, ProducerInvocation>(port, async (event) => {
    try {
      const result = await produce(event);
      return { result, sent, sqsUsage: meter.takeSqsUsage() };
    } finally {
      sent = perStream(() => []);
    }
  });
}

export type ProducerPool = WorkerPool<ProducerEvent, ProducerInvocation>;

/** `size` producer execution environments. */
export function startProducerPool(size: number, data: ProducerWorkerData): Promise<ProducerPool> {
  return WorkerPool.start<ProducerEvent, ProducerInvocation, ProducerWorkerData>(
    'producer',
    size,
    __filename,
    'serveProducer',
    data,
    data.archive ? producerEnvironment(data) : {},
    [sdkModule('@aws-sdk/client-sqs', data.archive)],
  );
}

/** The producer function's environment as the stack sets it, pointed at the twin's endpoint. */
export function producerEnvironment(data: ProducerWorkerData): Record<string, string> {
  const s = data.settings;
  return {
    ...endpointEnvironment(data),
    ...queueUrlVariables(s.queueUrls),
    ...producerSettingsEnvironment(producerSettingValuesOf(s)),
  };
}
