// A stand-in for the Redshift Data API on 127.0.0.1, for tests: it speaks the
// service's JSON protocol to the real SDK client. Statements either run on a
// PGlite behind it (so results are real) or are only recorded.
//
// With a PGlite it plays a small Redshift: the Redshift-only clauses of our DDL are
// dropped (DISTSTYLE, SORTKEY, ENCODE, BACKUP, AUTO REFRESH, and the informational
// PRIMARY/FOREIGN KEYs Redshift never enforces), role grammar and scoped grants adapted, COPY reads
// CSV from S3 (fauxqs), COPY ... JOB CREATE and COPY JOB DROP keep SYS_COPY_JOB, a grant of a sys:
// role is listed in SVV_ROLE_GRANTS (Postgres has no such roles), and autoCopy() does what
// auto-copy does: load each file created after its job, once by name.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';

export interface RecordedCall {
  action: string;
  body: Record<string, unknown>;
}

export interface FakeRedshiftData {
  endpoint: string;
  calls: RecordedCall[];
  /** SQL of every ExecuteStatement and BatchExecuteStatement, in order (a batch as an array). */
  sent(): (string | string[])[];
  /** Make the next statements whose SQL matches fail with this error. */
  failWhen(pattern: RegExp, error: string): void;
  /** Stop failing statements (a fixed migration). */
  clearFailures(): void;
  /** Statements whose SQL matches stay STARTED for this many polls (Infinity: until cancelled), and run only then. */
  holdWhen(pattern: RegExp, polls: number): void;
  /** Auto-copy: each COPY JOB loads the files of its prefix created after it, once by name (a failed file: status E, never again). Returns the files loaded. */
  autoCopy(): Promise<string[]>;
  /** AUTO REFRESH: refreshes every materialized view that a load made stale (SVV_MV_INFO.is_stale). */
  refreshViews(): Promise<void>;
  stop(): Promise<void>;
}

export interface FakeRedshiftOptions {
  pollsBeforeDone?: number;
  pageSize?: number;
  /** The landing bucket's S3 (fauxqs): COPY reads from it. */
  s3?: S3Client;
}

type Outcome = {
  error?: string;
  failedAt?: number;
  columns: { name: string; typeName: string }[];
  records: Record<string, unknown>[][];
};

interface Statement extends Partial<Outcome> {
  polls: number;
  sql: string;
  batch?: string[];
  name?: string;
  /** Polls before it is done; Infinity = until cancelled. */
  hold?: number;
  cancelled?: boolean;
  /** Runs the SQL when a held statement is released. */
  pending?: () => Promise<Outcome>;
}

const TYPE_NAMES: Record<number, string> = {
  16: 'bool',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  1043: 'varchar',
  1114: 'timestamp',
  1700: 'numeric',
};

function toField(value: unknown, typeName: string): Record<string, unknown> {
  if (value === null || value === undefined) return { isNull: true };
  if (typeName.startsWith('int')) return { longValue: Number(value) };
  if (typeName === 'bool') return { booleanValue: value };
  if (value instanceof Date) return { stringValue: value.toISOString().replace('T', ' ').slice(0, 19) };
  return { stringValue: String(value) };
}

/** `:p1` named parameters back to `$1` for Postgres. */
function positional(
  sql: string,
  parameters: { name: string; value: string }[] = [],
): { sql: string; params: string[] } {
  const params: string[] = [];
  const text = sql.replace(/:(p\d+)\b/g, (_, name: string) => {
    const p = parameters.find((x) => x.name === name);
    if (!p) throw new Error(`no value for parameter ${name}`);
    params.push(p.value);
    return `$${params.length}`;
  });
  return { sql: text, params };
}

