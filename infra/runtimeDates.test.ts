// The Lambda runtime against AWS's dates (kernel/awsLimits.ts), with the deploy day as an input.
import { LAMBDA_NODE_RUNTIME_DATES, LAMBDA_NODE_RUNTIMES, lambdaNodeMajor } from '../kernel/awsLimits';
import { ConfigError, configFields, deployDay, parseStackConfig } from './config';

function parse(runtime: string, day: string) {
  const warnings: string[] = [];
  try {
    parseStackConfig(
      { 'bfstream:alarmEmail': '', 'bfstream:lambdaRuntime': runtime },
      { deployDay: day, warn: (m) => warnings.push(m), capacityCosts: null },
    );
    return { problems: [], warnings };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { problems: err.problems, warnings };
  }
}

describe('Lambda runtimes by date', () => {
  test('nodejs20.x is refused once AWS blocks its updates (2026-09-30), with the date and the way out', () => {
    expect(parse('nodejs20.x', '2026-12-01').problems).toEqual([
      'bfstream:lambdaRuntime: nodejs20.x: AWS blocks function updates on it since 2026-09-30 (deprecated 2026-04-30); use nodejs24.x',
    ]);
    expect(parse('nodejs20.x', '2026-09-29')).toEqual({
      problems: [],
      warnings: [
        'bfstream:lambdaRuntime: nodejs20.x is deprecated since 2026-04-30: AWS blocks creating functions on it from 2026-08-31 and updating them from 2026-09-30; move to nodejs24.x',
      ],
    });
  });

  test('nodejs22.x passes quietly before 2027-04-30, warns from that day, and is refused from 2027-07-01', () => {
    expect(parse('nodejs22.x', '2027-04-29')).toEqual({ problems: [], warnings: [] });
    expect(parse('nodejs22.x', '2027-04-30').warnings).toEqual([
      expect.stringContaining('nodejs22.x is deprecated since 2027-04-30'),
    ]);
    expect(parse('nodejs22.x', '2027-07-01').problems).toEqual([
      expect.stringContaining('nodejs22.x: AWS blocks function updates on it since 2027-07-01'),
    ]);
  });

  test('every runtime has its three dates in order; the default is the newest, proved by the archive tests on its own Node major', () => {
    for (const runtime of LAMBDA_NODE_RUNTIMES) {
      const { deprecation, blockCreate, blockUpdate } = LAMBDA_NODE_RUNTIME_DATES[runtime];
      expect(deprecation < blockCreate && blockCreate < blockUpdate).toBe(true);
    }
    expect(configFields.lambdaRuntime.default).toBe(LAMBDA_NODE_RUNTIMES[LAMBDA_NODE_RUNTIMES.length - 1]);
    expect(lambdaNodeMajor('nodejs24.x')).toBe(24);
    expect(parse('nodejs24.x', '2028-04-29')).toEqual({ problems: [], warnings: [] });
  });

  test('the deploy day is today unless BFSTREAM_DEPLOY_DATE pins it; a bad pin is one clear problem', () => {
    const now = () => new Date('2027-05-02T23:59:00Z');
    expect(deployDay({}, now)).toBe('2027-05-02');
    expect(deployDay({ BFSTREAM_DEPLOY_DATE: '2026-11-27' }, now)).toBe('2026-11-27');
    expect(() => deployDay({ BFSTREAM_DEPLOY_DATE: 'tomorrow' }, now)).toThrow(
      'BFSTREAM_DEPLOY_DATE: must be a day like 2026-11-27, got "tomorrow"',
    );
    // The test run pins it (jest.config.js), so this suite's verdicts hold on any day.
    expect(deployDay()).toBe(process.env.BFSTREAM_DEPLOY_DATE);
  });
});
