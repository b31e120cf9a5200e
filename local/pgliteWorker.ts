// PGlite in a worker thread, behind the warehouse's CopyDriver interface. The
// twin's loader then COPYs on the second core while the main thread keeps the
// queues, the consumers and S3 going, as auto-copy loads beside the pipeline in AWS.
// Statements run one at a time, in the order they were sent, on one connection, so
// BEGIN ... COMMIT sent through exec() frames the statements between them.
import { Worker } from 'node:worker_threads';
import type { CopyDriver } from '../warehouse/runner';
import { copyCsvSql } from '../warehouse/drivers/copy-sql';
import { pgliteSettings } from '../warehouse/drivers/pglite';
import { exclusive } from '../warehouse/drivers/exclusive';

// Plain CommonJS so the worker runs the same under tsx, jest and node: it needs no TypeScript.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglitePath);
const opened = PGlite.create({ dataDir: workerData.dataDir, loadDataDir: workerData.blank ? new Blob([workerData.blank]) : undefined, startParams: [...PGlite.defaultStartParams, ...workerData.settings] });
let queue = Promise.resolve();
async function handle(m) {
  const db = await opened;
  switch (m.op) {
    case 'exec': await db.exec(m.sql); return undefined;
    case 'query': return (await db.query(m.sql, m.params || [])).rows;
    case 'transaction': await db.transaction(async (tx) => { for (const s of m.statements) await tx.exec(s); }); return undefined;
    case 'copy': return (await db.query(m.sql, [], { blob: new Blob([m.csv]) })).affectedRows || 0;
    case 'close': if (!db.closed) await db.close(); return undefined;
    case 'ready': return undefined;
  }
  throw new Error('unknown operation ' + m.op);
}
parentPort.on('message', (m) => {
  queue = queue.then(() => handle(m)).then(
    (result) => parentPort.postMessage({ id: m.id, result }),
    (e) => parentPort.postMessage({ id: m.id, error: { name: e && e.name, message: String((e && e.message) || e), detail: e && e.detail, where: e && e.where, code: e && e.code } }),
  );
});
`;

type Request =
  | { op: 'exec'; sql: string }
  | { op: 'query'; sql: string; params?: unknown[] }
  | { op: 'transaction'; statements: readonly string[] }
  | { op: 'copy'; sql: string; csv: Uint8Array }
  | { op: 'close' }
  | { op: 'ready' };

/** A Postgres error as the loader reads it: message, detail and where. */
class WorkerDbError extends Error {
  detail?: string;
  where?: string;
  code?: string;
}

export interface PgliteWorkerDriver extends CopyDriver {
  readonly dialect: 'postgres';
  close(): Promise<void>;
}

/**
 * Open PGlite on `dataDir` in a worker thread; resolves once the database is open.
 * `blank` (a dumped empty data directory) starts a new directory without initdb.
 */
export async function openPgliteInWorker(dataDir: string, blank?: Uint8Array): Promise<PgliteWorkerDriver> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { dataDir, blank, pglitePath: require.resolve('@electric-sql/pglite'), settings: pgliteSettings() },
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  worker.on(
    'message',
    (m: {
      id: number;
      result?: unknown;
      error?: { name?: string; message: string; detail?: string; where?: string; code?: string };
    }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) {
        const e = new WorkerDbError(m.error.message);
        if (m.error.name) e.name = m.error.name;
        e.detail = m.error.detail;
        e.where = m.error.where;
        e.code = m.error.code;
        p.reject(e);
      } else p.resolve(m.result);
    },
  );
  const failAll = (error: Error) => {
    failure = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`the PGlite worker exited (code ${code})`)));
  const call = <T>(request: Request): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, ...request });
    });
  };
  try {
    await call({ op: 'ready' });
  } catch (error) {
    await worker.terminate();
    throw new Error(`could not open PGlite at ${dataDir}: ${(error as Error).message}`, { cause: error });
  }
  return exclusive({
    dialect: 'postgres' as const,
    exec: (sql) => call({ op: 'exec', sql }),
    query: <T>(sql: string, params?: unknown[]) => call<T[]>({ op: 'query', sql, params }),
    execInTransaction: (statements) => call({ op: 'transaction', statements }),
    copyCsv: (table, columns, csv) => call<number>({ op: 'copy', sql: copyCsvSql(table, columns, `'/dev/blob'`), csv }),
    async close() {
      if (!failure) await call({ op: 'close' }).catch(() => undefined);
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  });
}
