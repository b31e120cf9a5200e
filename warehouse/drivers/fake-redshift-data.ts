// A stand-in for the Redshift Data API on 127.0.0.1, for tests: it speaks the
// service's JSON protocol to the real SDK client. Statements either run on a
// PGlite behind it (so results are real) or are only recorded.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

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
  stop(): Promise<void>;
}

interface Statement {
  polls: number;
  error?: string;
  /** Index of the failing statement of a batch. */
  failedAt?: number;
  columns: { name: string; typeName: string }[];
  records: Record<string, unknown>[][];
  sql: string;
  batch?: string[];
}

const TYPE_NAMES: Record<number, string> = { 16: 'bool', 20: 'int8', 21: 'int2', 23: 'int4', 25: 'text', 1043: 'varchar', 1114: 'timestamp', 1700: 'numeric' };

function toField(value: unknown, typeName: string): Record<string, unknown> {
  if (value === null || value === undefined) return { isNull: true };
  if (typeName.startsWith('int')) return { longValue: Number(value) };
  if (typeName === 'bool') return { booleanValue: value };
  if (value instanceof Date) return { stringValue: value.toISOString().replace('T', ' ').slice(0, 19) };
  return { stringValue: String(value) };
}

/** `:p1` named parameters back to `$1` for Postgres. */
function positional(sql: string, parameters: { name: string; value: string }[] = []): { sql: string; params: string[] } {
  const params: string[] = [];
  const text = sql.replace(/:(p\d+)\b/g, (_, name: string) => {
    const p = parameters.find((x) => x.name === name);
    if (!p) throw new Error(`no value for parameter ${name}`);
    params.push(p.value);
    return `$${params.length}`;
  });
  return { sql: text, params };
}

export async function startFakeRedshiftData(db?: PGlite, options: { pollsBeforeDone?: number; pageSize?: number } = {}): Promise<FakeRedshiftData> {
  const statements = new Map<string, Statement>();
  const calls: RecordedCall[] = [];
  const failures: { pattern: RegExp; error: string }[] = [];
  let next = 0;
  const pageSize = options.pageSize ?? 2;

  async function run(sqls: string[], parameters?: { name: string; value: string }[]): Promise<Pick<Statement, 'error' | 'failedAt' | 'columns' | 'records'>> {
    for (const f of failures) {
      const at = sqls.findIndex((s) => f.pattern.test(s));
      if (at >= 0) return { error: f.error, failedAt: at, columns: [], records: [] };
    }
    if (!db) {
      return { columns: [], records: [] };
    }
    try {
      if (sqls.length > 1) {
        await db.transaction(async (tx) => {
          for (const s of sqls) await tx.exec(s);
        });
        return { columns: [], records: [] };
      }
      const { sql, params } = positional(sqls[0], parameters);
      const result = params.length ? await db.query<Record<string, unknown>>(sql, params) : (await db.exec(sql)).at(-1)!;
      const columns = (result.fields ?? []).map((f) => ({ name: f.name, typeName: TYPE_NAMES[f.dataTypeID] ?? 'varchar' }));
      const records = (result.rows as Record<string, unknown>[]).map((row) => columns.map((c) => toField(row[c.name], c.typeName)));
      return { columns, records };
    } catch (error) {
      return { error: (error as Error).message, columns: [], records: [] };
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const action = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      calls.push({ action, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if ((action === 'ExecuteStatement' || action === 'BatchExecuteStatement') && (!body.WorkgroupName || !body.Database)) {
        return reply(400, { __type: 'ValidationException', message: 'WorkgroupName and Database are required' });
      }
      switch (action) {
        case 'ExecuteStatement':
        case 'BatchExecuteStatement': {
          const id = `stmt-${++next}`;
          const sqls = action === 'ExecuteStatement' ? [body.Sql as string] : (body.Sqls as string[]);
          const outcome = await run(sqls, body.Parameters as { name: string; value: string }[] | undefined);
          statements.set(id, { polls: 0, sql: sqls.join(';\n'), ...(action === 'BatchExecuteStatement' ? { batch: sqls } : {}), ...outcome });
          return reply(200, { Id: id, CreatedAt: Date.now() / 1000, WorkgroupName: body.WorkgroupName, Database: body.Database });
        }
        case 'DescribeStatement': {
          const s = statements.get(body.Id as string);
          if (!s) return reply(400, { __type: 'ResourceNotFoundException', message: `no statement ${body.Id}` });
          s.polls++;
          const running = s.polls <= (options.pollsBeforeDone ?? 1);
          const status = running ? 'STARTED' : s.error ? 'FAILED' : 'FINISHED';
          return reply(200, {
            Id: body.Id,
            Status: status,
            QueryString: s.sql,
            HasResultSet: !running && !s.error && s.columns.length > 0,
            ...(status === 'FAILED' ? { Error: s.error } : {}),
            ...(s.batch
              ? {
                  SubStatements: s.batch.map((q, i) => {
                    const failed = status === 'FAILED' && (s.failedAt ?? 0) === i;
                    const sub = status !== 'FAILED' ? status : failed ? 'FAILED' : i < (s.failedAt ?? 0) ? 'FINISHED' : 'ABORTED';
                    return { Id: `${body.Id}:${i + 1}`, QueryString: q, Status: sub, ...(failed ? { Error: s.error } : {}) };
                  }),
                }
              : {}),
          });
        }
        case 'GetStatementResult': {
          const s = statements.get(body.Id as string);
          if (!s) return reply(400, { __type: 'ResourceNotFoundException', message: `no statement ${body.Id}` });
          const start = body.NextToken ? Number(body.NextToken) : 0;
          const page = s.records.slice(start, start + pageSize);
          const more = start + pageSize < s.records.length;
          return reply(200, { Records: page, ColumnMetadata: s.columns, TotalNumRows: s.records.length, ...(more ? { NextToken: String(start + pageSize) } : {}) });
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
    sent: () => calls.filter((c) => c.action === 'ExecuteStatement' || c.action === 'BatchExecuteStatement').map((c) => (c.action === 'ExecuteStatement' ? (c.body.Sql as string) : (c.body.Sqls as string[]))),
    failWhen(pattern, error) {
      failures.push({ pattern, error });
    },
    stop: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
