// The whole stack from a validated config: the components and how they connect.
// index.ts calls this; tests and `npm run plan` run it under Pulumi mocks.
import * as pulumi from '@pulumi/pulumi';
import { calendarPeriods, loadCheckPeriods, type CalendarPeriod } from '../kernel/calendar';
import { buildCatalog, type Catalog } from '../kernel/catalog';
import { perStream, streamNames, type StreamName } from '../kernel/contracts';
import { buildMigrations } from '../warehouse/migrations';
import { Access } from './access';
import { awsContext, type AwsContext } from './awsContext';
import { calendarOf, loadTailMinutes, producerSettingsOf, type StackConfig } from './config';
import { QuickSightDashboard } from './dashboard';
import { PipelineFunctions } from './functions';
import { consumerArchive, producerArchive } from './lambdaPackaging';
import { Landing } from './landing';
import { Ops } from './ops';
import { ProducerSchedule } from './schedule';
import { Streams } from './streams';
import { REDSHIFT_PORT, Warehouse } from './warehouse';

export interface PipelineOutputs {
  queueUrls: Record<StreamName, pulumi.Output<string>>;
  deadLetterQueueUrls: Record<StreamName, pulumi.Output<string>>;
  landingBucket: pulumi.Output<string>;
  workgroupEndpoint: pulumi.Output<string>;
  workgroupName: pulumi.Output<string>;
  migrationsHash: pulumi.Output<string>;
  alarmTopicArn: pulumi.Output<string>;
  dashboardUrls: { cloudwatch: pulumi.Output<string>; quicksight?: pulumi.Output<string> };
  /** What `npm run verify` reads of the deployed stack besides the outputs above (tools/verifyOutputs.ts). */
  verification: VerificationOutputs;
}

export interface VerificationOutputs {
  region: string;
  producerFunctionName: pulumi.Output<string>;
  migratorFunctionName: pulumi.Output<string>;
  database: string;
  workgroupName: pulumi.Output<string>;
  workgroupArn: pulumi.Output<string>;
  windowMinutes: number;
  alarmNames: pulumi.Output<string>[];
  quicksight?: {
    accountId: pulumi.Input<string>;
    dashboardId: pulumi.Output<string>;
    dataSourceId: pulumi.Output<string>;
    dataSetIds: pulumi.Output<string>[];
  };
}

/** What the components share: the config, where the stack deploys, its name, and the deploy-time catalog. */
interface Stack {
  cfg: StackConfig;
  aws: AwsContext;
  /** `<project>-<stack>`, lowercased: the physical name of what needs one. */
  baseName: string;
  catalog: Catalog;
  /** The deploy's clock, and the calendar periods it declares (kernel/calendar.ts). */
  now: Date;
  periods: CalendarPeriod[];
}

/** The variable that pins the deploy's clock (ISO-8601): tests, `npm run plan -- --at`, `npm run cost`. */
export const DEPLOY_TIME_ENV = 'BFSTREAM_DEPLOY_TIME';

/** The deploy's clock: now, unless BFSTREAM_DEPLOY_TIME pins it. */
export function deployClock(env: NodeJS.ProcessEnv = process.env): Date {
  const pinned = env[DEPLOY_TIME_ENV];
  if (pinned === undefined || pinned === '') return new Date();
  const at = new Date(pinned);
  if (Number.isNaN(+at)) throw new Error(`${DEPLOY_TIME_ENV} must be an ISO-8601 time, got ${JSON.stringify(pinned)}`);
  return at;
}

