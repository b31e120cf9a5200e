// The capacity model against the twin: where the model says a stack's consumers cannot
// keep up (one consumer per stream, small messages, batches of one), the twin's queue
// backlog grows run after run. Counts only: no timing is asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumerEventsPerSecond, measuredCosts } from '../infra/capacity';
import { runTwin, type TwinProgress } from '../local/twin';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'capacity-twin-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('grows a backlog at a peak the model says the consumers cannot hold', async () => {
  const costs = measuredCosts();
  const eventsPerMessage = 10;
  const scheduleEveryMs = 100;
  // One consumer per stream at a full vCPU (the twin runs each on one thread).
  const drains = consumerEventsPerSecond(
    { maxConcurrency: 1, consumerMemoryMb: 1769, eventsPerMessage },
    costs,
    'sales',
  );
  // Offer five times that: sale lines (= sales events) per run, one run every 100 ms.
  const linesPerRun = Math.ceil((5 * drains * scheduleEveryMs) / 1000);
  expect((linesPerRun * 1000) / scheduleEveryMs).toBeGreaterThan(drains);

  // Events sent but not yet consumed, sampled as the run reports progress (every 100 ms).
  const samples: { runsDone: number; backlog: number }[] = [];
  const report = await runTwin({
    runs: 5,
    windowMinutes: 1,
    eventsPerRun: linesPerRun,
    eventsPerMessage,
    batchSize: 1,
    consumerConcurrency: 1,
    consumerWorkers: false,
    producerConcurrency: 2,
    scheduleEveryMs,
    dataDir: join(dir, 'pgdata'),
    fresh: true,
    prefix: 'capacity',
    skipBooks: true,
    onProgress: (p: TwinProgress) => {
      if (p.phase === 'stream' && p.runsDone > 0)
        samples.push({ runsDone: p.runsDone, backlog: p.produced - p.consumed });
    },
  });
  // Every event still arrives: the backlog drains after the producer stops.
  expect(report.rowsLoaded).toEqual(report.events);
  // When the producer is done, the backlog is larger than after its first run, and a good part of all it sent.
  const first = samples[0];
  const done = samples.find((s) => s.runsDone === 5)!;
  expect(first.runsDone).toBeLessThan(5);
  expect(done.backlog).toBeGreaterThan(first.backlog);
  expect(done.backlog).toBeGreaterThan(0.3 * (report.events.sales + report.events.inventory));
}, 120_000);
