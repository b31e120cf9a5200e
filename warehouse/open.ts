// Open the twin's warehouse: a Postgres server when a URL is given, else PGlite.
import type { PgliteDriver } from './drivers/pglite';
import type { PgDriver } from './drivers/pg';

export interface OpenWarehouseOptions {
  /** PGlite data directory; in memory when absent. */
  dataDir?: string;
  /** postgres://... of a real server; wins over dataDir. Defaults to nothing (not read from env here). */
  databaseUrl?: string;
}

export async function openWarehouse(options: OpenWarehouseOptions = {}): Promise<PgliteDriver | PgDriver> {
  // Imported lazily so a PGlite run never loads pg, and the other way round.
  if (options.databaseUrl) return (await import('./drivers/pg')).openPg(options.databaseUrl);
  return (await import('./drivers/pglite')).openPglite(options.dataDir);
}
