import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, StackFileError } from '../infra/config';
import { mockState, type MockedResource } from './mockGraph';
import {
  diffPlans,
  keySettings,
  planAtRef,
  renderDiff,
  renderTree,
  runPlan,
  type PlanFile,
  type PlannedResource,
} from './plan';

const r = (
  type: string,
  name: string,
  parentUrn: string | undefined,
  inputs: Record<string, any>,
  custom = true,
): MockedResource => ({
  urn: `urn:pulumi:dev::bfstream::${type}::${name}`,
  type,
  name,
  parentUrn,
  custom,
  inputs,
  state: inputs,
  propertyDependencies: {},
  dependencies: [],
});

describe('offline plan', () => {
  test('renders the tree under its components with the key settings', () => {
    const streams = r('bfstream:infra:Streams', 'streams', undefined, {}, false);
    const queue = r('aws:sqs/queue:Queue', 'streams-sales', streams.urn, {
      maxMessageSize: 262144,
      visibilityTimeoutSeconds: 365,
      messageRetentionSeconds: 345600,
      sqsManagedSseEnabled: true,
      redrivePolicy: '{"maxReceiveCount":5}',
    });
    const mapping = r('aws:lambda/eventSourceMapping:EventSourceMapping', 'functions-sales-mapping', undefined, {
      batchSize: 10,
      maximumBatchingWindowInSeconds: 5,
      scalingConfig: { maximumConcurrency: 2 },
      functionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(renderTree([queue, mapping, streams]).split('\n')).toEqual([
      '+ bfstream:infra:Streams  streams',
      '  + aws:sqs/queue:Queue  streams-sales  (maxMessageSize=262144 visibility=365s retention=345600s sse=true maxReceiveCount=5)',
      '+ aws:lambda/eventSourceMapping:EventSourceMapping  functions-sales-mapping  (batch=10 window=5s maxConcurrency=2 responses=ReportBatchItemFailures)',
    ]);
  });

  test('a bad stack file fails with every problem, before the program runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    writeFileSync(
      join(dir, 'Pulumi.broken.yaml'),
      'config:\n  aws:region: us-east-1\n  bfstream:batchSize: 0\n  bfstream:schedule: every 5 minutes\n',
    );
    const plan = runPlan('broken', dir);
    await expect(plan).rejects.toBeInstanceOf(ConfigError);
    await expect(plan).rejects.toThrow(/batchSize: Too small[\s\S]*schedule: must be a rate expression/);
  });

  test('a missing stack file is one line naming the stacks there, before the program runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    writeFileSync(join(dir, 'Pulumi.dev.yaml'), 'config:\n  aws:region: us-east-1\n');
    const plan = runPlan('staging', dir);
    await expect(plan).rejects.toBeInstanceOf(StackFileError);
    await expect(plan).rejects.toThrow(`Pulumi.staging.yaml: no such stack file in ${dir}; stacks here: dev`);
  });

  test('a function shows its environment values, so dev and prod differ visibly', () => {
    const fn = r('aws:lambda/function:Function', 'functions-producer', undefined, {
      runtime: 'nodejs22.x',
      memorySize: 1024,
      timeout: 120,
      environment: { variables: { SEED: '1', PEAK_LINES_PER_MINUTE: '500' } },
    });
    expect(keySettings(fn)).toBe(
      'runtime=nodejs22.x memory=1024MB timeout=120s archive=? env={PEAK_LINES_PER_MINUTE=500 SEED=1}',
    );
  });

  test('mocked ids depend on the resource, not on the order of registration', () => {
    const first = mockState('aws:sns/topic:Topic', 'ops-alarms', {}, 'us-east-1');
    mockState('aws:sqs/queue:Queue', 'streams-sales', {}, 'us-east-1');
    expect(mockState('aws:sns/topic:Topic', 'ops-alarms', {}, 'us-east-1')).toEqual(first);
  });

  const planned = (
    name: string,
    inputs: Record<string, unknown>,
    type = 'aws:lambda/function:Function',
  ): PlannedResource => ({ urn: `urn:pulumi:dev::bfstream::${type}::${name}`, type, name, custom: true, inputs });
  const planOf = (resources: PlannedResource[]): PlanFile => ({
    stack: 'dev',
    config: {},
    resources,
    outputs: {},
    errors: [],
    violations: [],
  });

  test('the diff lists what would be created, changed (input by input, JSON policies by field) and deleted', () => {
    const policy = (actions: string[]) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Send', Action: actions }] });
    const before = planOf([
      planned('functions-producer', {
        environment: { variables: { PEAK_LINES_PER_MINUTE: '500' } },
        code: { sha256: 'a' },
      }),
      planned('functions-producer-policy', { policy: policy(['sqs:SendMessage']) }, 'aws:iam/rolePolicy:RolePolicy'),
      planned('old-alarm', {}, 'aws:cloudwatch/metricAlarm:MetricAlarm'),
      planned('same', { x: 1 }),
    ]);
    const after = planOf([
      planned('functions-producer', {
        environment: { variables: { PEAK_LINES_PER_MINUTE: '4000', LOST_SALES_RATE: '0.04' } },
        code: { sha256: 'a' },
      }),
      planned(
        'functions-producer-policy',
        { policy: policy(['sqs:SendMessage', 'sqs:GetQueueUrl']) },
        'aws:iam/rolePolicy:RolePolicy',
      ),
      planned('new-subscription', { endpoint: 'oncall@shop.test' }, 'aws:sns/topicSubscription:TopicSubscription'),
      planned('same', { x: 1 }),
    ]);
    after.config = { 'bfstream:peakLinesPerMinute': '4000' };
    const diff = diffPlans(before, after);
    expect(renderDiff(diff, 'stack dev: main -> this checkout').split('\n')).toEqual([
      'Plan diff, stack dev: main -> this checkout:',
      '',
      'Stack config:',
      '    bfstream:peakLinesPerMinute: (none) -> "4000"',
      '',
      '+ aws:sns/topicSubscription:TopicSubscription  new-subscription',
      '~ aws:lambda/function:Function  functions-producer',
      '    environment.variables.LOST_SALES_RATE: (none) -> "0.04"',
      '    environment.variables.PEAK_LINES_PER_MINUTE: "500" -> "4000"',
      '~ aws:iam/rolePolicy:RolePolicy  functions-producer-policy',
      '    policy.Statement.0.Action.1: (none) -> "sqs:GetQueueUrl"',
      '- aws:cloudwatch/metricAlarm:MetricAlarm  old-alarm',
      '',
      '1 to create, 2 to change, 1 to delete, 1 unchanged',
    ]);
    expect(renderDiff(diffPlans(after, after), 'same')).toMatch(
      /\(no changes\)\n\n0 to create, 0 to change, 0 to delete, 4 unchanged$/,
    );
  });

  test('--against a ref that is not a commit is refused in one line', () => {
    expect(() => planAtRef('no-such-ref-xyz', 'dev', {})).toThrow(
      /^"no-such-ref-xyz" names no commit in .* \(a branch, tag or commit id\)$/,
    );
  });

  test('--against plans the program at a git ref in a child process, with hashes of each function archive', () => {
    const { plan, commit } = planAtRef('HEAD', 'dev', { 'bfstream:peakLinesPerMinute': '321' });
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(plan.errors).toEqual([]);
    expect(plan.config['bfstream:peakLinesPerMinute']).toBe('321');
    const producer = plan.resources.find((x) => x.name === 'functions-producer')!;
    expect((producer.inputs.environment as any).variables.PEAK_LINES_PER_MINUTE).toBe('321');
    expect(producer.inputs.code).toEqual({
      files: expect.any(Number),
      bytes: expect.any(Number),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(plan.resources.length).toBeGreaterThan(50);
    expect(diffPlans(plan, plan).unchanged).toBe(plan.resources.length);
  }, 180_000);
});
