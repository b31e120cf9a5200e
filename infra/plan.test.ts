import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config';
import type { MockedResource } from './mockGraph';
import { renderTree, runPlan } from './plan';

const r = (type: string, name: string, parentUrn: string | undefined, inputs: Record<string, any>, custom = true): MockedResource => ({
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
    const queue = r('aws:sqs/queue:Queue', 'streams-sales', streams.urn, { maxMessageSize: 262144, visibilityTimeoutSeconds: 365, messageRetentionSeconds: 345600, sqsManagedSseEnabled: true, redrivePolicy: '{"maxReceiveCount":5}' });
    const mapping = r('aws:lambda/eventSourceMapping:EventSourceMapping', 'functions-sales-mapping', undefined, { batchSize: 10, maximumBatchingWindowInSeconds: 5, scalingConfig: { maximumConcurrency: 2 }, functionResponseTypes: ['ReportBatchItemFailures'] });
    expect(renderTree([queue, mapping, streams]).split('\n')).toEqual([
      '+ bfstream:infra:Streams  streams',
      '  + aws:sqs/queue:Queue  streams-sales  (maxMessageSize=262144 visibility=365s retention=345600s sse=true maxReceiveCount=5)',
      '+ aws:lambda/eventSourceMapping:EventSourceMapping  functions-sales-mapping  (batch=10 window=5s maxConcurrency=2 responses=ReportBatchItemFailures)',
    ]);
  });

  test('a bad stack file fails with every problem, before the program runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-'));
    writeFileSync(join(dir, 'Pulumi.broken.yaml'), 'config:\n  aws:region: us-east-1\n  bfstream:batchSize: 0\n  bfstream:schedule: every 5 minutes\n');
    const plan = runPlan('broken', dir);
    await expect(plan).rejects.toBeInstanceOf(ConfigError);
    await expect(plan).rejects.toThrow(/batchSize: Too small[\s\S]*schedule: must be a rate expression/);
  });
});
