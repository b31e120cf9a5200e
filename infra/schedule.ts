// EventBridge Scheduler drives the producer, one schedule per period of the sale calendar
// (startDate/endDate), so nothing runs, and nothing wakes the warehouse, outside the calendar.
// The target input passes the scheduled time, so a retried invocation regenerates the same
// window (same chunk ids), not a new one.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { CalendarPeriod } from '../kernel/calendar';
import { Problems } from '../kernel/problems';
import type { AwsContext } from './awsContext';
import { serviceRole } from './iam';

export interface ScheduleArgs {
  /** The calendar's periods (kernel/calendar.ts calendarPeriods): one schedule each, at its own rate. */
  periods: CalendarPeriod[];
  /** The deploy's clock: a period that has begun gets no startDate (AWS starts it at once). */
  now: Date;
  /** ENABLED (true) or DISABLED (false): a disabled schedule keeps its resources and runs nothing. */
  enabled: boolean;
  /** The producer's window (minutes), which the rate derives: an event older than one window is dropped. */
  windowMinutes: number;
  /** The producer function the schedule invokes. */
  producerArn: pulumi.Input<string>;
  /** The stack's account, pinned in the role's trust policy (aws:SourceAccount). */
  aws: AwsContext;
  /** Retries of a failed delivery to Lambda before the event goes to the DLQ (0..185); default 3. */
  maximumRetryAttempts?: number;
  /**
   * What must succeed before the first run: the warehouse migration. A COPY JOB ingests only
   * files created after it exists, so a producer running earlier writes files auto-copy never sees.
   */
  startAfter: pulumi.Resource[];
}

/** The producer's event: Scheduler substitutes the invocation's scheduled time. */
export const SCHEDULED_TIME_INPUT = JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' });

/**
 * startDate and endDate of a period's schedule. A period already under way gets no startDate:
 * it starts when created, and a redeploy within the period sends the same (no) value.
 */
export function periodDates(period: CalendarPeriod, now: Date): { startDate?: string; endDate: string } {
  const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');
  return { ...(period.start > now ? { startDate: iso(period.start) } : {}), endDate: iso(period.end) };
}

export class ProducerSchedule extends pulumi.ComponentResource {
  /** One per calendar period, in time order. */
  readonly schedules: aws.scheduler.Schedule[];
  readonly role: aws.iam.Role;
  readonly deadLetterQueue: aws.sqs.Queue;

  constructor(name: string, args: ScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:ProducerSchedule', name, {}, opts);
    // The expression's form is the config schema's; what it cannot see are this component's own options.
    const retries = args.maximumRetryAttempts ?? 3;
    new Problems()
      .check(
        Number.isInteger(retries) && retries >= 0 && retries <= 185,
        `maximumRetryAttempts must be 0..185, got ${retries}`,
      )
      .check(args.startAfter.length > 0, 'startAfter must name the warehouse migration the schedule waits for')
      .check(
        args.periods.every((p) => p.end > args.now),
        'every period must end after the deploy (AWS refuses an endDate in the past)',
      )
      .throwIfAny(`ProducerSchedule ${name}`, (m) => new Error(m));

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
        accountId: args.aws.accountId,
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
    this.schedules = args.periods.map(
      (period) =>
        new aws.scheduler.Schedule(
          `${name}-${period.name}`,
          {
            description: `Runs the Black Friday producer once per window: ${period.kind} ${period.name}`,
            scheduleExpression: period.expression,
            ...periodDates(period, args.now),
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
        ),
    );
    this.registerOutputs({
      scheduleNames: this.schedules.map((s) => s.name),
      deadLetterQueueUrl: this.deadLetterQueue.url,
    });
  }
}
