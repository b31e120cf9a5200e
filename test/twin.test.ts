// The local twin end to end: the real producer and consumers over fauxqs HTTP, the
// emulated event source, the loader and views on PGlite on disk, and the books.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORIGINAL_CONSUMER } from '../bench/originalConsumer';
import { perStream } from '../kernel/contracts';
import { prodStackConfig } from '../bench/twin';
import { claimDataDir, DataDirBusy } from '../local/dataDir';
import { runTwin, TwinRefused, type TwinProgress, type TwinReport } from '../local/twin';
import { WorkerPool } from '../local/workerPool';
import { SLOW_CONSUMER, SLOW_FIRST_DELIVERY_MS } from './support/slowConsumer';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twin-test-'));
  dirs.push(dir);
  return join(dir, 'pgdata');
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function expectBalanced(report: TwinReport): void {
  expect(report.books?.problems).toEqual([]);
  expect(report.books?.balanced).toBe(true);
}

const shared = dataDir();

/** The dev stack's consumerTimeoutSeconds, as `pulumi up` would deploy it (prodStackConfig reads any stack file). */
const devConsumerTimeoutSeconds = () =>
  prodStackConfig(join(__dirname, '..', 'Pulumi.dev.yaml')).consumerTimeoutSeconds;

// Each run starts PGlite, fauxqs and workers: on a loaded 2-core machine that alone can pass jest's
// default 60 s, and a first test that times out fails every test after it on the shared directory.
describe('runTwin', () => {
  const dir = shared;
  let first: TwinReport;

  it('runs the pipeline end to end and every event is a fact row exactly once', async () => {
    const progress: TwinProgress[] = [];
    first = await runTwin({
      runs: 2,
      windowMinutes: 15,
      eventsPerRun: 800,
      dataDir: dir,
      fresh: true,
      seed: 3,
      maxMessageBytes: 64 * 1024,
      onProgress: (p) => progress.push(p),
    });
    expectBalanced(first);
    // The progress total is an estimate until the windows are produced, then exact.
    expect(progress[progress.length - 1]).toMatchObject({
      phase: 'done',
      produced: first.totalEvents,
      expected: first.totalEvents,
      loaded: first.totalEvents,
    });
    expect(first.warehouseBooks).toMatchObject({
      balanced: true,
      windows: 2,
      unfinished: [],
      tables: first.events,
      loadLog: first.events,
      produced: first.events,
    });
    expect(first.settings.start).toBe('2026-11-27T06:00:00Z');
    expect(first.settings.end).toBe('2026-11-27T06:30:00Z');
    // From source, the consumers run under the stack's consumer timeout unless told otherwise.
    expect(first.settings.consumerTimeoutSeconds).toBe(devConsumerTimeoutSeconds());
    expect(first.settings.filePer).toBe('message');
    // 800 lines per run are generated; those that would go below zero stock are lost sales.
    expect(first.events.sales + first.lostSales).toBe(1600);
    expect(first.events.inventory).toBeGreaterThan(first.events.sales); // a sale update per line, plus restocks
    expect(first.rowsLoaded).toEqual(first.events);
    expect(first.books!.streams.sales).toMatchObject({
      produced: first.events.sales,
      loaded: first.events.sales,
      missing: 0,
      doubled: 0,
      unexpected: 0,
    });
    expect(first.rejects).toBe(0);
    expect(first.dlqDepth).toEqual(perStream(() => 0));
    expect(first.files.written).toBe(first.files.loaded);
    // The views answer: the overall revenue view counts every sale line once.
    expect(first.dashboard!.revenueOverall[0].sale_lines).toBe(first.events.sales);
    expect(first.dashboard!.salesPerMinute.length).toBeGreaterThan(0);
  }, 180_000);

  it('meters what AWS would bill', () => {
    const u = first.usage;
    expect(u.lambda['twin-producer'].invocations).toBe(2);
    expect(u.lambda['twin-sales-consumer'].invocations).toBeGreaterThan(0);
    expect(u.sqs.SendMessageBatch.requests).toBeGreaterThan(0);
    // Each request bills at least once, and once more for every further 64 KiB of payload.
    expect(u.sqs.SendMessageBatch.billingUnits).toBeGreaterThanOrEqual(u.sqs.SendMessageBatch.requests);
    expect(u.sqs.SendMessageBatch.billingUnits).toBeGreaterThanOrEqual(
      Math.ceil(u.sqs.SendMessageBatch.payloadBytes / 65536),
    );
    expect(u.sqs.ReceiveMessage.requests).toBeGreaterThan(0);
    expect(u.s3.PutObject).toBeGreaterThanOrEqual(first.files.written);
    expect(u.s3.GetObject).toBeGreaterThanOrEqual(first.files.loaded);
    expect(Object.keys(u.filesPerHour)).toEqual(['dt=2026-11-27/hour=06']);
    expect(u.filesPerHour['dt=2026-11-27/hour=06']).toBe(first.files.written);
    expect(first.timings.pipelineMs).toBeGreaterThan(0);
  });

  it('adds a second run to the first in the same data directory', async () => {
    // In-process consumers this time: the same handler without worker threads.
    const second = await runTwin({
      runs: 1,
      windowMinutes: 15,
      eventsPerRun: 500,
      dataDir: dir,
      seed: 3,
      maxMessageBytes: 64 * 1024,
      consumerWorkers: false,
    });
    expectBalanced(second);
    // It carries on after the last loaded event instead of repeating the first run's windows.
    expect(second.settings.start).toBe('2026-11-27T06:30:00Z');
    expect(second.dashboard!.revenueOverall[0].sale_lines).toBe(first.events.sales + second.events.sales);
    // The books cover the run and, apart, every window in the warehouse.
    expect(second.books!.streams.sales.produced).toBe(second.events.sales);
    expect(second.warehouseBooks).toMatchObject({
      balanced: true,
      windows: 3,
      tables: { sales: first.events.sales + second.events.sales },
    });
    expect(second.notes).toEqual([]);
  }, 120_000);

  it('says so when a default run carries on into the next day', async () => {
    // What is proven here is the run's plan and its note: in-process consumers spare two worker
    // pools' cold starts per run (the first test runs the consumers in worker threads).
    await runTwin({
      runs: 1,
      windowMinutes: 15,
      eventsPerRun: 50,
      dataDir: dir,
      seed: 3,
      start: '2026-11-27T23:45:00Z',
      skipBooks: true,
      consumerWorkers: false,
    });
    const notices: string[] = [];
    const next = await runTwin({
      runs: 1,
      windowMinutes: 15,
      eventsPerRun: 50,
      dataDir: dir,
      seed: 3,
      consumerWorkers: false,
      onNotice: (line) => notices.push(line),
    });
    expect(next.settings.start).toBe('2026-11-28T00:00:00Z');
    expect(next.notes).toEqual([
      'This run carries on after the 4 window(s) already in the warehouse, into 2026-11-28 (the warehouse began on 2026-11-27). For a clean Black Friday morning, start again with --fresh, or give another --data-dir.',
    ]);
    expect(notices).toEqual(next.notes);
    expect(next.warehouseBooks?.balanced).toBe(true);
  }, 120_000);

  it('refuses a busy directory and an overlapping start before any function worker starts', async () => {
    // A spy that calls through: it only counts the worker pools started.
    const pools = jest.spyOn(WorkerPool, 'start');
    try {
      const held = claimDataDir(dir, { fresh: false }); // this process holds the lock, as another twin would
      try {
        await expect(runTwin({ runs: 1, dataDir: dir })).rejects.toThrow(DataDirBusy);
      } finally {
        held.release();
      }
      // 06:05+15m overlaps the first run's 06:00+15m.
      const overlapping = { runs: 1, windowMinutes: 15, eventsPerRun: 50, seed: 3, start: '2026-11-27T06:05:00Z' };
      await expect(runTwin({ ...overlapping, dataDir: dir })).rejects.toThrow(TwinRefused);
      expect(pools).not.toHaveBeenCalled();
    } finally {
      pools.mockRestore();
    }
  }, 120_000);
});

