// Packing events into SQS message bodies and bodies into SendMessageBatch calls.
// SQS bills every 64 KiB of a request as one request, so a message full of
// gzip-compressed events costs a fraction of one event per message.
import { gunzipSync, gzipSync } from 'node:zlib';
import { SQS_BATCH_MAX_BYTES, SQS_BATCH_MAX_ENTRIES, SQS_MAX_MESSAGE_BYTES, SQS_MIN_MESSAGE_BYTES } from './awsLimits';
import { CHUNK_FORMAT_VERSION, chunkId, isChunkId } from './chunks';
import { streamNames, type StreamName } from './contracts';
import { Problems } from './problems';

export type Compression = 'gzip' | 'none';

// Level 1: events are repetitive JSON and still pack about 11x, at half the CPU of
// zlib's default level 6 (about 14x). SQS bytes cost far less than producer time.
const GZIP_LEVEL = 1;

export interface PackingOptions {
  stream: StreamName;
  /** Window start (ISO) and seed name the chunks, so a re-run names them the same. */
  windowStart: string;
  seed: number;
  /** 'fill' packs each message up to maxMessageBytes; a number packs that many events per message. */
  eventsPerMessage: number | 'fill';
  maxMessageBytes: number;
  compression: Compression;
}

export interface PackedMessage {
  chunkId: string;
  body: string;
  bytes: number;
  events: number;
}

/** The envelope around a chunk: events inline, or gzip+base64 in `gz`. */
interface Envelope {
  v: number;
  stream: StreamName;
  chunk_id: string;
  count: number;
  events?: unknown[];
  gz?: string;
}

/** One message body from events already serialised as JSON (tests and chaos build messages with it). */
export function encodeChunk(
  stream: StreamName,
  id: string,
  eventJson: readonly string[],
  compression: Compression,
): string {
  const arrayJson = `[${eventJson.join(',')}]`;
  const head = headOf(stream, id, eventJson.length);
  if (compression === 'none') return `${head}"events":${arrayJson}}`;
  return `${head}"gz":"${gzipSync(arrayJson, { level: GZIP_LEVEL }).toString('base64')}"}`;
}

/** Most events per block, the unit that is serialised and compressed exactly once. */
const BLOCK_EVENTS = 512;
/** Blocks aim at this share of a message or less, so a message fills to within a few percent. */
const BLOCKS_PER_MESSAGE = 24;

// A gzip body is a series of gzip members, which gunzip reads as one stream:
// "[" block "," block ... "]". Blocks are compressed once, so filling a message
// never recompresses anything; a block that does not fit starts the next message.
const GZIP_PUNCTUATION = {
  open: gzipSync('[', { level: GZIP_LEVEL }),
  separator: gzipSync(',', { level: GZIP_LEVEL }),
  close: gzipSync(']', { level: GZIP_LEVEL }),
};

/**
 * Events serialised once. `bytes` is what the block adds to the array: its raw JSON,
 * or its gzip member. It keeps one or the other, not both: all of a window's blocks
 * are alive until its messages are assembled.
 */
type Block = { events: number; bytes: number } & (
  { json: string; member?: undefined } | { member: Buffer; json?: undefined }
);

function makeBlock(events: readonly object[], from: number, to: number, compression: Compression): Block {
  const json = JSON.stringify(events.slice(from, to)).slice(1, -1);
  if (compression === 'none') return { events: to - from, json, bytes: Buffer.byteLength(json) };
  const member = gzipSync(json, { level: GZIP_LEVEL });
  return { events: to - from, bytes: member.length, member };
}

function headOf(stream: StreamName, id: string, count: number): string {
  return `{"v":${CHUNK_FORMAT_VERSION},"stream":"${stream}","chunk_id":"${id}","count":${count},`;
}

