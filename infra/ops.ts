// Operations: alarms on the pipeline's failure signals to one SNS topic, and a
// CloudWatch dashboard of its health.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { streamNames, type StreamName } from '../kernel/contracts';
import { policyDocument } from './iam';

export interface OpsArgs {
  queueNames: Record<StreamName, pulumi.Input<string>>;
  deadLetterQueueNames: Record<StreamName, pulumi.Input<string>>;
  scheduleDeadLetterQueueName: pulumi.Input<string>;
  /** The producer's async on-failure destination: windows that failed every attempt. */
  producerFailureQueueName: pulumi.Input<string>;
  /** Auto-copy load errors, as the warehouse publishes them; and its failed load checks. */
  loadErrorMetric?: { namespace: string; name: string; dimensions: pulumi.Input<Record<string, pulumi.Input<string>>> };
  loadCheckFailureQueueName?: pulumi.Input<string>;
  producerFunctionName: pulumi.Input<string>;
  consumerFunctionNames: Record<StreamName, pulumi.Input<string>>;
  oldestMessageAgeAlarmSeconds: number;
  alarmEmail: string;
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** aws, aws-cn, aws-us-gov: from aws.getPartition, never hard-coded. */
  partition: pulumi.Input<string>;
  dashboardName: string;
}

