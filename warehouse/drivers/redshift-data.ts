// Redshift Serverless through the Redshift Data API: no connection to hold, so it
// runs in a Lambda outside the VPC's database port. Each call submits a statement,
// polls DescribeStatement until it ends, and pages GetStatementResult for rows.
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ListStatementsCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type ColumnMetadata,
  type Field,
  type RedshiftDataClient,
  type SqlParameter,
} from '@aws-sdk/client-redshift-data';
import { REDSHIFT_DATA_MAX_BATCH_STATEMENTS } from '../../kernel/awsLimits';
import { Problems } from '../../kernel/problems';
import type { SqlDriver, StatementOptions } from '../runner';

export interface RedshiftDataTarget {
  workgroupName: string;
  database: string;
  /** Secrets Manager secret with the credentials; without it the caller's IAM identity is used. */
  secretArn?: string;
  /** Delay between DescribeStatement polls; default 250 ms. */
  pollMs?: number;
  /** Give up on a statement after this long; default 15 minutes (the Lambda maximum). */
  timeoutMs?: number;
  /**
   * Time left to the caller (a Lambda's context.getRemainingTimeInMillis). A statement still
   * running when less than `cancelMarginMs` is left is cancelled, not left behind: Data API
   * statements run on after the caller dies, for up to 24 hours.
   */
  remainingMs?: () => number;
  /** Default 5 s: enough for the CancelStatement call and the error to reach the logs. */
  cancelMarginMs?: number;
}

export class RedshiftStatementError extends Error {
  constructor(
    message: string,
    readonly statementId: string,
    readonly sql: string,
  ) {
    super(message);
    this.name = 'RedshiftStatementError';
  }
}

/** DescribeStatement's statuses of a statement that has ended, and of one still in flight. */
const DONE = new Set(['FINISHED', 'FAILED', 'ABORTED']);
const RUNNING = new Set(['SUBMITTED', 'PICKED', 'STARTED']);

/** `$1` placeholders become Data API named parameters `:p1`. */
export function toNamedParameters(
  sql: string,
  params: readonly unknown[] = [],
): { sql: string; parameters?: SqlParameter[] } {
  if (params.length === 0) return { sql };
  const used = new Set<number>();
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n);
    if (i < 1 || i > params.length) throw new Error(`parameter $${i} has no value (${params.length} given)`);
    used.add(i);
    return `:p${i}`;
  });
  const parameters = [...used]
    .sort((a, b) => a - b)
    .map((i) => {
      const value = params[i - 1];
      // The Data API has no NULL parameter: a null must be written into the SQL.
      if (value === null || value === undefined)
        throw new Error(`parameter $${i} is ${value}; write NULL in the SQL instead`);
      return {
        name: `p${i}`,
        value: value instanceof Date ? value.toISOString().replace('T', ' ').slice(0, 19) : String(value),
      };
    });
  return { sql: text, parameters };
}

function fieldValue(field: Field, column: ColumnMetadata | undefined): unknown {
  if (field.isNull) return null;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return field.blobValue;
  const text = field.stringValue;
  if (text === undefined) return null;
  const type = column?.typeName?.toLowerCase() ?? '';
  // Same shapes as the Postgres drivers: TIMESTAMP as a UTC Date, numeric as an exact string.
  if (type === 'timestamp') return new Date(text.replace(' ', 'T') + 'Z');
  return text;
}

