// The two event streams: an SQS queue per stream, each with its dead-letter queue.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { streamNames, type StreamName } from '../kernel/contracts';

export interface StreamsArgs {
  /** MaximumMessageSize: the producer packs each message up to this many bytes. */
  maxMessageBytes: number;
  /** At least 6 x the consumer timeout + the batching window (validated in config). */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to its DLQ. */
  maxReceiveCount: number;
  messageRetentionSeconds: number;
  dlqRetentionSeconds: number;
}

export interface StreamQueues {
  queue: aws.sqs.Queue;
  deadLetterQueue: aws.sqs.Queue;
}

export class Streams extends pulumi.ComponentResource {
  readonly queues: Record<StreamName, StreamQueues>;

  constructor(name: string, args: StreamsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:Streams', name, {}, opts);
    const problems: string[] = [];
    if (!Number.isInteger(args.maxMessageBytes) || args.maxMessageBytes < 1024 || args.maxMessageBytes > 1_048_576)
      problems.push(`maxMessageBytes must be 1024..1048576, got ${args.maxMessageBytes}`);
    if (
      !Number.isInteger(args.visibilityTimeoutSeconds) ||
      args.visibilityTimeoutSeconds < 0 ||
      args.visibilityTimeoutSeconds > 43_200
    )
      problems.push(`visibilityTimeoutSeconds must be 0..43200, got ${args.visibilityTimeoutSeconds}`);
    if (!Number.isInteger(args.maxReceiveCount) || args.maxReceiveCount < 1 || args.maxReceiveCount > 1000)
      problems.push(`maxReceiveCount must be 1..1000, got ${args.maxReceiveCount}`);
    if (problems.length) throw new Error(`Streams ${name}: ${problems.join('; ')}`);

    const queues = {} as Record<StreamName, StreamQueues>;
    for (const stream of streamNames) {
      const deadLetterQueue = new aws.sqs.Queue(
        `${name}-${stream}-dlq`,
        {
          sqsManagedSseEnabled: true,
          messageRetentionSeconds: args.dlqRetentionSeconds,
          maxMessageSize: args.maxMessageBytes,
        },
        { parent: this },
      );
      const queue = new aws.sqs.Queue(
        `${name}-${stream}`,
        {
          sqsManagedSseEnabled: true,
          maxMessageSize: args.maxMessageBytes,
          visibilityTimeoutSeconds: args.visibilityTimeoutSeconds,
          messageRetentionSeconds: args.messageRetentionSeconds,
          redrivePolicy: pulumi.jsonStringify({
            deadLetterTargetArn: deadLetterQueue.arn,
            maxReceiveCount: args.maxReceiveCount,
          }),
        },
        { parent: this },
      );
      // Only this stream's queue may use the DLQ; a redrive moves messages back to it.
      new aws.sqs.RedriveAllowPolicy(
        `${name}-${stream}-dlq-allow`,
        {
          queueUrl: deadLetterQueue.url,
          redriveAllowPolicy: pulumi.jsonStringify({ redrivePermission: 'byQueue', sourceQueueArns: [queue.arn] }),
        },
        { parent: this },
      );
      queues[stream] = { queue, deadLetterQueue };
    }
    this.queues = queues;
    this.registerOutputs({
      queueUrls: Object.fromEntries(streamNames.map((s) => [s, queues[s].queue.url])),
      deadLetterQueueUrls: Object.fromEntries(streamNames.map((s) => [s, queues[s].deadLetterQueue.url])),
    });
  }
}
