// The emulated Lambda SQS event source against fauxqs: real queues over HTTP.
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createStreamQueues } from './endpoint';
import { queueDepth, SqsEventSource, successfulMessages, toSqsRecord, withinTimeout } from './eventSource';
import { useEmulator } from '../test/support/emulator';

let run = 0;
const emu = useEmulator();

async function queues(maxReceiveCount: number) {
  run++;
  return (
    await createStreamQueues(emu.sqs, {
      prefix: `es${run}`,
      maxMessageBytes: 262144,
      maxReceiveCount,
      visibilityTimeoutSeconds: 1,
    })
  ).sales;
}

async function send(queueUrl: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await emu.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((b, j) => ({
          Id: String(j),
          MessageBody: b,
          MessageAttributes: { origin: { DataType: 'String', StringValue: 'test' } },
        })),
      }),
    );
  }
}

describe('successfulMessages', () => {
  const record = (id: string) => ({ messageId: id }) as SQSRecord;
  const records = [record('a'), record('b'), record('c')];

  it('deletes everything when the handler reports nothing', () => {
    expect(successfulMessages(records, undefined).succeeded.map((r) => r.messageId)).toEqual(['a', 'b', 'c']);
    expect(successfulMessages(records, { batchItemFailures: [] }).failed).toEqual([]);
  });

  it('keeps only the reported failures', () => {
    const out = successfulMessages(records, { batchItemFailures: [{ itemIdentifier: 'b' }] });
    expect(out.succeeded.map((r) => r.messageId)).toEqual(['a', 'c']);
    expect(out.failed.map((r) => r.messageId)).toEqual(['b']);
    expect(out.invalidResponse).toBe(false);
  });

  it('fails the whole batch on an empty or unknown item identifier, as Lambda does', () => {
    for (const bad of [
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: 'zzz' }] },
      { batchItemFailures: 'nope' },
    ]) {
      const out = successfulMessages(records, bad);
      expect(out.invalidResponse).toBe(true);
      expect(out.succeeded).toEqual([]);
      expect(out.failed).toHaveLength(3);
    }
  });
});

