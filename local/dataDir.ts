// The twin's data directory is its own: it creates, resets or reuses only a directory
// that carries its marker file, and only one process at a time works in it (a lock
// file naming the holder's pid and start time). Anything else is refused before a
// byte is written, so `--data-dir .` or `--data-dir ~` can never wipe a user's files.
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';

/** The marker: a directory holding this file was made by the twin and may be reset by it. */
export const MARKER_FILE = 'twin-data-dir.json';
/** The lock file, inside the data directory. */
export const LOCK_FILE = 'twin.lock';

/** A data directory the twin must not touch; the CLI prints the message and exits 2. */
export class DataDirRefused extends Error {
  override name = 'DataDirRefused';
}

/** Another live process works in the same data directory (or database). */
export class DataDirBusy extends Error {
  override name = 'DataDirBusy';
}

interface Marker {
  owner: 'black-friday-sale-stream twin';
  createdAt: string;
  /** 'creating' until a cluster has been made in it; a directory left 'creating' is reset. */
  state: 'creating' | 'ready';
}

const OWNER: Marker['owner'] = 'black-friday-sale-stream twin';

/** Kernel and device trees: writing a "data directory" there hangs or harms the machine. */
const FORBIDDEN_ROOTS = ['/proc', '/sys', '/dev'];

/** The nearest existing ancestor, resolved through symlinks (the path itself may not exist yet). */
function realAncestor(path: string): string {
  let p = path;
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) return p;
    p = up;
  }
  return join(realpathSync(p), path.slice(p.length));
}

/** Problems with a data directory path that are visible without touching it (for up-front validation). */
export function dataDirPathProblem(dataDir: string): string | undefined {
  const abs = resolve(dataDir);
  const real = realAncestor(abs);
  for (const root of FORBIDDEN_ROOTS) {
    if (real === root || real.startsWith(root + sep))
      return `${abs} is under ${root}, a kernel file system, not a place for data`;
  }
  return undefined;
}

function readMarker(dir: string): Marker | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, MARKER_FILE), 'utf8')) as Marker;
    return m.owner === OWNER ? m : undefined;
  } catch {
    return undefined;
  }
}

function writeMarker(dir: string, state: Marker['state'], createdAt = new Date().toISOString()): void {
  // Write then rename, so a kill never leaves a half-written marker.
  const part = join(dir, `${MARKER_FILE}.${process.pid}.part`);
  writeFileSync(part, JSON.stringify({ owner: OWNER, createdAt, state } satisfies Marker, null, 2) + '\n');
  renameSync(part, join(dir, MARKER_FILE));
}

function describeEntries(dir: string, entries: string[]): string {
  const shown = entries
    .slice(0, 5)
    .map((e) => (statSync(join(dir, e), { throwIfNoEntry: false })?.isDirectory() ? `${e}/` : e));
  return shown.join(', ') + (entries.length > 5 ? ` and ${entries.length - 5} more` : '');
}

export interface ClaimedDataDir {
  /** Absolute path. */
  path: string;
  /** True when the directory holds no Postgres cluster yet (new, emptied by --fresh, or reset): start from a blank one. */
  blank: boolean;
  /** Call once the cluster opened: the directory is then a ready twin warehouse. */
  markReady(): void;
  /** Give up the lock. */
  release(): void;
}

/**
 * Claim `dataDir` for the twin: create it (with the marker) when absent or empty, reuse
 * it when marked, reset it when marked and `fresh` (or left half-made), and refuse
 * anything else (a file, a non-empty directory, a Postgres cluster without the marker)
 * with DataDirRefused, before writing anything. The lock is taken before any reset, so
 * a second twin is refused (DataDirBusy) before it can delete a file.
 */
