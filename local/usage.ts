// What a twin run would cost on AWS, counted where it happens: SDK middleware on the
// clients the twin creates, and timers around each simulated Lambda invocation.
// The bench's cost model multiplies these counts by prices; nothing here is estimated.
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** SQS bills a request per started 64 KiB of payload. */
export const SQS_BILLING_CHUNK_BYTES = 64 * 1024;

export interface SqsApiUsage {
  requests: number;
  /** Billed requests: each request counts once per started 64 KiB of its payload. */
  billingUnits: number;
  /** Payload bytes: message bodies and attributes sent or received. */
  payloadBytes: number;
}

export interface LambdaUsage {
  invocations: number;
  /** Sum of handler wall time, ms (what Lambda bills, before memory size). */
  durationMs: number;
  /** Invocations that threw or reported failures. */
  failedInvocations: number;
}

export interface TwinUsage {
  /** By API name; `ReceiveMessageEmpty` counts receives that returned nothing (twin polling, not Lambda's). */
  sqs: Record<string, SqsApiUsage>;
  lambda: Record<string, LambdaUsage>;
  /** S3 requests by API name (PutObject, GetObject, ListObjectsV2, ...). */
  s3: Record<string, number>;
  /** S3 requests in the two price tiers: PUT/COPY/POST/LIST, and GET and all others. */
  s3Tiers: { putCopyPostList: number; getAndOther: number };
  /** Distinct landing files written per simulated hour partition, e.g. `dt=2026-11-27/hour=06`. */
  filesPerHour: Record<string, number>;
  /** Landing bytes written (last write of each key). */
  landingBytes: number;
}

/** S3 usage counted in a worker, to add to the run's meter. */
export interface S3UsageDelta {
  requests: Record<string, number>;
  /** Landing keys written and their sizes. */
  puts: [string, number][];
}

const S3_TIER1 = new Set([
  'PutObject',
  'CopyObject',
  'PostObject',
  'ListObjectsV2',
  'ListObjects',
  'ListBuckets',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'CreateBucket',
]);

function byteLength(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : 0;
}

/** Message attribute bytes as SQS counts them: name, type and value. */
function attributeBytes(
  attributes: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: Uint8Array }> | undefined,
): number {
  if (!attributes) return 0;
  let total = 0;
  for (const [name, value] of Object.entries(attributes)) {
    total +=
      Buffer.byteLength(name) +
      byteLength(value.DataType) +
      byteLength(value.StringValue) +
      (value.BinaryValue?.byteLength ?? 0);
  }
  return total;
}

interface SqsEntry {
  MessageBody?: string;
  MessageAttributes?: Record<string, { DataType?: string; StringValue?: string }>;
}
interface SqsMessage {
  Body?: string;
  MessageAttributes?: Record<string, { DataType?: string; StringValue?: string }>;
}

/** Payload of one SQS request: what goes out for sends, what comes back for receives. */
export function sqsPayloadBytes(
  command: string,
  input: Record<string, unknown>,
  output: Record<string, unknown> | undefined,
): number {
  switch (command) {
    case 'SendMessage':
      return byteLength(input.MessageBody) + attributeBytes((input as SqsEntry).MessageAttributes);
    case 'SendMessageBatch':
      return ((input.Entries as SqsEntry[] | undefined) ?? []).reduce(
        (sum, e) => sum + byteLength(e.MessageBody) + attributeBytes(e.MessageAttributes),
        0,
      );
    case 'ReceiveMessage':
      return ((output?.Messages as SqsMessage[] | undefined) ?? []).reduce(
        (sum, m) => sum + byteLength(m.Body) + attributeBytes(m.MessageAttributes),
        0,
      );
    default:
      return 0;
  }
}

export function sqsBillingUnits(payloadBytes: number): number {
  return Math.max(1, Math.ceil(payloadBytes / SQS_BILLING_CHUNK_BYTES));
}

const HOUR_PARTITION = /(dt=\d{4}-\d{2}-\d{2}\/hour=\d{2})\//;

/** Counts requests, payload and landing files; one meter per twin run. */
export class UsageMeter {
  private readonly sqsUsage: Record<string, SqsApiUsage> = {};
  private readonly lambdaUsage: Record<string, LambdaUsage> = {};
  private readonly s3Usage: Record<string, number> = {};
  private readonly landing = new Map<string, number>();

