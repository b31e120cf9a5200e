// The event path on the emulator: producer -> two real queues -> consumers -> S3,
// over loopback HTTP with the real AWS SDK clients.
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { buildCatalog } from '../kernel/catalog';
import { knownIdsOf, perStream, type StreamName } from '../kernel/contracts';
import { consumeBatch } from '../functions/consumer';
import { parseCsv } from './support/csv';
import { ProducerSendError, runProducer, type ProducerSettings } from '../functions/producer';
import { toSqsRecord } from '../local/eventSource';
import { createStreamQueues, ensureBucket, type StreamQueues } from '../local/endpoint';
import { useEmulator } from './support/emulator';
import { malformedCorpus } from './support/malformedCorpus';

const catalog = buildCatalog();
const known = knownIdsOf(catalog);
const quiet = new Logger({ logLevel: 'SILENT' });
const BUCKET = 'landing';

const em = useEmulator();
let queues: Record<StreamName, StreamQueues>;

beforeAll(() => ensureBucket(em.s3, BUCKET));

// Fresh queues per test (each with a DLQ after 3 receives), as the stack declares them.
let run = 0;
beforeEach(async () => {
  run++;
  queues = await createStreamQueues(em.sqs, {
    prefix: `t${run}`,
    maxMessageBytes: 262144,
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 1,
  });
});

function settings(overrides: Partial<ProducerSettings> = {}): ProducerSettings {
  return {
    queueUrls: perStream((s) => queues[s].url),
    eventsPerMessage: 'fill',
    maxMessageBytes: 262144,
    compression: 'gzip',
    windowMinutes: 15,
    peakLinesPerMinute: 200,
    seed: 42,
    ...overrides,
  };
}

/** An SQS event exactly as Lambda's event source builds it from ReceiveMessage (the twin's own builder). */
function toSqsEvent(messages: Message[], queueArn: string): SQSEvent {
  return { Records: messages.map((m) => toSqsRecord(m, queueArn, 'us-east-1')) };
}

async function inFlight(url: string): Promise<number> {
  const { Attributes = {} } = await em.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

/** Poll until nothing is left or in flight, consuming as Lambda would: delete only the successes. */
async function drain(stream: StreamName, maxBodyBytes?: number) {
  const q = queues[stream];
  const failures: string[] = [];
  for (;;) {
    const { Messages = [] } = await em.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: q.url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) {
      if ((await inFlight(q.url)) === 0) return failures;
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    const response = await consumeBatch(
      { s3: em.s3, known, settings: { stream, bucket: BUCKET, maxBodyBytes }, logger: quiet },
      toSqsEvent(Messages, q.arn),
    );
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    failures.push(...failed);
    const done = Messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await em.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: q.url,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }
}

async function objects(prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await em.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const body = await em.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }));
      out.set(o.Key!, await body.Body!.transformToString());
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

async function dlqDepth(stream: StreamName): Promise<number> {
  const { Messages = [] } = await em.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queues[stream].dlqUrl, MaxNumberOfMessages: 10 }),
  );
  return Messages.length;
}

