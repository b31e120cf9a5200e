// The whole stack from a validated config: the components and how they connect.
// index.ts calls this; tests and `npm run plan` run it under Pulumi mocks.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { buildCatalog } from '../kernel/catalog';
import { streamNames, type StreamName } from '../kernel/contracts';
import { buildMigrations } from '../warehouse/migrations';
import { Access } from './access';
import type { StackConfig } from './config';
import { QuickSightDashboard } from './dashboard';
import { PipelineFunctions } from './functions';
import { consumerArchive, producerArchive } from './lambdaPackaging';
import { Landing } from './landing';
import { Ops } from './ops';
import { ProducerSchedule } from './schedule';
import { Streams } from './streams';
import { Warehouse } from './warehouse';

export interface PipelineOutputs {
  queueUrls: Record<StreamName, pulumi.Output<string>>;
  deadLetterQueueUrls: Record<StreamName, pulumi.Output<string>>;
  landingBucket: pulumi.Output<string>;
  workgroupEndpoint: pulumi.Output<string>;
  workgroupName: pulumi.Output<string>;
  migrationsHash: pulumi.Output<string>;
  alarmTopicArn: pulumi.Output<string>;
  dashboardUrls: { cloudwatch: pulumi.Output<string>; quicksight?: pulumi.Output<string> };
}

