// Chunk ids and the S3 keys derived from them (the body format is in packing.ts).
// A chunk is one SQS message body holding many events of one stream. Its id comes
// from the producer's window, so a retried send or a redelivery carries the same id,
// and the consumer writes the same key with the same bytes.
import { rejectedPrefix, streams, type StreamName } from './contracts';

export const CHUNK_FORMAT_VERSION = 1;

const CHUNK_ID = /^[A-Za-z0-9_.-]{1,120}$/;

export function isChunkId(value: unknown): value is string {
  return typeof value === 'string' && CHUNK_ID.test(value);
}

/** `sales-20261127T060000-1-000003`: stream, window start, seed and sequence number. */
export function chunkId(stream: StreamName, windowStartIso: string, seed: number, sequence: number): string {
  const t = windowStartIso.slice(0, 19).replace(/[-:]/g, '');
  return `${stream}-${t}-${(seed >>> 0).toString(36)}-${String(sequence).padStart(6, '0')}`;
}

/** The hour partition of an event timestamp: `dt=2026-11-27/hour=09`. */
export function hourPartition(isoTimestamp: string): string {
  return `dt=${isoTimestamp.slice(0, 10)}/hour=${isoTimestamp.slice(11, 13)}`;
}

/** Landing key of the CSV file holding a chunk's valid events of one hour. */
export function csvKey(stream: StreamName, chunk: string, isoHour: string): string {
  return `${streams[stream].prefix}${hourPartition(isoHour)}/${chunk}.csv`;
}

/** Landing key of the NDJSON file holding a chunk's rejected events with their problems. */
export function rejectedKey(stream: StreamName, chunk: string): string {
  return `${rejectedPrefix}${stream}/${chunk}.ndjson`;
}
