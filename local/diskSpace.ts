// A full disk is not damage. When the disk under the warehouse fills, PGlite fails with what
// it has (an errno object, or "Aborted()" when Postgres cannot write its WAL), never with a
// word about space. So the free space itself is measured: a failure with too little room
// left is reported as a full disk, with the path and the room needed, and never answered with
// --fresh, which would delete a directory that a bigger disk resumes.
import { existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Room Postgres wants to open and write at all: a WAL segment (16 MB) and a checkpoint's worth more. */
export const ROOM_TO_OPEN_BYTES = 64 * 1024 * 1024;
/** Warehouse bytes per event loaded (fact row, indexes, views, WAL), measured on twin runs with room to spare. */
export const BYTES_PER_EVENT = 400;

/** A run ended by a full disk: the CLI prints the message (path, room needed, how to resume) and exits 2. */
export class NoSpaceLeft extends Error {
  override name = 'NoSpaceLeft';
}

/** Bytes free to this user on the file system holding `path` (or its nearest existing folder). */
export function freeBytes(path: string): number | undefined {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  try {
    const s = statfsSync(p);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Whether an error (or one of its causes) says ENOSPC or Postgres's disk_full (53100). */
export function saysNoSpace(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === 'ENOSPC' || e.code === '53100' || /no space left on device/i.test(String(e.message ?? '')))
      return true;
    e = e.cause as typeof e;
  }
  return false;
}

const mb = (bytes: number) => `${Math.ceil(bytes / (1024 * 1024)).toLocaleString('en-US')} MB`;

/**
 * When a failure at `path` is a full disk, the error to show instead; otherwise undefined.
 * `moreEvents`: events the run still meant to load (the room they need is added).
 */
export function noSpaceError(path: string, error: unknown, moreEvents = 0): NoSpaceLeft | undefined {
  const free = freeBytes(path);
  const needed = ROOM_TO_OPEN_BYTES + moreEvents * BYTES_PER_EVENT;
  if (!saysNoSpace(error) && (free === undefined || free >= needed)) return undefined;
  const shown = free === undefined ? '' : `, ${mb(free)} free`;
  return new NoSpaceLeft(
    `no space left on the disk of ${resolve(path)}${shown}: the twin needs about ${mb(needed)} there. ` +
      'Nothing is damaged, and the directory resumes: free some room (or copy the directory to a bigger disk and give that --data-dir), then run the same command again.',
  );
}

/**
 * Calls `onFull` once the disk under `path` has stayed full (under 1 MB free) for `checks`
 * looks in a row. PGlite may never answer again after a write fails for want of room (Postgres
 * stops on a WAL it cannot write), so the run would wait forever: this is the way out.
 */
export function watchDisk(path: string, onFull: () => void, everyMs = 1000, checks = 3): () => void {
  let full = 0;
  const timer = setInterval(() => {
    const free = freeBytes(path);
    full = free !== undefined && free < 1024 * 1024 ? full + 1 : 0;
    if (full >= checks) {
      clearInterval(timer);
      onFull();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
