// The usage meter counts what AWS bills, from real SDK calls against fauxqs.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createStreamQueues, ensureBucket, openEndpoint } from './endpoint';
import { SQS_BILLING_CHUNK_BYTES, sqsBillingUnits, sqsPayloadBytes, UsageMeter } from './usage';

describe('SQS billing units', () => {
  it('bills every request at least once, and once more per started 64 KiB', () => {
    expect(
      [0, 1, SQS_BILLING_CHUNK_BYTES, SQS_BILLING_CHUNK_BYTES + 1, 256 * 1024, 1024 * 1024].map(sqsBillingUnits),
    ).toEqual([1, 1, 1, 2, 4, 16]);
  });

  it('counts bodies and attributes of what was sent or received', () => {
    const attrs = { kind: { DataType: 'String', StringValue: 'ab' } };
    expect(
      sqsPayloadBytes(
        'SendMessageBatch',
        { Entries: [{ MessageBody: 'héllo' }, { MessageBody: 'x', MessageAttributes: attrs }] },
        undefined,
      ),
    ).toBe(6 + 1 + (4 + 6 + 2));
    expect(sqsPayloadBytes('ReceiveMessage', {}, { Messages: [{ Body: 'abc' }, { Body: 'de' }] })).toBe(5);
    expect(sqsPayloadBytes('DeleteMessageBatch', { Entries: [{}] }, {})).toBe(0);
  });
});

describe('UsageMeter', () => {
  it('meters SQS and S3 requests made through the clients it watches', async () => {
    const endpoint = await openEndpoint();
    const sqs = endpoint.sqsClient();
    const s3 = endpoint.s3Client();
    try {
      const queues = await createStreamQueues(sqs, {
        prefix: 'usage',
        maxMessageBytes: 262144,
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 30,
      });
      await ensureBucket(s3, 'usage-landing');
      const meter = new UsageMeter();
      meter.meterSqs(sqs);
      meter.meterS3(s3);
      const big = 'x'.repeat(100_000);
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queues.sales.url,
          Entries: [
            { Id: '1', MessageBody: big },
            { Id: '2', MessageBody: 'small' },
          ],
        }),
      );
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.sales.url, MaxNumberOfMessages: 10 }));
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.sales.url, MaxNumberOfMessages: 10 })); // both in flight: empty
      await s3.send(
        new PutObjectCommand({ Bucket: 'usage-landing', Key: 'sales/dt=2026-11-27/hour=06/a.csv', Body: 'a,b\n' }),
      );
      await s3.send(
        new PutObjectCommand({ Bucket: 'usage-landing', Key: 'sales/dt=2026-11-27/hour=06/a.csv', Body: 'a,b\n' }),
      ); // a rewrite, same file
      await s3.send(
        new PutObjectCommand({ Bucket: 'usage-landing', Key: 'inventory/dt=2026-11-27/hour=07/b.csv', Body: 'c\n' }),
      );
      await meter.invoke('fn', async () => undefined);
      await expect(meter.invoke('fn', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

      const u = meter.snapshot();
      expect(u.sqs.SendMessageBatch).toEqual({ requests: 1, billingUnits: 2, payloadBytes: 100_005 });
      expect(u.sqs.ReceiveMessage).toEqual({ requests: 1, billingUnits: 2, payloadBytes: 100_005 });
      expect(u.sqs.ReceiveMessageEmpty).toEqual({ requests: 1, billingUnits: 1, payloadBytes: 0 });
      expect(u.s3).toEqual({ PutObject: 3 });
      expect(u.s3Tiers).toEqual({ putCopyPostList: 3, getAndOther: 0 });
      expect(u.filesPerHour).toEqual({ 'dt=2026-11-27/hour=06': 1, 'dt=2026-11-27/hour=07': 1 });
      expect(u.landingBytes).toBe(6);
      expect(u.lambda.fn).toMatchObject({ invocations: 2, failedInvocations: 1 });

      // What a worker takes out, the run's meter adds back.
      const total = new UsageMeter();
      total.addSqsUsage(meter.takeSqsUsage());
      total.addS3Usage(meter.takeS3Usage());
      expect(total.snapshot().sqs).toEqual(u.sqs);
      expect(total.snapshot().filesPerHour).toEqual(u.filesPerHour);
      expect(meter.snapshot().sqs).toEqual({});
    } finally {
      sqs.destroy();
      s3.destroy();
      await endpoint.stop();
    }
  });
});
