import * as pulumi from '@pulumi/pulumi';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AWS_PROVIDER_KEYS,
  configFields,
  ConfigError,
  parseStackConfig,
  rateMinutes,
  isValidBaseCapacity,
  configFromStackYaml,
  loadStackConfig,
  stacksIn,
  StackFileError,
} from './config';
import { closest } from '../kernel/problems';
import { runUnderMocks, stackYamlConfig } from '../tools/mockGraph';

/** The problems of a config; the required alarm address is given unless the test sets it. */
function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig({ 'bfstream:alarmEmail': '', ...raw });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('stack config', () => {
  test('every key has a default, a doc line and a valid default value, except the required alarm address', () => {
    const cfg = parseStackConfig({ 'bfstream:alarmEmail': '' });
    for (const [key, field] of Object.entries(configFields)) {
      expect(field.doc.length).toBeGreaterThan(10);
      if (field.required) expect([key, field.default]).toEqual(['alarmEmail', undefined]);
      else expect((cfg as Record<string, unknown>)[key]).toEqual(field.default);
    }
    expect(cfg.windowMinutes).toBe(15);
    expect(cfg.effectiveVisibilityTimeoutSeconds).toBe(6 * 60 + 5);
  });

  test('the README documents every key with its default', () => {
    const docs = readFileSync('README.md', 'utf8');
    for (const [key, field] of Object.entries(configFields))
      expect(docs).toContain(
        `| \`bfstream:${key}\` | ${field.required ? 'required' : `\`${JSON.stringify(field.default)}\``} |`,
      );
  });

  test('values arrive as Pulumi passes them: strings, JSON for numbers, booleans and objects', () => {
    const cfg = parseStackConfig({
      'aws:region': 'eu-west-1',
      'bfstream:alarmEmail': '',
      'bfstream:batchSize': '20',
      'bfstream:batchWindowSeconds': '2',
      'bfstream:forceDestroy': 'true',
      'bfstream:eventsPerMessage': '500',
      'bfstream:database': 'retail',
    });
    expect(cfg).toMatchObject({
      batchSize: 20,
      batchWindowSeconds: 2,
      forceDestroy: true,
      eventsPerMessage: 500,
      database: 'retail',
    });
  });

  test("QuickSight's secret grant needs the dashboard (it grants the dashboard's secret); audit log retention is one CloudWatch accepts", () => {
    expect(problemsOf({ 'bfstream:quicksightSecretGranted': 'true', 'bfstream:auditLogRetentionDays': '100' })).toEqual(
      [
        'bfstream:auditLogRetentionDays: must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
        'bfstream:quicksightSecretGranted: requires dashboardEnabled: the secret it grants exists only with the dashboard',
      ],
    );
  });

  test('a bad config lists every problem, each naming its key', () => {
    const problems = problemsOf({
      'bfstream:batchsize': '10',
      'bfstream:batchSize': '20000',
      'bfstream:maxConcurrency': '"five"',
      'bfstream:schedule': 'cron(0/15 * * * ? *)',
      'bfstream:visibilityTimeoutSeconds': '120',
      'bfstream:users': JSON.stringify([
        { name: 'a', persona: 'engineer' },
        { name: 'b', persona: 'engineer' },
      ]),
      'bfstream:forceDestroy': 'yes',
      'bfstream:baseCapacity': '12',
      'bfstream:dashboardEnabled': 'true',
    });
    expect(problems).toEqual([
      'bfstream:batchsize: unknown key (did you mean batchSize?)',
      'bfstream:batchSize: Too big: expected number to be <=10000',
      'bfstream:maxConcurrency: Invalid input: expected number, received string',
      'bfstream:forceDestroy: Invalid input: expected boolean, received string',
      'bfstream:schedule: must be a rate expression like rate(15 minutes), got "cron(0/15 * * * ? *)"',
      'bfstream:visibilityTimeoutSeconds: 120 s is too short: at least 6 x consumerTimeoutSeconds + batchWindowSeconds = 365 s',
      'bfstream:baseCapacity: 12 RPU is not offered: use 4, a multiple of 8 up to 512, or a multiple of 32 up to 1024',
      'bfstream:users: must list exactly 3 users (one per persona), got 2',
      'bfstream:users: needs exactly one engineer, got 2',
      'bfstream:users: needs exactly one analyst, got 0',
      'bfstream:users: needs exactly one viewer, got 0',
      'bfstream:quicksightPrincipalArn: is required when dashboardEnabled is true',
    ]);
  });

  test('the alarm address is required, with no placeholder: a stack must set it, or set it to none', () => {
    expect(() => parseStackConfig({}, { forDeploy: true, capacityCosts: null })).toThrow(
      "bfstream:alarmEmail: required: the address that receives the alarms: pulumi config set bfstream:alarmEmail oncall@yourcompany.com ('' for no alarm mail)",
    );
    // Analyses of a stack file (capacity, cost) read it as no alarm mail; only what deploys refuses it.
    expect(parseStackConfig({}, { capacityCosts: null }).alarmEmail).toBe('');
    expect(parseStackConfig({ 'bfstream:alarmEmail': 'oncall@shop.test' }).alarmEmail).toBe('oncall@shop.test');
    expect(problemsOf({ 'bfstream:alarmEmail': 'oncall' })).toEqual(['bfstream:alarmEmail: Invalid email address']);
    expect(stackYamlConfig('prod')['bfstream:alarmEmail']).toBeUndefined();
    expect(JSON.stringify(stackYamlConfig('prod'))).not.toMatch(/example\.com/);
  });

  test('a misspelled namespace or AWS provider key is refused with a suggestion, not ignored', () => {
    expect(
      problemsOf({
        'bfstrem:schedule': 'rate(5 minutes)',
        'aws:regoin': 'us-east-1',
        'aws:region': 'us-east-1',
        'aws:profile': 'x',
        'pulumi:tags': '{}',
        'foo:bar': '1',
        'bfstream:peakLinesPerMinut': '5',
      }),
    ).toEqual([
      'bfstrem:schedule: unknown namespace bfstrem (did you mean bfstream:schedule?)',
      'aws:regoin: unknown AWS provider key (did you mean region?)',
      'foo:bar: unknown namespace foo: keys live under bfstream: or aws:',
      'bfstream:peakLinesPerMinut: unknown key (did you mean peakLinesPerMinute?)',
    ]);
    expect(closest('scheduel', Object.keys(configFields))).toBe('schedule');
    expect(closest('zzz', Object.keys(configFields))).toBeUndefined();
  });

  test('the AWS provider keys are those @pulumi/aws declares', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the provider's config module, read as the program would load it
    expect([...AWS_PROVIDER_KEYS].sort()).toEqual(Object.keys(require('@pulumi/aws/config/vars')).sort());
  });

  test('a missing stack file, a duplicate key or bad YAML is one line per problem naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-'));
    writeFileSync(
      join(dir, 'Pulumi.dev.yaml'),
      'config:\n  aws:region: us-east-1\n  bfstream:schedule: rate(5 minutes)\n  bfstream:schedule: rate(15 minutes)\n',
    );
    writeFileSync(join(dir, 'Pulumi.prod.yaml'), 'config:\n  aws:region: [us-east-1\n');
    writeFileSync(join(dir, 'Pulumi.list.yaml'), 'config:\n  - aws:region\n');
    const messageOf = (stack: string) => {
      try {
        stackYamlConfig(stack, dir);
      } catch (err) {
        expect(err).toBeInstanceOf(StackFileError);
        return (err as Error).message;
      }
      throw new Error('expected a StackFileError');
    };
    expect(messageOf('prd')).toBe(
      `Pulumi.prd.yaml: no such stack file in ${dir} (did you mean --stack prod?); stacks here: dev, list, prod`,
    );
    expect(messageOf('dev')).toBe('Pulumi.dev.yaml:4:3: duplicate key bfstream:schedule (each key may appear once)');
    expect(messageOf('prod')).toMatch(
      /^Pulumi\.prod\.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a \]$/,
    );
    expect(messageOf('list')).toBe('Pulumi.list.yaml: config must be a map of key: value, got a list');
  });

  test('always a cap: maxCapacity 0 ("no cap", which only a non-idempotent -1 restores) is refused, and the usage limit must be reachable', () => {
    expect(problemsOf({ 'bfstream:maxCapacity': '0' })).toEqual([
      'bfstream:maxCapacity: 0 (no cap) is not accepted: give the most RPUs the workgroup may use (>= baseCapacity)',
    ]);
    expect(
      problemsOf({
        'bfstream:maxCapacity': '8',
        'bfstream:usageLimitRpuHours': '200',
        'bfstream:usageLimitPeriod': 'daily',
      }),
    ).toEqual([
      'bfstream:usageLimitRpuHours: 200 RPU-hours daily can never be reached at maxCapacity 8 (at most 192): the limit would limit nothing',
    ]);
    expect(problemsOf({ 'bfstream:usageLimitBreachAction': 'stop' })[0]).toMatch(/^bfstream:usageLimitBreachAction: /);
  });

  test('the calendar: a preset or explicit ranges, and an idle or rate trickle', () => {
    expect(parseStackConfig({ 'bfstream:alarmEmail': '' }).sale).toBe('us-thanksgiving-to-cyber-monday');
    const ranges = '[{"start":"2027-07-10","end":"2027-07-12"},{"start":"2027-07-12","end":"2027-07-01"}]';
    expect(problemsOf({ 'bfstream:sale': ranges })).toEqual([
      'bfstream:sale: range [1]: ends (2027-07-02T04:00:00.000Z) before it starts',
    ]);
    expect(problemsOf({ 'bfstream:sale': 'black-friday' })[0]).toMatch(/^bfstream:sale: /);
    expect(problemsOf({ 'bfstream:trickleSchedule': 'every hour' })).toEqual([
      `bfstream:trickleSchedule: must be '' (idle outside the sale) or rate(N minutes|hours|days), got "every hour"`,
    ]);
    expect(
      parseStackConfig({ 'bfstream:alarmEmail': '', 'bfstream:trickleSchedule': 'rate(1 hour)' }).trickleSchedule,
    ).toBe('rate(1 hour)');
  });

  test('cross-key rules: batching window, DLQ retention, capacity cap, user names', () => {
    expect(problemsOf({ 'bfstream:batchSize': '100', 'bfstream:batchWindowSeconds': '0' })).toEqual([
      'bfstream:batchWindowSeconds: must be at least 1 when batchSize (100) is above 10',
    ]);
    expect(problemsOf({ 'bfstream:dlqRetentionSeconds': '3600' })[0]).toMatch(
      /dlqRetentionSeconds: must exceed messageRetentionSeconds/,
    );
    expect(problemsOf({ 'bfstream:baseCapacity': '32', 'bfstream:maxCapacity': '16' })).toEqual([
      'bfstream:maxCapacity: must be at least baseCapacity (32), got 16',
    ]);
    expect(
      problemsOf({
        'bfstream:users':
          '[{"name":"x","persona":"engineer"},{"name":"x","persona":"analyst"},{"name":"y","persona":"viewer"}]',
      }),
    ).toEqual(['bfstream:users: duplicate user names: x']);
    expect(problemsOf({ 'bfstream:users': '[{"name":"x","persona":"admin"}]' })[0]).toMatch(
      /^bfstream:users\.0\.persona: /,
    );
    expect(problemsOf({ 'bfstream:logRetentionDays': '10' })[0]).toMatch(
      /^bfstream:logRetentionDays: must be one of 1, 3, 5, 7, 14/,
    );
  });

  test('rate expressions and RPU steps', () => {
    expect(rateMinutes('rate(15 minutes)')).toBe(15);
    expect(rateMinutes('rate(1 hour)')).toBe(60);
    expect(rateMinutes('rate(1 hours)')).toBeUndefined();
    expect(rateMinutes('rate(2 minute)')).toBeUndefined();
    expect(rateMinutes('rate(0 minutes)')).toBeUndefined();
    expect(rateMinutes('cron(0 * * * ? *)')).toBeUndefined();
    expect([4, 8, 128, 512, 544, 1024].every(isValidBaseCapacity)).toBe(true);
    expect([0, 6, 12, 520, 1056].some(isValidBaseCapacity)).toBe(false);
  });

  test('the bounds the components rely on are checked here, once (the components do not check them again)', () => {
    expect(
      problemsOf({
        'bfstream:maxMessageBytes': '512',
        'bfstream:visibilityTimeoutSeconds': '50000',
        'bfstream:maxReceiveCount': '0',
        'bfstream:rawRetentionDays': '0',
        'bfstream:rejectedRetentionDays': '1.5',
        'bfstream:maxConcurrency': '1',
        'bfstream:schedule': 'every 5 minutes',
        'bfstream:quicksightPrincipalArn': 'arn:aws:iam::1:user/x',
      }),
    ).toEqual([
      'bfstream:maxMessageBytes: Too small: expected number to be >=1024',
      'bfstream:maxConcurrency: Too small: expected number to be >=2',
      'bfstream:visibilityTimeoutSeconds: Too big: expected number to be <=43200',
      'bfstream:maxReceiveCount: Too small: expected number to be >=1',
      'bfstream:rawRetentionDays: Too small: expected number to be >=1',
      'bfstream:rejectedRetentionDays: Invalid input: expected int, received number',
      'bfstream:quicksightPrincipalArn: a QuickSight user or group ARN',
      'bfstream:schedule: must be a rate expression like rate(15 minutes), got "every 5 minutes"',
    ]);
    // The Region the warehouse's S3 endpoint is named after.
    expect(() => loadStackConfig({}, { 'aws:region': 'mars', 'bfstream:alarmEmail': '' })).toThrow(
      'aws:region: required, like us-east-1 (pulumi config set aws:region us-east-1), got "mars"',
    );
    expect(loadStackConfig({ AWS_REGION: 'eu-west-1' }, { 'bfstream:alarmEmail': '' }).region).toBe('eu-west-1');
  });

  test('both stacks tag every resource through aws:defaultTags, which the config accepts', () => {
    expect(stacksIn()).toEqual(['dev', 'prod']);
    for (const stack of stacksIn()) {
      const raw = stackYamlConfig(stack);
      expect(JSON.parse(raw['aws:defaultTags'] ?? 'null')).toEqual({
        tags: { Project: 'bfstream', Stack: stack, ManagedBy: 'pulumi' },
      });
      expect(() => parseStackConfig({ 'bfstream:alarmEmail': '', ...raw }, { capacityCosts: null })).not.toThrow();
    }
  });

  test('secure config values are refused (the project keeps no secrets in config)', () => {
    expect(() => configFromStackYaml({ 'bfstream:adminPassword': { secure: 'AAAA' } })).toThrow(ConfigError);
  });

  test('dev and prod differ where they should: capacity, retention, schedule, force-destroy', () => {
    const dev = parseStackConfig(stackYamlConfig('dev'));
    const prod = parseStackConfig({ ...stackYamlConfig('prod'), 'bfstream:alarmEmail': 'oncall@shop.test' });
    // Both at the model's base (8 RPUs: the capacity model's warehouse hop); prod may scale out further.
    expect(dev.baseCapacity).toBe(prod.baseCapacity);
    expect(dev.maxCapacity).toBeLessThan(prod.maxCapacity);
    expect([dev.usageLimitBreachAction, prod.usageLimitBreachAction]).toEqual(['deactivate', 'emit-metric']);
    expect([dev.trickleSchedule, prod.trickleSchedule]).toEqual(['rate(30 minutes)', '']);
    expect(dev.logRetentionDays).toBeLessThan(prod.logRetentionDays);
    expect(dev.rawRetentionDays).toBeLessThan(prod.rawRetentionDays);
    expect(dev.windowMinutes).toBeGreaterThan(prod.windowMinutes);
    expect([dev.forceDestroy, prod.forceDestroy]).toEqual([true, false]);
    expect(dev.maxConcurrency).toBeLessThan(prod.maxConcurrency);
  });

  test('the program fails on a bad config before declaring any resource', async () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    const run = runUnderMocks({
      stack: 'dev',
      config: { 'bfstream:batchSize': '0', 'bfstream:schedul': 'rate(5 minutes)' },
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program runs when loaded, so only inside the mocks
      program: () => require('../index'),
    });
    await expect(run).rejects.toThrow(
      'invalid stack configuration (4 problems):\n  - aws:region: required, like us-east-1 (pulumi config set aws:region us-east-1), got ""\n  - bfstream:schedul: unknown key (did you mean schedule?)\n  - bfstream:batchSize: Too small: expected number to be >=1\n  - bfstream:alarmEmail: required: the address that receives the alarms: pulumi config set bfstream:alarmEmail oncall@yourcompany.com (\'\' for no alarm mail)',
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
    expect(monitor.resources.size).toBe(0);
  }, 60_000);
});
