// The twin on the shipped archives (`npm start`'s default) against the same run from
// source: the same events, messages, files, rows and metered requests, books balanced.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORIGINAL_CONSUMER } from '../bench/originalConsumer';
import { prodStackConfig } from '../bench/twin';
import { runTwin, type TwinReport } from '../local/twin';

const dir = mkdtempSync(join(tmpdir(), 'twin-archives-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (functions: 'archives' | 'source', name: string, chaos = false) =>
  runTwin({
    runs: 1,
    eventsPerRun: 500,
    seed: 7,
    // Small messages: enough consumer invocations (the crash draw is per batch, and
    // batches form as messages arrive) that the faults land on some, however the batches fall.
    eventsPerMessage: chaos ? 10 : 50,
    dataDir: join(dir, name),
    fresh: true,
    functions,
    ...(chaos
      ? {
          chaos: {
            seed: 7,
            rates: {
              consumerCrash: 0.3,
              s3PutFailure: 0.1,
              duplicateDelivery: 0,
              malformedEvents: 0.01,
              poisonMessages: 0,
              loaderCrash: 0,
            },
          },
        }
      : {}),
  });

/** What must not depend on which code ran. */
const outcome = (r: TwinReport) => ({
  events: r.events,
  messages: r.messages,
  messageBytes: r.messageBytes,
  rows: r.rowsLoaded,
  files: r.files.written,
  sqs: r.usage.sqs.SendMessageBatch,
  s3Puts: r.usage.s3.PutObject,
});

describe('the twin runs what ships', () => {
  it('runs the archives when asked, with the same outcome as the source modules', async () => {
    const shipped = await run('archives', 'shipped');
    const source = await run('source', 'source');
    expect(shipped.settings.functions).toBe('archives');
    expect(shipped.settings.archives?.dir).toMatch(/\.twin\/archives\/dev-[0-9a-f]{16}$/);
    expect(source.settings.functions).toBe('source');
    expect(shipped.books?.balanced).toBe(true);
    expect(outcome(shipped)).toEqual(outcome(source));
    // The shipped consumers run under the timeout their archives declare: the stack's consumerTimeoutSeconds.
    const stack = prodStackConfig(join(__dirname, '..', 'Pulumi.dev.yaml'));
    expect(shipped.settings.consumerTimeoutSeconds).toBe(stack.consumerTimeoutSeconds);
    expect(source.settings.consumerTimeoutSeconds).toBe(shipped.settings.consumerTimeoutSeconds);
    expect(shipped.usage.s3.PutObject).toBeGreaterThan(0);
  }, 180_000);

  it("injects its faults into the archives' own clients and calls, and the books still balance", async () => {
    const report = await run('archives', 'chaos', true);
    expect(report.chaos?.consumerCrashes).toBeGreaterThan(0);
    expect(report.chaos?.s3PutFailures).toBeGreaterThan(0);
    expect(report.books?.problems).toEqual([]);
  }, 180_000);

  it('refuses what only the sources can do, naming each problem', () => {
    return expect(
      runTwin({ functions: 'archives', consumerCore: ORIGINAL_CONSUMER, consumerWorkers: false }),
    ).rejects.toThrow(
      'invalid twin options: consumer core consumeAsOneFile runs only from source (the shipped consumer writes a file per message); in-process consumers run only from source (the archives run in worker threads)',
    );
  });
});
