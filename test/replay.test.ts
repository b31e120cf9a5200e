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
import { knownIdsOf, perStream, type StreamName } from '../kernel/contracts';
import { consumeBatch } from '../functions/consumer';
import { runProducer, type ProducerSettings } from '../functions/producer';
import { toSqsRecord } from '../local/eventSource';
import { createStreamQueues, ensureBucket, type StreamQueues } from '../local/endpoint';
import { spawnSync } from 'node:child_process';
import { answerProblem, parseFailureRecord, replayFailedWindows } from '../local/replayWindows';
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
    queueUrls: perStream((s) => queues[s].url),
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
        'unknown field bogus (expected count, seed, start, scheduledTime, verification)',
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
      return result;
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

  test('a dry run lists the records and leaves them visible, so a real replay right after replays them', async () => {
    const queueUrl = (await em.sqs.send(new CreateQueueCommand({ QueueName: 'replay-dry-run' }))).QueueUrl!;
    await em.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: failureRecord('2026-11-27T09:00:00Z') }),
    );
    let invoked = 0;
    const invoke = async (event: { scheduledTime?: string }) => {
      invoked++;
      return runProducer({ sqs: em.sqs, catalog, settings: settings(), logger: quiet }, event);
    };
    const dry = await replayFailedWindows({ sqs: em.sqs, queueUrl, invoke, dryRun: true });
    expect(dry.replayed.map((r) => r.event.scheduledTime)).toEqual(['2026-11-27T09:00:00Z']);
    expect(invoked).toBe(0);
    const real = await replayFailedWindows({ sqs: em.sqs, queueUrl, invoke });
    expect(real).toEqual({ replayed: [dry.replayed[0]], failed: [] });
    expect(invoked).toBe(1);
  });

  test('deletes a record only when the answer shows the producer produced its window', async () => {
    const queueUrl = (await em.sqs.send(new CreateQueueCommand({ QueueName: 'replay-answers' }))).QueueUrl!;
    await em.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: failureRecord('2026-11-27T10:00:00Z') }),
    );
    // A wrong endpoint answers without a function error, but not as the producer; another window is no better.
    for (const answer of [
      { StatusCode: 200 },
      null,
      { window: { start: '2026-11-27T06:00:00Z', minutes: 15, seed: 1 } },
    ]) {
      const report = await replayFailedWindows({
        sqs: em.sqs,
        queueUrl,
        invoke: async () => answer,
        visibilityTimeoutSeconds: 0,
      });
      expect(report.replayed).toEqual([]);
      expect(report.failed).toHaveLength(1);
    }
    expect(answerProblem({ scheduledTime: '2026-11-27T10:00:00Z' }, { StatusCode: 200 })).toMatch(
      /^the answer is not a producer's \(no window in it\)/,
    );
    expect(
      answerProblem(
        { scheduledTime: '2026-11-27T10:00:00Z' },
        { window: { start: '2026-11-27T06:00:00Z', minutes: 15, seed: 1 } },
      ),
    ).toBe(
      "the producer answered for window 2026-11-27T06:00:00Z (seed 1), not the record's 2026-11-27T09:45:00Z (seed 1)",
    );
    const right = await replayFailedWindows({
      sqs: em.sqs,
      queueUrl,
      invoke: async () => ({ window: { start: '2026-11-27T09:45:00Z', minutes: 15, seed: 42 } }),
      visibilityTimeoutSeconds: 0,
    });
    expect(right.replayed).toHaveLength(1);
    expect(await replayFailedWindows({ sqs: em.sqs, queueUrl, invoke: async () => null })).toEqual({
      replayed: [],
      failed: [],
    });
  });
});

describe('npm run replay-windows on the command line', () => {
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    return spawnSync(process.execPath, ['--import', 'tsx', 'local/replayWindows.ts', ...args], {
      encoding: 'utf8',
      env: { ...clean, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', ...env },
    });
  };

  test('--help prints the usage and exits 0', () => {
    const out = cli(['--help']);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^usage: npm run replay-windows -- --queue-url/);
  });

  test.each([
    [['--bogus'], "replay-windows: Unknown option '--bogus'"],
    [['--function', 'p'], 'replay-windows: missing --queue-url'],
    [
      ['--queue-url', 'http://127.0.0.1:9/q', '--function', 'p'],
      'replay-windows: no AWS region: give --region, or set AWS_REGION',
    ],
  ])('%j exits 2 with one line', (args, line) => {
    const out = cli(args);
    expect(out.status).toBe(2);
    expect(out.stderr).toBe(`${line} (npm run replay-windows -- --help for usage)\n`);
  });
});
