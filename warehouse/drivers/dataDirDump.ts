// A dumped PGlite data directory held in memory (blankDataDir, migratedDataDir), and the
// file system that opens PGlite straight on a copy of it.
//
// Why: on the machines we test on, memory a process touches for the first time costs about
// 3 ms per MB (a fresh page is a fault to the host), so a 40 MB cluster copied three times per
// open (the Blob's bytes, the untarred files, PGlite's copy of each into its in-memory file
// system) cost about 0.15 CPU-s of every open on its own, plus the garbage. This hands PGlite's
// in-memory file system slices of one private copy of the dump, made in a buffer that a closed
// PGlite gave back whenever there is one: the same files and times PGlite's own loadDataDir writes.
import type * as PgliteModule from '@electric-sql/pglite';
import { tarEntries, type TarEntry } from './tar';

/**
 * A dump read into memory, for `loadDataDir`. PGlite reads a Blob with arrayBuffer(), which a
 * Node Blob made from a Buffer serves in small chunks after copying it first; this one hands
 * over a copy of its bytes at once (a copy, because PGlite may keep what it is given).
 * createPglite opens it through dumpFileSystem instead, when PGlite runs in memory.
 */
export class DumpBlob extends Blob {
  private parsed?: TarEntry[];
  /** Buffers of the dump's size that closed PGlites gave back. */
  private readonly spare: Uint8Array[] = [];

  constructor(
    readonly dump: Uint8Array,
    private readonly source: string,
  ) {
    super([]);
  }
  override get size(): number {
    return this.dump.byteLength;
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.dump.slice().buffer);
  }
  /** The dump's files and directories, read once. */
  entries(): TarEntry[] {
    return (this.parsed ??= tarEntries(this.dump, this.source));
  }
  /** A private copy of the dump: in a buffer a closed PGlite gave back, else a new one. */
  copy(): Uint8Array {
    const buffer = this.spare.pop() ?? new Uint8Array(this.dump.byteLength);
    buffer.set(this.dump);
    return buffer;
  }
  /** Takes back a copy once nothing reads or writes it any more. */
  giveBack(buffer: Uint8Array): void {
    this.spare.push(buffer);
  }
}

/** jest may fake the global one in a test; the buffer must come back whatever the test does with time. */
const nextTurn = setImmediate;

/**
 * An in-memory file system (PGlite's MemoryFS) whose data directory is the dump's, written
 * before PGlite looks for it: PGlite then finds a cluster and starts it, as after loadDataDir.
 * Each file owns its slice of the copy (Postgres writes a file in place, or moves it to a
 * larger array of its own when it grows); the copy is given back once PGlite has closed.
 */
export function dumpFileSystem(pglite: typeof PgliteModule, dump: DumpBlob): PgliteModule.MemoryFS {
  class DumpFileSystem extends pglite.MemoryFS {
    private copy?: Uint8Array;

    override async initialSyncFs(): Promise<void> {
      await super.initialSyncFs();
      const mod = this.pg!.Module;
      const dataDir = (mod.ENV as Record<string, string | undefined>).PGDATA;
      if (!dataDir) throw new Error('PGlite set no PGDATA: its layout changed, open the dump with loadDataDir');
      const copy = (this.copy = dump.copy());
      const fs = mod.FS;
      const made = new Set<string>();
      const directory = (path: string) => {
        if (!made.has(path)) fs.mkdirTree(path);
        made.add(path);
      };
      directory(dataDir);
      for (const entry of dump.entries()) {
        const path = `${dataDir}/${entry.name.replace(/^\/+|\/+$/g, '')}`;
        if (entry.directory) {
          directory(path);
          continue;
        }
        directory(path.slice(0, path.lastIndexOf('/')));
        fs.writeFile(path, copy.subarray(entry.offset, entry.offset + entry.size), { canOwn: true });
        fs.utime(path, entry.modified * 1000, entry.modified * 1000);
      }
    }

    override async closeFs(): Promise<void> {
      await super.closeFs();
      const copy = this.copy;
      this.copy = undefined;
      // After PGlite's close has run to its end: nothing of this instance touches the copy then.
      if (copy) nextTurn(() => dump.giveBack(copy));
    }
  }
  return new DumpFileSystem();
}
