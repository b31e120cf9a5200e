// Chaos injection: what it sends is what the real consumer rejects or cannot read,
// and its decisions repeat with the seed.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { buildCatalog } from '../kernel/catalog';
import { knownIdsOf } from '../kernel/contracts';
import { processChunk } from '../functions/consumer';
import { UnreadableMessageError } from '../kernel/packing';
import { Chaos, CHAOS_ATTRIBUTE, ChaosBudgetExceeded, chaosDraw, defaultChaosRates } from './chaos';
import { createStreamQueues, ensureBucket } from './endpoint';
import { useEmulator } from '../test/support/emulator';

const catalog = buildCatalog();
const known = knownIdsOf(catalog);
const window = { start: '2026-11-27T06:00:00Z', minutes: 15, seed: 7 };
const emu = useEmulator();

describe('chaos options', () => {
  it('lists every bad rate and seed', () => {
    const options = {
      seed: -1,
      rates: { ...defaultChaosRates(), consumerCrash: 1, s3PutFailure: 2, poisonMessages: Number.NaN },
    };
    expect(() => new Chaos(options, 3)).toThrow(
      new RangeError(
        'invalid chaos options: ' +
          [
            'chaos seed must be a whole number 0..4294967295, got -1',
            'chaos rate s3PutFailure must be in [0, 1], got 2',
            'chaos rate poisonMessages must be in [0, 1], got NaN',
            'chaos rate consumerCrash must be < 1, or no batch could ever succeed',
          ].join('; '),
      ),
    );
    expect(() => new Chaos({ seed: 1, rates: { ...defaultChaosRates(), loaderCrash: 1 } }, 3)).toThrow(
      /loaderCrash must be < 1/,
    );
  });

  it('draws the same number for the same seed and identity, and spreads them evenly', () => {
    expect(chaosDraw(1, 'put', 'k', 1)).toBe(chaosDraw(1, 'put', 'k', 1));
    expect(chaosDraw(1, 'put', 'k', 1)).not.toBe(chaosDraw(2, 'put', 'k', 1));
    const draws = Array.from({ length: 20000 }, (_, i) => chaosDraw(9, 'x', i));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const below = draws.filter((d) => d < 0.1).length / draws.length;
    expect(below).toBeGreaterThan(0.09);
    expect(below).toBeLessThan(0.11);
  });
});

describe('injection into the streams', () => {
  it('sends malformed events the consumer rejects for the broken field, and poison it cannot read', async () => {
    const queues = await createStreamQueues(emu.sqs, {
      prefix: 'chaos',
      maxMessageBytes: 262144,
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 30,
    });
    const chaos = new Chaos(
      { seed: 11, rates: { ...defaultChaosRates(0), malformedEvents: 0.05, poisonMessages: 0.5 } },
      3,
    );
    await chaos.injectIntoStream(emu.sqs, 'sales', queues.sales.url, window, { events: 2000, messages: 10 }, catalog);
    await chaos.injectIntoStream(
      emu.sqs,
      'inventory',
      queues.inventory.url,
      window,
      { events: 1000, messages: 10 },
      catalog,
    );
    expect(chaos.counts.malformedEvents).toBe(150);
    expect(chaos.counts.poisonMessages).toBe(10);
    // Among them, what Redshift's COPY would refuse: control characters, multi-byte strings over
    // their VARCHAR's bytes (yet within its characters), numbers beyond INTEGER or DECIMAL(12,2).
    const values = chaos.malformed.flatMap((m) => Object.values(m.event));
    expect(values.some((v) => typeof v === 'string' && v.includes('\u0000'))).toBe(true);
    expect(
      values.some((v) => typeof v === 'string' && [...v].some((c) => c.charCodeAt(0) >= 1 && c.charCodeAt(0) <= 0x1f)),
    ).toBe(true);
    expect(values.some((v) => typeof v === 'string' && v.length <= 64 && Buffer.byteLength(v) > 64)).toBe(true);
    expect(values.some((v) => typeof v === 'number' && (v > 2 ** 31 - 1 || v < -(2 ** 31)))).toBe(true);
    expect(values.some((v) => typeof v === 'number' && Math.abs(v) > 9999999999.99)).toBe(true);

    for (const stream of ['sales', 'inventory'] as const) {
      const messages = [];
      for (;;) {
        const { Messages = [] } = await emu.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queues[stream].url,
            MaxNumberOfMessages: 10,
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) break;
        messages.push(...Messages);
      }
      const rejectedFields = new Map<string, string[]>();
      let unreadable = 0;
      for (const m of messages) {
        const tag = m.MessageAttributes?.[CHAOS_ATTRIBUTE]?.StringValue ?? '';
        if (tag.startsWith('poison-')) {
          expect(() => processChunk(m.Body!, stream, known)).toThrow(UnreadableMessageError);
          unreadable++;
          continue;
        }
        const out = processChunk(m.Body!, stream, known);
        expect(out.counts.valid).toBe(0);
        for (const line of out.rejected!.body.trim().split('\n')) {
          const r = JSON.parse(line) as { chunk_id: string; index: number; problems: { field: string }[] };
          rejectedFields.set(
            `${r.chunk_id}#${r.index}`,
            r.problems.map((p) => p.field),
          );
        }
      }
      const injected = chaos.malformed.filter((x) => x.stream === stream);
      expect(rejectedFields.size).toBe(injected.length);
      for (const x of injected) expect(rejectedFields.get(`${x.chunkId}#${x.index}`)).toContain(x.field);
      expect(unreadable).toBe(chaos.poison.filter((p) => p.stream === stream).length);
    }
  });

  it('injects the same events and poison for the same seed', async () => {
    const queues = await createStreamQueues(emu.sqs, {
      prefix: 'chaos2',
      maxMessageBytes: 262144,
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 30,
    });
    const make = async () => {
      const chaos = new Chaos(
        { seed: 5, rates: { ...defaultChaosRates(0), malformedEvents: 0.01, poisonMessages: 0.3 } },
        3,
      );
      await chaos.injectIntoStream(emu.sqs, 'sales', queues.sales.url, window, { events: 3000, messages: 20 }, catalog);
      return { malformed: chaos.malformed, poison: chaos.poison };
    };
    expect(await make()).toEqual(await make());
  });
});

