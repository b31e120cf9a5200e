// Consumer Lambda, one per stream: validates each message's events, writes the
// valid ones as CSV to a key derived from the chunk id and the invalid ones, with
// their problems, to rejected/. A message it cannot read is a batch item failure,
// so SQS redelivers it and, after maxReceiveCount, moves it to the DLQ.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { csvKey, rejectedKey } from '../kernel/chunks';
import {
  knownIdsOf,
  streams,
  validate,
  type KnownIds,
  type Product,
  type Problem,
  type Store,
  type StreamName,
} from '../kernel/contracts';
import { toCsv } from '../kernel/csv';
import { SQS_MAX_MESSAGE_BYTES } from '../kernel/awsLimits';
import { UnreadableMessageError, unpackMessage } from '../kernel/packing';
import { Problems } from '../kernel/problems';

export interface ConsumerSettings {
  stream: StreamName;
  bucket: string;
  maxBodyBytes?: number;
}

export interface LandingFile {
  key: string;
  body: string;
  rows: number;
}

export interface RejectedEvent {
  chunk_id: string;
  index: number;
  problems: readonly Problem[];
  event: unknown;
}

export interface ProcessedChunk {
  chunkId: string;
  /** The events that passed validation, in arrival order. */
  valid: object[];
  files: LandingFile[];
  rejected?: LandingFile;
  counts: { events: number; valid: number; rejected: number };
}

/** Valid events grouped by their hour, in arrival order. */
export function byHour(events: { timestamp: string }[]): Map<string, object[]> {
  const hours = new Map<string, object[]>();
  for (const e of events) {
    const hour = e.timestamp.slice(0, 13);
    let list = hours.get(hour);
    if (!list) hours.set(hour, (list = []));
    list.push(e);
  }
  return hours;
}

/** How deep a rejected event is kept when it is nested too deeply to write whole. */
const KEPT_DEPTH = 64;

function cutAt(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth === 0) return '(cut)';
  if (Array.isArray(value)) return value.map((v) => cutAt(v, depth - 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cutAt(v, depth - 1)]));
}

/**
 * One line of rejected/. JSON.parse reads nesting of any depth but JSON.stringify
 * recurses, so an event of 100,000 nested arrays would throw here and fail its whole
 * message, good events included: such an event is kept cut at a depth, and says so.
 */
function rejectedLine(r: RejectedEvent): string {
  try {
    return JSON.stringify(r);
  } catch {
    const problem = { field: '(record)', message: `is nested too deeply to keep whole; kept to depth ${KEPT_DEPTH}` };
    return JSON.stringify({ ...r, problems: [...r.problems, problem], event: cutAt(r.event, KEPT_DEPTH) });
  }
}

/**
 * Pure core: one message body -> the landing files to write. Throws
 * UnreadableMessageError when the body can't be read at all.
 */
export function processChunk(
  body: string,
  stream: StreamName,
  known: KnownIds,
  maxBodyBytes = SQS_MAX_MESSAGE_BYTES,
): ProcessedChunk {
  const chunk = unpackMessage(body, maxBodyBytes);
  if (chunk.stream !== stream)
    throw new UnreadableMessageError(`message is for stream ${chunk.stream}, this consumer reads ${stream}`);
  const contract = streams[stream].contract;
  const valid: { timestamp: string }[] = [];
  const rejected: RejectedEvent[] = [];
  const seen = new Set<string>();
  chunk.events.forEach((event, index) => {
    let problems = validate(contract, event, known);
    const id = (event as Record<string, unknown> | null)?.[contract.key];
    if (problems.length === 0 && seen.has(id as string))
      problems = [{ field: contract.key, message: `duplicate ${contract.key} ${JSON.stringify(id)} in chunk` }];
    if (problems.length > 0) rejected.push({ chunk_id: chunk.chunkId, index, problems, event });
    else {
      seen.add(id as string);
      valid.push(event as { timestamp: string });
    }
  });
  const files: LandingFile[] = [];
  for (const [hour, events] of byHour(valid)) {
    files.push({ key: csvKey(stream, chunk.chunkId, hour), body: toCsv(contract, events), rows: events.length });
  }
  return {
    chunkId: chunk.chunkId,
    valid,
    files,
    rejected:
      rejected.length > 0
        ? {
            key: rejectedKey(stream, chunk.chunkId),
            body: rejected.map(rejectedLine).join('\n') + '\n',
            rows: rejected.length,
          }
        : undefined,
    counts: { events: chunk.events.length, valid: valid.length, rejected: rejected.length },
  };
}

