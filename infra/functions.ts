// The producer and the two consumers: aws.lambda.Functions whose code is the esbuild
// bundle of the handlers in functions/ (infra/lambdaPackaging.ts), each with its own
// least-privilege role and log group, and the SQS event source mappings declared here
// (Queue.onEvent cannot set ReportBatchItemFailures).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { streamNames, type StreamName } from '../kernel/contracts';
import { logWriteStatement, serviceRole, type PolicyStatement } from './iam';
import type { LambdaArchive } from './lambdaPackaging';
import { landingPrefixes } from './landing';

export interface StreamEndpoint {
  queueArn: pulumi.Input<string>;
  queueUrl: pulumi.Input<string>;
}

export interface ProducerOptions {
  eventsPerMessage: number | 'fill';
  maxMessageBytes: number;
  compression: 'gzip' | 'none';
  windowMinutes: number;
  peakLinesPerMinute: number;
  seed: number;
  /** Share of demanded sale lines lost to empty shelves (LOST_SALES_RATE); the generator's default when absent. */
  lostSalesRate?: number;
  memoryMb: number;
  timeoutSeconds: number;
}

export interface ConsumerOptions {
  memoryMb: number;
  timeoutSeconds: number;
  batchSize: number;
  batchWindowSeconds: number;
  maxConcurrency: number;
}

export interface PipelineFunctionsArgs {
  streams: Record<StreamName, StreamEndpoint>;
  bucketName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  archives: { producer: LambdaArchive; salesConsumer: LambdaArchive; inventoryConsumer: LambdaArchive };
  runtime: aws.lambda.Runtime;
  logRetentionDays: number;
  producer: ProducerOptions;
  consumer: ConsumerOptions;
}

export interface DeployedFunction {
  function: aws.lambda.Function;
  role: aws.iam.Role;
  rolePolicy: aws.iam.RolePolicy;
  logGroup: aws.cloudwatch.LogGroup;
}

const consumerArchive = { sales: 'salesConsumer', inventory: 'inventoryConsumer' } as const;

/** Lambda keeps an async event at most 6 hours (PutFunctionEventInvokeConfig). */
export const MAX_ASYNC_EVENT_AGE_SECONDS = 21_600;

/** Lambda's async event age for a producer window: a window is useless once the next one ran. */
export function producerEventAgeSeconds(windowMinutes: number): number {
  return Math.min(MAX_ASYNC_EVENT_AGE_SECONDS, Math.max(60, windowMinutes * 60));
}

export class PipelineFunctions extends pulumi.ComponentResource {
  readonly producer: DeployedFunction;
  /** Records of producer windows that failed every async attempt: the original event is `requestPayload`. */
  readonly producerFailureQueue: aws.sqs.Queue;
  readonly producerInvokeConfig: aws.lambda.FunctionEventInvokeConfig;
  readonly consumers: Record<StreamName, DeployedFunction & { mapping: aws.lambda.EventSourceMapping }>;

  constructor(name: string, args: PipelineFunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bfstream:infra:PipelineFunctions', name, {}, opts);
    const c = args.consumer;
    const problems: string[] = [];
    if (c.batchSize < 1 || c.batchSize > 10_000)
      problems.push(`consumer.batchSize must be 1..10000, got ${c.batchSize}`);
    if (c.batchSize > 10 && c.batchWindowSeconds < 1)
      problems.push('consumer.batchWindowSeconds must be >= 1 when batchSize > 10');
    if (c.maxConcurrency < 2 || c.maxConcurrency > 1000)
      problems.push(`consumer.maxConcurrency must be 2..1000, got ${c.maxConcurrency}`);
    if (problems.length) throw new Error(`PipelineFunctions ${name}: ${problems.join('; ')}`);

    const p = args.producer;
    // Scheduler invokes the producer asynchronously: a function error or timeout is retried by
    // Lambda (2 more attempts), then discarded unless an on-failure destination keeps it
    // (Lambda "Configuring error handling for asynchronous invocation" and "Capturing records
    // of asynchronous invocations"; Scheduler's own retries and DLQ cover delivery only).
    this.producerFailureQueue = new aws.sqs.Queue(
      `${name}-producer-failures`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: 1_209_600 },
      { parent: this },
    );
    this.producer = this.deploy(`${name}-producer`, args, args.archives.producer, {
      description: 'Generates a window of Black Friday sales and inventory events and sends them to the stream queues.',
      memoryMb: p.memoryMb,
      timeoutSeconds: p.timeoutSeconds,
      environment: {
        SALES_QUEUE_URL: args.streams.sales.queueUrl,
        INVENTORY_QUEUE_URL: args.streams.inventory.queueUrl,
        EVENTS_PER_MESSAGE: String(p.eventsPerMessage),
        MAX_MESSAGE_BYTES: String(p.maxMessageBytes),
        COMPRESSION: p.compression,
        WINDOW_MINUTES: String(p.windowMinutes),
        PEAK_LINES_PER_MINUTE: String(p.peakLinesPerMinute),
        SEED: String(p.seed),
        ...(p.lostSalesRate === undefined ? {} : { LOST_SALES_RATE: String(p.lostSalesRate) }),
      },
      statements: [
        // SendMessageBatch is authorized by sqs:SendMessage.
        {
          Sid: 'SendToStreamQueues',
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: streamNames.map((s) => args.streams[s].queueArn),
        },
        // Lambda sends the on-failure record with the function's execution role.
        {
          Sid: 'RecordFailedWindows',
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: [this.producerFailureQueue.arn],
        },
      ],
    });
    this.producerInvokeConfig = new aws.lambda.FunctionEventInvokeConfig(
      `${name}-producer-async`,
      {
        functionName: this.producer.function.name,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: producerEventAgeSeconds(p.windowMinutes),
        destinationConfig: { onFailure: { destination: this.producerFailureQueue.arn } },
      },
      { parent: this, dependsOn: [this.producer.rolePolicy] },
    );

