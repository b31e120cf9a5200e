// The capacity guard in the stack config: a stack that cannot hold its own peak is refused
// before any resource is declared, every problem listed with the change that fixes it.
import type { CapacityCosts } from './capacity';
import { capacityProblems, ConfigError, parseStackConfig, stackYamlConfig } from './config';
import { roundCosts } from '../test/support/capacityCosts';
import { streamNames } from '../kernel/contracts';

const costs: CapacityCosts = roundCosts;

function problemsOf(raw: Record<string, string>): string[] {
  try {
    parseStackConfig(raw, { capacityCosts: costs });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

it('accepts the stacks as configured, with the measured costs', () => {
  for (const stack of ['dev', 'prod']) expect(() => parseStackConfig(stackYamlConfig(stack))).not.toThrow();
});

it('refuses a peak that keeps the producer past half its timeout and outruns the consumers, listing both with their fixes', () => {
  const problems = problemsOf({
    'bfstream:schedule': 'rate(15 minutes)',
    'bfstream:peakLinesPerMinute': '100000',
    'bfstream:producerTimeoutSeconds': '60',
    'bfstream:producerMemoryMb': '1769',
    'bfstream:eventsPerMessage': '10',
    'bfstream:consumerMemoryMb': '128',
    'bfstream:maxConcurrency': '2',
  });
  expect(problems).toEqual([
    expect.stringMatching(
      /^bfstream:peakLinesPerMinute: 100000 sale lines\/min makes the producer take 75\.0 s a 15-minute window, over 50% of producerTimeoutSeconds \(60 s\); hold it with bfstream:producerTimeoutSeconds 150$/,
    ),
    // One per stream, in stream order.
    ...streamNames.map((s) =>
      expect.stringMatching(
        new RegExp(
          `^bfstream:maxConcurrency: the ${s} consumers hold \\d+ sale lines/min .*below peakLinesPerMinute 100000; hold it with bfstream:consumerMemoryMb 1769( and bfstream:maxConcurrency \\d+)?$`,
        ),
      ),
    ),
  ]);
});

it('checks capacity only once the rest of the config is valid, so other errors come alone', () => {
  expect(problemsOf({ 'bfstream:peakLinesPerMinute': '100000', 'bfstream:schedule': 'cron(0 * * * ? *)' })).toEqual([
    expect.stringMatching(/^bfstream:schedule: must be a rate expression/),
  ]);
});

it('is a function of its own, callable on any parsed config', () => {
  const config = parseStackConfig({ 'bfstream:peakLinesPerMinute': '1000' }, { capacityCosts: null });
  expect(capacityProblems(config, costs)).toEqual([]);
  expect(capacityProblems({ ...config, peakLinesPerMinute: 10_000_000 }, costs).length).toBeGreaterThan(0);
});