export interface ConsumerDeps {
  s3: S3Client;
  known: KnownIds;
  settings: ConsumerSettings;
  logger?: Logger;
}

export interface ConsumerCounts {
  messages: number;
  failedMessages: number;
  events: number;
  valid: number;
  rejected: number;
  files: number;
  bytes: number;
}

async function putFile(s3: S3Client, bucket: string, file: LandingFile, contentType: string): Promise<number> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: file.body, ContentType: contentType }));
  return Buffer.byteLength(file.body);
}

/** Handle one SQS batch; failed messages are reported by id and the rest succeed. */
export async function consumeBatch(deps: ConsumerDeps, event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  const { stream, bucket } = deps.settings;
  const counts: ConsumerCounts = {
    messages: event.Records.length,
    failedMessages: 0,
    events: 0,
    valid: 0,
    rejected: 0,
    files: 0,
    bytes: 0,
  };
  const recordHandler = async (record: SQSRecord) => {
    let chunk: ProcessedChunk;
    try {
      chunk = processChunk(record.body, stream, deps.known, deps.settings.maxBodyBytes);
    } catch (err) {
      deps.logger?.warn('unreadable message', {
        messageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        reason: (err as Error).message,
      });
      throw err;
    }
    // Rejects first: if a CSV put fails afterwards, the retry rewrites both with the same bytes.
    if (chunk.rejected) counts.bytes += await putFile(deps.s3, bucket, chunk.rejected, 'application/x-ndjson');
    for (const file of chunk.files) counts.bytes += await putFile(deps.s3, bucket, file, 'text/csv');
    counts.events += chunk.counts.events;
    counts.valid += chunk.counts.valid;
    counts.rejected += chunk.counts.rejected;
    counts.files += chunk.files.length;
  };
  const response = await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
    context,
    // A batch of only poison messages is still reported item by item, not thrown.
    throwOnFullBatchFailure: false,
    // One message at a time: its files land (and can load) while the next one is read,
    // and only one chunk's events are in memory. In parallel, every record would be
    // parsed before the first PutObject went out.
    processInParallel: false,
  });
  counts.failedMessages = response.batchItemFailures.length;
  deps.logger?.info('batch consumed', { stream, ...counts });
  return response;
}

/** Settings from the function's environment. */
function consumerSettingsFromEnv(stream: StreamName, env: NodeJS.ProcessEnv = process.env): ConsumerSettings {
  const bucket = env.LANDING_BUCKET ?? '';
  new Problems().check(bucket !== '', 'LANDING_BUCKET is required').throwIfAny('invalid consumer settings');
  return { stream, bucket };
}

/** The Lambda handler for one stream. The dims are plain data captured at deploy time. */
export function createConsumerHandler(
  stream: StreamName,
  dims: { products: readonly Product[]; stores: readonly Store[] },
  settings?: ConsumerSettings,
) {
  let deps: ConsumerDeps | undefined;
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    deps ??= {
      s3: new S3Client({}),
      known: knownIdsOf(dims),
      settings: settings ?? consumerSettingsFromEnv(stream),
      logger: new Logger({ serviceName: `${stream}-consumer` }),
    };
    return consumeBatch(deps, event, context);
  };
}
