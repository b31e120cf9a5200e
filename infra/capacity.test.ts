// The capacity model: hop by hop, pure arithmetic over a stack config and measured costs.
import {
  changesToHold,
  completeCosts,
  costsFromResults,
  cpuSlowdown,
  measuredCosts,
  modelCapacity,
  producerSeconds,
  type CapacityCosts,
} from './capacity';
import { parseStackConfig, type StackConfig } from './config';
import { roundCosts } from '../test/support/capacityCosts';
import { streamNames } from '../kernel/contracts';

const costs: CapacityCosts = roundCosts;

const stack = (over: Record<string, unknown> = {}): StackConfig =>
  parseStackConfig(
    Object.fromEntries(
      Object.entries({
        schedule: 'rate(5 minutes)',
        peakLinesPerMinute: 4000,
        producerMemoryMb: 1769,
        producerTimeoutSeconds: 120,
        consumerMemoryMb: 1769,
        maxConcurrency: 10,
        ...over,
      }).map(([k, v]) => [k, JSON.stringify(v).replace(/^"(.*)"$/, '$1')]),
    ),
    { capacityCosts: null },
  );

it('scales CPU time with memory up to one vCPU at 1,769 MB, and no further for one thread', () => {
  expect(cpuSlowdown(1769)).toBe(1);
  expect(cpuSlowdown(3538)).toBe(1);
  expect(cpuSlowdown(884.5)).toBe(2);
  expect(producerSeconds({ windowMinutes: 5, producerMemoryMb: 884.5 }, costs, 4000)).toBeCloseTo(
    (4000 * 5 * 0.05 * 2) / 1000,
  );
});

it('bounds each hop and names the first to give', () => {
  // 16 base RPUs: the warehouse holds 16,000 rows/s, 960,000 rows a minute, whatever the stream count.
  const r = modelCapacity(stack({ baseCapacity: 16, maxCapacity: 16 }), costs);
  const hop = (name: string) => r.hops.find((h) => h.hop === name)!;
  // 50% of 120 s over 5 minutes x 0.05 ms a line at one vCPU.
  expect(hop('producer run time').maxPeak).toBeCloseTo(60 / (5 * 0.05e-3));
  // 50% of 1769 MB over 5 minutes x 300 bytes a line.
  expect(hop('producer memory').maxPeak).toBeCloseTo((1769 * 2 ** 20 * 0.5) / (5 * 300));
  // 10 consumers, each 1 / (0.05 ms + 10 ms / 10,000 events) per event.
  expect(hop('sales consumers').maxPeak).toBeCloseTo((10 * 1000 * 60) / 0.051);
  expect(hop('SQS').maxPeak).toBe(Infinity);
  expect(hop('S3 event integration + COPY JOB').maxPeak).toBe(Infinity);
  expect(r.first.hop).toBe('producer run time');
  expect(r.headroom).toBeCloseTo(240_000 / 4000);
  expect(r.problems).toEqual([]);
});

it('gives first at the consumers when their concurrency is what runs out', () => {
  const r = modelCapacity(stack({ maxConcurrency: 2, consumerMemoryMb: 128, eventsPerMessage: 10 }), costs);
  expect(r.first.hop).toMatch(/consumers$/);
  const twice = modelCapacity(stack({ maxConcurrency: 4, consumerMemoryMb: 128, eventsPerMessage: 10 }), costs);
  expect(twice.first.maxPeak).toBeCloseTo(2 * r.first.maxPeak);
});

it('flags what does not depend on the peak: the in-flight and account quotas, and warns of a batch over half the timeout', () => {
  const r = modelCapacity(
    stack({ batchSize: 1000, batchWindowSeconds: 1, consumerTimeoutSeconds: 10, maxConcurrency: 600 }),
    costs,
  );
  // One warning per stream, in stream order.
  expect(r.warnings.map((w) => w.message)).toEqual(
    streamNames.map((s) =>
      expect.stringMatching(new RegExp(`^a full ${s} batch \\(1000 messages\\) takes about 510\\.0 s`)),
    ),
  );
  expect(r.problems.map((p) => p.key)).toEqual(['batchSize', 'maxConcurrency']);
  expect(r.problems[0].message).toMatch(/600000 messages in flight exceeds the ~120000/);
});

it.each([4000, 40_000, 400_000, 2_000_000])('the changes it proposes hold %i sale lines a minute', (target) => {
  const config = stack({ maxConcurrency: 2, consumerMemoryMb: 512, producerMemoryMb: 1024 });
  const { changes, unreachable } = changesToHold(config, costs, target);
  expect(unreachable).toEqual([]);
  const changed = { ...config, peakLinesPerMinute: target } as StackConfig;
  for (const c of changes) (changed as Record<string, unknown>)[c.key] = c.to;
  if (changed.schedule !== config.schedule) changed.windowMinutes = Number(/\d+/.exec(changed.schedule)![0]);
  expect(modelCapacity(changed, costs).first.maxPeak).toBeGreaterThanOrEqual(target);
  if (modelCapacity(config, costs).first.maxPeak >= target) expect(changes).toEqual([]);
});