/** Our Redshift DDL as Postgres runs it: the physical and informational clauses dropped, role grammar adapted. */
export function redshiftToPostgres(sql: string): string {
  // Redshift `CREATE ROLE r`, `GRANT ... TO ROLE r`, `GRANT ROLE a TO ROLE b`; Postgres names roles bare.
  if (/^CREATE ROLE \w+$/.test(sql)) return `${sql} NOLOGIN`;
  // Scoped permissions (current and future tables of a schema): Postgres's grant on every table
  // now, and default privileges for the tables the migrating user creates later.
  const scoped = /^GRANT (\w+) FOR TABLES IN SCHEMA (\w+) TO ROLE (\w+)$/.exec(sql);
  if (scoped) {
    const [, privilege, schema, role] = scoped;
    return `GRANT ${privilege} ON ALL TABLES IN SCHEMA ${schema} TO ${role}; ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT ${privilege} ON TABLES TO ${role}`;
  }
  if (/^GRANT\b/.test(sql)) return sql.replace(/^GRANT ROLE /, 'GRANT ').replace(/ TO ROLE /, ' TO ');
  if (!/^\s*CREATE\s+(TABLE|MATERIALIZED VIEW)/i.test(sql)) return sql;
  return sql
    .split('\n')
    .filter(
      (line) =>
        !/^\s*(PRIMARY KEY|FOREIGN KEY)\b/.test(line) &&
        !/^(DISTSTYLE|DISTKEY|SORTKEY|ENCODE|BACKUP|AUTO REFRESH)\b/.test(line),
    )
    .join('\n')
    .replace(/,\n\)/g, '\n)');
}

