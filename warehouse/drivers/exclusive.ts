// One connection, one unit of work at a time. The twin's drivers (PGlite, in this thread
// or a worker, and a Postgres server) each have a single connection, and a transaction on
// it is whatever the connection runs between BEGIN and COMMIT. Sent as separate calls,
// any other statement sent meanwhile (the twin's ledger, say) would join that transaction
// and be rolled back with it. So every statement here waits its turn, and transaction()
// holds the turn from BEGIN to COMMIT or ROLLBACK: nothing else can run inside it.
import type { CopyDriver } from '../runner';

/** The statements of a driver before it is made exclusive (its own transaction() is ignored). */
export type ConnectionCalls = Omit<CopyDriver, 'transaction'>;

/**
 * The same driver with every call queued on the one connection, and transaction(work):
 * BEGIN, work(tx), COMMIT (ROLLBACK when work throws), with the other calls held until it ends.
 * Inside work, use tx only: a call on the driver itself waits for the transaction, which waits
 * for work. (No AsyncLocalStorage guard: it would put promise hooks on every statement of the twin.)
 */
export function exclusive<D extends ConnectionCalls>(connection: D): D & Pick<CopyDriver, 'transaction'> {
  let tail: Promise<unknown> = Promise.resolve();
  const turn = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
  const transaction = <T>(work: (tx: CopyDriver) => Promise<T>): Promise<T> =>
    turn(async () => {
      let open = true;
      const inTx =
        <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
        (...args: A): Promise<R> => {
          if (!open) return Promise.reject(new Error('the transaction has ended; its tx takes no more statements'));
          return call(...args);
        };
      const tx: CopyDriver = {
        dialect: connection.dialect,
        exec: inTx((sql: string) => connection.exec(sql)),
        query: <R>(sql: string, params?: unknown[]) => inTx(() => connection.query<R>(sql, params))(),
        copyCsv: inTx((table: string, columns: readonly string[], csv: Uint8Array) =>
          connection.copyCsv(table, columns, csv),
        ),
        transaction: () => Promise.reject(new Error('transactions do not nest')),
      };
      await connection.exec('BEGIN');
      try {
        const result = await work(tx);
        open = false;
        await connection.exec('COMMIT');
        return result;
      } catch (error) {
        open = false;
        await connection.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  return {
    ...connection,
    exec: (sql, options) => turn(() => connection.exec(sql, options)),
    query: <T>(sql: string, params?: unknown[]) => turn(() => connection.query<T>(sql, params)),
    copyCsv: (table, columns, csv) => turn(() => connection.copyCsv(table, columns, csv)),
    execInTransaction: (statements, options) =>
      connection.execInTransaction
        ? turn(() => connection.execInTransaction!(statements, options))
        : transaction(async (tx) => {
            for (const s of statements) await tx.exec(s);
          }),
    transaction,
    close: connection.close ? () => turn(() => connection.close!()) : undefined,
  };
}