/** `now` is the deploy's clock: the calendar declares the periods that have not ended by then. */
export function definePipeline(
  cfg: StackConfig,
  region: string,
  now: Date,
  stack = pulumi.getStack(),
  project = pulumi.getProject(),
): PipelineOutputs {
  const s: Stack = {
    now,
    periods: calendarPeriods(calendarOf(cfg), now),
    cfg,
    aws: awsContext(region),
    baseName: `${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, '-'),
    // The catalog is built here, at deploy time (faker stays out of every Lambda), and
    // travels into the closures as plain data.
    catalog: buildCatalog(cfg.catalogSeed, { products: cfg.catalogProducts, stores: cfg.catalogStores }),
  };

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
    aws: s.aws,
  });
  const functions = declareFunctions(s, streams, landing);
  const warehouse = declareWarehouse(s, landing);
  // The producer starts only once the migration (tables, COPY JOBs) succeeded: files written
  // before a COPY JOB exists are never auto-copied.
  const schedule = new ProducerSchedule('schedule', {
    periods: s.periods,
    now,
    enabled: cfg.scheduleEnabled,
    windowMinutes: cfg.windowMinutes,
    producerArn: functions.producer.function.arn,
    aws: s.aws,
    startAfter: [warehouse.migration],
  });
  const ops = declareOps(s, { streams, functions, warehouse, schedule });
  declareAccess(s, { streams, functions, warehouse, schedule, ops });
  // The data source needs QuickSight's grant on the dashboard secret, which an admin gives after
  // the first deploy created it (docs/INFRA.md, turn it on).
  const quicksight = cfg.dashboardEnabled && cfg.quicksightSecretGranted ? declareQuickSight(s, warehouse) : undefined;

  return {
    queueUrls: perStream((st) => streams.queues[st].queue.url),
    deadLetterQueueUrls: perStream((st) => streams.queues[st].deadLetterQueue.url),
    landingBucket: landing.bucketName,
    workgroupEndpoint: warehouse.endpoint,
    workgroupName: warehouse.workgroup.workgroupName,
    migrationsHash: warehouse.migrationsHash,
    alarmTopicArn: ops.topic.arn,
    dashboardUrls: {
      cloudwatch: pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${ops.dashboard.dashboardName}`,
      ...(quicksight ? { quicksight: quicksight.dashboardUrl } : {}),
    },
    verification: {
      region,
      producerFunctionName: functions.producer.function.name,
      migratorFunctionName: warehouse.migrator.function.name,
      database: cfg.database,
      workgroupName: warehouse.workgroup.workgroupName,
      workgroupArn: warehouse.workgroup.arn,
      windowMinutes: cfg.windowMinutes,
      alarmNames: ops.alarms.map((a) => a.name),
      ...(quicksight
        ? {
            quicksight: {
              accountId: s.aws.accountId,
              dashboardId: quicksight.dashboard.dashboardId,
              dataSourceId: quicksight.dataSource.dataSourceId,
              dataSetIds: quicksight.dataSets.map((d) => d.dataSetId),
            },
          }
        : {}),
    },
  };
}

