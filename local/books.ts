// The books of a twin run: every event that left the producer is a fact row exactly
// once (checked by id), every malformed event is in rejected/ with its reason, every
// poison message is in a DLQ, and nothing else is anywhere: no message left in a
// queue, no landing file left unloaded, no reject or DLQ message unexplained.
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { rejectedPrefix, streamNames, streams, type Problem, type StreamName } from '../kernel/contracts';
import { unpackMessage } from '../kernel/packing';
import { CHAOS_ATTRIBUTE, type Chaos } from './chaos';
import type { StreamQueues } from './endpoint';
import { queueDepth } from './eventSource';
import type { TwinWarehouse } from './warehouse';

/** Message bodies the producer sent and SQS accepted, per stream. */
export type SentChunks = Record<StreamName, string[]>;

export interface StreamBooks {
  /** Distinct event ids the producer sent. */
  produced: number;
  /** Of those, ids found in the fact table. */
  loaded: number;
  /** Produced ids not in the fact table. */
  missing: number;
  /** Ids with more than one fact row. */
  doubled: number;
  /** Rows in the table with this run's id tags that the producer never sent. */
  unexpected: number;
  /** A few offending ids, for the report. */
  examples: string[];
}

export interface Books {
  balanced: boolean;
  /** Every way the books fail to balance, in words. */
  problems: string[];
  streams: Record<StreamName, StreamBooks>;
  rejected: {
    /** Rejected events of this run found in rejected/. */
    lines: number;
    injected: number;
    /** Injected malformed events found with a problem on the field that was broken. */
    withReason: number;
    missing: number;
    /** Rejected events that chaos did not inject. */
    unexpected: number;
  };
  poison: { injected: number; inDlq: number; missing: number };
  dlq: { depth: Record<StreamName, number>; unexpected: number };
  /** Messages still visible, in flight or delayed on the main queues. */
  queuesLeft: Record<StreamName, number>;
  files: { landing: number; loaded: number; pending: number };
}

export interface ReconcileDeps {
  sqs: SQSClient;
  s3: S3Client;
  bucket: string;
  queues: Record<StreamName, StreamQueues>;
  warehouse: TwinWarehouse;
  sent: SentChunks;
  chaos?: Chaos;
  /** The run's span of event time, [start, end). */
  window: { start: string; end: string };
  /** Each producer window; their start and seed tag the ids and chunk ids of this run. */
  runs: readonly { start: string; seed: number; minutes?: number }[];
}

/** The tag in ids and chunk ids of one window: `20261127T060000-1`. */
export function windowTag(start: string, seed: number): string {
  return `${start.slice(0, 19).replace(/[-:]/g, '')}-${(seed >>> 0).toString(36)}`;
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Every message in a DLQ, read without deleting (they stay for a human to redrive). */
async function readDlq(sqs: SQSClient, queueUrl: string): Promise<{ tag?: string; body: string }[]> {
  const out: { tag?: string; body: string }[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) return out;
    for (const m of Messages)
      out.push({ tag: m.MessageAttributes?.[CHAOS_ATTRIBUTE]?.StringValue, body: m.Body ?? '' });
  }
}

/** The chunk id in a landing key: `sales/dt=.../hour=09/<chunk>.csv` or `rejected/sales/<chunk>.ndjson`. */
function chunkOfKey(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.slice(0, name.lastIndexOf('.'));
}

/** The hash the warehouse sums in factDigest: md5's first 15 hex digits, as a number. */
export function idHash(id: string): bigint {
  return BigInt('0x' + createHash('md5').update(id).digest('hex').slice(0, 15));
}

/** The runs' windows as spans of event time, adjacent ones merged. */
function spansOf(
  runs: readonly { start: string; minutes?: number }[],
  fallback: { start: string; end: string },
): { from: string; to: string }[] {
  if (runs.some((r) => r.minutes === undefined)) return [{ from: fallback.start, to: fallback.end }];
  const sorted = [...runs]
    .map((r) => ({ from: Date.parse(r.start), to: Date.parse(r.start) + r.minutes! * 60_000 }))
    .sort((a, b) => a.from - b.from);
  const merged: { from: number; to: number }[] = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else merged.push({ ...s });
  }
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';
  return merged.map((s) => ({ from: iso(s.from), to: iso(s.to) }));
}

