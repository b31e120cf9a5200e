// The blank PGlite cluster (blankDataDir, warehouse/drivers/pglite.ts) for `loadDataDir`, at the cost
// of one copy per open. PGlite reads the tar with arrayBuffer(), which a Node Blob serves in small
// chunks, and a Blob made from a Buffer copies it first: one to two CPU seconds of a busy machine for
// the 40 MB, per open. Not imported by production code.
import { blankDataDir } from '../../warehouse/drivers/pglite';

/** A Blob whose arrayBuffer() is a copy of the bytes it holds. */
class ClusterTar extends Blob {
  constructor(private readonly tar: Uint8Array) {
    super([]);
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.tar.slice().buffer);
  }
}

let tar: Promise<Uint8Array> | undefined;

/** The blank cluster, read once per test file. */
export async function blankCluster(): Promise<Blob> {
  tar ??= blankDataDir().then(async (blob) => new Uint8Array(await blob.arrayBuffer()));
  return new ClusterTar(await tar);
}
