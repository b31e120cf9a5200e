// The Lambda SQS event source, as the twin runs it: pollers call ReceiveMessage,
// turn the messages into a real-shaped SQSEvent, invoke the handler and delete only
// what the handler did not report in batchItemFailures. Failed messages stay in
// flight until the queue's visibility timeout ends and then come back. The queue's
// redrive policy moves a message to its DLQ on the receive after maxReceiveCount;
// fauxqs implements that move itself (as SQS does), so the event source does not.
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { lambdaContext } from './lambdaContext';
import { LAMBDA_PAYLOAD_LIMIT_BYTES, SQS_MAPPING_MAX_BATCH_SIZE } from '../kernel/awsLimits';

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface EventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  functionName: string;
  handler: SqsBatchHandler;
  /** Most records per invocation, 1..10000 (Lambda's BatchSize). */
  batchSize: number;
  /** Concurrent pollers, each invoking the handler one batch at a time. Default 2. */
  concurrency?: number;
  /** The queue's visibility timeout: an invocation longer than it is counted as slow. */
  visibilityTimeoutMs?: number;
  /**
   * The function's timeout (the stack's consumerTimeoutSeconds): the Context's remaining time
   * counts down from it. The handler's runtime enforces it, as Lambda's execution environment
   * does (a worker pool's invoke, or `withinTimeout` in this thread): an invocation still running
   * then fails ("Task timed out"), so its whole batch comes back after the visibility timeout.
   */
  functionTimeoutMs: number;
  region?: string;
  /**
   * Wraps every invocation: the twin times it and chaos may fail it. The default calls
   * the handler directly.
   */
  invoke?: (event: SQSEvent, call: () => Promise<SQSBatchResponse | void>) => Promise<SQSBatchResponse | void>;
  /** Called with each batch as received, before the handler (chaos duplicates messages here). */
  onReceive?: (messages: readonly Message[]) => Promise<void>;
  /** Called after each invocation with what happened to its messages. */
  onInvocation?: (outcome: InvocationOutcome) => void;
}

export interface InvocationOutcome {
  functionName: string;
  received: number;
  deleted: number;
  failed: number;
  /** The records Lambda deleted after this invocation. */
  succeeded: readonly SQSRecord[];
  /** The handler threw (or returned an unusable response): the whole batch stays. */
  threw: boolean;
  error?: string;
}

export interface EventSourceStats {
  invocations: number;
  receives: number;
  emptyReceives: number;
  messagesReceived: number;
  messagesDeleted: number;
  /** Deliveries that were not deleted and so will come back (or go to the DLQ). */
  messagesFailed: number;
  handlerErrors: number;
  /**
   * Invocations that outlasted the visibility timeout: their messages became visible
   * again while still being processed, so they were (or could be) delivered twice.
   */
  slowInvocations: number;
  /** The last handler errors, for diagnosis. */
  errors: string[];
}

