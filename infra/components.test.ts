// Each component validates its arguments up front (before declaring any child), with
// one error naming every bad option. (Their wiring is asserted over the whole program in programSuite.ts.)
import * as pulumi from '@pulumi/pulumi';
import { Access } from './access';
import { QuickSightDashboard } from './dashboard';
import { PipelineFunctions } from './functions';
import { Landing } from './landing';
import { Ops } from './ops';
import { ProducerSchedule } from './schedule';
import { Streams } from './streams';
import { Warehouse } from './warehouse';

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: () => ({}),
    },
    'bfstream',
    'test',
  );
});

const archive = { code: new pulumi.asset.AssetArchive({}), handler: 'index.handler' };
const stream = { queueArn: 'arn:aws:sqs:us-east-1:1:q', queueUrl: 'https://q' };

test.each([
  [
    'Streams',
    () =>
      new Streams('streams', {
        maxMessageBytes: 512,
        visibilityTimeoutSeconds: 50_000,
        maxReceiveCount: 0,
        messageRetentionSeconds: 60,
        dlqRetentionSeconds: 120,
      }),
    /Streams streams: maxMessageBytes must be 1024\.\.1048576, got 512; visibilityTimeoutSeconds must be 0\.\.43200, got 50000; maxReceiveCount must be 1\.\.1000, got 0/,
  ],
  [
    'Landing',
    () =>
      new Landing('landing', {
        forceDestroy: false,
        rawRetentionDays: 0,
        rejectedRetentionDays: 1.5,
        accountId: '1',
        region: 'us-east-1',
      }),
    /Landing landing: rawRetentionDays must be a whole number of days >= 1, got 0; rejectedRetentionDays must be a whole number of days >= 1, got 1.5/,
  ],
  [
    'PipelineFunctions',
    () =>
      new PipelineFunctions('functions', {
        streams: { sales: stream, inventory: stream },
        bucketName: 'b',
        bucketArn: 'arn:aws:s3:::b',
        archives: { producer: archive, salesConsumer: archive, inventoryConsumer: archive },
        runtime: 'nodejs22.x',
        logRetentionDays: 7,
        producer: {
          eventsPerMessage: 'fill',
          maxMessageBytes: 262144,
          compression: 'gzip',
          windowMinutes: 15,
          peakLinesPerMinute: 10,
          seed: 1,
          memoryMb: 512,
          timeoutSeconds: 60,
        },
        consumer: { memoryMb: 512, timeoutSeconds: 60, batchSize: 100, batchWindowSeconds: 0, maxConcurrency: 1 },
      }),
    /PipelineFunctions functions: consumer\.batchWindowSeconds must be >= 1 when batchSize > 10; consumer\.maxConcurrency must be 2\.\.1000, got 1/,
  ],
  [
    'ProducerSchedule',
    () =>
      new ProducerSchedule('schedule', {
        expression: 'every 5 minutes',
        enabled: true,
        windowMinutes: 5,
        producerArn: 'arn',
        accountId: '1',
        startAfter: [],
      }),
    /ProducerSchedule schedule: expression must be rate\(N unit\), got "every 5 minutes"; startAfter must name the warehouse migration/,
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
        maxCapacity: 16,
        bucketName: 'b',
        bucketArn: 'arn:aws:s3:::b',
        bucketPolicy: new pulumi.ComponentResource('test:Dummy', 'policy'),
        accountId: '1',
        region: 'mars',
        migrations: () => pulumi.output([]),
        runtime: 'nodejs22.x',
        migratorTimeoutSeconds: 60,
        logRetentionDays: 7,
      }),
    /Warehouse warehouse: warehouseName must be 3-64 lowercase letters, digits or hyphens, got "Bad_Name"; region must look like us-east-1, got "mars"; maxCapacity \(16\) must be 0 or >= baseCapacity \(32\)/,
  ],
  [
    'Access',
    () =>
      new Access('access', {
        users: [{ name: 'a', persona: 'engineer' }],
        accountId: '1',
        region: 'us-east-1',
        queueArns: [],
        deadLetterQueueArns: [],
        functionArns: [],
        migratorArn: 'arn',
        logGroupArns: [],
        workgroupArn: 'arn',
        dashboardArn: 'arn',
      }),
    /Access access: needs exactly one analyst user, got 0; needs exactly one viewer user, got 0/,
  ],
  [
    'Ops',
    () =>
      new Ops('ops', {
        queueNames: { sales: 'q', inventory: 'q' },
        deadLetterQueueNames: { sales: 'd', inventory: 'd' },
        scheduleDeadLetterQueueName: 's',
        producerFailureQueueName: 'f',
        producerFunctionName: 'p',
        consumerFunctionNames: { sales: 'c', inventory: 'c' },
        oldestMessageAgeAlarmSeconds: 900,
        alarmEmail: 'not-an-email',
        accountId: '1',
        region: 'us-east-1',
        partition: 'aws',
        dashboardName: 'd',
      }),
    /Ops ops: alarmEmail must be an email address or '', got "not-an-email"/,
  ],
  [
    'QuickSightDashboard',
    () =>
      new QuickSightDashboard('dashboard', {
        idPrefix: 'bfstream-dev',
        accountId: '1',
        authorArns: ['arn:aws:iam::1:user/x'],
        viewerArns: [],
        vpcId: 'vpc',
        vpcCidr: '10.0.0.0/16',
        subnetIds: [],
        warehouseSecurityGroupId: 'sg',
        workgroupEndpoint: { address: 'a', port: 5439 },
        database: 'sales',
        credentialsSecretArn: 'arn',
        region: 'us-east-1',
      }),
    /QuickSightDashboard dashboard: "arn:aws:iam::1:user\/x" is not a QuickSight user or group ARN/,
  ],
])('%s rejects bad arguments, listing every problem', (_component, build, message) => {
  expect(build).toThrow(message);
});
