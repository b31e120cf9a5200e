// A real Postgres server (DATABASE_URL) as a warehouse driver, over one connection;
// transaction() holds that connection for one unit of work (see exclusive.ts).
import { Client, types } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CopyDriver } from '../runner';
import { copyCsvSql } from './copy-sql';
import { exclusive } from './exclusive';

export interface PgDriver extends CopyDriver {
  readonly dialect: 'postgres';
  readonly client: Client;
  close(): Promise<void>;
}

// Same shapes as PGlite: bigint counts as numbers, TIMESTAMP as a UTC Date, numeric as an exact string.
const INT8 = 20;
const TIMESTAMP = 1114;
function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8) return (v) => Number(v);
  if (oid === TIMESTAMP) return (v) => new Date(v.replace(' ', 'T') + 'Z');
  return types.getTypeParser(oid, format as 'text');
}

export async function openPg(databaseUrl: string): Promise<PgDriver> {
  const client = new Client({
    connectionString: databaseUrl,
    types: { getTypeParser: typeParser as typeof types.getTypeParser },
  });
  await client.connect();
  // Dashboards and loads speak UTC, whatever the server's default.
  await client.query("SET TIME ZONE 'UTC'");
  return exclusive({
    dialect: 'postgres' as const,
    client,
    async exec(sql) {
      await client.query(sql);
    },
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async execInTransaction(statements) {
      await client.query('BEGIN');
      try {
        for (const s of statements) await client.query(s);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    async copyCsv(table, columns, csv) {
      const stream = client.query(copyFrom(copyCsvSql(table, columns, 'STDIN')));
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        stream.on('finish', resolve);
        stream.end(Buffer.from(csv.buffer, csv.byteOffset, csv.byteLength));
      });
      return stream.rowCount;
    },
    async close() {
      await client.end();
    },
  });
}
