// The verify command's own edges: its flags (exit 2 with one line on a mistake) and the outputs
// it needs (every missing one named at once). The end-to-end run is test/verify.test.ts.
import { parseStackOutputs } from './verifyOutputs';
import { parseVerifyArgs, UsageError } from './verify';

describe('verify flags', () => {
  test('reads the stack, files, timeout and region', () => {
    expect(
      parseVerifyArgs([
        '--stack',
        'prod',
        '--outputs',
        'o.json',
        '--json',
        'r.json',
        '--timeout',
        '60',
        '--region',
        'eu-west-1',
      ]),
    ).toEqual({
      stack: 'prod',
      outputs: 'o.json',
      json: 'r.json',
      timeoutSeconds: 60,
      region: 'eu-west-1',
      policy: false,
      help: false,
    });
    expect(parseVerifyArgs(['--stack', 'dev', '--policy']).policy).toBe(true);
    expect(parseVerifyArgs(['--stack', 'dev']).timeoutSeconds).toBe(900);
    expect(parseVerifyArgs(['--help']).help).toBe(true);
  });

  test.each([
    [[], '--stack NAME is required (dev or prod)'],
    [['--stack', 'dev', '--timeout', 'soon'], '--timeout must be a whole number of seconds 10..3600, got "soon"'],
    [['--stack', 'dev', '--region', 'mars'], '--region must look like us-east-1, got "mars"'],
    [['--stack', 'dev', '--json'], "Option '--json <value>' argument missing"],
    [['--stack', 'dev', '--nope'], "Unknown option '--nope'"],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseVerifyArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseVerifyArgs(argv as string[])).toThrow(message);
  });
});

describe('stack outputs', () => {
  test('names every missing output of a stack deployed from an older version', () => {
    const old = { queueUrls: { sales: 'https://q/s' }, landingBucket: 'b', workgroupName: 'w' };
    expect(parseStackOutputs(old)).toEqual({
      problems: [
        'missing stack output verification (deploy this version first)',
        'stack output verification.windowMinutes must be a whole number 1..1440, got undefined',
        'missing stack output verification.region',
        'missing stack output queueUrls.inventory',
        'missing stack output deadLetterQueueUrls.sales',
        'missing stack output deadLetterQueueUrls.inventory',
        'missing stack output verification.workgroupArn',
        'missing stack output verification.database',
        'missing stack output verification.producerFunctionName',
        'missing stack output verification.migratorFunctionName',
        'missing stack output verification.alarmNames (a list of names)',
      ],
    });
    expect(parseStackOutputs('nope')).toEqual({
      problems: ['the stack outputs must be a JSON object (pulumi stack output --json)'],
    });
  });
});
