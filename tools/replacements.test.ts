import type { PlanDiff, PlannedResource } from './plan';
import { refusedReplacements, statefulReplacements, statefulTypes } from './replacements';

const resource = (type: string, name: string): PlannedResource => ({
  urn: `urn:pulumi:prod::bfstream::${type}::${name}`,
  type,
  name,
  custom: true,
  inputs: {},
});
const changed = (type: string, name: string, ...paths: string[]): PlanDiff['change'][number] => ({
  resource: resource(type, name),
  changes: paths.map((path) => ({ path, before: 'a', after: 'b' })),
});

describe('stateful replacements between releases', () => {
  test('every replace-on-change input of every stateful type is caught, and a Region move too', () => {
    for (const [type, kind] of Object.entries(statefulTypes))
      for (const input of [...kind.replaceOn, 'region']) {
        const found = statefulReplacements({ change: [changed(type, 'r', input)], delete: [] });
        expect([type, input, found.map((f) => f.action)]).toEqual([type, input, ['replaced']]);
      }
  });

  test('an in-place update of a stateful resource passes; a stateless resource may be replaced', () => {
    expect(
      statefulReplacements({
        change: [
          changed('aws:sqs/queue:Queue', 'streams-sales', 'visibilityTimeoutSeconds', 'redrivePolicy.maxReceiveCount'),
          changed('aws:redshiftserverless/workgroup:Workgroup', 'warehouse-workgroup', 'baseCapacity'),
          changed('aws:kms/key:Key', 'ops-alarms-key', 'policy.Statement.1.Action.0', 'deletionWindowInDays'),
          changed('aws:lambda/function:Function', 'functions-producer', 'name', 'region'),
        ],
        delete: [resource('aws:cloudwatch/metricAlarm:MetricAlarm', 'old-alarm')],
      }),
    ).toEqual([]);
  });

  test('a deleted or renamed stateful resource is refused by name; --allow-replace lets the named one go', () => {
    const found = statefulReplacements({
      change: [changed('aws:redshiftserverless/namespace:Namespace', 'warehouse-namespace', 'manageAdminPassword')],
      delete: [resource('aws:s3/bucket:Bucket', 'landing-bucket'), resource('aws:sqs/queue:Queue', 'streams-sales')],
    });
    expect(refusedReplacements(found, ['streams-sales'])).toEqual([
      'would lose state: aws:redshiftserverless/namespace:Namespace warehouse-namespace (Redshift Serverless namespace (the warehouse data)): manageAdminPassword changed, which deletes its managed admin secret',
      'would be deleted: aws:s3/bucket:Bucket landing-bucket (S3 bucket (the landing files)): its URN is gone (removed, renamed or re-parented without an alias)',
    ]);
  });
});