    const consumers = {} as PipelineFunctions['consumers'];
    for (const stream of streamNames) {
      const prefixes = landingPrefixes(stream);
      const deployed = this.deploy(`${name}-${stream}-consumer`, args, args.archives[consumerArchive[stream]], {
        description: `Validates ${stream} chunks and writes them as CSV to the landing bucket.`,
        memoryMb: c.memoryMb,
        timeoutSeconds: c.timeoutSeconds,
        environment: { LANDING_BUCKET: args.bucketName },
        statements: [
          // The three actions the SQS event source needs from the function's role.
          {
            Sid: 'ConsumeOwnQueue',
            Effect: 'Allow',
            Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
            Resource: [args.streams[stream].queueArn],
          },
          {
            Sid: 'WriteOwnPrefixes',
            Effect: 'Allow',
            Action: ['s3:PutObject'],
            Resource: [
              pulumi.interpolate`${args.bucketArn}/${prefixes.raw}*`,
              pulumi.interpolate`${args.bucketArn}/${prefixes.rejected}*`,
            ],
          },
        ],
      });
      const mapping = new aws.lambda.EventSourceMapping(
        `${name}-${stream}-mapping`,
        {
          eventSourceArn: args.streams[stream].queueArn,
          functionName: deployed.function.arn,
          batchSize: c.batchSize,
          maximumBatchingWindowInSeconds: c.batchWindowSeconds,
          functionResponseTypes: ['ReportBatchItemFailures'],
          scalingConfig: { maximumConcurrency: c.maxConcurrency },
        },
        // The role must allow receiving before Lambda validates the mapping.
        { parent: this, dependsOn: [deployed.rolePolicy] },
      );
      consumers[stream] = { ...deployed, mapping };
    }
    this.consumers = consumers;

    this.registerOutputs({
      producerName: this.producer.function.name,
      producerFailureQueueUrl: this.producerFailureQueue.url,
      consumerNames: Object.fromEntries(streamNames.map((s) => [s, consumers[s].function.name])),
    });
  }

  private deploy(
    name: string,
    args: PipelineFunctionsArgs,
    archive: LambdaArchive,
    fn: {
      description: string;
      memoryMb: number;
      timeoutSeconds: number;
      environment: Record<string, pulumi.Input<string>>;
      statements: PolicyStatement[];
    },
  ): DeployedFunction {
    return deployFunction(
      name,
      { ...fn, archive, runtime: args.runtime, logRetentionDays: args.logRetentionDays },
      this,
    );
  }
}

export interface FunctionSpec {
  description: string;
  archive: LambdaArchive;
  runtime: aws.lambda.Runtime;
  memoryMb: number;
  timeoutSeconds: number;
  logRetentionDays: number;
  environment: Record<string, pulumi.Input<string>>;
  statements: PolicyStatement[];
}

/** One function with its log group (retention set) and its own role; used by the warehouse's migrator too. */
export function deployFunction(name: string, spec: FunctionSpec, parent: pulumi.Resource): DeployedFunction {
  const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: spec.logRetentionDays }, { parent });
  const { role, policy: rolePolicy } = serviceRole(
    name,
    {
      services: ['lambda.amazonaws.com'],
      description: `Execution role of ${name}`,
      statements: [...spec.statements, logWriteStatement(logGroup.arn)],
    },
    { parent },
  );
  const fn = new aws.lambda.Function(
    name,
    {
      description: spec.description,
      role: role.arn,
      code: spec.archive.code,
      handler: spec.archive.handler,
      runtime: spec.runtime,
      memorySize: spec.memoryMb,
      timeout: spec.timeoutSeconds,
      environment: { variables: spec.environment },
      loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name },
    },
    { parent, dependsOn: [rolePolicy] },
  );
  return { function: fn, role, rolePolicy, logGroup };
}
