// Chunk ids and the S3 keys derived from them (the body format is in packing.ts).
// A chunk is one SQS message body holding many events of one stream. Its id comes
// from the producer's window, so a retried send or a redelivery carries the same id,
// and the consumer writes the same key with the same bytes.
import { rejectedPrefix, streamNames, streams, type StreamName } from './contracts';
import { compactTime } from './time';

export const CHUNK_FORMAT_VERSION = 1;

const CHUNK_ID = /^[A-Za-z0-9_.-]{1,120}$/;

export function isChunkId(value: unknown): value is string {
  return typeof value === 'string' && CHUNK_ID.test(value);
}

/** The tag of one producer window, in its event ids and chunk ids: `20261127T060000-1` (start, seed in base 36). */
export function windowTag(windowStartIso: string, seed: number): string {
  return `${compactTime(windowStartIso)}-${(seed >>> 0).toString(36)}`;
}

/** `sales-20261127T060000-1-000003`: stream, window tag and sequence number. */
export function chunkId(stream: StreamName, windowStartIso: string, seed: number, sequence: number): string {
  return `${stream}-${windowTag(windowStartIso, seed)}-${String(sequence).padStart(6, '0')}`;
}

export interface ChunkIdParts {
  stream: StreamName;
  /** The window tag, `20261127T060000-1`. */
  tag: string;
  sequence: number;
}

const CHUNK_ID_PARTS = new RegExp(`^(${streamNames.join('|')})-(\\d{8}T\\d{6}-[0-9a-z]+)-(\\d{6,})$`);

/** The parts of a chunk id made by `chunkId`; undefined for any other id (a chaos or hand-made chunk, say). */
export function parseChunkId(id: string): ChunkIdParts | undefined {
  const m = CHUNK_ID_PARTS.exec(id);
  return m ? { stream: m[1] as StreamName, tag: m[2], sequence: Number(m[3]) } : undefined;
}

/** The hour partition of an event timestamp: `dt=2026-11-27/hour=09`. */
function hourPartition(isoTimestamp: string): string {
  return `dt=${isoTimestamp.slice(0, 10)}/hour=${isoTimestamp.slice(11, 13)}`;
}

/** Landing key of the CSV file holding a chunk's valid events of one hour. */
export function csvKey(stream: StreamName, chunk: string, isoHour: string): string {
  return `${streams[stream].prefix}${hourPartition(isoHour)}/${chunk}.csv`;
}

/** Where a stream's rejected events land: `rejected/sales/`. */
export function rejectedStreamPrefix(stream: StreamName): string {
  return `${rejectedPrefix}${stream}/`;
}

/** Landing key of the NDJSON file holding a chunk's rejected events with their problems. */
export function rejectedKey(stream: StreamName, chunk: string): string {
  return `${rejectedStreamPrefix(stream)}${chunk}.ndjson`;
}