describe('toSqsRecord', () => {
  const message = { MessageId: 'm1', ReceiptHandle: 'r1', Body: 'b', MD5OfBody: 'd' };
  it('passes the system attributes SQS returned through unchanged', () => {
    const attributes = {
      ApproximateReceiveCount: '3',
      SentTimestamp: '1764233400000',
      SenderId: 'AIDASENDER',
      ApproximateFirstReceiveTimestamp: '1764233401000',
    };
    expect(toSqsRecord({ ...message, Attributes: attributes }, 'arn:q', 'eu-west-1').attributes).toEqual(attributes);
  });
  it('fills the ones SQS left out: first receive, now, the placeholder sender', () => {
    const before = Date.now();
    const { attributes } = toSqsRecord(message, 'arn:q', 'eu-west-1');
    expect(attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: '000000000000' });
    expect(Number(attributes.SentTimestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(before);
  });
});

describe('SqsEventSource', () => {
  it('rejects a batch size Lambda would refuse', () => {
    expect(
      () =>
        new SqsEventSource({
          sqs: emu.sqs,
          queueUrl: 'x',
          queueArn: 'y',
          functionName: 'f',
          batchSize: 0,
          functionTimeoutMs: 60_000,
          handler: async () => undefined,
        }),
    ).toThrow(/batchSize/);
    expect(
      () =>
        new SqsEventSource({
          sqs: emu.sqs,
          queueUrl: 'x',
          queueArn: 'y',
          functionName: 'f',
          batchSize: 10001,
          functionTimeoutMs: 60_000,
          handler: async () => undefined,
        }),
    ).toThrow(/batchSize/);
  });

  it('builds real-shaped records, deletes successes and lets the redrive policy move a poison message to the DLQ', async () => {
    const q = await queues(2);
    const good = Array.from({ length: 23 }, (_, i) => `good-${i}`);
    await send(q.url, [...good.slice(0, 11), 'poison', ...good.slice(11)]);
    const seen: string[] = [];
    const receives: Record<string, string[]> = {};
    const events: SQSEvent[] = [];
    const source = new SqsEventSource({
      sqs: emu.sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      functionName: 'sales-consumer',
      batchSize: 10,
      concurrency: 2,
      functionTimeoutMs: 60_000,
      handler: async (event, context): Promise<SQSBatchResponse> => {
        expect(context.functionName).toBe('sales-consumer');
        expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
        events.push(event);
        const failures: { itemIdentifier: string }[] = [];
        for (const r of event.Records) {
          (receives[r.body] ??= []).push(r.attributes.ApproximateReceiveCount);
          if (r.body === 'poison') failures.push({ itemIdentifier: r.messageId });
          else seen.push(r.body);
        }
        return { batchItemFailures: failures };
      },
    });
    const stats = await source.drain(() => true);

    expect(seen.sort()).toEqual([...good].sort());
    // Received once per allowed receive (2), then moved by SQS on the third receive.
    expect(receives.poison).toEqual(['1', '2']);
    expect(Math.max(...events.map((e) => e.Records.length))).toBeLessThanOrEqual(10);
    const record = events[0].Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: q.arn,
      awsRegion: 'us-east-1',
      messageAttributes: {
        origin: { dataType: 'String', stringValue: 'test', stringListValues: [], binaryListValues: [] },
      },
    });
    expect(record.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    // SentTimestamp and SenderId: toSqsRecord's own tests (the builder fills them when SQS leaves them out).
    expect(stats.messagesDeleted).toBe(23);
    expect(stats.messagesFailed).toBe(2);
    expect(await queueDepth(emu.sqs, q.url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect((await queueDepth(emu.sqs, q.dlqUrl)).visible).toBe(1);
  });

  it('redelivers the whole batch after the handler throws, once the visibility timeout ends', async () => {
    const q = await queues(3);
    await send(q.url, ['a', 'b', 'c']);
    let calls = 0;
    const times: number[] = [];
    const bodies: string[][] = [];
    const source = new SqsEventSource({
      sqs: emu.sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      functionName: 'f',
      batchSize: 10,
      concurrency: 1,
      functionTimeoutMs: 60_000,
      handler: async (event) => {
        times.push(Date.now());
        bodies.push(event.Records.map((r) => r.body).sort());
        if (calls++ === 0) throw new Error('crashed after writing');
      },
    });
    const stats = await source.drain(() => true);
    expect(bodies).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(900); // the 1 s visibility timeout, not sooner
    expect(stats.handlerErrors).toBe(1);
    expect(stats.errors).toEqual(['crashed after writing']);
    expect((await queueDepth(emu.sqs, q.dlqUrl)).visible).toBe(0);
  });

  it('fails an invocation that outruns the function timeout, as Lambda does, and the batch comes back', async () => {
    // The handler runs in this thread, cut off by withinTimeout as Lambda's runtime cuts it off.
    const q = await queues(3);
    await send(q.url, ['a', 'b']);
    const remaining: number[] = [];
    const source = new SqsEventSource({
      sqs: emu.sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      functionName: 'f',
      batchSize: 10,
      concurrency: 1,
      functionTimeoutMs: 300,
      handler: async (event, context) => {
        remaining.push(context.getRemainingTimeInMillis());
        // The first delivery takes longer than the function may run.
        const slow = event.Records[0].attributes.ApproximateReceiveCount === '1';
        await withinTimeout(new Promise((r) => setTimeout(r, slow ? 800 : 0)), context.getRemainingTimeInMillis());
      },
    });
    const stats = await source.drain(() => true);
    expect(remaining).toHaveLength(2);
    expect(Math.max(...remaining)).toBeLessThanOrEqual(300);
    expect(stats.handlerErrors).toBe(1);
    expect(stats.errors).toEqual(['Task timed out after 0.30 seconds']);
    expect(stats.messagesFailed).toBe(2);
    expect(stats.messagesDeleted).toBe(2);
    expect((await queueDepth(emu.sqs, q.dlqUrl)).visible).toBe(0);
  });

  it('waits for the upstream to finish before it stops', async () => {
    const q = await queues(3);
    let done = false;
    const seen: string[] = [];
    const source = new SqsEventSource({
      sqs: emu.sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      functionName: 'f',
      batchSize: 5,
      functionTimeoutMs: 60_000,
      handler: async (e) => void seen.push(...e.Records.map((r) => r.body)),
    });
    const drained = source.drain(() => done);
    await new Promise((r) => setTimeout(r, 150));
    await send(q.url, ['late-1', 'late-2']);
    done = true;
    await drained;
    expect(seen.sort()).toEqual(['late-1', 'late-2']);
  });
});