/** Exact body size of a message made of these blocks. */
function bodyBytes(stream: StreamName, id: string, blocks: readonly Block[], compression: Compression): number {
  const events = blocks.reduce((n, b) => n + b.events, 0);
  const payload = blocks.reduce((n, b) => n + b.bytes, 0);
  const head = headOf(stream, id, events).length; // ASCII
  if (compression === 'none') return head + '"events":[]}'.length + payload + blocks.length - 1;
  const gz = GZIP_PUNCTUATION;
  const gzipped = gz.open.length + payload + gz.separator.length * (blocks.length - 1) + gz.close.length;
  return head + '"gz":""}'.length + 4 * Math.ceil(gzipped / 3);
}

function assemble(stream: StreamName, id: string, blocks: readonly Block[], compression: Compression): PackedMessage {
  const events = blocks.reduce((n, b) => n + b.events, 0);
  const head = headOf(stream, id, events);
  let body: string;
  if (compression === 'none') body = `${head}"events":[${blocks.map((b) => b.json).join(',')}]}`;
  else {
    const gz = GZIP_PUNCTUATION;
    const parts: Buffer[] = [gz.open];
    blocks.forEach((b, i) => parts.push(...(i > 0 ? [gz.separator, b.member!] : [b.member!])));
    parts.push(gz.close);
    body = `${head}"gz":"${Buffer.concat(parts).toString('base64')}"}`;
  }
  return { chunkId: id, body, bytes: Buffer.byteLength(body), events };
}

/**
 * Split one stream's events into message bodies, each within maxMessageBytes.
 * 'fill' adds blocks of events while the exact body size still fits; a number
 * puts that many events in each message (fewer where one would not fit).
 */
export function packMessages(events: readonly object[], options: PackingOptions): PackedMessage[] {
  return [...packChunks(events, options)];
}

/**
 * `packMessages` one message at a time, so the producer can send the first while it
 * packs the next. The options are checked when it is called, not on the first message.
 */
export function packChunks(events: readonly object[], options: PackingOptions): Generator<PackedMessage> {
  const { eventsPerMessage, maxMessageBytes } = options;
  if (eventsPerMessage !== 'fill' && !(Number.isInteger(eventsPerMessage) && eventsPerMessage >= 1)) {
    throw new RangeError(`eventsPerMessage must be 'fill' or a whole number >= 1, got ${eventsPerMessage}`);
  }
  if (!(maxMessageBytes >= SQS_MIN_MESSAGE_BYTES && maxMessageBytes <= SQS_MAX_MESSAGE_BYTES)) {
    throw new RangeError(
      `maxMessageBytes must be ${SQS_MIN_MESSAGE_BYTES}..${SQS_MAX_MESSAGE_BYTES}, got ${maxMessageBytes}`,
    );
  }
  return packing(events, options);
}

function* packing(events: readonly object[], options: PackingOptions): Generator<PackedMessage> {
  const { stream, eventsPerMessage, maxMessageBytes, compression } = options;
  const perMessage = eventsPerMessage === 'fill' ? Infinity : eventsPerMessage;
  let made = 0;
  let current: Block[] = [];
  let inCurrent = 0;
  const id = () => chunkId(stream, options.windowStart, options.seed, made);
  const seal = () => {
    const message = assemble(stream, id(), current, compression);
    made++;
    current = [];
    inCurrent = 0;
    return message;
  };
  let blockEvents = BLOCK_EVENTS;
  let i = 0;
  while (i < events.length) {
    let take = Math.min(blockEvents, events.length - i, perMessage - inCurrent);
    let block = makeBlock(events, i, i + take, compression);
    if (bodyBytes(stream, id(), [...current, block], compression) > maxMessageBytes && current.length > 0) yield seal();
    // Alone in a message and still too large: halve the block until it fits.
    while (bodyBytes(stream, id(), [block], compression) > maxMessageBytes) {
      if (take === 1)
        throw new RangeError(
          `one ${stream} event is larger than maxMessageBytes (${bodyBytes(stream, id(), [block], compression)} > ${maxMessageBytes})`,
        );
      take = Math.ceil(take / 2);
      block = makeBlock(events, i, i + take, compression);
    }
    // Learn the block size from what a block costs (base64 adds a third for gzip).
    const blockBody = compression === 'gzip' ? (block.bytes * 4) / 3 : block.bytes;
    blockEvents = Math.max(
      1,
      Math.min(BLOCK_EVENTS, Math.floor((take * maxMessageBytes) / BLOCKS_PER_MESSAGE / blockBody)),
    );
    current.push(block);
    inCurrent += take;
    i += take;
    if (inCurrent === perMessage) yield seal();
  }
  if (current.length > 0) yield seal();
}

