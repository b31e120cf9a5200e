// The alternatives priced at the same load: the parts add up, each rule of the price table applies.
import { compareAlternatives } from './alternatives';
import { compareDesigns, type DesignRun } from './model';
import { STREAMING_PRICES } from './prices';

const run = (design: string, sqsRequests: number): DesignRun => ({
  design,
  saleLines: 10_000,
  inventoryUpdates: 10_000,
  usage: {
    sqs: {
      SendMessageBatch: { requests: sqsRequests, billingUnits: sqsRequests, payloadBytes: 0, entries: 0 },
    } as never,
    lambda: {
      [`${design}-producer`]: { invocations: 1, durationMs: 1000, failedInvocations: 0 },
      [`${design}-sales-consumer`]: { invocations: 10, durationMs: 2000, failedInvocations: 0 },
    },
    s3: { PutObject: 10, GetObject: 10 },
    filesPerHour: { 'dt=2026-11-27/hour=06': 10 },
  },
  lambdaMemoryMb: { [`${design}-producer`]: 2048, [`${design}-sales-consumer`]: 1024 },
  architecture: 'x86_64',
});

it('prices four designs at the same load, each part with its rule', () => {
  const comparison = compareDesigns(run('ours', 10), run('original', 10_000));
  const bills = compareAlternatives({
    comparison,
    inventoryPerSaleLine: 1,
    eventJsonBytes: 200,
    eventsPerFirehoseRecord: 5000,
    firehoseBufferSeconds: 60,
    oursWorstSeconds: 300,
    oursWindowMinutes: 1,
  });
  expect(bills.map((b) => b.design)).toEqual([
    'This design (SQS, Lambda, S3, COPY JOB)',
    'The original design (1 event per message, a CSV per batch)',
    'Amazon Data Firehose into Redshift',
    'Kinesis Data Streams + Redshift streaming ingestion',
  ]);
  for (const b of bills) expect(b.total).toBeCloseTo(b.parts.reduce((s, p) => s + p.usd, 0));
  expect(bills[0].total).toBeCloseTo(comparison.ours.ingestCost);
  expect(bills[1].total).toBeCloseTo(comparison.original.ingestCost);
  const events = 1.5e9 * 2; // 50 M sale lines a day x 30 days, one inventory update each
  const part = (i: number, name: string) => bills[i].parts.find((p) => p.part === name)!.usd;
  // Kinesis: one event per record, each rounded up to 1 KB, in and read again.
  expect(part(3, 'Kinesis data in')).toBeCloseTo(
    ((events * 1024) / 1024 ** 3) * STREAMING_PRICES.kinesisOnDemand.perGbIngested,
  );
  expect(part(3, 'Kinesis data read by Redshift')).toBeCloseTo(
    ((events * 1024) / 1024 ** 3) * STREAMING_PRICES.kinesisOnDemand.perGbRetrieved,
  );
  expect(part(3, 'Kinesis stream-hours')).toBeCloseTo(2 * 720 * STREAMING_PRICES.kinesisOnDemand.perStreamHour);
  // Firehose: records of 5,000 events x 200 B = 1,000,000 B, billed in 5 KB steps.
  expect(part(2, 'Firehose ingestion')).toBeCloseTo(
    (((events / 5000) * Math.ceil(1e6 / 5120) * 5120) / 1024 ** 3) * STREAMING_PRICES.firehose.perGbIngested,
  );
  // The same producer everywhere.
  expect(part(2, 'Lambda')).toBeCloseTo(part(3, 'Lambda'));
  expect(bills[0].exactlyOnce).toMatch(/^exactly once/);
  for (const b of bills.slice(1)) expect(b.exactlyOnce).toMatch(/^(not exactly once|at least once)/);
});
