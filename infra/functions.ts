// The producer and one consumer per stream: aws.lambda.Functions whose code is the esbuild
// bundle of the handlers in functions/ (infra/lambdaPackaging.ts), each with its own
// least-privilege role and log group, and the SQS event source mappings declared here
// (Queue.onEvent cannot set ReportBatchItemFailures).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { perStream, streamNames, type StreamName } from '../kernel/contracts';
import { producerSettingsEnvironment, type ProducerSettingValues } from '../kernel/producerSettings';
import { queueUrlVariables, streamNamings } from '../kernel/streamNaming';
import { logWriteStatement, serviceRole, type PolicyStatement } from './iam';
import type { LambdaArchive } from './lambdaPackaging';
import { landingPrefixes } from './landing';

export interface StreamEndpoint {
  /** The stream queue's ARN: the consumer's event source, the producer's target. */
  queueArn: pulumi.Input<string>;
  /** The stream queue's URL, which the producer sends to. */
  queueUrl: pulumi.Input<string>;
}

/** The producer's settings (kernel/producerSettings.ts: each becomes one of its environment variables), and its size. */
export interface ProducerOptions extends ProducerSettingValues {
  /** Memory of the producer (MB). */
  memoryMb: number;
  /** Timeout of the producer (s). */
  timeoutSeconds: number;
}

/** The consumers' settings, the same for every stream. */
export interface ConsumerOptions {
  /** Memory of each consumer (MB). */
  memoryMb: number;
  /** Timeout of each consumer (s). */
  timeoutSeconds: number;
  /** Messages per invocation (the event source mapping's BatchSize). */
  batchSize: number;
  /** The mapping's MaximumBatchingWindowInSeconds. */
  batchWindowSeconds: number;
  /** Concurrent invocations per queue at most (the mapping's scaling config). */
  maxConcurrency: number;
}

/** The functions' arguments, as the config schema checked them (infra/config.ts): no bound is checked again here. */
export interface PipelineFunctionsArgs {
  /** Each stream's queue: the producer sends to all, each consumer reads its own. */
  streams: Record<StreamName, StreamEndpoint>;
  /** The landing bucket the consumers write to. */
  bucketName: pulumi.Input<string>;
  /** The landing bucket's ARN, for the consumers' write grants (their own prefixes only). */
  bucketArn: pulumi.Input<string>;
  /** The code of each function (infra/lambdaPackaging.ts). */
  archives: { producer: LambdaArchive; consumers: Record<StreamName, LambdaArchive> };
  /** The Node.js runtime of every function. */
  runtime: aws.lambda.Runtime;
  /** Retention of every function's log group (days). */
  logRetentionDays: number;
  /** The producer's settings. */
  producer: ProducerOptions;
  /** The consumers' settings. */
  consumer: ConsumerOptions;
}

export interface DeployedFunction {
  function: aws.lambda.Function;
  role: aws.iam.Role;
  rolePolicy: aws.iam.RolePolicy;
  logGroup: aws.cloudwatch.LogGroup;
}

/** Lambda keeps an async event at most 6 hours (PutFunctionEventInvokeConfig). */
const MAX_ASYNC_EVENT_AGE_SECONDS = 21_600;

/** Lambda's async event age for a producer window: a window is useless once the next one ran. */
function producerEventAgeSeconds(windowMinutes: number): number {
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
    // Scheduler invokes the producer asynchronously: a function error or timeout is retried by
    // Lambda (2 more attempts), then discarded unless an on-failure destination keeps it
    // (Lambda "Configuring error handling for asynchronous invocation" and "Capturing records
    // of asynchronous invocations"; Scheduler's own retries and DLQ cover delivery only).
    this.producerFailureQueue = new aws.sqs.Queue(
      `${name}-producer-failures`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: 1_209_600 },
      { parent: this },
    );
    this.producer = this.declareProducer(name, args);
    this.producerInvokeConfig = new aws.lambda.FunctionEventInvokeConfig(
      `${name}-producer-async`,
      {
        functionName: this.producer.function.name,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: producerEventAgeSeconds(args.producer.windowMinutes),
        destinationConfig: { onFailure: { destination: this.producerFailureQueue.arn } },
      },
      { parent: this, dependsOn: [this.producer.rolePolicy] },
    );
    const consumers = perStream((stream) => this.declareConsumer(name, stream, args));
    this.consumers = consumers;

    this.registerOutputs({
      producerName: this.producer.function.name,
      producerFailureQueueUrl: this.producerFailureQueue.url,
      consumerNames: perStream((s) => consumers[s].function.name),
    });
  }

  /** The producer: sends to every stream queue, and records the windows that failed every attempt. */
  private declareProducer(name: string, args: PipelineFunctionsArgs): DeployedFunction {
    const p = args.producer;
    return this.deploy(`${name}-producer`, args, args.archives.producer, {
      description: 'Generates a window of Black Friday sales and inventory events and sends them to the stream queues.',
      memoryMb: p.memoryMb,
      timeoutSeconds: p.timeoutSeconds,
      environment: {
        ...queueUrlVariables(perStream((s) => args.streams[s].queueUrl)),
        ...producerSettingsEnvironment(p),
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
  }

  /** One stream's consumer and the event source mapping that feeds it its queue. */
  private declareConsumer(
    name: string,
    stream: StreamName,
    args: PipelineFunctionsArgs,
  ): DeployedFunction & { mapping: aws.lambda.EventSourceMapping } {
    const c = args.consumer;
    const prefixes = landingPrefixes(stream);
    const deployed = this.deploy(
      streamNamings[stream].resources.consumer(name),
      args,
      args.archives.consumers[stream],
      {
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
      },
    );
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
    return { ...deployed, mapping };
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

/** One function's settings (deployFunction). */
export interface FunctionSpec {
  /** The function's description in the console. */
  description: string;
  /** Its code and handler (infra/lambdaPackaging.ts). */
  archive: LambdaArchive;
  /** The Node.js runtime. */
  runtime: aws.lambda.Runtime;
  /** Memory (MB). */
  memoryMb: number;
  /** Timeout (s). */
  timeoutSeconds: number;
  /** Retention of its log group (days). */
  logRetentionDays: number;
  /** Its environment variables. */
  environment: Record<string, pulumi.Input<string>>;
  /** What its execution role allows, besides writing its own log group. */
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
