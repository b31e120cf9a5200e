// The original design's consumer, kept only to measure against (bench/twin.ts, and the tests
// that show what it gets wrong): all of a Lambda batch's valid events in one CSV per hour,
// named after the batch. A redelivered message lands again in another batch's file under
// another name, so the loader loads its rows twice: it is not exactly once. The twin runs
// it through its injected consumer core (`consumerCore: ORIGINAL_CONSUMER`).
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { csvKey } from '../kernel/chunks';
import { streams } from '../kernel/contracts';
import { toCsv } from '../kernel/csv';
import { byHour, processChunk, type ConsumerDeps, type LandingFile } from '../functions/consumer';
import type { ConsumerCore } from '../local/consumerPool';

/** What the twin loads to run the original design in place of consumeBatch. */
export const ORIGINAL_CONSUMER: ConsumerCore = {
  module: __filename,
  entry: 'consumeAsOneFile',
  filePer: 'batch',
};

async function putFile(s3: S3Client, bucket: string, file: LandingFile, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: file.body, ContentType: contentType }));
}

/** One message that could not be handled, said with its reason (the original swallowed these). */
function warn(deps: ConsumerDeps, message: string, fields: Record<string, unknown>): void {
  if (deps.logger) deps.logger.warn(message, fields);
  else console.warn(`original consumer (${deps.settings.stream}): ${message} ${JSON.stringify(fields)}`);
}

/**
 * The original design: each readable message's rejects go to rejected/ as ours do, its valid
 * events to the batch's CSV. An unreadable message is a batch item failure, logged with its
 * reason; a batch CSV that cannot be written fails the whole invocation with its reason, which
 * returns every message of the batch (as failing each of them would).
 */
export async function consumeAsOneFile(
  deps: ConsumerDeps,
  event: SQSEvent,
  _context?: Context,
): Promise<SQSBatchResponse> {
  const { stream, bucket } = deps.settings;
  const failures: string[] = [];
  const ok: SQSRecord[] = [];
  const valid: { timestamp: string }[] = [];
  for (const record of event.Records) {
    try {
      const chunk = processChunk(record.body, stream, deps.known, deps.settings.maxBodyBytes);
      if (chunk.rejected) await putFile(deps.s3, bucket, chunk.rejected, 'application/x-ndjson');
      valid.push(...(chunk.valid as { timestamp: string }[]));
      ok.push(record);
    } catch (error) {
      warn(deps, 'message failed', { messageId: record.messageId, reason: (error as Error).message });
      failures.push(record.messageId);
    }
  }
  const batchId = createHash('sha256')
    .update(ok.map((r) => r.messageId).join(','))
    .digest('hex')
    .slice(0, 24);
  const contract = streams[stream].contract;
  for (const [hour, events] of byHour(valid)) {
    const file = { key: csvKey(stream, `batch-${batchId}`, hour), body: toCsv(contract, events), rows: events.length };
    try {
      await putFile(deps.s3, bucket, file, 'text/csv');
    } catch (error) {
      throw new Error(`original consumer: writing the batch file ${file.key} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}
