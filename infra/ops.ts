// Operations: alarms on the pipeline's failure signals to one SNS topic, and a
// CloudWatch dashboard of its health.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { streamNames, type StreamName } from '../kernel/contracts';
import type { AwsContext } from './awsContext';
import { accountAdministersKey, policyDocument } from './iam';

export interface OpsArgs {
  /** Each stream queue's name: its oldest-message alarm and dashboard metrics. */
  queueNames: Record<StreamName, pulumi.Input<string>>;
  /** Each stream's DLQ name: alarmed when not empty. */
  deadLetterQueueNames: Record<StreamName, pulumi.Input<string>>;
  /** The schedule's DLQ: invocations Scheduler could not deliver. */
  scheduleDeadLetterQueueName: pulumi.Input<string>;
  /** The producer's async on-failure destination: windows that failed every attempt. */
  producerFailureQueueName: pulumi.Input<string>;
  /** Auto-copy load errors, as the warehouse publishes them; no alarm when absent. */
  loadErrorMetric?: { namespace: string; name: string; dimensions: pulumi.Input<Record<string, pulumi.Input<string>>> };
  /**
   * The warehouse's compute over a day, against its daily usage limit (RPU-hours), when the limit
   * emits a metric rather than stopping queries; no alarm when absent.
   */
  computeLimit?: { workgroupName: pulumi.Input<string>; rpuHoursPerDay: number };
  /** The warehouse's failed load checks; no alarm when absent. */
  loadCheckFailureQueueName?: pulumi.Input<string>;
  /** The producer function: its errors, dropped events and failed destinations. */
  producerFunctionName: pulumi.Input<string>;
  /** Each stream's consumer function: its errors, duration and concurrency. */
  consumerFunctionNames: Record<StreamName, pulumi.Input<string>>;
  /** Alarm when a stream queue's oldest message is older than this (s). */
  oldestMessageAgeAlarmSeconds: number;
  /** Subscribed to the alarm topic ('' = no subscription); its form is the config schema's. */
  alarmEmail: string;
  /** The stack's account, Region and partition: the key policy and the dashboard's Region. */
  aws: AwsContext;
  /** Name of the CloudWatch dashboard. */
  dashboardName: string;
}

type AlarmSettings = Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions' | 'alarmDescription'>;

/** Alarm as soon as one period's statistic is above zero. */
const aboveZero = (
  namespace: string,
  metricName: string,
  dimensions: AlarmSettings['dimensions'],
  statistic: 'Sum' | 'Maximum',
  period: number,
): AlarmSettings => ({
  namespace,
  metricName,
  dimensions,
  statistic,
  period,
  comparisonOperator: 'GreaterThanThreshold',
  threshold: 0,
});