/** Lambda's error for an invocation that outran its timeout. */
export function functionTimedOut(timeoutMs: number): string {
  return `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
}

/**
 * A handler run in this thread, cut off at the function timeout as Lambda's runtime cuts it off:
 * its result, or Lambda's "Task timed out" error once `timeoutMs` has passed. (The run itself
 * cannot be stopped here; a worker pool replaces a worker that overruns.)
 */
export async function withinTimeout<T>(run: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(functionTimedOut(timeoutMs))), timeoutMs);
  });
  try {
    return await Promise.race([run, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function recordAttributes(message: Message): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {}) as [string, MessageAttributeValue][]) {
    out[name] = {
      dataType: value.DataType ?? 'String',
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return out;
}

/** One received message as Lambda hands it to the function. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: recordAttributes(message),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Which messages of a batch Lambda deletes, given the handler's response.
 * A response naming an id that is empty or not in the batch makes Lambda treat the
 * whole batch as failed, as with ReportBatchItemFailures in AWS.
 */
export function successfulMessages(
  records: readonly SQSRecord[],
  response: SQSBatchResponse | void | unknown,
): { succeeded: SQSRecord[]; failed: SQSRecord[]; invalidResponse: boolean } {
  const failures = (response as SQSBatchResponse | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null)
    return { succeeded: [...records], failed: [], invalidResponse: false };
  if (!Array.isArray(failures)) return { succeeded: [], failed: [...records], invalidResponse: true };
  const ids = new Set(records.map((r) => r.messageId));
  const failedIds = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.has(id))
      return { succeeded: [], failed: [...records], invalidResponse: true };
    failedIds.add(id);
  }
  return {
    succeeded: records.filter((r) => !failedIds.has(r.messageId)),
    failed: records.filter((r) => failedIds.has(r.messageId)),
    invalidResponse: false,
  };
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Polls one queue with `concurrency` pollers until it is drained and the producer is done. */
export class SqsEventSource {
  readonly stats: EventSourceStats = {
    invocations: 0,
    receives: 0,
    emptyReceives: 0,
    messagesReceived: 0,
    messagesDeleted: 0,
    messagesFailed: 0,
    handlerErrors: 0,
    slowInvocations: 0,
    errors: [],
  };
  private readonly region: string;
  private readonly batchSize: number;

  constructor(private readonly options: EventSourceOptions) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > SQS_MAPPING_MAX_BATCH_SIZE) {
      throw new RangeError(`batchSize must be a whole number in 1..${SQS_MAPPING_MAX_BATCH_SIZE}, got ${batchSize}`);
    }
    if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency >= 1)) {
      throw new RangeError(`concurrency must be a whole number >= 1, got ${options.concurrency}`);
    }
    this.region = options.region ?? 'us-east-1';
    this.batchSize = options.batchSize;
  }

  /**
   * Runs the pollers until `upstreamDone()` is true and the queue has nothing visible,
   * in flight or delayed. Messages that keep failing go to the DLQ through the redrive
   * policy on a later receive, so this ends once they have moved. Once `stopped()` is true each
   * poller ends after the invocation it is in (what it holds stays in the queue, unfinished).
   */
  async drain(upstreamDone: () => boolean, stopped: () => boolean = () => false): Promise<EventSourceStats> {
    const pollers = Array.from({ length: this.options.concurrency ?? 2 }, () => this.poll(upstreamDone, stopped));
    await Promise.all(pollers);
    return this.stats;
  }

  private async poll(upstreamDone: () => boolean, stopped: () => boolean): Promise<void> {
    // Messages received beyond the 6 MB payload limit wait here for the next invocation.
    let carried: Message[] = [];
    let idle = 0;
    while (!stopped()) {
      const batch = await this.fillBatch(carried);
      carried = batch.carried;
      if (batch.messages.length === 0) {
        if (upstreamDone()) {
          const depth = await queueDepth(this.options.sqs, this.options.queueUrl);
          if (depth.visible + depth.inFlight + depth.delayed === 0) return;
        }
        // Back off while the queue is empty or its failed messages are still invisible; briefly
        // while the producer still sends (an empty receive on the embedded emulator is cheap).
        await sleep(Math.min(upstreamDone() ? 100 : 20, 2 * 2 ** Math.min(idle++, 6)));
        continue;
      }
      idle = 0;
      await this.invoke(batch.messages);
    }
  }

  private async fillBatch(carried: Message[]): Promise<{ messages: Message[]; carried: Message[] }> {
    const messages: Message[] = [];
    let bytes = 0;
    const take = (list: Message[]): Message[] => {
      const rest: Message[] = [];
      for (const m of list) {
        const size = Buffer.byteLength(m.Body ?? '');
        if (messages.length < this.batchSize && (messages.length === 0 || bytes + size <= LAMBDA_PAYLOAD_LIMIT_BYTES)) {
          messages.push(m);
          bytes += size;
        } else rest.push(m);
      }
      return rest;
    };
    let rest = take(carried);
    while (rest.length === 0 && messages.length < this.batchSize) {
      const received = await this.receive(Math.min(10, this.batchSize - messages.length));
      if (received.length === 0) break;
      if (this.options.onReceive) await this.options.onReceive(received);
      rest = take(received);
    }
    return { messages, carried: rest };
  }

  private async receive(max: number): Promise<Message[]> {
    this.stats.receives++;
    const { Messages = [] } = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: max,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) this.stats.emptyReceives++;
    this.stats.messagesReceived += Messages.length;
    return Messages;
  }

  private async invoke(messages: Message[]): Promise<void> {
    const { queueArn, functionName } = this.options;
    const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, queueArn, this.region)) };
    this.stats.invocations++;
    const started = Date.now();
    const outcome = await this.call(event);
    const response = outcome.response;
    let error = outcome.error;
    if (this.options.visibilityTimeoutMs !== undefined && Date.now() - started >= this.options.visibilityTimeoutMs)
      this.stats.slowInvocations++;
    const { succeeded, failed, invalidResponse } =
      error === undefined
        ? successfulMessages(event.Records, response)
        : { succeeded: [], failed: event.Records, invalidResponse: false };
    if (invalidResponse) error = 'invalid batchItemFailures response; the whole batch failed';
    if (error !== undefined) this.recordError(error);
    await this.delete(succeeded);
    this.stats.messagesDeleted += succeeded.length;
    this.stats.messagesFailed += failed.length;
    this.options.onInvocation?.({
      functionName,
      received: messages.length,
      deleted: succeeded.length,
      failed: failed.length,
      succeeded,
      threw: error !== undefined,
      error,
    });
  }

  /** One invocation of the handler: its response, or the error it failed with. */
  private async call(event: SQSEvent): Promise<{ response?: SQSBatchResponse | void; error?: string }> {
    const { functionName, functionTimeoutMs, handler } = this.options;
    const context = lambdaContext(functionName, functionTimeoutMs, this.region);
    const call = () => handler(event, context);
    try {
      return { response: this.options.invoke ? await this.options.invoke(event, call) : await call() };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }

  private recordError(error: string): void {
    this.stats.handlerErrors++;
    if (this.stats.errors.length >= 20) this.stats.errors.shift();
    this.stats.errors.push(error);
  }

  private async delete(records: readonly SQSRecord[]): Promise<void> {
    const groups: SQSRecord[][] = [];
    for (let i = 0; i < records.length; i += 10) groups.push(records.slice(i, i + 10));
    await Promise.all(
      groups.map(async (group) => {
        const { Failed = [] } = await this.options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: group.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
          }),
        );
        // A failed delete only means a redelivery; the consumer is idempotent.
        if (Failed.length > 0) this.stats.messagesDeleted -= Failed.length;
      }),
    );
  }
}
