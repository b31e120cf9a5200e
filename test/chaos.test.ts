// Chaos end to end: every fault at once on a small run, then the books must balance
// exactly: each produced event a fact row once by id, each malformed event rejected
// with its reason, each poison message in its DLQ, nothing else anywhere.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORIGINAL_CONSUMER } from '../bench/originalConsumer';
import { runTwin, type TwinReport } from '../local/twin';

const dir = mkdtempSync(join(tmpdir(), 'twin-chaos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let report: TwinReport;

beforeAll(async () => {
  report = await runTwin({
    runs: 2,
    eventsPerRun: 600,
    seed: 21,
    // Small messages and batches: many invocations for the faults to hit, each far shorter than the visibility timeout.
    eventsPerMessage: 40,
    compression: 'none',
    batchSize: 5,
    consumerConcurrency: 2,
    maxReceiveCount: 3,
    // Far above these invocations (tens of ms), with room for a loaded CI machine.
    visibilityTimeoutSeconds: 2,
    dataDir: join(dir, 'pgdata'),
    fresh: true,
    chaos: {
      seed: 5,
      rates: {
        consumerCrash: 0.25,
        s3PutFailure: 0.1,
        duplicateDelivery: 0.15,
        malformedEvents: 0.02,
        poisonMessages: 0.1,
        loaderCrash: 0.3,
      },
    },
  });
}, 120_000);

it('injected every kind of fault', () => {
  const c = report.chaos!;
  expect(c.consumerCrashes).toBeGreaterThan(0);
  expect(c.s3PutFailures).toBeGreaterThan(0);
  expect(c.duplicateDeliveries).toBeGreaterThan(0);
  expect(c.malformedEvents).toBeGreaterThan(0);
  expect(c.poisonMessages).toBeGreaterThan(0);
  expect(c.loaderCrashes).toBeGreaterThan(0);
  // Crashes and failed puts made the event source redeliver.
  expect(report.consumers.sales.messagesFailed + report.consumers.inventory.messagesFailed).toBeGreaterThan(0);
  expect(report.loader.crashes).toBe(c.loaderCrashes);
});

it('loaded every produced event exactly once, checked by id', () => {
  const books = report.books!;
  for (const stream of ['sales', 'inventory'] as const) {
    expect(books.streams[stream]).toEqual({
      produced: report.events[stream],
      loaded: report.events[stream],
      missing: 0,
      doubled: 0,
      unexpected: 0,
      examples: [],
    });
    expect(report.rowsLoaded[stream]).toBe(report.events[stream]);
  }
  expect(report.dashboard!.revenueOverall[0].sale_lines).toBe(report.events.sales);
});

it('put every malformed event in rejected/ with its reason', () => {
  const injected = report.chaos!.malformedEvents;
  expect(report.books!.rejected).toEqual({
    lines: injected,
    injected,
    withReason: injected,
    missing: 0,
    unexpected: 0,
  });
  expect(report.rejects).toBe(injected);
});

it('put every poison message in its DLQ and nothing else there', () => {
  const poison = report.chaos!.poisonMessages;
  expect(report.books!.poison).toEqual({ injected: poison, inDlq: poison, missing: 0 });
  expect(report.dlqDepth.sales + report.dlqDepth.inventory).toBe(poison);
  expect(report.books!.dlq.unexpected).toBe(0);
});

it('left nothing unaccounted, so the books balance', () => {
  const books = report.books!;
  expect(books.queuesLeft).toEqual({ sales: 0, inventory: 0 });
  expect(books.files.pending).toBe(0);
  expect(books.files.loaded).toBe(books.files.landing);
  expect(books.problems).toEqual([]);
  expect(books.balanced).toBe(true);
});

describe('the original design under duplicate deliveries', () => {
  it('does not balance: a redelivered message comes back in a new file, and its rows load twice', async () => {
    const original = await runTwin({
      runs: 1,
      eventsPerRun: 400,
      seed: 8,
      eventsPerMessage: 20,
      compression: 'none',
      batchSize: 10,
      consumerCore: ORIGINAL_CONSUMER,
      visibilityTimeoutSeconds: 1,
      dataDir: join(dir, 'pgdata'),
      fresh: true,
      chaos: {
        seed: 2,
        rates: {
          consumerCrash: 0,
          s3PutFailure: 0,
          duplicateDelivery: 0.3,
          malformedEvents: 0,
          poisonMessages: 0,
          loaderCrash: 0,
        },
      },
    });
    expect(original.chaos!.duplicateDeliveries).toBeGreaterThan(0);
    // A redelivered message lands again in another batch's file, under another name, and the
    // warehouse loads its rows a second time, as Redshift would: the books catch them by id.
    expect(original.loader.failures).toEqual([]);
    const doubled = original.books!.streams.sales.doubled + original.books!.streams.inventory.doubled;
    expect(doubled).toBeGreaterThan(0);
    expect(original.books!.balanced).toBe(false);
    expect(original.books!.problems).toContainEqual(expect.stringMatching(/event\(s\) loaded more than once/));
    expect(original.rowsLoaded.sales + original.rowsLoaded.inventory).toBeGreaterThanOrEqual(
      original.events.sales + original.events.inventory + doubled,
    );
  }, 120_000);
});