describe('runTwin with the original design', () => {
  it('one event per message, batches of 10 and a CSV per batch still balance without faults', async () => {
    // Same data directory as above, started clean: fresh empties the twin's own directory and starts a blank cluster.
    const report = await runTwin({
      runs: 1,
      eventsPerRun: 60,
      eventsPerMessage: 1,
      compression: 'none',
      batchSize: 10,
      consumerCore: ORIGINAL_CONSUMER,
      // The design is under test, not the worker threads (the timeout tests below run a core there).
      consumerWorkers: false,
      dataDir: shared,
      fresh: true,
    });
    expectBalanced(report);
    expect(report.settings.filePer).toBe('batch');
    expect(report.messages.sales).toBe(report.events.sales);
    expect(report.settings.start).toBe('2026-11-27T06:00:00Z');
    expect(report.dashboard!.revenueOverall[0].sale_lines).toBe(report.events.sales);
    expect(report.usage.sqs.SendMessageBatch.requests).toBeGreaterThanOrEqual(
      Math.ceil((report.events.sales + report.events.inventory) / 10),
    );
  }, 120_000);

  it('refuses options that cannot work, naming each', async () => {
    await expect(runTwin({ runs: 0, batchSize: 20000, eventsPerMessage: 0 })).rejects.toThrow(
      /runs must be a whole number 1\.\.10000, got 0; eventsPerMessage must be 'fill' or a whole number 1\.\.100000, got 0; batchSize must be a whole number 1\.\.10000, got 20000/,
    );
    await expect(runTwin({ consumerTimeoutSeconds: 901 })).rejects.toThrow(
      'invalid twin options: consumerTimeoutSeconds must be a whole number 1..900, got 901',
    );
  });
});

