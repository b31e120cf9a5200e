// A producer window that failed every async attempt is replayed from the on-failure
// queue, in the twin: real queues and bucket (fauxqs), the real producer and consumers,
// and the twin's loader into PGlite. Replayed twice (a duplicate record, or a replay
// that died before deleting it), each event still lands in the warehouse exactly once.
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { buildCatalog } from '../kernel/catalog';
import { knownIdsOf, type StreamName } from '../kernel/contracts';
import { consumeBatch } from '../handlers/consumer';
import { runProducer, type ProducerSettings } from '../handlers/producer';
import { toSqsRecord } from '../local/eventSource';
import { createStreamQueues, ensureBucket, type StreamQueues } from '../local/endpoint';
import { parseFailureRecord, replayFailedWindows } from '../local/replayWindows';
import { loadLandingFiles } from '../warehouse/loader';
import { openTestWarehouse } from './support/warehouse';
import { useEmulator } from './support/emulator';

const catalog = buildCatalog();
const known = knownIdsOf(catalog);
const quiet = new Logger({ logLevel: 'SILENT' });
const BUCKET = 'replay-landing';
const em = useEmulator();

/** The record Lambda sends to an on-failure destination after the last attempt. */
const failureRecord = (scheduledTime: string) =>
  JSON.stringify({
    version: '1.0',
    timestamp: '2026-11-27T06:31:00.000Z',
    requestContext: {
      requestId: `req-${scheduledTime}`,
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:producer:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: { scheduledTime },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'ProducerSendError', errorMessage: 'entries still failed' },
  });

describe('replaying failed producer windows (twin)', () => {
  let queues: Record<StreamName, StreamQueues>;
  let failureQueueUrl: string;
  beforeAll(async () => {
    await ensureBucket(em.s3, BUCKET);
    queues = await createStreamQueues(em.sqs, {
      prefix: 'replay',
      maxMessageBytes: 262144,
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 30,
    });
    failureQueueUrl = (await em.sqs.send(new CreateQueueCommand({ QueueName: 'replay-producer-failures' }))).QueueUrl!;
  });

  const settings = (): ProducerSettings => ({
    queueUrls: { sales: queues.sales.url, inventory: queues.inventory.url },
    eventsPerMessage: 'fill',
    maxMessageBytes: 262144,
    compression: 'gzip',
    windowMinutes: 15,
    peakLinesPerMinute: 40,
    seed: 42,
  });

  async function drain(stream: StreamName): Promise<void> {
    const q = queues[stream];
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
        const { Attributes = {} } = await em.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: q.url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        if (
          Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) ===
          0
        )
          return;
        continue;
      }
      const response = await consumeBatch(
        { s3: em.s3, known, settings: { stream, bucket: BUCKET }, logger: quiet },
        { Records: Messages.map((m) => toSqsRecord(m, q.arn, 'us-east-1')) },
      );
      expect(response.batchItemFailures).toEqual([]);
      await em.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: q.url,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }

  test('reads the original event from a Lambda on-failure record, and refuses anything else, saying why', () => {
    expect(parseFailureRecord(failureRecord('2026-11-27T06:30:00Z'))).toEqual({
      event: { scheduledTime: '2026-11-27T06:30:00Z' },
      condition: 'RetriesExhausted',
    });
    expect(parseFailureRecord('nope')).toEqual({ problems: ['not JSON'] });
    expect(parseFailureRecord('{"scheduledTime":"2026-11-27T06:30:00Z"}')).toEqual({
      problems: ['no requestPayload: not a Lambda invocation record'],
    });
    expect(parseFailureRecord(JSON.stringify({ requestPayload: { scheduledTime: 'soon', bogus: 1 } }))).toEqual({
      problems: [
        'unknown field bogus (expected count, seed, start, scheduledTime)',
        'scheduledTime must be an ISO-8601 timestamp, got "soon"',
      ],
    });
    expect(parseFailureRecord(JSON.stringify({ requestPayload: {} }))).toEqual({
      problems: ['the event names no window (scheduledTime or start)'],
    });
  });

  test('a failed window replayed twice lands each of its events exactly once; the queue ends empty; a bad record stays with its reason', async () => {
    // The same window's record twice, another window once, and one record that is not replayable.
    for (const body of [
      failureRecord('2026-11-27T06:30:00Z'),
      failureRecord('2026-11-27T06:30:00Z'),
      failureRecord('2026-11-27T06:45:00Z'),
      '{"not":"a record"}',
    ]) {
      await em.sqs.send(new SendMessageCommand({ QueueUrl: failureQueueUrl, MessageBody: body }));
    }
    const produced: { start: string; sales: number; inventory: number }[] = [];
    const invoke = async (event: { scheduledTime?: string }) => {
      const result = await runProducer({ sqs: em.sqs, catalog, settings: settings(), logger: quiet }, event);
      produced.push({ start: result.window.start, sales: result.events.sales, inventory: result.events.inventory });
    };
    const report = await replayFailedWindows({
      sqs: em.sqs,
      queueUrl: failureQueueUrl,
      invoke,
      visibilityTimeoutSeconds: 60,
    });
    expect(report.replayed.map((r) => r.event.scheduledTime).sort()).toEqual([
      '2026-11-27T06:30:00Z',
      '2026-11-27T06:30:00Z',
      '2026-11-27T06:45:00Z',
    ]);
    expect(report.failed).toEqual([
      { messageId: expect.any(String), problems: ['no requestPayload: not a Lambda invocation record'] },
    ]);
    // Same scheduled time, same window, same events.
    const byStart = new Map(produced.map((p) => [p.start, p]));
    expect([...byStart.keys()].sort()).toEqual(['2026-11-27T06:15:00Z', '2026-11-27T06:30:00Z']);
    expect(produced.filter((p) => p.start === '2026-11-27T06:15:00Z')).toEqual([
      byStart.get('2026-11-27T06:15:00Z'),
      byStart.get('2026-11-27T06:15:00Z'),
    ]);

    await drain('sales');
    await drain('inventory');
    const warehouse = await openTestWarehouse();
    try {
      const load = await loadLandingFiles({ driver: warehouse, s3: em.s3, bucket: BUCKET });
      expect(load.filesFailed).toBe(0);
      const [sales] = await warehouse.query<{ n: number; d: number }>(
        'SELECT COUNT(*)::int AS n, COUNT(DISTINCT transaction_id)::int AS d FROM retail.sales_transactions',
      );
      const [inventory] = await warehouse.query<{ n: number; d: number }>(
        'SELECT COUNT(*)::int AS n, COUNT(DISTINCT update_id)::int AS d FROM retail.inventory_updates',
      );
      const expected = [...byStart.values()];
      expect(sales).toEqual({
        n: expected.reduce((a, p) => a + p.sales, 0),
        d: expected.reduce((a, p) => a + p.sales, 0),
      });
      expect(inventory).toEqual({
        n: expected.reduce((a, p) => a + p.inventory, 0),
        d: expected.reduce((a, p) => a + p.inventory, 0),
      });
      expect(sales.n).toBeGreaterThan(0);
    } finally {
      await warehouse.close();
    }
    // Nothing left to replay (the bad record is hidden for its visibility timeout, not deleted).
    expect(await replayFailedWindows({ sqs: em.sqs, queueUrl: failureQueueUrl, invoke })).toEqual({
      replayed: [],
      failed: [],
    });
  });
});
