// The books of a twin run: every event that left the producer is a fact row exactly
// once (checked by id), every malformed event is in rejected/ with its reason, every
// poison message is in a DLQ, and nothing else is anywhere: no message left in a
// queue, no landing file left unloaded, no reject or DLQ message unexplained.
import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { parseChunkId, windowTag } from '../kernel/chunks';
import { rejectedPrefix, streamNames, streams, type Problem, type StreamName } from '../kernel/contracts';
import { unpackMessage } from '../kernel/packing';
import { Problems } from '../kernel/problems';
import { isoSecond } from '../kernel/time';
import { listKeys } from '../warehouse/loader';
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

/** Which ids and landing files belong to this run. */
interface RunMatcher {
  /** A fact row id of one of this run's windows: `T-20261127T060000-1-000042-0`. */
  isRunId(id: string): boolean;
  /** A chunk this run's producer made (its window tag is one of the run's) or chaos injected. */
  isRunChunk(chunk: string): boolean;
}

function runMatcher(deps: ReconcileDeps): RunMatcher {
  const tags = new Set(deps.runs.map((r) => windowTag(r.start, r.seed)));
  const chaosChunks = new Set((deps.chaos?.malformed ?? []).map((m) => m.chunkId));
  return {
    isRunId: (id) => {
      // An event id is `<letter>-<window tag>-...`; the tag is a 15-character time, '-' and the seed.
      if (id.charCodeAt(1) !== 45 /* '-' */) return false;
      const end = id.indexOf('-', 18);
      return tags.has(end < 0 ? id.slice(2) : id.slice(2, end));
    },
    isRunChunk: (chunk) => chaosChunks.has(chunk) || tags.has(parseChunkId(chunk)?.tag ?? ''),
  };
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

/** Object keys under a prefix. */
async function keysUnder(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  return (await listKeys(s3, bucket, prefix)).map((o) => o.key);
}

/** The hash the warehouse sums in factDigest: md5's first 15 hex digits, as a number. */
function idHash(id: string): bigint {
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
  return merged.map((s) => ({ from: isoSecond(s.from), to: isoSecond(s.to) }));
}

/** Distinct event ids in the bodies the producer sent. */
function producedIds(stream: StreamName, bodies: readonly string[]): Set<string> {
  const key = streams[stream].contract.key;
  const produced = new Set<string>();
  for (const body of bodies) {
    for (const event of unpackMessage(body).events) produced.add((event as Record<string, string>)[key]);
  }
  return produced;
}

/** Each produced id against the table's rows, naming a few offenders. */
function compareIds(
  produced: ReadonlySet<string>,
  rows: ReadonlyMap<string, number>,
  isRunId: (id: string) => boolean,
): StreamBooks {
  const books: StreamBooks = {
    produced: produced.size,
    loaded: 0,
    missing: 0,
    doubled: 0,
    unexpected: 0,
    examples: [],
  };
  const example = (text: string) => {
    if (books.examples.length < 5) books.examples.push(text);
  };
  for (const id of produced) {
    if ((rows.get(id) ?? 0) === 0) {
      books.missing++;
      example(`missing ${id}`);
    } else books.loaded++;
  }
  for (const [id, n] of rows) {
    if (n > 1) {
      books.doubled++;
      example(`${id} x${n}`);
    }
    if (!produced.has(id) && isRunId(id)) {
      books.unexpected++;
      example(`unexpected ${id}`);
    }
  }
  return books;
}

/** One stream's events: produced ids against the fact table, exactly once each. */
async function streamBooksOf(
  deps: ReconcileDeps,
  stream: StreamName,
  run: RunMatcher,
  problems: Problems,
): Promise<StreamBooks> {
  const produced = producedIds(stream, deps.sent[stream]);
  // One pass of the table: the rows' count and hash sum equal the produced ids' only when each
  // produced id is there once and nothing else is. Otherwise every key is fetched to name them.
  let producedHash = 0n;
  for (const id of produced) producedHash += idHash(id);
  const digest = await deps.warehouse.factDigest(stream, spansOf(deps.runs, deps.window));
  if (digest.rows === produced.size && digest.hash === producedHash) {
    return { produced: produced.size, loaded: produced.size, missing: 0, doubled: 0, unexpected: 0, examples: [] };
  }
  const rows = await deps.warehouse.factIds(stream, deps.window.start, deps.window.end);
  const books = compareIds(produced, rows, run.isRunId);
  const table = streams[stream].contract.table;
  problems
    .check(!books.missing, () => `${stream}: ${books.missing} produced event(s) not in ${table}`)
    .check(!books.doubled, () => `${stream}: ${books.doubled} event(s) loaded more than once`)
    .check(!books.unexpected, () => `${stream}: ${books.unexpected} row(s) of this run that were never produced`);
  return books;
}

interface RejectedLine {
  chunk_id: string;
  index: number;
  problems: Problem[];
}

/** This run's rejected/ files against what chaos injected: each malformed event there once, with its reason. */
async function rejectedBooks(deps: ReconcileDeps, run: RunMatcher, problems: Problems): Promise<Books['rejected']> {
  const injected = new Map<string, { field: string }>();
  for (const m of deps.chaos?.malformed ?? []) injected.set(`${m.chunkId}#${m.index}`, { field: m.field });
  const keys = (await keysUnder(deps.s3, deps.bucket, rejectedPrefix)).filter((k) => run.isRunChunk(chunkOfKey(k)));
  const found = new Set<string>();
  let lines = 0;
  let withReason = 0;
  let unexpected = 0;
  for (const key of keys) {
    const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
    for (const line of (await object.Body!.transformToString()).split('\n')) {
      if (!line) continue;
      lines++;
      const r = JSON.parse(line) as RejectedLine;
      const id = `${r.chunk_id}#${r.index}`;
      const expected = injected.get(id);
      if (!expected) {
        unexpected++;
        problems.check(
          unexpected > 3,
          () => `rejected event ${id} was not injected: ${r.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
        );
        continue;
      }
      if (found.has(id)) continue;
      found.add(id);
      if (r.problems.some((p) => p.field === expected.field)) withReason++;
      else
        problems.add(
          `rejected event ${id} lacks its reason: expected a problem with ${expected.field}, got ${r.problems.map((p) => p.field).join(', ')}`,
        );
    }
  }
  const missing = injected.size - found.size;
  problems
    .check(!missing, () => `${missing} malformed event(s) not found in ${rejectedPrefix}`)
    .check(unexpected <= 3, () => `${unexpected} rejected event(s) in all were not injected`);
  return { lines, injected: injected.size, withReason, missing, unexpected };
}

/** The DLQs hold exactly the poison messages, each in its own stream's DLQ. */
async function dlqBooks(deps: ReconcileDeps, problems: Problems): Promise<Pick<Books, 'poison' | 'dlq'>> {
  const poison = deps.chaos?.poison ?? [];
  const depth = {} as Record<StreamName, number>;
  let inDlq = 0;
  let unexpected = 0;
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
        unexpected++;
        problems.check(
          unexpected > 3,
          () => `${stream} DLQ holds a message that is not an injected poison message: ${m.body.slice(0, 120)}`,
        );
      }
    }
  }
  const missing = poison.length - inDlq;
  problems.check(!missing, () => `${missing} poison message(s) not in a DLQ`);
  return { poison: { injected: poison.length, inDlq, missing }, dlq: { depth, unexpected } };
}

/** Messages still visible, in flight or delayed on each main queue: none once a run is over. */
async function queuesLeftOf(deps: ReconcileDeps, problems: Problems): Promise<Record<StreamName, number>> {
  const left = {} as Record<StreamName, number>;
  for (const stream of streamNames) {
    const d = await queueDepth(deps.sqs, deps.queues[stream].url);
    left[stream] = d.visible + d.inFlight + d.delayed;
    problems.check(!left[stream], () => `${stream} queue still holds ${left[stream]} message(s)`);
  }
  return left;
}

/** Landing files of this run that the loader has not loaded. */
async function landingFiles(deps: ReconcileDeps, run: RunMatcher, problems: Problems): Promise<Books['files']> {
  const landing = (await Promise.all(streamNames.map((st) => keysUnder(deps.s3, deps.bucket, streams[st].prefix))))
    .flat()
    .filter((k) => run.isRunChunk(chunkOfKey(k)) || chunkOfKey(k).startsWith('batch-'));
  const loadedFiles = await deps.warehouse.loadedFiles();
  const pending = landing.filter((k) => !loadedFiles.has(k)).length;
  problems.check(!pending, () => `${pending} landing file(s) not loaded`);
  return { landing: landing.length, loaded: landing.length - pending, pending };
}

export async function reconcile(deps: ReconcileDeps): Promise<Books> {
  const problems = new Problems();
  const run = runMatcher(deps);
  const streamBooks = {} as Record<StreamName, StreamBooks>;
  for (const stream of streamNames) streamBooks[stream] = await streamBooksOf(deps, stream, run, problems);
  const rejected = await rejectedBooks(deps, run, problems);
  const { poison, dlq } = await dlqBooks(deps, problems);
  const queuesLeft = await queuesLeftOf(deps, problems);
  const files = await landingFiles(deps, run, problems);
  return {
    balanced: problems.empty,
    problems: [...problems.all],
    streams: streamBooks,
    rejected,
    poison,
    dlq,
    queuesLeft,
    files,
  };
}