/** The producer and the consumers, each fed its stream's queue, writing to the landing bucket. */
function declareFunctions({ cfg, catalog }: Stack, streams: Streams, landing: Landing): PipelineFunctions {
  return new PipelineFunctions('functions', {
    streams: perStream((s) => ({ queueArn: streams.queues[s].queue.arn, queueUrl: streams.queues[s].queue.url })),
    bucketName: landing.bucketName,
    bucketArn: landing.bucketArn,
    archives: { producer: producerArchive(catalog), consumers: perStream((s) => consumerArchive(s, catalog)) },
    runtime: cfg.lambdaRuntime,
    logRetentionDays: cfg.logRetentionDays,
    producer: {
      ...producerSettingsOf(cfg),
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
}

/** The warehouse, loading the landing bucket, with migrations rendered for its COPY role. */
function declareWarehouse({ cfg, aws: context, baseName, catalog, now, periods }: Stack, landing: Landing): Warehouse {
  return new Warehouse('warehouse', {
    warehouseName: baseName,
    vpcCidr: cfg.vpcCidr,
    database: cfg.database,
    adminUsername: cfg.adminUsername,
    baseCapacity: cfg.baseCapacity,
    maxCapacity: cfg.maxCapacity,
    usageLimit: {
      rpuHours: cfg.usageLimitRpuHours,
      period: cfg.usageLimitPeriod,
      breachAction: cfg.usageLimitBreachAction,
    },
    loadCheck: {
      periods: loadCheckPeriods(periods, cfg.loadCheckMinutes, loadTailMinutes(cfg)),
      now,
      enabled: cfg.scheduleEnabled,
    },
    bucketName: landing.bucketName,
    bucketArn: landing.bucketArn,
    bucketPolicy: landing.policy,
    aws: context,
    migrations: (copyRoleArn) =>
      pulumi
        .all([copyRoleArn, landing.bucketName])
        .apply(([roleArn, bucket]) =>
          buildMigrations({ dialect: 'redshift', copyRoleArn: roleArn, bucket, region: context.region }, catalog),
        ),
    runtime: cfg.lambdaRuntime,
    migratorTimeoutSeconds: cfg.migratorTimeoutSeconds,
    logRetentionDays: cfg.logRetentionDays,
    auditLogRetentionDays: cfg.auditLogRetentionDays,
    dashboardIdentity: cfg.dashboardEnabled,
  });
}

interface Declared {
  streams: Streams;
  functions: PipelineFunctions;
  warehouse: Warehouse;
  schedule: ProducerSchedule;
}

/** Alarms on every failure signal the other components expose, and the health dashboard. */
function declareOps({ cfg, aws: context, baseName }: Stack, d: Declared): Ops {
  return new Ops('ops', {
    queueNames: perStream((s) => d.streams.queues[s].queue.name),
    deadLetterQueueNames: perStream((s) => d.streams.queues[s].deadLetterQueue.name),
    scheduleDeadLetterQueueName: d.schedule.deadLetterQueue.name,
    producerFailureQueueName: d.functions.producerFailureQueue.name,
    loadErrorMetric: d.warehouse.loadErrorMetric,
    loadCheckFailureQueueName: d.warehouse.loadCheckFailures.name,
    ...(cfg.usageLimitBreachAction === 'emit-metric'
      ? { computeLimit: { workgroupName: d.warehouse.workgroup.workgroupName, rpuHoursPerDay: cfg.usageLimitRpuHours } }
      : {}),
    producerFunctionName: d.functions.producer.function.name,
    consumerFunctionNames: perStream((s) => d.functions.consumers[s].function.name),
    oldestMessageAgeAlarmSeconds: cfg.oldestMessageAgeAlarmSeconds,
    alarmEmail: cfg.alarmEmail,
    aws: context,
    dashboardName: `${baseName}-pipeline`,
  });
}

/** The people and what each persona may touch of what the other components declared. */
function declareAccess({ cfg, aws: context }: Stack, d: Declared & { ops: Ops }): Access {
  const { streams, functions, warehouse, schedule } = d;
  return new Access('access', {
    users: cfg.users,
    aws: context,
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
    dashboardArn: d.ops.dashboard.dashboardArn,
  });
}

/** The analysts' QuickSight dashboard over the warehouse, reached through its VPC. */
function declareQuickSight({ cfg, aws: context, baseName }: Stack, warehouse: Warehouse): QuickSightDashboard {
  const { dashboardSecret } = warehouse;
  if (!dashboardSecret) throw new Error('the QuickSight dashboard needs the warehouse to declare its dashboard secret');
  return new QuickSightDashboard('dashboard', {
    idPrefix: baseName,
    aws: context,
    authorArns: [cfg.quicksightPrincipalArn, cfg.quicksightEngineerArn].filter((arn) => arn !== ''),
    viewerArns: [cfg.quicksightViewerArn].filter((arn) => arn !== ''),
    vpcId: warehouse.vpc.vpcId,
    vpcCidr: cfg.vpcCidr,
    subnetIds: warehouse.vpc.isolatedSubnetIds,
    warehouseSecurityGroupId: warehouse.securityGroup.id,
    workgroupEndpoint: warehouse.workgroup.endpoints.apply((e) => ({
      address: e[0]?.address ?? '',
      port: e[0]?.port ?? REDSHIFT_PORT,
    })),
    database: cfg.database,
    // The dashboard's own database user (the analyst role: views only), never the admin secret.
    credentialsSecretArn: dashboardSecret.secret.arn,
    // The migration creates the views the data sets read and the user the data source signs in as.
    after: [warehouse.migration],
    defaultTags: defaultTags(),
  });
}

/** The stack's `aws:defaultTags` tags (the stack files set them), for providers other than the default aws one. */
function defaultTags(): Record<string, string> | undefined {
  return new pulumi.Config('aws').getObject<{ tags?: Record<string, string> }>('defaultTags')?.tags;
}