  /** Count every request the client makes, after it succeeds or fails. */
  meterSqs(client: SQSClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = commandName(context.commandName);
        let output: Record<string, unknown> | undefined;
        try {
          const result = await next(args);
          output = result.output as unknown as Record<string, unknown>;
          return result;
        } finally {
          const bytes = sqsPayloadBytes(command, args.input as Record<string, unknown>, output);
          // The twin's pollers short-poll; Lambda's long-poll. Empty receives are kept apart so a cost model can tell.
          const empty =
            command === 'ReceiveMessage' && output !== undefined && !(output.Messages as unknown[] | undefined)?.length;
          const entry = (this.sqsUsage[empty ? 'ReceiveMessageEmpty' : command] ??= {
            requests: 0,
            billingUnits: 0,
            payloadBytes: 0,
          });
          entry.requests++;
          entry.billingUnits += sqsBillingUnits(bytes);
          entry.payloadBytes += bytes;
        }
      },
      { step: 'initialize', name: 'twinUsageMeter', override: true },
    );
  }

  meterS3(client: S3Client): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = commandName(context.commandName);
        this.s3Usage[command] = (this.s3Usage[command] ?? 0) + 1;
        const result = await next(args);
        if (command === 'PutObject') {
          const input = args.input as { Key?: string; Body?: unknown };
          if (input.Key)
            this.landing.set(
              input.Key,
              typeof input.Body === 'string'
                ? Buffer.byteLength(input.Body)
                : ((input.Body as Uint8Array | undefined)?.byteLength ?? 0),
            );
        }
        return result;
      },
      { step: 'initialize', name: 'twinUsageMeter', override: true },
    );
  }

  /** The SQS usage counted so far, and start again from zero (a worker reports its part this way). */
  takeSqsUsage(): Record<string, SqsApiUsage> {
    const taken = Object.fromEntries(Object.entries(this.sqsUsage).map(([k, v]) => [k, { ...v }]));
    for (const k of Object.keys(this.sqsUsage)) delete this.sqsUsage[k];
    return taken;
  }

  /** Add SQS usage counted elsewhere (a worker's client). */
  addSqsUsage(usage: Record<string, SqsApiUsage>): void {
    for (const [command, u] of Object.entries(usage)) {
      const entry = (this.sqsUsage[command] ??= { requests: 0, billingUnits: 0, payloadBytes: 0 });
      entry.requests += u.requests;
      entry.billingUnits += u.billingUnits;
      entry.payloadBytes += u.payloadBytes;
    }
  }

  /** The S3 usage counted so far, and start again from zero. */
  takeS3Usage(): S3UsageDelta {
    const taken: S3UsageDelta = { requests: { ...this.s3Usage }, puts: [...this.landing] };
    for (const k of Object.keys(this.s3Usage)) delete this.s3Usage[k];
    this.landing.clear();
    return taken;
  }

  addS3Usage(delta: S3UsageDelta): void {
    for (const [command, n] of Object.entries(delta.requests)) this.s3Usage[command] = (this.s3Usage[command] ?? 0) + n;
    for (const [key, bytes] of delta.puts) this.landing.set(key, bytes);
  }

  /** Time one simulated Lambda invocation of `fn`. */
  async invoke<T>(fn: string, call: () => Promise<T>, failed?: (result: T) => boolean): Promise<T> {
    const entry = (this.lambdaUsage[fn] ??= { invocations: 0, durationMs: 0, failedInvocations: 0 });
    const started = performance.now();
    entry.invocations++;
    try {
      const result = await call();
      if (failed?.(result)) entry.failedInvocations++;
      return result;
    } catch (error) {
      entry.failedInvocations++;
      throw error;
    } finally {
      entry.durationMs += performance.now() - started;
    }
  }

  snapshot(): TwinUsage {
    const filesPerHour: Record<string, number> = {};
    let landingBytes = 0;
    for (const [key, bytes] of this.landing) {
      landingBytes += bytes;
      const hour = HOUR_PARTITION.exec(key)?.[1];
      if (hour) filesPerHour[hour] = (filesPerHour[hour] ?? 0) + 1;
    }
    let putCopyPostList = 0;
    let getAndOther = 0;
    for (const [command, count] of Object.entries(this.s3Usage)) {
      if (S3_TIER1.has(command)) putCopyPostList += count;
      else getAndOther += count;
    }
    const copy = <T extends object>(o: Record<string, T>): Record<string, T> =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { ...v }]));
    return {
      sqs: copy(this.sqsUsage),
      lambda: copy(this.lambdaUsage),
      s3: { ...this.s3Usage },
      s3Tiers: { putCopyPostList, getAndOther },
      filesPerHour: Object.fromEntries(Object.entries(filesPerHour).sort(([a], [b]) => a.localeCompare(b))),
      landingBytes,
    };
  }
}

/** `SendMessageBatchCommand` -> `SendMessageBatch`. */
function commandName(name: string | undefined): string {
  return (name ?? 'Unknown').replace(/Command$/, '');
}