/**
 * A batch that already carries this much goes out without waiting for more. SQS
 * bills every started 64 KiB of a request, so such a batch is at least three billed
 * requests, and merging it with the next would save one at most (none for messages
 * filled to 256 KiB), while the consumers wait for the first.
 */
export const SQS_BATCH_SEND_BYTES = 192 * 1024;

/**
 * Group messages into SendMessageBatch calls as they come, a batch as soon as it is complete:
 * at most 10 entries and 1 MiB each, sent once they carry 192 KiB.
 */
export function* batchesOf(messages: Iterable<PackedMessage>): Generator<PackedMessage[]> {
  let current: PackedMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    if (current.length > 0 && bytes + m.bytes > SQS_BATCH_MAX_BYTES) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += m.bytes;
    if (current.length === SQS_BATCH_MAX_ENTRIES || bytes >= SQS_BATCH_SEND_BYTES) {
      yield current;
      current = [];
      bytes = 0;
    }
  }
  if (current.length > 0) yield current;
}

/** Why a message body cannot be read at all; such a message belongs in the DLQ. */
export class UnreadableMessageError extends Error {
  override name = 'UnreadableMessageError';
}

export interface UnpackedChunk {
  stream: StreamName;
  chunkId: string;
  events: unknown[];
}

/** Read a body written by `packMessages`; throws UnreadableMessageError when it can't. */
export function unpackMessage(body: string, maxBodyBytes = SQS_MAX_MESSAGE_BYTES): UnpackedChunk {
  const size = Buffer.byteLength(body);
  if (size > maxBodyBytes)
    throw new UnreadableMessageError(`body is ${size} bytes, more than the ${maxBodyBytes} allowed`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new UnreadableMessageError(`body is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UnreadableMessageError('body is not a JSON object');
  const env = parsed as Partial<Envelope>;
  const problems = new Problems()
    .check(env.v === CHUNK_FORMAT_VERSION, () => `v must be ${CHUNK_FORMAT_VERSION}, got ${JSON.stringify(env.v)}`)
    .check(
      streamNames.includes(env.stream as StreamName),
      () => `stream must be one of ${streamNames.join(', ')}, got ${JSON.stringify(env.stream)}`,
    )
    .check(
      isChunkId(env.chunk_id),
      () => `chunk_id must match [A-Za-z0-9_.-]{1,120}, got ${JSON.stringify(env.chunk_id)}`,
    )
    .check((env.events === undefined) !== (env.gz === undefined), 'exactly one of events and gz must be present');
  if (!problems.empty) throw new UnreadableMessageError(problems.all.join('; '));
  let events: unknown = env.events;
  if (env.gz !== undefined) {
    try {
      events = JSON.parse(
        gunzipSync(Buffer.from(String(env.gz), 'base64'), { maxOutputLength: 64 * 1024 * 1024 }).toString('utf8'),
      );
    } catch (err) {
      throw new UnreadableMessageError(`gz is not base64 gzip of a JSON array: ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(events)) throw new UnreadableMessageError('events must be a JSON array');
  if (env.count !== undefined && env.count !== events.length)
    throw new UnreadableMessageError(`count says ${env.count} events, body has ${events.length}`);
  return { stream: env.stream as StreamName, chunkId: env.chunk_id as string, events };
}
