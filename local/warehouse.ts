// The twin's warehouse: PGlite on disk (a second run adds to the first) or the
// Postgres server in DATABASE_URL, migrated with the same migrations as Redshift,
// loaded by the auto-copy stand-in and read by the dashboard queries.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Catalog } from '../functions/catalog';
import { streams, type StreamName } from '../functions/contracts';
import { loadLandingFiles, refreshViews, LoaderCrash } from '../warehouse/loader';
import { buildMigrations, COPY_JOB_DETAIL, copyJobName } from '../warehouse/migrations';
import { openWarehouse } from '../warehouse/open';
import { blankDataDir } from '../warehouse/drivers/pglite';
import { openPgliteInWorker } from './pgliteWorker';
import { runDashboardQueries, type DashboardRows } from '../warehouse/queries';
import { applyMigrations, MigrationChangedError, MIGRATIONS_TABLE, type SqlDriver } from '../warehouse/runner';
import { qualified, quoteIdent, WAREHOUSE_SCHEMA } from '../warehouse/schema';

export type DashboardData = DashboardRows;

export interface LoadCounts {
  files: number;
  /** Files already loaded (or failed) by an earlier pass, seen again. */
  skipped: number;
  rows: Record<StreamName, number>;
  /** Loader crashes survived (each followed by a restart of the loader). */
  crashes: number;
  /** Files the loader refused, with why. */
  failures: { key: string; error: string }[];
}

export interface TwinWarehouseOptions {
  dataDir: string;
  databaseUrl?: string;
  fresh: boolean;
  catalog: Catalog;
}

export interface TwinLoadOptions {
  s3: S3Client;
  bucket: string;
  /** Chaos: whether the loader crashes halfway through this file (before its commit). */
  crashMidFile?: (key: string) => boolean;
}

export interface TwinWarehouse {
  /** `PGlite at /abs/.twin/pgdata` or `Postgres at host/db`. */
  readonly describe: string;
  readonly driver: SqlDriver;
  /** The latest event time in the fact tables, ISO-8601, or null when empty. */
  lastEventTime(): Promise<string | null>;
  /** Load every new landing file; a crashed loader is restarted until it finishes. */
  load(options: TwinLoadOptions): Promise<LoadCounts>;
  refresh(): Promise<void>;
  dashboard(): Promise<DashboardData>;
  /** Row count per key of a fact table, for events in [from, to). */
  factIds(stream: StreamName, from: string, to: string): Promise<Map<string, number>>;
  /** Landing files loaded (status 'loaded' in the load log). */
  loadedFiles(): Promise<Set<string>>;
  close(): Promise<void>;
}

/** The most restarts of a crashing loader before the twin gives up. */
const MAX_LOADER_RESTARTS = 1000;

const sqlTime = (iso: string) => iso.slice(0, 10) + ' ' + iso.slice(11, 19);

function describePg(url: string): string {
  try {
    const u = new URL(url);
    return `Postgres at ${u.host}${u.pathname}`;
  } catch {
    return 'Postgres (DATABASE_URL)';
  }
}

/** Files and rows loaded so far, from the load log. */
async function loadLog(driver: SqlDriver): Promise<{ files: number; rows: Record<StreamName, number> }> {
  const rows = await driver.query<{ job_name: string; files: number; rows: number | string }>(
    `SELECT "job_name", COUNT(*) AS files, COALESCE(SUM("rows_loaded"), 0) AS rows FROM ${COPY_JOB_DETAIL} WHERE "status" = 'loaded' GROUP BY "job_name"`,
  );
  const out = { files: 0, rows: { sales: 0, inventory: 0 } as Record<StreamName, number> };
  for (const stream of Object.keys(streams) as StreamName[]) {
    const row = rows.find((r) => r.job_name.trim() === copyJobName(streams[stream].contract.table));
    out.files += Number(row?.files ?? 0);
    out.rows[stream] = Number(row?.rows ?? 0);
  }
  return out;
}

