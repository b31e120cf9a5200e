// The producer's invocations run in worker threads, each its own Lambda execution
// environment with its own SQS client, so generating, packing and gzipping a window
// does not hold up the consumers and the queues on the main thread. Each worker runs
// the unchanged runProducer; it sends the bodies SQS accepted (for the books) and its
// metered SQS usage back with the result.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SQSClient as Client } from '@aws-sdk/client-sqs';
import { Worker, type MessagePort } from 'node:worker_threads';
import type { StreamName } from '../functions/contracts';
import type { GeneratorCatalog } from '../functions/generator';
import { runProducer, type ProducerEvent, type ProducerResult, type ProducerSettings } from '../functions/producer';
import { UsageMeter, type SqsApiUsage } from './usage';

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
  tapSentMessages(sqs, new Map(data.queueStreams), () => sent);
  port.postMessage({ ready: true });
  port.on('message', async (m: { id: number; event: ProducerEvent } | { close: true }) => {
    if ('close' in m) {
      sqs.destroy();
      port.close();
      return;
    }
    try {
      const result = await runProducer({ sqs, catalog: data.catalog, settings: data.settings }, m.event);
      port.postMessage({ id: m.id, invocation: { result, sent, sqsUsage: meter.takeSqsUsage() } satisfies ProducerInvocation });
    } catch (error) {
      meter.takeSqsUsage();
      port.postMessage({ id: m.id, error: (error as Error).stack ?? String(error) });
    } finally {
      sent = { sales: [], inventory: [] };
    }
  });
}

// Registers tsx so the worker loads this TypeScript module under node, tsx and jest alike.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
require(workerData.tsxApi).register();
require(workerData.module).serveProducer(parentPort, workerData.data);
`;

/** A fixed pool of producer workers; invoke() waits for a free one. */
export class ProducerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    this.idle.push(...workers);
  }

  static async start(size: number, data: ProducerWorkerData): Promise<ProducerPool> {
    const workers = Array.from(
      { length: size },
      () => new Worker(WORKER_SOURCE, { eval: true, workerData: { tsxApi: require.resolve('tsx/cjs/api'), module: __filename, data } }),
    );
    // Wait until each has loaded its modules: that is the cold start, not the invocations' time.
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              w.once('message', () => resolve());
              w.once('error', reject);
              w.once('exit', (code) => reject(new Error(`producer worker exited while starting (code ${code})`)));
            }),
        ),
      );
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
    for (const w of workers) w.removeAllListeners('error').removeAllListeners('exit');
    return new ProducerPool(workers);
  }

  async invoke(event: ProducerEvent): Promise<ProducerInvocation> {
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    const id = this.nextId++;
    try {
      return await new Promise<ProducerInvocation>((resolve, reject) => {
        const onMessage = (m: { id: number; invocation?: ProducerInvocation; error?: string }) => {
          if (m.id !== id) return;
          cleanup();
          if (m.error !== undefined) reject(new Error(`producer invocation failed: ${m.error}`));
          else resolve(m.invocation!);
        };
        const onError = (e: Error) => {
          cleanup();
          reject(e);
        };
        const onExit = (code: number) => {
          cleanup();
          reject(new Error(`producer worker exited (code ${code})`));
        };
        const cleanup = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        worker.postMessage({ id, event });
      });
    } finally {
      const next = this.waiting.shift();
      if (next) next(worker);
      else this.idle.push(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