const COPY =
  /^COPY\s+(\S+)\s*\(([^)]*)\)\s*\nFROM\s+'s3:\/\/([^/']+)\/([^']*)'\n([\s\S]*?)(?:\nJOB CREATE (\w+) AUTO ON)?$/;
const COPY_JOB_DROP = /^COPY JOB DROP (\w+)$/;
const SYSTEM_ROLE_GRANT = /^GRANT ROLE (sys:\w+) TO ROLE (\w+)$/;

export async function startFakeRedshiftData(db?: PGlite, options: FakeRedshiftOptions = {}): Promise<FakeRedshiftData> {
  const statements = new Map<string, Statement>();
  const calls: RecordedCall[] = [];
  let failures: { pattern: RegExp; error: string }[] = [];
  const holds: { pattern: RegExp; polls: number }[] = [];
  let next = 0;
  const pageSize = options.pageSize ?? 2;
  if (db) {
    await db.exec(`CREATE TABLE IF NOT EXISTS public.sys_copy_job (job_id SERIAL PRIMARY KEY, job_name VARCHAR(128) NOT NULL UNIQUE, iam_role VARCHAR(128), job_text VARCHAR(256), is_auto INTEGER,
      created_at TIMESTAMPTZ NOT NULL, target_table TEXT NOT NULL, target_columns TEXT NOT NULL, bucket TEXT NOT NULL, prefix TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS public.sys_copy_job_detail (job_id INTEGER NOT NULL, job_name TEXT NOT NULL, file_location TEXT NOT NULL, file_name TEXT NOT NULL, status CHAR(1) NOT NULL,
        enqueue_time TIMESTAMP NOT NULL, rows_loaded BIGINT, PRIMARY KEY (job_id, file_name));
      CREATE TABLE IF NOT EXISTS public.svv_role_grants (role_name TEXT NOT NULL, granted_role_name TEXT NOT NULL, PRIMARY KEY (role_name, granted_role_name));
      CREATE TABLE IF NOT EXISTS public.svv_mv_info (schema TEXT NOT NULL, name TEXT NOT NULL, is_stale CHAR(1) NOT NULL, PRIMARY KEY (schema, name));
      CREATE TABLE IF NOT EXISTS public.sys_serverless_usage (start_time TIMESTAMP NOT NULL, end_time TIMESTAMP NOT NULL, compute_seconds DOUBLE PRECISION NOT NULL, compute_capacity DOUBLE PRECISION NOT NULL, charged_seconds INTEGER NOT NULL);`);
  }

  /** Marks every materialized view stale (a load changed its facts) or fresh, as SVV_MV_INFO reports it. */
  async function markViews(stale: boolean): Promise<{ schema: string; name: string }[]> {
    const views = await db!.query<{ schema: string; name: string }>(
      'SELECT schemaname AS schema, matviewname AS name FROM pg_matviews ORDER BY 1, 2',
    );
    for (const v of views.rows)
      await db!.query(
        `INSERT INTO public.svv_mv_info (schema, name, is_stale) VALUES ($1, $2, $3) ON CONFLICT (schema, name) DO UPDATE SET is_stale = EXCLUDED.is_stale`,
        [v.schema, v.name, stale ? 't' : 'f'],
      );
    return views.rows;
  }

  async function listS3(bucket: string, prefix: string): Promise<{ key: string; lastModified: Date }[]> {
    if (!options.s3) throw new Error('the fake Redshift Data API has no S3 to COPY from');
    const out: { key: string; lastModified: Date }[] = [];
    let token: string | undefined;
    do {
      const page = await options.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) out.push({ key: o.Key!, lastModified: o.LastModified! });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async function copyFile(
    tx: PGlite | Transaction,
    table: string,
    columns: string,
    bucket: string,
    key: string,
  ): Promise<number> {
    const object = await options.s3!.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await object.Body!.transformToByteArray();
    const result = await tx.query(`COPY ${table} (${columns}) FROM '/dev/blob' WITH (FORMAT csv, HEADER true)`, [], {
      blob: new Blob([bytes as Uint8Array<ArrayBuffer>]),
    });
    return result.affectedRows ?? 0;
  }

  /** One statement on the database, Redshift's way. */
  async function runOne(tx: PGlite | Transaction, sql: string, inBatch: boolean): Promise<void> {
    const drop = COPY_JOB_DROP.exec(sql);
    if (drop) {
      if (inBatch) throw new Error('COPY JOB DROP cannot run inside a transaction block');
      const gone = await tx.query('DELETE FROM public.sys_copy_job WHERE job_name = $1', [drop[1]]);
      if (!gone.affectedRows) throw new Error(`COPY JOB ${drop[1]} does not exist`);
      return;
    }
    const systemRole = SYSTEM_ROLE_GRANT.exec(sql);
    if (systemRole) {
      // Postgres has no sys: roles: recorded where Redshift lists role grants (SVV_ROLE_GRANTS).
      await tx.query(
        'INSERT INTO public.svv_role_grants (role_name, granted_role_name) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [systemRole[2], systemRole[1]],
      );
      return;
    }
    const copy = COPY.exec(sql);
    if (!copy) {
      await tx.exec(redshiftToPostgres(sql));
      return;
    }
    const [, table, columns, bucket, path, optionsText, jobName] = copy;
    const role = /IAM_ROLE '([^']+)'/.exec(optionsText)?.[1];
    if (!role) throw new Error('COPY needs IAM_ROLE');
    if (jobName) {
      if (inBatch) throw new Error('COPY JOB CREATE cannot run inside a transaction block');
      const existing = await tx.query('SELECT 1 FROM public.sys_copy_job WHERE job_name = $1', [jobName]);
      if (existing.rows.length) throw new Error(`COPY JOB ${jobName} already exists`);
      await tx.query(
        `INSERT INTO public.sys_copy_job (job_name, iam_role, job_text, is_auto, created_at, target_table, target_columns, bucket, prefix) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)`,
        [jobName, role, sql.slice(0, 256), new Date(), table, columns, bucket, path],
      );
      return;
    }
    const files = await listS3(bucket, path);
    if (files.length === 0) throw new Error(`The specified S3 prefix '${path}' does not exist`);
    if (/^NOLOAD$/m.test(optionsText)) {
      // NOLOAD: read and check every file, load nothing.
      if (inBatch || !('transaction' in tx)) throw new Error('the fake runs NOLOAD only as a single statement');
      await tx.transaction(async (t) => {
        for (const f of files) await copyFile(t, table, columns, bucket, f.key);
        await t.rollback();
      });
      return;
    }
    for (const f of files) await copyFile(tx, table, columns, bucket, f.key);
  }

  async function run(sqls: string[], parameters?: { name: string; value: string }[]): Promise<Outcome> {
    for (const f of failures) {
      const at = sqls.findIndex((s) => f.pattern.test(s));
      if (at >= 0) return { error: f.error, failedAt: at, columns: [], records: [] };
    }
    if (!db) return { columns: [], records: [] };
    try {
      if (sqls.length > 1) {
        await db.transaction(async (tx) => {
          for (const s of sqls) await runOne(tx, s, true);
        });
        return { columns: [], records: [] };
      }
      const { sql, params } = positional(sqls[0], parameters);
      if (params.length === 0 && /^COPY\b|^CREATE\s+(TABLE|MATERIALIZED)|^GRANT\b/.test(sql)) {
        await runOne(db, sql, false);
        return { columns: [], records: [] };
      }
      const result = params.length
        ? await db.query<Record<string, unknown>>(sql, params)
        : (await db.exec(sql)).at(-1)!;
      const columns = (result.fields ?? []).map((f) => ({
        name: f.name,
        typeName: TYPE_NAMES[f.dataTypeID] ?? 'varchar',
      }));
      const records = (result.rows as Record<string, unknown>[]).map((row) =>
        columns.map((c) => toField(row[c.name], c.typeName)),
      );
      return { columns, records };
    } catch (error) {
      return { error: (error as Error).message, columns: [], records: [] };
    }
  }

  const statusOf = (s: Statement, poll: boolean): string => {
    if (s.cancelled) return 'ABORTED';
    if (poll) s.polls++;
    const limit = s.hold ?? options.pollsBeforeDone ?? 1;
    if (s.polls <= limit) return 'STARTED';
    return s.error ? 'FAILED' : 'FINISHED';
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const action =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        // Not the Data API's JSON protocol (another service sent here): refuse, never hang.
        return reply(400, {
          __type: 'SerializationException',
          message: `not a Redshift Data API request: ${req.method} ${req.url}`,
        });
      }
      calls.push({ action, body });
      if (
        (action === 'ExecuteStatement' || action === 'BatchExecuteStatement') &&
        (!body.WorkgroupName || !body.Database)
      ) {
        return reply(400, { __type: 'ValidationException', message: 'WorkgroupName and Database are required' });
      }
      switch (action) {
        case 'ExecuteStatement':
        case 'BatchExecuteStatement': {
          const id = `stmt-${++next}`;
          const sqls = action === 'ExecuteStatement' ? [body.Sql as string] : (body.Sqls as string[]);
          const statement: Statement = {
            polls: 0,
            sql: sqls.join(';\n'),
            ...(action === 'BatchExecuteStatement' ? { batch: sqls } : {}),
            ...(body.StatementName ? { name: body.StatementName as string } : {}),
          };
          const hold = holds.find((h) => sqls.some((s) => h.pattern.test(s)));
          if (hold) {
            statement.hold = hold.polls;
            statement.pending = () => run(sqls, body.Parameters as { name: string; value: string }[] | undefined);
          } else {
            Object.assign(statement, await run(sqls, body.Parameters as { name: string; value: string }[] | undefined));
          }
          statements.set(id, statement);
          return reply(200, {
            Id: id,
            CreatedAt: Date.now() / 1000,
            WorkgroupName: body.WorkgroupName,
            Database: body.Database,
          });
        }
        case 'DescribeStatement': {
          const s = statements.get(body.Id as string);
          if (!s) return reply(400, { __type: 'ResourceNotFoundException', message: `no statement ${body.Id}` });
          let status = statusOf(s, true);
          if (status !== 'STARTED' && status !== 'ABORTED' && s.pending) {
            Object.assign(s, await s.pending());
            s.pending = undefined;
            status = statusOf(s, false);
          }
          const running = status === 'STARTED';
          return reply(200, {
            Id: body.Id,
            Status: status,
            QueryString: s.sql,
            ...(s.name ? { StatementName: s.name } : {}),
            HasResultSet: !running && !s.error && (s.columns?.length ?? 0) > 0,
            ...(status === 'FAILED' ? { Error: s.error } : {}),
            ...(s.batch
              ? {
                  SubStatements: s.batch.map((q, i) => {
                    const failed = status === 'FAILED' && (s.failedAt ?? 0) === i;
                    const sub =
                      status !== 'FAILED' ? status : failed ? 'FAILED' : i < (s.failedAt ?? 0) ? 'FINISHED' : 'ABORTED';
                    return {
                      Id: `${body.Id}:${i + 1}`,
                      QueryString: q,
                      Status: sub,
                      ...(failed ? { Error: s.error } : {}),
                    };
                  }),
                }
              : {}),
          });
        }
        case 'GetStatementResult': {
          const s = statements.get(body.Id as string);
          if (!s) return reply(400, { __type: 'ResourceNotFoundException', message: `no statement ${body.Id}` });
          const start = body.NextToken ? Number(body.NextToken) : 0;
          const all = s.records ?? [];
          const page = all.slice(start, start + pageSize);
          const more = start + pageSize < all.length;
          return reply(200, {
            Records: page,
            ColumnMetadata: s.columns ?? [],
            TotalNumRows: all.length,
            ...(more ? { NextToken: String(start + pageSize) } : {}),
          });
        }
        case 'ListStatements': {
          // StatementName matches by prefix, as the service does.
          const prefix = (body.StatementName as string | undefined) ?? '';
          const found = [...statements.entries()]
            .filter(([, s]) => (s.name ?? '').startsWith(prefix) && (prefix === '' || s.name !== undefined))
            .map(([id, s]) => ({
              Id: id,
              StatementName: s.name,
              Status: statusOf(s, false),
              QueryString: s.sql,
              IsBatchStatement: s.batch !== undefined,
            }));
          return reply(200, { Statements: found });
        }
        case 'CancelStatement': {
          const s = statements.get(body.Id as string);
          if (!s) return reply(400, { __type: 'ResourceNotFoundException', message: `no statement ${body.Id}` });
          if (statusOf(s, false) !== 'STARTED')
            return reply(400, { __type: 'ValidationException', message: `statement ${body.Id} is not running` });
          s.cancelled = true;
          s.pending = undefined;
          return reply(200, { Status: true });
        }
        default:
          return reply(400, { __type: 'UnknownOperationException', message: action });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    sent: () =>
      calls
        .filter((c) => c.action === 'ExecuteStatement' || c.action === 'BatchExecuteStatement')
        .map((c) => (c.action === 'ExecuteStatement' ? (c.body.Sql as string) : (c.body.Sqls as string[]))),
    failWhen(pattern, error) {
      failures.push({ pattern, error });
    },
    clearFailures() {
      failures = [];
    },
    holdWhen(pattern, polls) {
      holds.push({ pattern, polls });
    },
    async autoCopy() {
      if (!db) throw new Error('autoCopy needs a PGlite');
      const loaded: string[] = [];
      const jobs = await db.query<{
        job_id: number;
        job_name: string;
        created_at: Date;
        target_table: string;
        target_columns: string;
        bucket: string;
        prefix: string;
      }>('SELECT * FROM public.sys_copy_job ORDER BY job_id');
      for (const job of jobs.rows) {
        for (const f of await listS3(job.bucket, job.prefix)) {
          // Only files created after the job; each name once.
          if (f.lastModified.getTime() < job.created_at.getTime()) continue;
          const seen = await db.query('SELECT 1 FROM public.sys_copy_job_detail WHERE job_id = $1 AND file_name = $2', [
            job.job_id,
            f.key,
          ]);
          if (seen.rows.length) continue;
          const detail = `INSERT INTO public.sys_copy_job_detail (job_id, job_name, file_location, file_name, status, enqueue_time, rows_loaded) VALUES ($1, $2, $3, $4, $5, now() AT TIME ZONE 'UTC', $6)`;
          try {
            await db.transaction(async (tx) => {
              const rows = await copyFile(tx, job.target_table, job.target_columns, job.bucket, f.key);
              await tx.query(detail, [job.job_id, job.job_name, job.bucket, f.key, 'I', rows]);
            });
            loaded.push(f.key);
          } catch {
            // As Redshift does: the file is marked E and skipped on every later attempt.
            await db.query(detail, [job.job_id, job.job_name, job.bucket, f.key, 'E', 0]);
          }
        }
      }
      if (loaded.length) await markViews(true);
      return loaded;
    },
    async refreshViews() {
      if (!db) throw new Error('refreshViews needs a PGlite');
      const stale = await db.query<{ schema: string; name: string }>(
        `SELECT schema, name FROM public.svv_mv_info WHERE is_stale = 't'`,
      );
      for (const v of stale.rows) await db.exec(`REFRESH MATERIALIZED VIEW "${v.schema}"."${v.name}"`);
      await markViews(false);
    },
    stop: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** A real Data API client pointed at the fake, with test credentials and no retries. */
export function fakeClient(fake: FakeRedshiftData): RedshiftDataClient {
  return new RedshiftDataClient({
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}