export class RedshiftDataDriver implements SqlDriver {
  readonly dialect = 'redshift' as const;
  private readonly pollMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly client: RedshiftDataClient,
    private readonly target: RedshiftDataTarget,
  ) {
    new Problems()
      .check(Boolean(target.workgroupName), 'workgroupName is required')
      .check(Boolean(target.database), 'database is required')
      .check(target.pollMs === undefined || target.pollMs >= 0, () => `pollMs must be >= 0, got ${target.pollMs}`)
      .throwIfAny('RedshiftDataDriver', (message) => new Error(message));
    this.pollMs = target.pollMs ?? 250;
    this.timeoutMs = target.timeoutMs ?? 15 * 60_000;
  }

  private get where() {
    return {
      WorkgroupName: this.target.workgroupName,
      Database: this.target.database,
      ...(this.target.secretArn ? { SecretArn: this.target.secretArn } : {}),
    };
  }

  /** Poll until the statement ends; throw with Redshift's error when it did not finish, cancel it when time runs out. */
  private async wait(id: string, sql: string): Promise<{ hasResultSet: boolean }> {
    const started = Date.now();
    const margin = this.target.cancelMarginMs ?? 5_000;
    for (;;) {
      const d = await this.client.send(new DescribeStatementCommand({ Id: id }));
      const status = d.Status ?? 'SUBMITTED';
      if (DONE.has(status)) {
        if (status !== 'FINISHED') {
          const failed = d.SubStatements?.find((s) => s.Status === 'FAILED');
          throw new RedshiftStatementError(
            `Redshift statement ${id} ${status}: ${d.Error ?? failed?.Error ?? 'no error given'}\nSQL: ${(failed?.QueryString ?? sql).slice(0, 500)}`,
            id,
            sql,
          );
        }
        return { hasResultSet: d.HasResultSet === true };
      }
      const remaining = this.target.remainingMs?.();
      const outOfTime = remaining !== undefined && remaining < margin + this.pollMs;
      if (outOfTime || Date.now() - started > this.timeoutMs) {
        await this.client.send(new CancelStatementCommand({ Id: id })).catch(() => undefined);
        throw new RedshiftStatementError(
          `Redshift statement ${id} still ${status} after ${Date.now() - started} ms; cancelled it (${outOfTime ? `${remaining} ms left to the caller` : `timeout ${this.timeoutMs} ms`})`,
          id,
          sql,
        );
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  /**
   * Statements an earlier run submitted under this name and that still run: wait for each to end
   * (whatever its outcome: the caller then reads what it recorded). ListStatements matches names
   * by prefix and lists this role's statements (RoleLevel) from any session.
   */
  async waitForInFlight(name: string): Promise<boolean> {
    let waited = false;
    let token: string | undefined;
    const ids: { id: string; sql: string }[] = [];
    do {
      const page = await this.client.send(
        new ListStatementsCommand({ StatementName: name, Status: 'ALL', RoleLevel: true, NextToken: token }),
      );
      for (const s of page.Statements ?? [])
        if (s.StatementName === name && RUNNING.has(s.Status ?? '') && s.Id)
          ids.push({ id: s.Id, sql: s.QueryString ?? '' });
      token = page.NextToken;
    } while (token);
    for (const { id, sql } of ids) {
      await this.wait(id, sql).catch((error: unknown) => {
        if (!(error instanceof RedshiftStatementError) || /cancelled it/.test(error.message)) throw error;
      });
      waited = true;
    }
    return waited;
  }

  async exec(sql: string, options?: StatementOptions): Promise<void> {
    const { Id } = await this.client.send(
      new ExecuteStatementCommand({ ...this.where, Sql: sql, StatementName: options?.name }),
    );
    await this.wait(Id!, sql);
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    const named = toNamedParameters(sql, params);
    const { Id } = await this.client.send(
      new ExecuteStatementCommand({ ...this.where, Sql: named.sql, Parameters: named.parameters }),
    );
    const { hasResultSet } = await this.wait(Id!, sql);
    if (!hasResultSet) return [];
    const rows: T[] = [];
    let token: string | undefined;
    let columns: ColumnMetadata[] = [];
    do {
      const page = await this.client.send(new GetStatementResultCommand({ Id, NextToken: token }));
      if (page.ColumnMetadata?.length) columns = page.ColumnMetadata;
      for (const record of page.Records ?? []) {
        const row: Record<string, unknown> = {};
        record.forEach((field, i) => (row[columns[i]?.name ?? `column${i}`] = fieldValue(field, columns[i])));
        rows.push(row as T);
      }
      token = page.NextToken;
    } while (token);
    return rows;
  }

  /** BatchExecuteStatement runs its statements as one transaction. */
  async execInTransaction(statements: readonly string[], options?: StatementOptions): Promise<void> {
    if (statements.length === 0) return;
    if (statements.length === 1) return this.exec(statements[0], options);
    if (statements.length > REDSHIFT_DATA_MAX_BATCH_STATEMENTS)
      throw new Error(
        `BatchExecuteStatement takes at most ${REDSHIFT_DATA_MAX_BATCH_STATEMENTS} statements, got ${statements.length}`,
      );
    const { Id } = await this.client.send(
      new BatchExecuteStatementCommand({ ...this.where, Sqls: [...statements], StatementName: options?.name }),
    );
    await this.wait(Id!, statements.join(';\n'));
  }
}