describe('runTwin refused by its warehouse', () => {
  it('says so before it starts the functions', async () => {
    // A consumer core that cannot load: a setup that went on to start the consumers would fail on it first.
    const unloadable = {
      module: join(__dirname, 'no-such-consumer-core'),
      entry: 'consume',
      filePer: 'message' as const,
    };
    await expect(
      runTwin({ runs: 1, eventsPerRun: 50, dataDir: '/proc/twin-test/pgdata', consumerCore: unloadable }),
    ).rejects.toThrow('--data-dir /proc/twin-test/pgdata is under /proc');
  });
});

describe('runTwin under the configured consumer timeout', () => {
  // A core that takes SLOW_FIRST_DELIVERY_MS on a batch's first delivery, and is quick on a redelivery.
  const slowRun = (consumerTimeoutSeconds: number) =>
    runTwin({
      runs: 1,
      eventsPerRun: 200,
      eventsPerMessage: 50,
      consumerCore: SLOW_CONSUMER,
      consumerConcurrency: 1,
      consumerTimeoutSeconds,
      visibilityTimeoutSeconds: 2,
      maxReceiveCount: 5,
      dataDir: dataDir(),
      fresh: true,
    });

  it('times out a batch that runs longer, as Lambda does; the redelivery loads it once', async () => {
    expect(SLOW_FIRST_DELIVERY_MS).toBeGreaterThan(1000);
    const report = await slowRun(1);
    expectBalanced(report);
    expect(report.settings.consumerTimeoutSeconds).toBe(1);
    const consumers = Object.values(report.consumers);
    expect(consumers.reduce((n, c) => n + c.handlerErrors, 0)).toBeGreaterThan(0);
    expect(consumers.flatMap((c) => c.errors)).toContain('Task timed out after 1.00 seconds');
    expect(report.usage.lambda['twin-sales-consumer'].failedInvocations).toBeGreaterThan(0);
    expect(report.rowsLoaded).toEqual(report.events);
  }, 120_000);

  it('lets the same batches finish under a timeout longer than they take', async () => {
    const report = await slowRun(6);
    expectBalanced(report);
    expect(report.settings.consumerTimeoutSeconds).toBe(6);
    for (const c of Object.values(report.consumers)) expect(c.errors).toEqual([]);
  }, 120_000);
});