export async function openTwinWarehouse(options: TwinWarehouseOptions): Promise<TwinWarehouse> {
  const dataDir = resolve(options.dataDir);
  let blank: Uint8Array | undefined;
  if (!options.databaseUrl) {
    // A directory that is not a Postgres cluster (a half-made one, say) starts over, from a
    // dumped blank cluster rather than initdb (seconds instead of tens on a busy machine).
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      rmSync(dataDir, { recursive: true, force: true });
      blank = new Uint8Array(await (await blankDataDir()).arrayBuffer());
    }
    mkdirSync(dataDir, { recursive: true });
  }
  // PGlite runs in a worker thread so loading overlaps the rest of the pipeline.
  const driver: SqlDriver = options.databaseUrl ? await openWarehouse({ databaseUrl: options.databaseUrl }) : await openPgliteInWorker(dataDir, blank);
  try {
    // Fresh drops our schema and the migration log rather than the cluster: initdb is the slow part of PGlite.
    if (options.fresh) {
      await driver.exec(`DROP SCHEMA IF EXISTS ${WAREHOUSE_SCHEMA} CASCADE`);
      await driver.exec(`DROP TABLE IF EXISTS ${MIGRATIONS_TABLE}`);
    }
    await applyMigrations(driver, buildMigrations({ dialect: 'postgres' }, options.catalog));
  } catch (error) {
    await driver.close?.();
    if (error instanceof MigrationChangedError) {
      // Usually the catalog (the dims migration) or a view changed since this warehouse was made.
      throw new Error(`${error.message}\nThis warehouse was built by an older version of the schema or catalog; start it again with --fresh.`, { cause: error });
    }
    throw error;
  }

  return {
    describe: options.databaseUrl ? describePg(options.databaseUrl) : `PGlite at ${dataDir}`,
    driver,
    async lastEventTime() {
      const parts = Object.values(streams).map((s) => `SELECT MAX(${quoteIdent('timestamp')}) AS t FROM ${qualified(s.contract.table)}`);
      const rows = await driver.query<{ t: Date | string | null }>(`SELECT MAX(t) AS t FROM (${parts.join(' UNION ALL ')}) x`);
      const t = rows[0]?.t;
      if (t === null || t === undefined) return null;
      // A Date, possibly from the worker's realm (so not instanceof this realm's Date), or a string.
      const time = typeof t === 'object' && typeof (t as Date).toISOString === 'function' ? (t as Date) : new Date(String(t).replace(' ', 'T') + 'Z');
      return time.toISOString().slice(0, 19) + 'Z';
    },
    async load({ s3, bucket, crashMidFile }) {
      const before = await loadLog(driver);
      const counts: LoadCounts = { files: 0, skipped: 0, rows: { sales: 0, inventory: 0 }, crashes: 0, failures: [] };
      const faults = crashMidFile
        ? {
            beforeCommit: (key: string) => {
              if (crashMidFile(key)) throw new Error('chaos: loader crashed mid-file, after COPY and before COMMIT');
            },
          }
        : undefined;
      // Like a supervisor restarting auto-copy: each restart lists again and skips what committed.
      for (let restarts = 0; ; restarts++) {
        try {
          const report = await loadLandingFiles({ driver, s3, bucket, refresh: false, faults });
          counts.skipped = report.filesSkipped;
          counts.failures.push(...report.failures);
          break;
        } catch (error) {
          if (!(error instanceof LoaderCrash) || restarts >= MAX_LOADER_RESTARTS) throw error;
          counts.crashes++;
        }
      }
      // What committed, crashes or not, is in the load log.
      const after = await loadLog(driver);
      counts.files = after.files - before.files;
      for (const stream of Object.keys(counts.rows) as StreamName[]) counts.rows[stream] = after.rows[stream] - before.rows[stream];
      return counts;
    },
    async refresh() {
      await refreshViews(driver);
    },
    dashboard: () => runDashboardQueries(driver),
    async factIds(stream, from, to) {
      const { table, key } = streams[stream].contract;
      const rows = await driver.query<{ id: string; n: number }>(
        `SELECT ${quoteIdent(key)} AS id, COUNT(*) AS n FROM ${qualified(table)} WHERE ${quoteIdent('timestamp')} >= $1 AND ${quoteIdent('timestamp')} < $2 GROUP BY ${quoteIdent(key)}`,
        [sqlTime(from), sqlTime(to)],
      );
      return new Map(rows.map((r) => [r.id, Number(r.n)]));
    },
    async loadedFiles() {
      const rows = await driver.query<{ file_name: string }>(`SELECT "file_name" FROM ${COPY_JOB_DETAIL} WHERE "status" = 'loaded'`);
      return new Set(rows.map((r) => r.file_name));
    },
    async close() {
      await driver.close?.();
    },
  };
}
