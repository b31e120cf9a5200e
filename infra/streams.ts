// The event streams (kernel/contracts.ts): an SQS queue per stream, each with its dead-letter queue.
// The bounds of every argument are the config schema's (infra/config.ts): not checked again here.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { perStream, type StreamName } from '../kernel/contracts';
import { streamNamings } from '../kernel/streamNaming';

export interface StreamsArgs {
  /** MaximumMessageSize of every queue: the producer packs each message up to this many bytes. */
  maxMessageBytes: number;
  /** Visibility timeout of the stream queues: at least 6 x the consumer timeout + the batching window (config derives it). */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to its DLQ. */
  maxReceiveCount: number;
  /** How long a stream queue keeps a message (s). */
  messageRetentionSeconds: number;
  /** How long a DLQ keeps a message (s): longer than the stream queues, so a redriven message keeps its age. */
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
    const queues = perStream((stream) => this.declareStream(name, stream, args));
    this.queues = queues;
    this.registerOutputs({
      queueUrls: perStream((s) => queues[s].queue.url),
      deadLetterQueueUrls: perStream((s) => queues[s].deadLetterQueue.url),
    });
  }

  /** One stream's queue, its DLQ, and the policy that lets only that queue use the DLQ. */
  private declareStream(name: string, stream: StreamName, args: StreamsArgs): StreamQueues {
    const names = streamNamings[stream].resources;
    const deadLetterQueue = new aws.sqs.Queue(
      names.deadLetterQueue(name),
      {
        sqsManagedSseEnabled: true,
        messageRetentionSeconds: args.dlqRetentionSeconds,
        maxMessageSize: args.maxMessageBytes,
      },
      { parent: this },
    );
    const queue = new aws.sqs.Queue(
      names.queue(name),
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
      `${names.deadLetterQueue(name)}-allow`,
      {
        queueUrl: deadLetterQueue.url,
        redriveAllowPolicy: pulumi.jsonStringify({ redrivePermission: 'byQueue', sourceQueueArns: [queue.arn] }),
      },
      { parent: this },
    );
    return { queue, deadLetterQueue };
  }
}
