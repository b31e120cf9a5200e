// Each component validates its arguments up front (before declaring any child), with
// one error naming every bad option. (Their wiring is asserted over the whole program in programSuite.ts.)
import * as pulumi from '@pulumi/pulumi';
import { QuickSightDashboard } from './dashboard';
import { ProducerSchedule } from './schedule';
import { Warehouse } from './warehouse';

const registered: pulumi.runtime.MockResourceArgs[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(args);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    'bfstream',
    'test',
  );
});

const context = { accountId: '1', region: 'us-east-1', partition: 'aws' };
/** A sale that ended before the deploy (2027-01-01). */
const ended = {
  name: 'sale-2026',
  kind: 'sale' as const,
  start: new Date('2026-11-26T05:00:00Z'),
  end: new Date('2026-12-01T05:00:00Z'),
};

// The bounds the config schema enforces are not checked again by the components (config.test.ts
// proves them once); what is left are the arguments the config does not supply.
test.each([
  [
    'ProducerSchedule',
    () =>
      new ProducerSchedule('schedule', {
        periods: [{ ...ended, expression: 'rate(5 minutes)' }],
        now: new Date('2027-01-01T00:00:00Z'),
        enabled: true,
        windowMinutes: 5,
        producerArn: 'arn',
        aws: context,
        maximumRetryAttempts: 186,
        startAfter: [],
      }),
    /ProducerSchedule schedule: maximumRetryAttempts must be 0\.\.185, got 186; startAfter must name the warehouse migration the schedule waits for; every period must end after the deploy/,
  ],
  [
    'Warehouse',
    () =>
      new Warehouse('warehouse', {
        warehouseName: 'Bad_Name',
        vpcCidr: '10.0.0.0/16',
        database: 'sales',
        adminUsername: 'bfadmin',
        baseCapacity: 32,
        maxCapacity: 0,
        bucketName: 'b',
        bucketArn: 'arn:aws:s3:::b',
        bucketPolicy: new pulumi.ComponentResource('test:Dummy', 'policy'),
        aws: context,
        migrations: () => pulumi.output([]),
        runtime: 'nodejs22.x',
        migratorTimeoutSeconds: 60,
        logRetentionDays: 7,
        auditLogRetentionDays: 90,
        usageLimit: { rpuHours: 100, period: 'monthly', breachAction: 'deactivate' },
        loadCheck: { periods: [{ ...ended, expression: 'rate(2 days)' }], now: new Date(), enabled: true },
      }),
    /Warehouse warehouse: warehouseName must be 3-64 lowercase letters, digits or hyphens, got "Bad_Name"; load checks run every 1\.\.1440 minutes, got rate\(2 days\); maxCapacity must be a number of RPUs >= baseCapacity 32, got 0/,
  ],
  [
    'QuickSightDashboard',
    () =>
      new QuickSightDashboard('dashboard', {
        idPrefix: 'bfstream dev',
        aws: context,
        authorArns: ['arn:aws:quicksight:us-east-1:123456789012:user/default/x'],
        viewerArns: [],
        vpcId: 'vpc',
        vpcCidr: '10.0.0.0/16',
        subnetIds: [],
        warehouseSecurityGroupId: 'sg',
        workgroupEndpoint: { address: 'a', port: 5439 },
        database: 'sales',
        credentialsSecretArn: 'arn',
      }),
    /QuickSightDashboard dashboard: idPrefix must be 1-40 letters, digits, - or _/,
  ],
])('%s rejects bad arguments, listing every problem', (_component, build, message) => {
  expect(build).toThrow(message);
});

test('the QuickSight dashboard gives its own aws-native provider the stack default tags, which reach the aws provider only', async () => {
  const tags = { Project: 'bfstream', Stack: 'test' };
  const dashboard = new QuickSightDashboard('tagged', {
    idPrefix: 'bfstream-test',
    aws: context,
    authorArns: ['arn:aws:quicksight:us-east-1:123456789012:user/default/x'],
    viewerArns: [],
    vpcId: 'vpc',
    vpcCidr: '10.0.0.0/16',
    subnetIds: [],
    warehouseSecurityGroupId: 'sg',
    workgroupEndpoint: { address: 'a', port: 5439 },
    database: 'sales',
    credentialsSecretArn: 'arn',
    defaultTags: tags,
  });
  await new Promise((resolve) => pulumi.all([dashboard.dashboard.urn, dashboard.analysis.urn]).apply(resolve));
  const provider = registered.find((r) => r.type === 'pulumi:providers:aws-native' && r.name === 'tagged-native');
  // A provider's structured inputs travel JSON-encoded, as its config does.
  expect(provider?.inputs).toMatchObject({ region: 'us-east-1', defaultTags: JSON.stringify({ tags }) });
});