export function definePipeline(
  cfg: StackConfig,
  region: string,
  stack = pulumi.getStack(),
  project = pulumi.getProject(),
): PipelineOutputs {
  const identity = aws.getCallerIdentityOutput();
  const accountId = identity.accountId;
  const partition = aws.getPartitionOutput().partition;
  const baseName = `${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');

  // The catalog is built here, at deploy time (faker stays out of every Lambda), and
  // travels into the closures as plain data.
  const catalog = buildCatalog(cfg.catalogSeed, { products: cfg.catalogProducts, stores: cfg.catalogStores });

  const streams = new Streams('streams', {
    maxMessageBytes: cfg.maxMessageBytes,
    visibilityTimeoutSeconds: cfg.effectiveVisibilityTimeoutSeconds,
    maxReceiveCount: cfg.maxReceiveCount,
    messageRetentionSeconds: cfg.messageRetentionSeconds,
    dlqRetentionSeconds: cfg.dlqRetentionSeconds,
  });
  const landing = new Landing('landing', {
    forceDestroy: cfg.forceDestroy,
    rawRetentionDays: cfg.rawRetentionDays,
    rejectedRetentionDays: cfg.rejectedRetentionDays,
    accountId,
    region,
    partition,
  });

  const runtime = cfg.lambdaRuntime as aws.lambda.Runtime;
  const functions = new PipelineFunctions('functions', {
    streams: Object.fromEntries(
      streamNames.map((s) => [s, { queueArn: streams.queues[s].queue.arn, queueUrl: streams.queues[s].queue.url }]),
    ) as Record<StreamName, { queueArn: pulumi.Output<string>; queueUrl: pulumi.Output<string> }>,
    bucketName: landing.bucketName,
    bucketArn: landing.bucketArn,
    archives: {
      producer: producerArchive(catalog),
      salesConsumer: consumerArchive('sales', catalog),
      inventoryConsumer: consumerArchive('inventory', catalog),
    },
    runtime,
    logRetentionDays: cfg.logRetentionDays,
    producer: {
      eventsPerMessage: cfg.eventsPerMessage,
      maxMessageBytes: cfg.maxMessageBytes,
      compression: cfg.compression,
      windowMinutes: cfg.windowMinutes,
      peakLinesPerMinute: cfg.peakLinesPerMinute,
      seed: cfg.generatorSeed,
      lostSalesRate: cfg.lostSalesRate,
      memoryMb: cfg.producerMemoryMb,
      timeoutSeconds: cfg.producerTimeoutSeconds,
    },
    consumer: {
      memoryMb: cfg.consumerMemoryMb,
      timeoutSeconds: cfg.consumerTimeoutSeconds,
      batchSize: cfg.batchSize,
      batchWindowSeconds: cfg.batchWindowSeconds,
      maxConcurrency: cfg.maxConcurrency,
    },
  });

  const warehouse = new Warehouse('warehouse', {
    warehouseName: baseName,
    vpcCidr: cfg.vpcCidr,
    database: cfg.database,
    adminUsername: cfg.adminUsername,
    baseCapacity: cfg.baseCapacity,
    maxCapacity: cfg.maxCapacity,
    bucketName: landing.bucketName,
    bucketArn: landing.bucketArn,
    bucketPolicy: landing.policy,
    accountId,
    region,
    partition,
    migrations: (copyRoleArn) =>
      pulumi
        .all([copyRoleArn, landing.bucketName])
        .apply(([roleArn, bucket]) =>
          buildMigrations({ dialect: 'redshift', copyRoleArn: roleArn, bucket, region }, catalog),
        ),
    runtime,
    migratorTimeoutSeconds: cfg.migratorTimeoutSeconds,
    logRetentionDays: cfg.logRetentionDays,
  });

  // The producer starts only once the migration (tables, COPY JOBs) succeeded: files written
  // before a COPY JOB exists are never auto-copied.
  const schedule = new ProducerSchedule('schedule', {
    expression: cfg.schedule,
    enabled: cfg.scheduleEnabled,
    windowMinutes: cfg.windowMinutes,
    producerArn: functions.producer.function.arn,
    accountId,
    startAfter: [warehouse.migration],
  });

  const ops = new Ops('ops', {
    queueNames: Object.fromEntries(streamNames.map((s) => [s, streams.queues[s].queue.name])) as Record<
      StreamName,
      pulumi.Output<string>
    >,
    deadLetterQueueNames: Object.fromEntries(
      streamNames.map((s) => [s, streams.queues[s].deadLetterQueue.name]),
    ) as Record<StreamName, pulumi.Output<string>>,
    scheduleDeadLetterQueueName: schedule.deadLetterQueue.name,
    producerFailureQueueName: functions.producerFailureQueue.name,
    loadErrorMetric: warehouse.loadErrorMetric,
    loadCheckFailureQueueName: warehouse.loadCheckFailures.name,
    producerFunctionName: functions.producer.function.name,
    consumerFunctionNames: Object.fromEntries(
      streamNames.map((s) => [s, functions.consumers[s].function.name]),
    ) as Record<StreamName, pulumi.Output<string>>,
    oldestMessageAgeAlarmSeconds: cfg.oldestMessageAgeAlarmSeconds,
    alarmEmail: cfg.alarmEmail,
    accountId,
    region,
    partition,
    dashboardName: `${baseName}-pipeline`,
  });

  new Access('access', {
    users: cfg.users,
    accountId,
    region,
    partition,
    queueArns: streamNames.map((s) => streams.queues[s].queue.arn),
    deadLetterQueueArns: [
      ...streamNames.map((s) => streams.queues[s].deadLetterQueue.arn),
      schedule.deadLetterQueue.arn,
      functions.producerFailureQueue.arn,
      warehouse.loadCheckFailures.arn,
    ],
    functionArns: [functions.producer.function.arn, ...streamNames.map((s) => functions.consumers[s].function.arn)],
    migratorArn: warehouse.migrator.function.arn,
    logGroupArns: [
      functions.producer.logGroup.arn,
      ...streamNames.map((s) => functions.consumers[s].logGroup.arn),
      warehouse.migrator.logGroup.arn,
    ],
    workgroupArn: warehouse.workgroup.arn,
    dashboardArn: ops.dashboard.dashboardArn,
  });

  let quicksightUrl: pulumi.Output<string> | undefined;
  if (cfg.dashboardEnabled) {
    const dashboard = new QuickSightDashboard('dashboard', {
      idPrefix: baseName,
      accountId,
      authorArns: [cfg.quicksightPrincipalArn, cfg.quicksightEngineerArn].filter((arn) => arn !== ''),
      viewerArns: [cfg.quicksightViewerArn].filter((arn) => arn !== ''),
      vpcId: warehouse.vpc.vpcId,
      vpcCidr: cfg.vpcCidr,
      subnetIds: warehouse.vpc.isolatedSubnetIds,
      warehouseSecurityGroupId: warehouse.securityGroup.id,
      workgroupEndpoint: warehouse.workgroup.endpoints.apply((e) => ({
        address: e[0]?.address ?? '',
        port: e[0]?.port ?? 5439,
      })),
      database: cfg.database,
      credentialsSecretArn: warehouse.namespace.adminPasswordSecretArn,
      region,
      partition,
    });
    quicksightUrl = dashboard.dashboardUrl;
  }

  return {
    queueUrls: Object.fromEntries(streamNames.map((s) => [s, streams.queues[s].queue.url])) as Record<
      StreamName,
      pulumi.Output<string>
    >,
    deadLetterQueueUrls: Object.fromEntries(
      streamNames.map((s) => [s, streams.queues[s].deadLetterQueue.url]),
    ) as Record<StreamName, pulumi.Output<string>>,
    landingBucket: landing.bucketName,
    workgroupEndpoint: warehouse.endpoint,
    workgroupName: warehouse.workgroup.workgroupName,
    migrationsHash: warehouse.migrationsHash,
    alarmTopicArn: ops.topic.arn,
    dashboardUrls: {
      cloudwatch: pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${ops.dashboard.dashboardName}`,
      ...(quicksightUrl ? { quicksight: quicksightUrl } : {}),
    },
  };
}
