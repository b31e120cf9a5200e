// EventBridge Scheduler drives the producer. The target input passes the scheduled
// time, so a retried invocation regenerates the same window (same chunk ids), not a new one.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { serviceRole } from './iam';

export interface ScheduleArgs {
  /** rate(N minutes|hours|days): also the producer's window length. */
  expression: string;
  enabled: boolean;
  windowMinutes: number;
  producerArn: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  /** Retries of a failed delivery to Lambda before the event goes to the DLQ. */
  maximumRetryAttempts?: number;
  /**
   * What must succeed before the first run: the warehouse migration. A COPY JOB ingests only
   * files created after it exists, so a producer running earlier writes files auto-copy never sees.
   */
  startAfter: pulumi.Resource[];
}

/** The producer's event: Scheduler substitutes the invocation's scheduled time. */
export const SCHEDULED_TIME_INPUT = JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' });

export class ProducerSchedule extends pulumi.ComponentResource {
  readonly schedule: aws.scheduler.Schedule;
  readonly role: aws.iam.Role;
  readonly deadLetterQueue: aws.sqs.Queue;

  constructor(name: string, args: ScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:ProducerSchedule', name, {}, opts);
    const problems: string[] = [];
    if (!/^rate\(\d+ (minute|minutes|hour|hours|day|days)\)$/.test(args.expression))
      problems.push(`expression must be rate(N unit), got ${JSON.stringify(args.expression)}`);
    const retries = args.maximumRetryAttempts ?? 3;
    if (!Number.isInteger(retries) || retries < 0 || retries > 185)
      problems.push(`maximumRetryAttempts must be 0..185, got ${retries}`);
    if (args.startAfter.length === 0)
      problems.push('startAfter must name the warehouse migration the schedule waits for');
    if (problems.length) throw new Error(`ProducerSchedule ${name}: ${problems.join('; ')}`);

    // Deliveries that still fail after the retries land here, with the scheduled time in the body.
    this.deadLetterQueue = new aws.sqs.Queue(
      `${name}-dlq`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: 1_209_600 },
      { parent: this },
    );
    const { role, policy } = serviceRole(
      name,
      {
        services: ['scheduler.amazonaws.com'],
        description: 'EventBridge Scheduler: invoke the producer, dead-letter failed deliveries',
        accountId: args.accountId,
        statements: [
          { Sid: 'InvokeProducer', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [args.producerArn] },
          { Sid: 'DeadLetter', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [this.deadLetterQueue.arn] },
        ],
      },
      { parent: this },
    );
    this.role = role;
    // An event older than one window is no use: the next window has started.
    const maximumEventAgeInSeconds = Math.min(86_400, Math.max(60, args.windowMinutes * 60));
    this.schedule = new aws.scheduler.Schedule(
      `${name}-schedule`,
      {
        description: 'Runs the Black Friday producer once per window',
        scheduleExpression: args.expression,
        state: args.enabled ? 'ENABLED' : 'DISABLED',
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: args.producerArn,
          roleArn: role.arn,
          input: SCHEDULED_TIME_INPUT,
          retryPolicy: { maximumRetryAttempts: retries, maximumEventAgeInSeconds },
          deadLetterConfig: { arn: this.deadLetterQueue.arn },
        },
      },
      { parent: this, dependsOn: [policy, ...args.startAfter] },
    );
    this.registerOutputs({ scheduleName: this.schedule.name, deadLetterQueueUrl: this.deadLetterQueue.url });
  }
}