describe('faults in the consumer', () => {
  const event = (receiveCount: number): SQSEvent => ({
    Records: [
      {
        messageId: 'm1',
        receiptHandle: 'r',
        body: '{}',
        md5OfBody: 'abc',
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: '1',
          SenderId: 'x',
          ApproximateFirstReceiveTimestamp: '1',
        },
        messageAttributes: {},
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn',
        awsRegion: 'us-east-1',
      },
    ],
  });

  it("crashes after the handler ran, but never on a message's last allowed receive", async () => {
    const chaos = new Chaos({ seed: 1, rates: { ...defaultChaosRates(0), consumerCrash: 0.999 } }, 3);
    let ran = 0;
    await expect(chaos.consumerInvocation(event(1), async () => void ran++)).rejects.toThrow(/crashed after writing/);
    await expect(chaos.consumerInvocation(event(3), async () => void ran++)).resolves.toBeUndefined();
    expect(ran).toBe(2);
    expect(chaos.counts).toMatchObject({ consumerCrashes: 1, sparedLastReceives: 1 });
  });

  it('fails S3 puts with a 503 inside an invocation that allows faults', async () => {
    const s3 = emu.endpoint.s3Client();
    await ensureBucket(s3, 'chaos-landing');
    const chaos = new Chaos({ seed: 1, rates: { ...defaultChaosRates(0), s3PutFailure: 0.999 } }, 3);
    chaos.failS3Puts(s3);
    const put = async () =>
      void (await s3.send(new PutObjectCommand({ Bucket: 'chaos-landing', Key: 'sales/x.csv', Body: 'a\n' })));
    await expect(chaos.consumerInvocation(event(1), put)).rejects.toMatchObject({
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    });
    await expect(chaos.consumerInvocation(event(3), put)).resolves.toBeUndefined();
    // Outside an invocation (the loader's client, say) nothing is injected.
    await expect(put()).resolves.toBeUndefined();
    expect(chaos.counts.s3PutFailures).toBe(1);
    s3.destroy();
  });

  it('crashes the loader on a file at most twice', () => {
    const chaos = new Chaos({ seed: 1, rates: { ...defaultChaosRates(0), loaderCrash: 0.999 } }, 3);
    expect([chaos.loaderCrashes('k'), chaos.loaderCrashes('k'), chaos.loaderCrashes('k')]).toEqual([true, true, false]);
  });
});

describe('duplicate deliveries end', () => {
  const receiveAll = async (queueUrl: string): Promise<Message[]> => {
    const { Messages = [] } = await emu.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    );
    return Messages;
  };

  it('copies a message at most once per receive, and never copies a copy', async () => {
    const queues = await createStreamQueues(emu.sqs, {
      prefix: 'chaos-copies',
      maxMessageBytes: 262144,
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 60,
    });
    const url = queues.sales.url;
    for (let i = 0; i < 5; i++) await emu.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    // Every receive duplicates (a rate the CLI refuses), so only the copy rule can end this.
    const chaos = new Chaos({ seed: 1, rates: { ...defaultChaosRates(0), duplicateDelivery: 1 } }, 3);
    const hook = chaos.duplicateDeliveries(emu.sqs, url);
    let received = 0;
    for (let round = 0; round < 10; round++) {
      const batch = await receiveAll(url);
      if (!batch.length) break;
      received += batch.length;
      await hook(batch);
    }
    expect(chaos.counts.duplicateDeliveries).toBe(5);
    expect(received).toBe(10);
  });

  it('stops a run whose deliveries pass the budget, saying why', async () => {
    const chaos = new Chaos({ seed: 1, rates: defaultChaosRates(0) }, 2);
    const hook = chaos.duplicateDeliveries(emu.sqs, 'http://unused');
    const delivery = (id: string, receiveCount: number): Message => ({
      MessageId: id,
      Body: id,
      Attributes: { ApproximateReceiveCount: String(receiveCount) },
    });
    // One message may be delivered maxReceiveCount x (maxReceiveCount + 1) = 6 times, with its copies.
    await hook([delivery('a', 1), delivery('a', 2), delivery('a', 3), delivery('a', 4), delivery('a', 5)]);
    await hook([delivery('a', 6)]);
    await expect(hook([delivery('a', 7)])).rejects.toThrow(ChaosBudgetExceeded);
    await expect(hook([delivery('a', 8)])).rejects.toThrow(
      'chaos: 8 deliveries for 1 message(s), over the budget of 6 per message (maxReceiveCount 2, one copy per receive)',
    );
  });
});
