// Reading the tar files PGlite's dumpDataDir('none') writes (POSIX ustar: regular files and
// directories only), for the data directory snapshots in pglite.ts and dataDirDump.ts.

/** One file or directory of a tar: where its bytes lie in the archive. */
export interface TarEntry {
  /** As recorded: `/base/1/1255` for a PGlite dump. */
  name: string;
  directory: boolean;
  /** Offset of the contents in the archive, and their length (0 for a directory). */
  offset: number;
  size: number;
  /** Modification time, in seconds since the epoch. */
  modified: number;
}

/** A tar header's fields: text up to the first NUL. */
const headerField = (header: Uint8Array, at: number, length: number) =>
  Buffer.from(header.subarray(at, at + length))
    .toString('latin1')
    .replace(/\0.*$/s, '');

/** POSIX ustar: the header's byte sum, its 8 checksum bytes counted as spaces, recorded in octal at 148. */
export function headerSumOk(header: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum === parseInt(headerField(header, 148, 8).trim(), 8);
}

/**
 * The entry whose 512-byte header starts at `at`, or undefined for the zero record that ends the
 * archive. `source` names the archive in the error thrown for a header that does not add up, or
 * for an entry that is neither a file nor a directory.
 */
export function tarHeader(header: Uint8Array, at: number, source: string): TarEntry | undefined {
  if (header.every((b) => b === 0)) return undefined;
  if (!headerSumOk(header)) throw new Error(`${source} is damaged at byte ${at} (delete it: it is made again)`);
  const name = headerField(header, 0, 100);
  const size = parseInt(headerField(header, 124, 12).trim() || '0', 8);
  const type = headerField(header, 156, 1);
  if (type !== '5' && type !== '0' && type !== '')
    throw new Error(`${source}: ${name} is neither a file nor a directory (type ${type})`);
  const modified = parseInt(headerField(header, 136, 12).trim(), 8);
  return { name, directory: type === '5', offset: at + 512, size: type === '5' ? 0 : size, modified };
}

/** Where the header after `entry` starts. */
export const nextHeader = (entry: TarEntry): number => entry.offset + Math.ceil(entry.size / 512) * 512;

/** The entries of a tar held in memory, up to the zero record that ends it (see tarHeader). */
export function tarEntries(tar: Uint8Array, source: string): TarEntry[] {
  const entries: TarEntry[] = [];
  for (let at = 0; at + 512 <= tar.length;) {
    const entry = tarHeader(tar.subarray(at, at + 512), at, source);
    if (!entry) break;
    entries.push(entry);
    at = nextHeader(entry);
  }
  return entries;
}
