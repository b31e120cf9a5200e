// Packing events into SQS message bodies and bodies into SendMessageBatch calls.
// SQS bills every 64 KiB of a request as one request, so a message full of
// gzip-compressed events costs a fraction of one event per message.
import { gunzipSync, gzipSync } from 'node:zlib';
import { CHUNK_FORMAT_VERSION, chunkId, isChunkId } from './chunks';
import { streamNames, type StreamName } from './contracts';

/** SQS limits: entries and total bytes per SendMessageBatch, and the largest body a queue can allow. */
export const SQS_BATCH_MAX_ENTRIES = 10;
export const SQS_BATCH_MAX_BYTES = 1024 * 1024;
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
export const SQS_MIN_MESSAGE_BYTES = 1024;

export type Compression = 'gzip' | 'none';

// zlib's default level: events are repetitive JSON and pack about 12x (level 1: about 9x, 1.3x faster).
const GZIP_LEVEL = 6;

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

/** One message body from events already serialised as JSON. */
export function encodeChunk(stream: StreamName, id: string, eventJson: readonly string[], compression: Compression): string {
  return encodeArray(stream, id, `[${eventJson.join(',')}]`, eventJson.length, compression);
}

function encodeArray(stream: StreamName, id: string, arrayJson: string, count: number, compression: Compression): string {
  const head = `{"v":${CHUNK_FORMAT_VERSION},"stream":"${stream}","chunk_id":"${id}","count":${count},`;
  if (compression === 'none') return `${head}"events":${arrayJson}}`;
  return `${head}"gz":"${gzipSync(arrayJson, { level: GZIP_LEVEL }).toString('base64')}"}`;
}

/**
 * Split one stream's events into message bodies. Each body stays within
 * maxMessageBytes. The number of events per body is estimated from the average
 * event size and the compression ratio seen so far, then grown or shrunk in a few
 * rounds; serialising a slice at once is much cheaper than event by event.
 */
export function packMessages(events: readonly object[], options: PackingOptions): PackedMessage[] {
  const { stream, eventsPerMessage, maxMessageBytes, compression } = options;
  if (eventsPerMessage !== 'fill' && !(Number.isInteger(eventsPerMessage) && eventsPerMessage >= 1)) {
    throw new RangeError(`eventsPerMessage must be 'fill' or a whole number >= 1, got ${eventsPerMessage}`);
  }
  if (!(maxMessageBytes >= SQS_MIN_MESSAGE_BYTES && maxMessageBytes <= SQS_MAX_MESSAGE_BYTES)) {
    throw new RangeError(`maxMessageBytes must be ${SQS_MIN_MESSAGE_BYTES}..${SQS_MAX_MESSAGE_BYTES}, got ${maxMessageBytes}`);
  }
  const out: PackedMessage[] = [];
  if (events.length === 0) return out;
  const target = (maxMessageBytes - 200) * 0.92; // room for the envelope and estimate error
  // Body bytes per event, first from a sample, then learned from each message.
  const sample = events.slice(0, 400);
  const sampleJson = JSON.stringify(sample);
  let perEvent = Buffer.byteLength(encodeArray(stream, 'sample', sampleJson, sample.length, compression)) / sample.length / 0.95;
  let i = 0;
  while (i < events.length) {
    const limit = eventsPerMessage === 'fill' ? events.length : Math.min(events.length, i + eventsPerMessage);
    let end = Math.min(limit, i + Math.max(1, Math.floor(target / perEvent)));
    let fitting: PackedMessage | undefined;
    for (let round = 0; round < 6; round++) {
      const id = chunkId(stream, options.windowStart, options.seed, out.length);
      const body = encodeArray(stream, id, JSON.stringify(events.slice(i, end)), end - i, compression);
      const bytes = Buffer.byteLength(body);
      perEvent = bytes / (end - i);
      if (bytes <= maxMessageBytes) {
        fitting = { chunkId: id, body, bytes, events: end - i };
        if (end === limit || bytes >= target * 0.85) break;
        end = Math.min(limit, Math.max(end + 1, i + Math.floor(target / perEvent)));
      } else {
        if (end - i === 1) throw new RangeError(`one ${stream} event is larger than maxMessageBytes (${bytes} > ${maxMessageBytes})`);
        const lowest = fitting ? fitting.events + 1 : 1;
        end = i + Math.max(lowest, Math.min(end - i - 1, Math.floor(target / perEvent)));
        if (fitting && end - i <= fitting.events) break;
      }
    }
    if (!fitting) {
      // No fit after six rounds only happens with wildly uneven events: send one alone.
      const id = chunkId(stream, options.windowStart, options.seed, out.length);
      const body = encodeArray(stream, id, JSON.stringify([events[i]]), 1, compression);
      const bytes = Buffer.byteLength(body);
      if (bytes > maxMessageBytes) throw new RangeError(`one ${stream} event is larger than maxMessageBytes (${bytes} > ${maxMessageBytes})`);
      fitting = { chunkId: id, body, bytes, events: 1 };
    }
    out.push(fitting);
    i += fitting.events;
  }
  return out;
}

/** Group messages into SendMessageBatch calls: at most 10 entries and 1 MiB each. */
export function batchMessages(messages: readonly PackedMessage[]): PackedMessage[][] {
  const batches: PackedMessage[][] = [];
  let current: PackedMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    if (current.length === SQS_BATCH_MAX_ENTRIES || (current.length > 0 && bytes + m.bytes > SQS_BATCH_MAX_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += m.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
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
  if (size > maxBodyBytes) throw new UnreadableMessageError(`body is ${size} bytes, more than the ${maxBodyBytes} allowed`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new UnreadableMessageError(`body is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UnreadableMessageError('body is not a JSON object');
  const env = parsed as Partial<Envelope>;
  const problems: string[] = [];
  if (env.v !== CHUNK_FORMAT_VERSION) problems.push(`v must be ${CHUNK_FORMAT_VERSION}, got ${JSON.stringify(env.v)}`);
  if (!streamNames.includes(env.stream as StreamName)) problems.push(`stream must be one of ${streamNames.join(', ')}, got ${JSON.stringify(env.stream)}`);
  if (!isChunkId(env.chunk_id)) problems.push(`chunk_id must match [A-Za-z0-9_.-]{1,120}, got ${JSON.stringify(env.chunk_id)}`);
  if ((env.events === undefined) === (env.gz === undefined)) problems.push('exactly one of events and gz must be present');
  if (problems.length > 0) throw new UnreadableMessageError(problems.join('; '));
  let events: unknown = env.events;
  if (env.gz !== undefined) {
    try {
      events = JSON.parse(gunzipSync(Buffer.from(String(env.gz), 'base64'), { maxOutputLength: 64 * 1024 * 1024 }).toString('utf8'));
    } catch (err) {
      throw new UnreadableMessageError(`gz is not base64 gzip of a JSON array: ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(events)) throw new UnreadableMessageError('events must be a JSON array');
  if (env.count !== undefined && env.count !== events.length) throw new UnreadableMessageError(`count says ${env.count} events, body has ${events.length}`);
  return { stream: env.stream as StreamName, chunkId: env.chunk_id as string, events };
}