it('says when no config reaches a peak', () => {
  const { unreachable } = changesToHold(stack(), costs, 50_000_000);
  expect(unreachable.join('\n')).toMatch(/cannot generate a 1-minute window|over 499|over Lambda's 10240 MB/);
});

it('reads the costs from bench results, naming any missing', () => {
  expect(costsFromResults({})).toEqual({
    missing: expect.arrayContaining([
      'capacity.producer_ms_per_1k_sale_lines',
      'capacity.sales_consumer_ms_per_message',
    ]),
  });
  // Every stream's figures, derived from the stream list: sales 50 ms per 1k events, the others 60.
  const results = {
    'capacity.producer_ms_per_1k_sale_lines': { value: 50, at: '2026-11-28T08:00:00Z' },
    ...Object.fromEntries(
      streamNames.flatMap((s) => [
        [`capacity.${s}_consumer_ms_per_1k_events`, { value: s === 'sales' ? 50 : 60 }],
        [`capacity.${s}_consumer_ms_per_message`, { value: s === 'sales' ? 10 : 12 }],
        [`capacity.${s}_events_per_message`, { value: s === 'sales' ? 10_000 : 12_000 }],
        ...(s === 'sales' ? [] : [[`capacity.${s}_per_sale_line`, { value: 1.03 }]]),
      ]),
    ),
    'capacity.files_per_message': { value: 1 },
    'capacity.producer_heap_bytes_per_sale_line': { value: 300 },
  };
  expect(costsFromResults(results)).toMatchObject({
    producerMsPerSaleLine: 0.05,
    consumerMsPerEvent: { inventory: 0.06 },
    consumerMsPerMessage: { inventory: 12 },
    measuredAt: '2026-11-28T08:00:00Z',
  });
  expect((costsFromResults(results) as CapacityCosts).unmeasured).toBeUndefined();
  // A stream the bench has not measured yet (added since) takes the stand-ins, and is named.
  const newest = streamNames.at(-1)!;
  const slowestPerMessage = Math.max(...streamNames.filter((s) => s !== newest).map((s) => (s === 'sales' ? 10 : 12)));
  const withoutNewest: typeof results = Object.fromEntries(
    Object.entries(results).filter(([n]) => !n.startsWith(`capacity.${newest}_`)),
  );
  expect(costsFromResults(withoutNewest)).toMatchObject({
    unmeasured: [newest],
    consumerMsPerMessage: { [newest]: slowestPerMessage },
  });
});

describe('a stream the reviewed costs have no figures for', () => {
  /** The reviewed file as it was before a third stream, `returns`, was added to the contracts. */
  const twoStreams = {
    producerMsPerSaleLine: 0.05,
    consumerMsPerEvent: { sales: 0.05, inventory: 0.06 },
    consumerMsPerMessage: { sales: 12, inventory: 10 },
    eventsPerMessage: { sales: 10_000, inventory: 9_000 },
    eventsPerSaleLine: { sales: 1, inventory: 1.2 },
    filesPerMessage: 1,
    producerHeapBytesPerSaleLine: 300,
  };

  /** infra/capacity.ts loaded afresh over a stream list with `returns` added. */
  function withReturnsStream(): typeof import('./capacity') {
    let capacity: typeof import('./capacity') | undefined;
    jest.isolateModules(() => {
      jest.doMock('../kernel/contracts', () => {
        const actual = jest.requireActual('../kernel/contracts');
        const names = [...actual.streamNames, 'returns'];
        const perStream = (make: (s: string) => unknown) => Object.fromEntries(names.map((s) => [s, make(s)]));
        return { ...actual, streamNames: names, perStream };
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module graph under the mock
      capacity = require('./capacity');
    });
    return capacity!;
  }

  it('is costed by the costliest measured figure of each kind, and named as unmeasured', () => {
    const complete = withReturnsStream().completeCosts(twoStreams);
    type Figure = 'consumerMsPerEvent' | 'consumerMsPerMessage' | 'eventsPerMessage' | 'eventsPerSaleLine';
    const returns = (figure: Figure) => (complete[figure] as Record<string, number>).returns;
    // The slowest consumer per event (inventory) and per message (sales), the fewest events per
    // message (inventory) and the most events per sale line (inventory).
    expect([
      returns('consumerMsPerEvent'),
      returns('consumerMsPerMessage'),
      returns('eventsPerMessage'),
      returns('eventsPerSaleLine'),
    ]).toEqual([0.06, 12, 9_000, 1.2]);
    expect(complete.unmeasured).toEqual(['returns']);
    // The measured streams keep their own figures.
    expect(complete.consumerMsPerMessage).toMatchObject({ sales: 12, inventory: 10 });
  });

  it('is no error, while a figure for a stream that does not exist is one', () => {
    // The reviewed file itself, read with a stream it has no figures for.
    expect(withReturnsStream().measuredCosts().unmeasured).toEqual(['returns']);
    const misspelt = { ...twoStreams, eventsPerSaleLine: { ...twoStreams.eventsPerSaleLine, return: 0.03 } };
    expect(() => completeCosts(misspelt)).toThrow('eventsPerSaleLine.return names no stream');
    expect(() => completeCosts({ ...twoStreams, eventsPerMessage: {} })).toThrow(
      'eventsPerMessage has no measured stream',
    );
  });

  it('gives the reviewed file as it is when it measures every stream', () => {
    expect(completeCosts(roundCosts)).toEqual(roundCosts);
    // The reviewed file, completed, has every stream's figures (measured or stood in for).
    expect(Object.keys(measuredCosts().eventsPerMessage)).toEqual(streamNames);
  });
});