export function claimDataDir(dataDir: string, options: { fresh: boolean }): ClaimedDataDir {
  const path = resolve(dataDir);
  const pathProblem = dataDirPathProblem(path);
  if (pathProblem) throw new DataDirRefused(`--data-dir ${pathProblem}`);
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) {
    mkdirSync(path, { recursive: true });
    writeMarker(path, 'creating');
  } else {
    if (stat.isSymbolicLink())
      throw new DataDirRefused(`--data-dir ${path} is a symbolic link; give the directory it points to, or a new path`);
    if (!stat.isDirectory())
      throw new DataDirRefused(
        `--data-dir ${path} is a file, not a directory; the twin leaves it alone. Give a new path or a directory the twin made.`,
      );
    const entries = readdirSync(path);
    if (!readMarker(path)) {
      if (entries.length > 0) {
        const cluster = entries.includes('PG_VERSION');
        const what = cluster
          ? `a Postgres cluster that the twin did not mark as its own (no ${MARKER_FILE})`
          : `files the twin did not make (${describeEntries(path, entries)})`;
        throw new DataDirRefused(
          `--data-dir ${path} holds ${what}; the twin leaves it alone. Give a new or empty directory` +
            (cluster
              ? `, or, if an older twin made this warehouse, adopt it: echo '{"owner":"${OWNER}","state":"ready"}' > ${join(path, MARKER_FILE)}`
              : '') +
            '.',
        );
      }
      writeMarker(path, 'creating');
    }
  }
  const lock = lockDataDir(path);
  try {
    const marker = readMarker(path)!;
    const halfMade = marker.state !== 'ready' || !existsSync(join(path, 'PG_VERSION'));
    let blank = false;
    if (options.fresh || halfMade) {
      // Ours: empty it but for the marker and the lock, then mark it as being made again.
      writeMarker(path, 'creating', marker.createdAt);
      for (const e of readdirSync(path))
        if (e !== MARKER_FILE && e !== LOCK_FILE) rmSync(join(path, e), { recursive: true, force: true });
      blank = true;
    }
    return {
      path,
      blank,
      markReady: () => writeMarker(path, 'ready', marker.createdAt),
      release: () => lock.release(),
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

interface LockHolder {
  pid: number;
  /** The holder's process start (clock ticks since boot, Linux), so a reused pid is not mistaken for the holder. */
  startTicks?: string;
  /** The holder's process start time, for people. */
  processStartedAt: string;
  host: string;
  lockedAt: string;
  command: string;
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), on Linux; compared, never converted. */
function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a recorded holder is certainly gone: same host, and its pid is dead or now another process. */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (!alive(holder.pid)) return true;
  const now = processStartTicks(holder.pid);
  return holder.startTicks !== undefined && now !== undefined && now !== holder.startTicks;
}

function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host} (${h.command.slice(0, 80)}), since ${h.lockedAt}`;
}

function readHolder(lockPath: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

interface DataDirLock {
  release(): void;
}

/** The locks this process holds, so a second Ctrl-C can release them before it exits at once. */
const heldLocks = new Set<DataDirLock>();

/** Releases every data directory lock this process holds (synchronous: for an exit at once). */
export function releaseHeldLocks(): void {
  for (const lock of [...heldLocks]) lock.release();
}

/**
 * Take `<dir>/twin.lock` (the directory must exist). The file is made elsewhere and
 * hard-linked into place, which fails if a lock exists: two processes never both win.
 * A lock whose holder is gone (dead pid, or a pid now owned by a newer process) is
 * taken over; a live holder makes this throw DataDirBusy naming it.
 */
function lockDataDir(dir: string): DataDirLock {
  const lockPath = join(dir, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    startTicks: processStartTicks(process.pid),
    processStartedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    host: hostname(),
    lockedAt: new Date().toISOString(),
    command: process.argv
      .slice(1)
      .map((a) => (a.includes('/') ? basename(a) : a))
      .join(' '),
  };
  const part = join(dir, `${LOCK_FILE}.${process.pid}.part`);
  writeFileSync(part, JSON.stringify(holder) + '\n');
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(part, lockPath);
        const lock: DataDirLock = {
          release() {
            heldLocks.delete(lock);
            // Only our own lock: a takeover elsewhere would have replaced the file.
            if (readHolder(lockPath)?.pid === process.pid) unlinkSync(lockPath);
          },
        };
        heldLocks.add(lock);
        return lock;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = readHolder(lockPath);
      if (current && !isStale(current))
        throw new DataDirBusy(
          `${dir} is in use by another twin: ${describeHolder(current)}. Wait for it to finish, or stop it.`,
        );
      if (!current) {
        // Unreadable: being written right now, or left torn by a kill. Give a writer a moment.
        const age = Date.now() - (statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs ?? 0);
        if (age < 2000)
          throw new DataDirBusy(`${dir} is being locked by another twin right now (${lockPath}); try again.`);
      }
      // Stale: move it aside under a name of our own, so two takers cannot both remove a fresh lock.
      const aside = `${lockPath}.stale.${process.pid}`;
      try {
        renameSync(lockPath, aside);
      } catch {
        continue;
      }
      const moved = readHolder(aside);
      if (moved && current && moved.pid !== current.pid && !isStale(moved)) {
        // Another taker got in between and we moved its fresh lock: put it back and give way.
        renameSync(aside, lockPath);
        throw new DataDirBusy(`${dir} is in use by another twin: ${describeHolder(moved)}.`);
      }
      rmSync(aside, { force: true });
    }
    throw new DataDirBusy(`${dir}: could not take ${lockPath} after 3 attempts; another twin is starting there.`);
  } finally {
    rmSync(part, { force: true });
  }
}
