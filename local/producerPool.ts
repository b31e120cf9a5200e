// The producer's invocations run in worker threads, each its own Lambda execution
// environment with its own SQS client, so generating, packing and gzipping a window
// does not hold up the consumers and the queues on the main thread. Each worker runs
// the unchanged runProducer; it sends the bodies SQS accepted (for the books) and its
// metered SQS usage back with the result.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SQSClient as Client } from '@aws-sdk/client-sqs';
import type { MessagePort } from 'node:worker_threads';
import type { StreamName } from '../functions/contracts';
import type { GeneratorCatalog } from '../functions/generator';
import { runProducer, type ProducerEvent, type ProducerResult, type ProducerSettings } from '../functions/producer';
import { UsageMeter, type SqsApiUsage } from './usage';
import { serveRequests, WorkerPool } from './workerPool';

/** Message bodies the producer sent and SQS accepted, per stream. */
export type SentChunks = Record<StreamName, string[]>;

/** Record the bodies of every accepted SendMessageBatch entry, by the stream of its queue. */
export function tapSentMessages(sqs: SQSClient, queueStream: ReadonlyMap<string, StreamName>, sink: () => SentChunks): void {
  sqs.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const input = args.input as { QueueUrl?: string; Entries?: { Id?: string; MessageBody?: string }[] };
      const stream = queueStream.get(input.QueueUrl ?? '');
      const failed = new Set(((result.output as { Failed?: { Id?: string }[] }).Failed ?? []).map((f) => f.Id));
      if (stream && input.Entries) for (const e of input.Entries) if (!failed.has(e.Id)) sink()[stream].push(e.MessageBody ?? '');
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
}

export interface ProducerInvocation {
  result: ProducerResult;
  sent: SentChunks;
  sqsUsage: Record<string, SqsApiUsage>;
}

/** Inside a worker: serve invocations one at a time, as one Lambda execution environment does. */
export function serveProducer(port: MessagePort, data: ProducerWorkerData): void {
  const sqs = new Client({ endpoint: data.endpoint, region: data.region, credentials: data.credentials });
  const meter = new UsageMeter();
  meter.meterSqs(sqs);
  let sent: SentChunks = { sales: [], inventory: [] };
  if (data.keepSent) tapSentMessages(sqs, new Map(data.queueStreams), () => sent);
  serveRequests<ProducerEvent, ProducerInvocation>(port, async (event) => {
    try {
      const result = await runProducer({ sqs, catalog: data.catalog, settings: data.settings }, event);
      return { result, sent, sqsUsage: meter.takeSqsUsage() };
    } finally {
      sent = { sales: [], inventory: [] };
    }
  });
}

export type ProducerPool = WorkerPool<ProducerEvent, ProducerInvocation>;

/** `size` producer execution environments. */
export function startProducerPool(size: number, data: ProducerWorkerData): Promise<ProducerPool> {
  return WorkerPool.start<ProducerEvent, ProducerInvocation, ProducerWorkerData>('producer', size, __filename, 'serveProducer', data);
}
