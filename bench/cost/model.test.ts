import { BLACK_FRIDAY_LOAD, compareDesigns, monthlyBill, type DesignRun } from './model';
import { PRICES, type PriceTable } from './prices';
import { SQS_BILLING_CHUNK_BYTES } from '../../local/usage';

// A run of 1,000 sale lines: one producer call, two consumer calls, 64 KiB-chunked SQS payloads.
function run(overrides: Partial<DesignRun> = {}): DesignRun {
  return {
    design: 'ours',
    saleLines: 1000,
    inventoryUpdates: 1100,
    architecture: 'x86_64',
    lambdaMemoryMb: { 'p-producer': 1024, 'p-sales-consumer': 512 },
    usage: {
      sqs: {
        SendMessageBatch: { requests: 2, billingUnits: 5, payloadBytes: 300_000 },
        ReceiveMessage: { requests: 4, billingUnits: 7, payloadBytes: 300_000 },
        DeleteMessageBatch: { requests: 2, billingUnits: 2, payloadBytes: 0 },
        CreateQueue: { requests: 4, billingUnits: 4, payloadBytes: 0 },
        GetQueueAttributes: { requests: 50, billingUnits: 50, payloadBytes: 0 },
      },
      lambda: {
        'p-producer': { invocations: 1, durationMs: 200.2, failedInvocations: 0 },
        'p-sales-consumer': { invocations: 2, durationMs: 99, failedInvocations: 0 },
      },
      s3: { PutObject: 6, GetObject: 6, ListObjectsV2: 3, CreateBucket: 1 },
      filesPerHour: { 'dt=2026-11-27/hour=06': 4, 'dt=2026-11-27/hour=07': 2 },
    },
    ...overrides,
  };
}

const month = BLACK_FRIDAY_LOAD.salesPerDay * BLACK_FRIDAY_LOAD.daysPerMonth;
const idle = 2 * 5 * ((30 * 86_400) / 20);

describe('monthlyBill', () => {
  const bill = monthlyBill(run());
  const scale = month / 1000;

  it('scales the counted run to a month at the stated load', () => {
    expect(bill.monthlySaleLines).toBe(1_500_000_000);
    expect(bill.scale).toBe(scale);
  });

  it('bills SQS by 64 KiB units of the pipeline actions only, plus the idle long polls', () => {
    expect(Object.keys(bill.sqs.billed).sort()).toEqual(['DeleteMessageBatch', 'ReceiveMessage', 'SendMessageBatch']);
    expect(bill.sqs.totalBilled).toBeCloseTo((5 + 7 + 2) * scale + idle, 3);
    expect(bill.sqs.totalRequests).toBeCloseTo((2 + 4 + 2) * scale + idle, 3);
    expect(bill.sqs.cost).toBeCloseTo((((5 + 7 + 2) * scale + idle) / 1e6) * 0.4, 6);
  });

  it('bills Lambda per request and per GB-second, each invocation rounded up to a millisecond', () => {
    const producer = bill.lambda.functions['p-producer'];
    expect(producer.invocations).toBe(scale);
    expect(producer.gbSeconds).toBeCloseTo(scale * 0.201 * 1, 6); // 200.2 ms -> 201 ms at 1 GB
    const consumer = bill.lambda.functions['p-sales-consumer'];
    expect(consumer.gbSeconds).toBeCloseTo(2 * scale * 0.05 * 0.5, 6); // 49.5 ms -> 50 ms at 0.5 GB
    expect(bill.lambda.cost).toBeCloseTo(
      (3 * scale * 0.2) / 1e6 + (producer.gbSeconds + consumer.gbSeconds) * 0.0000166667,
      6,
    );
  });

  it('prices arm64 duration lower than x86', () => {
    const arm = monthlyBill(run({ architecture: 'arm64' }));
    expect(arm.lambda.gbSeconds).toBeCloseTo(bill.lambda.gbSeconds, 6);
    expect(arm.lambda.cost).toBeLessThan(bill.lambda.cost);
  });

  it('bills S3 PUTs and GETs, not the twin loader LISTs or setup', () => {
    expect(bill.s3.puts.quantity).toBe(6 * scale);
    expect(bill.s3.gets.quantity).toBe(6 * scale);
    expect(bill.s3.cost).toBeCloseTo(((6 * scale) / 1000) * 0.005 + ((6 * scale) / 1000) * 0.0004, 6);
  });

  it('derives landing files per hour at the peak rate', () => {
    expect(bill.filesPerHourAtPeak).toBeCloseTo((6 / 1000) * 5000 * 3600, 6);
    expect(bill.filesPerMonth).toBeCloseTo(6 * scale, 6);
  });

  it('adds SQS, Lambda and S3 into the ingest cost', () => {
    expect(bill.ingestCost).toBeCloseTo(bill.sqs.cost + bill.lambda.cost + bill.s3.cost, 9);
  });

  it('follows the price table it is given', () => {
    const doubled: PriceTable = { ...PRICES, sqs: { ...PRICES.sqs, standardPerMillionRequests: 0.8 } };
    expect(monthlyBill(run(), BLACK_FRIDAY_LOAD, doubled).sqs.cost).toBeCloseTo(bill.sqs.cost * 2, 6);
  });

  it('lists every problem with a run or load at once', () => {
    const bad = run({ saleLines: 0, lambdaMemoryMb: { 'p-producer': 64 } });
    expect(() => monthlyBill(bad, { peakSalesPerSecond: 0, salesPerDay: 1, daysPerMonth: 40 })).toThrow(
      /peakSalesPerSecond must be > 0.*daysPerMonth must be in \(0, 31\].*saleLines must be > 0.*p-producer must be 128\.\.10240 MB, got 64.*p-sales-consumer must be 128\.\.10240 MB, got undefined/,
    );
  });
});

describe('price table', () => {
  it('bills SQS in the same chunk the twin counts its billing units in', () => {
    expect(PRICES.sqs.billingChunkBytes).toBe(SQS_BILLING_CHUNK_BYTES);
  });

  it('states where and when its prices were taken', () => {
    expect(PRICES.region).toBe('us-east-1');
    expect(PRICES.takenOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICES.sources.length).toBeGreaterThanOrEqual(4);
  });
});

describe('compareDesigns', () => {
  it('states how many times fewer SQS requests and how much cheaper ours is at the same load', () => {
    // The original design: one event per message, so ten times the requests per sale line and a file per batch.
    const original = run({
      design: 'original',
      usage: {
        ...run().usage,
        sqs: {
          SendMessageBatch: { requests: 200, billingUnits: 200, payloadBytes: 400_000 },
          ReceiveMessage: { requests: 200, billingUnits: 200, payloadBytes: 400_000 },
          DeleteMessageBatch: { requests: 200, billingUnits: 200, payloadBytes: 0 },
        },
        s3: { PutObject: 200, GetObject: 200 },
        filesPerHour: { 'dt=2026-11-27/hour=06': 200 },
      },
    });
    const c = compareDesigns(run(), original);
    expect(c.sqsRequestsRatio).toBeCloseTo(c.original.sqs.totalBilled / c.ours.sqs.totalBilled, 9);
    expect(c.sqsRequestsRatio).toBeGreaterThan(1);
    expect(c.ingestCostRatio).toBeCloseTo(c.original.ingestCost / c.ours.ingestCost, 9);
    expect(c.filesRatio).toBeCloseTo(200 / 6, 6);
  });
});
