// Chaos always ends: at the highest rate the CLI accepts, a copy is never copied again,
// so the copies cannot outrun the consumers, and the books still balance. Before copies
// were marked, a duplicate was drawn on every receive, copies included, and a run at 0.8
// made millions of deliveries for a handful of messages and never ended.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultChaosRates, MAX_CHAOS_RATE } from '../local/chaos';
import { runTwin } from '../local/twin';

const dir = mkdtempSync(join(tmpdir(), 'twin-chaos-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('ends, and balances, with every fault at the highest allowed rate', async () => {
  const report = await runTwin({
    runs: 1,
    eventsPerRun: 200,
    seed: 3,
    eventsPerMessage: 20,
    compression: 'none',
    batchSize: 5,
    consumerConcurrency: 2,
    maxReceiveCount: 3,
    // Far above these invocations, with room for a loaded machine: a slow one is redelivered and could reach the DLQ.
    visibilityTimeoutSeconds: 3,
    dataDir: join(dir, 'pgdata'),
    fresh: true,
    chaos: { seed: 8, rates: defaultChaosRates(MAX_CHAOS_RATE) },
  });
  const chaos = report.chaos!;
  expect(chaos.duplicateDeliveries).toBeGreaterThan(0);
  const received = report.consumers.sales.messagesReceived + report.consumers.inventory.messagesReceived;
  // Within the budget: each message received at most maxReceiveCount times, plus its copies' receives.
  const sent = report.messages.sales + report.messages.inventory + chaos.poisonMessages + chaos.malformedEvents;
  expect(received).toBeLessThanOrEqual(sent * 3 * 4);
  expect(report.consumers.sales.slowInvocations + report.consumers.inventory.slowInvocations).toBe(0);
  expect(report.books!.problems).toEqual([]);
  expect(report.books!.balanced).toBe(true);
}, 120_000);