/** Messages waiting in a queue that should stay empty. */
const queueNotEmpty = (queueName: pulumi.Input<string>, period: number) =>
  aboveZero('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: queueName }, 'Maximum', period);

/** A Lambda metric counted over 5 minutes. */
const functionCount = (metricName: string, functionName: pulumi.Input<string>) =>
  aboveZero('AWS/Lambda', metricName, { FunctionName: functionName }, 'Sum', 300);

export class Ops extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: OpsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:Ops', name, {}, opts);
    this.topic = this.declareAlarmTopic(name, args);
    // The order is the dashboard's alarm widget's.
    this.alarms = [
      ...streamNames.flatMap((stream) => this.declareStreamAlarms(name, stream, args)),
      ...this.declareProducerAlarms(name, args),
      ...this.declareWarehouseAlarms(name, args),
      this.alarm(
        name,
        'schedule-dlq-not-empty',
        'Scheduler could not deliver a producer invocation: replay the scheduled time in the message.',
        queueNotEmpty(args.scheduleDeadLetterQueueName, 60),
      ),
    ];
    this.dashboard = this.declareDashboard(name, args);
    this.registerOutputs({ topicArn: this.topic.arn, dashboardName: this.dashboard.dashboardName });
  }

  /** The encrypted topic the alarms publish to, and its optional e-mail subscription. */
  private declareAlarmTopic(name: string, args: OpsArgs): aws.sns.Topic {
    const { accountId } = args.aws;
    // A customer managed key: CloudWatch cannot publish to a topic under the AWS managed aws/sns key.
    const key = new aws.kms.Key(
      `${name}-alarms-key`,
      {
        description: 'Encrypts the pipeline alarm topic',
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        // In a key policy, Resource "*" means this key and nothing else.
        policy: policyDocument([
          accountAdministersKey(args.aws),
          {
            Sid: 'CloudWatchPublishes',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            // AWS's example grants every GenerateDataKey variant (policy rule sns-key-lets-cloudwatch-publish).
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: ['*'],
            Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
          },
        ]),
      },
      { parent: this },
    );
    const topic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: key.arn }, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-alarms-policy`,
      {
        arn: topic.arn,
        policy: policyDocument([
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['sns:Publish'],
            Resource: [topic.arn],
            Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
          },
        ]),
      },
      { parent: this },
    );
    if (args.alarmEmail)
      new aws.sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: topic.arn, protocol: 'email', endpoint: args.alarmEmail },
        { parent: this },
      );
    return topic;
  }

  /** One alarm to the topic, raised and cleared by mail; no data is no alarm. */
  private alarm(name: string, suffix: string, description: string, a: AlarmSettings): aws.cloudwatch.MetricAlarm {
    return new aws.cloudwatch.MetricAlarm(
      `${name}-${suffix}`,
      {
        alarmDescription: description,
        treatMissingData: 'notBreaching',
        evaluationPeriods: 1,
        alarmActions: [this.topic.arn],
        okActions: [this.topic.arn],
        ...a,
      },
      { parent: this },
    );
  }

  /** A stream's DLQ not empty, its queue falling behind, its consumer failing. */
  private declareStreamAlarms(name: string, stream: StreamName, args: OpsArgs): aws.cloudwatch.MetricAlarm[] {
    return [
      this.alarm(
        name,
        `${stream}-dlq-not-empty`,
        `Messages in the ${stream} DLQ: they failed ${stream} consumption repeatedly. Inspect, fix, then redrive.`,
        queueNotEmpty(args.deadLetterQueueNames[stream], 60),
      ),
      this.alarm(
        name,
        `${stream}-oldest-message`,
        `The ${stream} queue is falling behind: its oldest message is older than ${args.oldestMessageAgeAlarmSeconds} s.`,
        {
          namespace: 'AWS/SQS',
          metricName: 'ApproximateAgeOfOldestMessage',
          dimensions: { QueueName: args.queueNames[stream] },
          statistic: 'Maximum',
          period: 60,
          evaluationPeriods: 3,
          comparisonOperator: 'GreaterThanThreshold',
          threshold: args.oldestMessageAgeAlarmSeconds,
        },
      ),
      this.alarm(
        name,
        `${stream}-consumer-errors`,
        `The ${stream} consumer failed invocations (whole batches retried).`,
        functionCount('Errors', args.consumerFunctionNames[stream]),
      ),
    ];
  }

  /** Every way a producer window can go missing. */
  private declareProducerAlarms(name: string, args: OpsArgs): aws.cloudwatch.MetricAlarm[] {
    return [
      this.alarm(
        name,
        'producer-errors',
        'The producer failed: a window may be missing until its retry succeeds.',
        functionCount('Errors', args.producerFunctionName),
      ),
      this.alarm(
        name,
        'producer-failed-windows',
        'A producer window failed every attempt (function error or timeout): fix the cause, then replay it with `npm run replay-windows` (docs/INFRA.md).',
        queueNotEmpty(args.producerFailureQueueName, 60),
      ),
      // Events Lambda dropped without running them (too old, or throttled past their age);
      // and records it could not send to the failure queue. Either means a window is missing.
      this.alarm(
        name,
        'producer-async-events-dropped',
        'Lambda dropped producer events (event age exceeded): those windows are missing; replay them by scheduled time.',
        functionCount('AsyncEventsDropped', args.producerFunctionName),
      ),
      this.alarm(
        name,
        'producer-destination-failures',
        'Lambda could not record a failed producer window in its failure queue: the window is missing; replay it by scheduled time.',
        functionCount('DestinationDeliveryFailures', args.producerFunctionName),
      ),
    ];
  }

  /** Files auto-copy skipped, and load checks that did not run: when the warehouse reports them. */
  private declareWarehouseAlarms(name: string, args: OpsArgs): aws.cloudwatch.MetricAlarm[] {
    const alarms: aws.cloudwatch.MetricAlarm[] = [];
    if (args.loadErrorMetric)
      alarms.push(
        this.alarm(
          name,
          'copy-job-load-errors',
          'A COPY JOB failed to load landing files and will skip them from now on: the newly failed files are in retail.load_error_ledger (reported_at), their errors in SYS_LOAD_ERROR_DETAIL; fix the cause, then run `npm run reload-failed -- --function <migrator>` to load each once (docs/INFRA.md).',
          aboveZero(
            args.loadErrorMetric.namespace,
            args.loadErrorMetric.name,
            args.loadErrorMetric.dimensions,
            'Sum',
            300,
          ),
        ),
      );
    if (args.computeLimit)
      alarms.push(
        this.alarm(
          name,
          'warehouse-usage-limit',
          `The warehouse used more than its daily usage limit of ${args.computeLimit.rpuHoursPerDay} RPU-hours: see SYS_SERVERLESS_USAGE for what kept it busy; the bill grows until the day ends.`,
          {
            // AWS/Redshift-Serverless ComputeSeconds: RPU-seconds used, per workgroup
            // (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-monitoring.html).
            namespace: 'AWS/Redshift-Serverless',
            metricName: 'ComputeSeconds',
            dimensions: { Workgroup: args.computeLimit.workgroupName },
            statistic: 'Sum',
            period: 86_400,
            comparisonOperator: 'GreaterThanThreshold',
            threshold: args.computeLimit.rpuHoursPerDay * 3600,
          },
        ),
      );
    if (args.loadCheckFailureQueueName)
      alarms.push(
        this.alarm(
          name,
          'load-check-failures',
          'The warehouse load-error check failed or was not delivered: load errors are not being watched.',
          queueNotEmpty(args.loadCheckFailureQueueName, 300),
        ),
      );
    return alarms;
  }

  /** The pipeline's health on one CloudWatch dashboard (pipelineDashboard). */
  private declareDashboard(name: string, args: OpsArgs): aws.cloudwatch.Dashboard {
    const body = pulumi
      .all([
        args.queueNames,
        args.deadLetterQueueNames,
        args.producerFunctionName,
        args.consumerFunctionNames,
        this.alarms.map((a) => a.arn),
      ])
      .apply(([queues, dlqs, producer, consumers, alarmArns]) =>
        JSON.stringify(pipelineDashboard({ region: args.aws.region, queues, dlqs, producer, consumers, alarmArns })),
      );
    return new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: args.dashboardName, dashboardBody: body },
      { parent: this },
    );
  }
}

/** The CloudWatch dashboard body: pure data. */
function pipelineDashboard(p: {
  region: string;
  queues: Record<StreamName, string>;
  dlqs: Record<StreamName, string>;
  producer: string;
  consumers: Record<StreamName, string>;
  alarmArns: string[];
}) {
  const metricWidget = (title: string, metrics: unknown[][], x: number, y: number, stat = 'Sum') => ({
    type: 'metric',
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region: p.region, stat, period: 60, view: 'timeSeries', metrics },
  });
  return {
    widgets: [
      {
        type: 'alarm',
        x: 0,
        y: 0,
        width: 24,
        height: 3,
        properties: { title: 'Pipeline alarms', alarms: p.alarmArns },
      },
      metricWidget(
        'Events sent (messages)',
        streamNames.map((s) => ['AWS/SQS', 'NumberOfMessagesSent', 'QueueName', p.queues[s]]),
        0,
        3,
      ),
      metricWidget(
        'Oldest message age (s)',
        streamNames.map((s) => ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', p.queues[s]]),
        12,
        3,
        'Maximum',
      ),
      metricWidget(
        'Dead-letter queues (messages)',
        streamNames.map((s) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', p.dlqs[s]]),
        0,
        9,
        'Maximum',
      ),
      metricWidget(
        'Function errors',
        [
          ['AWS/Lambda', 'Errors', 'FunctionName', p.producer],
          ...streamNames.map((s) => ['AWS/Lambda', 'Errors', 'FunctionName', p.consumers[s]]),
        ],
        12,
        9,
      ),
      metricWidget(
        'Function duration p95 (ms)',
        [
          ['AWS/Lambda', 'Duration', 'FunctionName', p.producer],
          ...streamNames.map((s) => ['AWS/Lambda', 'Duration', 'FunctionName', p.consumers[s]]),
        ],
        0,
        15,
        'p95',
      ),
      metricWidget(
        'Consumer concurrency',
        streamNames.map((s) => ['AWS/Lambda', 'ConcurrentExecutions', 'FunctionName', p.consumers[s]]),
        12,
        15,
        'Maximum',
      ),
    ],
  };
}