export async function reconcile(deps: ReconcileDeps): Promise<Books> {
  const problems: string[] = [];
  const tags = deps.runs.map((r) => windowTag(r.start, r.seed));
  const isRunId = (id: string) => tags.some((t) => id.startsWith(t, 2) && id.charCodeAt(1) === 45 /* '-' */);
  const isRunChunk = (chunk: string) =>
    tags.some((t) => chunk.includes(`-${t}-`) || chunk.includes(`-${t.split('-')[0]}-`));

  const streamBooks = {} as Record<StreamName, StreamBooks>;
  for (const stream of streamNames) {
    const key = streams[stream].contract.key;
    const produced = new Set<string>();
    for (const body of deps.sent[stream]) {
      for (const event of unpackMessage(body).events) produced.add((event as Record<string, string>)[key]);
    }
    // One pass of the table: the rows' count and hash sum equal the produced ids' only when each
    // produced id is there once and nothing else is. Otherwise every key is fetched to name them.
    let producedHash = 0n;
    for (const id of produced) producedHash += idHash(id);
    const digest = await deps.warehouse.factDigest(stream, spansOf(deps.runs, deps.window));
    if (digest.rows === produced.size && digest.hash === producedHash) {
      streamBooks[stream] = {
        produced: produced.size,
        loaded: produced.size,
        missing: 0,
        doubled: 0,
        unexpected: 0,
        examples: [],
      };
      continue;
    }
    const rows = await deps.warehouse.factIds(stream, deps.window.start, deps.window.end);
    const examples: string[] = [];
    let loaded = 0;
    let missing = 0;
    let doubled = 0;
    let unexpected = 0;
    for (const id of produced) {
      const n = rows.get(id) ?? 0;
      if (n === 0) {
        missing++;
        if (examples.length < 5) examples.push(`missing ${id}`);
      } else loaded++;
    }
    for (const [id, n] of rows) {
      if (n > 1) {
        doubled++;
        if (examples.length < 5) examples.push(`${id} x${n}`);
      }
      if (!produced.has(id) && isRunId(id)) {
        unexpected++;
        if (examples.length < 5) examples.push(`unexpected ${id}`);
      }
    }
    streamBooks[stream] = { produced: produced.size, loaded, missing, doubled, unexpected, examples };
    if (missing) problems.push(`${stream}: ${missing} produced event(s) not in ${streams[stream].contract.table}`);
    if (doubled) problems.push(`${stream}: ${doubled} event(s) loaded more than once`);
    if (unexpected) problems.push(`${stream}: ${unexpected} row(s) of this run that were never produced`);
  }

  // Rejected events: read this run's rejected/ files and match them to what chaos injected.
  const injected = new Map<string, { field: string }>();
  for (const m of deps.chaos?.malformed ?? []) injected.set(`${m.chunkId}#${m.index}`, { field: m.field });
  const rejectedKeys = (await listKeys(deps.s3, deps.bucket, rejectedPrefix)).filter((k) => isRunChunk(chunkOfKey(k)));
  let lines = 0;
  let withReason = 0;
  let unexpectedRejects = 0;
  const found = new Set<string>();
  for (const key of rejectedKeys) {
    const text = await (
      await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }))
    ).Body!.transformToString();
    for (const line of text.split('\n')) {
      if (!line) continue;
      lines++;
      const r = JSON.parse(line) as { chunk_id: string; index: number; problems: Problem[] };
      const id = `${r.chunk_id}#${r.index}`;
      const expected = injected.get(id);
      if (!expected) {
        unexpectedRejects++;
        if (unexpectedRejects <= 3)
          problems.push(
            `rejected event ${id} was not injected: ${r.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
          );
        continue;
      }
      if (found.has(id)) continue;
      found.add(id);
      if (r.problems.some((p) => p.field === expected.field)) withReason++;
      else
        problems.push(
          `rejected event ${id} lacks its reason: expected a problem with ${expected.field}, got ${r.problems.map((p) => p.field).join(', ')}`,
        );
    }
  }
  const missingRejects = injected.size - found.size;
  if (missingRejects) problems.push(`${missingRejects} malformed event(s) not found in ${rejectedPrefix}`);
  if (unexpectedRejects > 3) problems.push(`${unexpectedRejects} rejected event(s) in all were not injected`);

  // DLQs: exactly the poison messages, each in its own stream's DLQ.
  const poison = deps.chaos?.poison ?? [];
  const depth = {} as Record<StreamName, number>;
  let inDlq = 0;
  let unexpectedDlq = 0;
  for (const stream of streamNames) {
    const messages = await readDlq(deps.sqs, deps.queues[stream].dlqUrl);
    depth[stream] = messages.length;
    const expected = new Set(poison.filter((p) => p.stream === stream).map((p) => p.tag));
    const seen = new Set<string>();
    for (const m of messages) {
      if (m.tag && expected.has(m.tag) && !seen.has(m.tag)) {
        seen.add(m.tag);
        inDlq++;
      } else {
        unexpectedDlq++;
        if (unexpectedDlq <= 3)
          problems.push(
            `${stream} DLQ holds a message that is not an injected poison message: ${m.body.slice(0, 120)}`,
          );
      }
    }
  }
  const missingPoison = poison.length - inDlq;
  if (missingPoison) problems.push(`${missingPoison} poison message(s) not in a DLQ`);

  const queuesLeft = {} as Record<StreamName, number>;
  for (const stream of streamNames) {
    const d = await queueDepth(deps.sqs, deps.queues[stream].url);
    queuesLeft[stream] = d.visible + d.inFlight + d.delayed;
    if (queuesLeft[stream]) problems.push(`${stream} queue still holds ${queuesLeft[stream]} message(s)`);
  }

  // Landing files of this run that the loader has not loaded.
  const landing = (await Promise.all(streamNames.map((st) => listKeys(deps.s3, deps.bucket, streams[st].prefix))))
    .flat()
    .filter((k) => isRunChunk(chunkOfKey(k)) || chunkOfKey(k).startsWith('batch-'));
  const loadedFiles = await deps.warehouse.loadedFiles();
  const pending = landing.filter((k) => !loadedFiles.has(k)).length;
  if (pending) problems.push(`${pending} landing file(s) not loaded`);

  return {
    balanced: problems.length === 0,
    problems,
    streams: streamBooks,
    rejected: { lines, injected: injected.size, withReason, missing: missingRejects, unexpected: unexpectedRejects },
    poison: { injected: poison.length, inDlq, missing: missingPoison },
    dlq: { depth, unexpected: unexpectedDlq },
    queuesLeft,
    files: { landing: landing.length, loaded: landing.length - pending, pending },
  };
}