export class Ops extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: OpsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:Ops', name, {}, opts);
    if (args.alarmEmail !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(args.alarmEmail))
      throw new Error(`Ops ${name}: alarmEmail must be an email address or '', got ${JSON.stringify(args.alarmEmail)}`);

    // A customer managed key: CloudWatch cannot publish to a topic under the AWS managed aws/sns key.
    const key = new aws.kms.Key(
      `${name}-alarms-key`,
      {
        description: 'Encrypts the pipeline alarm topic',
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        // In a key policy, Resource "*" means this key and nothing else.
        policy: policyDocument([
          {
            Sid: 'AccountAdministers',
            Effect: 'Allow',
            Principal: { AWS: pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:root` },
            Action: ['kms:*'],
            Resource: ['*'],
          },
          {
            Sid: 'CloudWatchPublishes',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: ['*'],
            Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
          },
        ]),
      },
      { parent: this },
    );
    this.topic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: key.arn }, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-alarms-policy`,
      {
        arn: this.topic.arn,
        policy: policyDocument([
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['sns:Publish'],
            Resource: [this.topic.arn],
            Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
          },
        ]),
      },
      { parent: this },
    );
    if (args.alarmEmail)
      new aws.sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: this.topic.arn, protocol: 'email', endpoint: args.alarmEmail },
        { parent: this },
      );

    const alarm = (
      suffix: string,
      description: string,
      a: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions' | 'alarmDescription'>,
    ) =>
      new aws.cloudwatch.MetricAlarm(
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
    const alarms: aws.cloudwatch.MetricAlarm[] = [];
    for (const stream of streamNames) {
      alarms.push(
        alarm(
          `${stream}-dlq-not-empty`,
          `Messages in the ${stream} DLQ: they failed ${stream} consumption repeatedly. Inspect, fix, then redrive.`,
          {
            namespace: 'AWS/SQS',
            metricName: 'ApproximateNumberOfMessagesVisible',
            dimensions: { QueueName: args.deadLetterQueueNames[stream] },
            statistic: 'Maximum',
            period: 60,
            comparisonOperator: 'GreaterThanThreshold',
            threshold: 0,
          },
        ),
        alarm(
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
        alarm(`${stream}-consumer-errors`, `The ${stream} consumer failed invocations (whole batches retried).`, {
          namespace: 'AWS/Lambda',
          metricName: 'Errors',
          dimensions: { FunctionName: args.consumerFunctionNames[stream] },
          statistic: 'Sum',
          period: 300,
          comparisonOperator: 'GreaterThanThreshold',
          threshold: 0,
        }),
      );
    }
    alarms.push(
      alarm('producer-errors', 'The producer failed: a window may be missing until its retry succeeds.', {
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: args.producerFunctionName },
        statistic: 'Sum',
        period: 300,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
      }),
      alarm(
        'producer-failed-windows',
        'A producer window failed every attempt (function error or timeout): fix the cause, then replay it with `npm run replay-windows` (docs/INFRA.md).',
        {
          namespace: 'AWS/SQS',
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: args.producerFailureQueueName },
          statistic: 'Maximum',
          period: 60,
          comparisonOperator: 'GreaterThanThreshold',
          threshold: 0,
        },
      ),
      // Events Lambda dropped without running them (too old, or throttled past their age);
      // and records it could not send to the failure queue. Either means a window is missing.
      alarm(
        'producer-async-events-dropped',
        'Lambda dropped producer events (event age exceeded): those windows are missing; replay them by scheduled time.',
        {
          namespace: 'AWS/Lambda',
          metricName: 'AsyncEventsDropped',
          dimensions: { FunctionName: args.producerFunctionName },
          statistic: 'Sum',
          period: 300,
          comparisonOperator: 'GreaterThanThreshold',
          threshold: 0,
        },
      ),
      alarm(
        'producer-destination-failures',
        'Lambda could not record a failed producer window in its failure queue: the window is missing; replay it by scheduled time.',
        {
          namespace: 'AWS/Lambda',
          metricName: 'DestinationDeliveryFailures',
          dimensions: { FunctionName: args.producerFunctionName },
          statistic: 'Sum',
          period: 300,
          comparisonOperator: 'GreaterThanThreshold',
          threshold: 0,
        },
      ),
      ...(args.loadErrorMetric
        ? [
            alarm(
              'copy-job-load-errors',
              'A COPY JOB failed to load landing files and will skip them from now on: see SYS_COPY_JOB_DETAIL (status E) and SYS_LOAD_ERROR_DETAIL, fix the cause, then load those files by hand.',
              {
                namespace: args.loadErrorMetric.namespace,
                metricName: args.loadErrorMetric.name,
                dimensions: args.loadErrorMetric.dimensions,
                statistic: 'Sum',
                period: 300,
                comparisonOperator: 'GreaterThanThreshold',
                threshold: 0,
              },
            ),
          ]
        : []),
      ...(args.loadCheckFailureQueueName
        ? [
            alarm(
              'load-check-failures',
              'The warehouse load-error check failed or was not delivered: load errors are not being watched.',
              {
                namespace: 'AWS/SQS',
                metricName: 'ApproximateNumberOfMessagesVisible',
                dimensions: { QueueName: args.loadCheckFailureQueueName },
                statistic: 'Maximum',
                period: 300,
                comparisonOperator: 'GreaterThanThreshold',
                threshold: 0,
              },
            ),
          ]
        : []),
      alarm(
        'schedule-dlq-not-empty',
        'Scheduler could not deliver a producer invocation: replay the scheduled time in the message.',
        {
          namespace: 'AWS/SQS',
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: args.scheduleDeadLetterQueueName },
          statistic: 'Maximum',
          period: 60,
          comparisonOperator: 'GreaterThanThreshold',
          threshold: 0,
        },
      ),
    );
    this.alarms = alarms;

    const body = pulumi
      .all([
        args.region,
        args.queueNames,
        args.deadLetterQueueNames,
        args.producerFunctionName,
        args.consumerFunctionNames,
        alarms.map((a) => a.arn),
      ])
      .apply(([region, queues, dlqs, producer, consumers, alarmArns]) =>
        JSON.stringify(
          pipelineDashboard({
            region,
            queues: queues as Record<StreamName, string>,
            dlqs: dlqs as Record<StreamName, string>,
            producer,
            consumers: consumers as Record<StreamName, string>,
            alarmArns,
          }),
        ),
      );
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: args.dashboardName, dashboardBody: body },
      { parent: this },
    );
    this.registerOutputs({ topicArn: this.topic.arn, dashboardName: this.dashboard.dashboardName });
  }
}

/** The CloudWatch dashboard body: pure data, unit-tested. */
export function pipelineDashboard(p: {
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