describe('event path on the emulator', () => {
  it('sends a window to two queues and lands every event as a CSV row, reconciled exactly', async () => {
    const result = await runProducer(
      { sqs: em.sqs, catalog, settings: settings(), logger: quiet },
      { scheduledTime: '2026-11-27T06:15:00Z', count: 3000 },
    );
    expect(result.window).toEqual({ start: '2026-11-27T06:00:00Z', minutes: 15, seed: 42 });
    expect(result.events.sales + result.lostSales).toBe(3000);
    expect(result.messages.sales).toBeGreaterThanOrEqual(1);
    expect(result.retries).toBe(0);

    expect(await drain('sales')).toEqual([]);
    expect(await drain('inventory')).toEqual([]);

    for (const stream of ['sales', 'inventory'] as const) {
      const files = await objects(`${stream}/`);
      expect(
        [...files.keys()].every((k) => /^(sales|inventory)\/dt=2026-11-27\/hour=06\/[A-Za-z0-9_.-]+\.csv$/.test(k)),
      ).toBe(true);
      const rows = [...files.values()].flatMap((text) => parseCsv(text).rows);
      expect(rows).toHaveLength(result.events[stream]);
      expect(new Set(rows.map((r) => r[0])).size).toBe(result.events[stream]);
    }
    expect((await objects(`rejected/`)).size).toBe(0);
  });

  it('packs one event per message as the original design did, with the same rows', async () => {
    const result = await runProducer(
      {
        sqs: em.sqs,
        catalog,
        settings: settings({ eventsPerMessage: 1, compression: 'none', seed: 43 }),
        logger: quiet,
      },
      { start: '2026-11-27T12:00:00Z', count: 40 },
    );
    expect(result.messages.sales).toBe(result.events.sales);
    expect(result.sendCalls).toBe(Math.ceil(result.events.sales / 10) + Math.ceil(result.events.inventory / 10));
    await drain('sales');
    const rows = [...(await objects('sales/dt=2026-11-27/hour=12/')).values()].flatMap((t) => parseCsv(t).rows);
    expect(rows).toHaveLength(result.events.sales);
  });

  it('rewrites the same keys with the same bytes when a window is produced and delivered again', async () => {
    const event = { start: '2026-11-27T19:00:00Z', count: 500 };
    await runProducer({ sqs: em.sqs, catalog, settings: settings({ seed: 44 }), logger: quiet }, event);
    await drain('sales');
    const first = await objects('sales/dt=2026-11-27/hour=19/');
    await runProducer({ sqs: em.sqs, catalog, settings: settings({ seed: 44 }), logger: quiet }, event);
    await drain('sales');
    expect(await objects('sales/dt=2026-11-27/hour=19/')).toEqual(first);
  });

  it('sets aside invalid events with their problems and sends unreadable messages to the DLQ', async () => {
    const corpus = malformedCorpus();
    for (const body of Object.values(corpus))
      await em.sqs.send(new SendMessageCommand({ QueueUrl: queues.sales.url, MessageBody: body }));
    // The mixed message is delivered twice, as SQS may.
    await em.sqs.send(new SendMessageCommand({ QueueUrl: queues.sales.url, MessageBody: corpus.mixed }));

    expect(Buffer.byteLength(corpus.tooLarge)).toBeGreaterThan(200_000);
    const failures = await drain('sales', 200_000);
    // The three unreadable messages fail on each of their 3 receives, then SQS moves them.
    expect(failures).toHaveLength(9);
    expect(await dlqDepth('sales')).toBe(3);

    const csv = await objects('sales/dt=2026-11-28/');
    expect([...csv.keys()]).toEqual(['sales/dt=2026-11-28/hour=01/mixed-1.csv']);
    expect(parseCsv([...csv.values()][0]).rows.map((r) => r[0])).toEqual(['T-x-0']);

    const rejected = await objects('rejected/sales/mixed-1');
    const lines = [...rejected.values()][0]
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      lines.map((l) => [l.index, l.problems.map((p: { field: string; message: string }) => `${p.field} ${p.message}`)]),
    ).toEqual([
      [1, ['quantity must be >= 1, got 0']],
      [2, ['quantity must be >= 1, got -2']],
      [3, ['product_id unknown product id "P9999"', 'store_id unknown store id "S999"']],
      [4, ['unit_price must be a number, got string "free"']],
      [
        5,
        [
          'product_id is required',
          'timestamp is required',
          'quantity is required',
          'unit_price is required',
          'store_id is required',
          'basket_id is required',
          'discount_pct is required',
        ],
      ],
      [6, ['transaction_id duplicate transaction_id "T-x-0" in chunk']],
    ]);
    // Every event of the readable message is accounted for: 1 row + 6 rejects = 7 events.
    expect(lines).toHaveLength(6);
  });

  it('retries failed batch entries with backoff and succeeds, counting the retries', async () => {
    const sqs = em.sqs;
    let failNext = 2;
    // Fault injection: SQS accepts the call but fails two entries, twice.
    const faults = sqs.middlewareStack;
    faults.add(
      (next) => async (args) => {
        const input = (args as { input: { Entries?: { Id: string }[] } }).input;
        if (!input.Entries || failNext === 0) return next(args);
        failNext--;
        const dropped = input.Entries.slice(0, 2);
        input.Entries = input.Entries.slice(2);
        const out =
          input.Entries.length > 0
            ? await next(args)
            : { output: { Successful: [], Failed: [], $metadata: {} }, response: {} };
        const output = (out as { output: { Failed?: unknown[] } }).output;
        output.Failed = [
          ...(output.Failed ?? []),
          ...dropped.map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false, Message: 'injected' })),
        ];
        return out;
      },
      { step: 'initialize', name: 'injectEntryFailures' },
    );
    try {
      const sleeps: number[] = [];
      const result = await runProducer(
        {
          sqs,
          catalog,
          settings: settings({ eventsPerMessage: 1, compression: 'none', seed: 45, concurrency: 1 }),
          logger: quiet,
          sleep: async (ms) => void sleeps.push(ms),
        },
        { start: '2026-11-27T20:00:00Z', count: 30 },
      );
      expect(result.retries).toBe(4);
      expect(sleeps).toHaveLength(2);
      expect(sleeps[1]).toBeGreaterThanOrEqual(sleeps[0] / 2);
      await drain('sales');
      const rows = [...(await objects('sales/dt=2026-11-27/hour=20/')).values()].flatMap((t) => parseCsv(t).rows);
      expect(rows).toHaveLength(result.events.sales);
    } finally {
      faults.remove('injectEntryFailures');
    }
  });

  it('throws, naming the chunks, when entries still fail after every attempt', async () => {
    const sqs = em.sqs;
    sqs.middlewareStack.add(
      () => async (args) => {
        const entries = (args as { input: { Entries?: { Id: string }[] } }).input.Entries ?? [];
        return {
          output: {
            Successful: [],
            Failed: entries.map((e) => ({ Id: e.Id, Code: 'ServiceUnavailable', SenderFault: false })),
            $metadata: {},
          },
          response: {},
        };
      },
      { step: 'initialize', name: 'failEverything' },
    );
    try {
      const promise = runProducer(
        { sqs, catalog, settings: settings({ maxAttempts: 3, seed: 46 }), logger: quiet, sleep: async () => {} },
        { start: '2026-11-27T21:00:00Z', count: 10 },
      );
      await expect(promise).rejects.toBeInstanceOf(ProducerSendError);
      await expect(promise).rejects.toThrow(
        /failed after 3 attempt\(s\): sales-20261127T210000-1a-000000: ServiceUnavailable/,
      );
    } finally {
      sqs.middlewareStack.remove('failEverything');
    }
  });

  it('rejects a bad invocation payload with every problem listed', async () => {
    await expect(
      runProducer({ sqs: em.sqs, catalog, settings: settings(), logger: quiet }, {
        count: -1,
        seed: 1.5,
        start: 'noon',
        extra: 1,
      } as never),
    ).rejects.toThrow(
      'invalid producer event: unknown field extra (expected count, seed, start, scheduledTime, verification); count must be a whole number 0..5000000, got -1; seed must be a whole number 0..4294967295, got 1.5; start must be an ISO-8601 timestamp, got "noon"',
    );
  });
});
