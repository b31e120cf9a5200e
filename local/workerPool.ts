// A fixed pool of worker threads, each a simulated Lambda execution environment:
// one invocation at a time, its own clients, its own module state. The twin runs
// the real handlers in them so they use the machine's other core, as Lambda runs
// invocations side by side. Workers load TypeScript through tsx's register API, so
// the same pool works under `npm start` (tsx), jest and the bench.
import { join, resolve } from 'node:path';
import { Worker, type MessagePort } from 'node:worker_threads';

const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
// Linux names the calling thread in /proc/thread-self; elsewhere the priority stays as it is.
try {
  const os = require('node:os');
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  os.setPriority(tid, Math.min(19, os.getPriority(tid) + workerData.niceness));
} catch {}
// Plain JavaScript the worker will load (the AWS SDK) before tsx hooks every require: tsx reads and
// scans each .js file for ESM syntax, which doubles the CPU of loading the SDK's files.
for (const file of workerData.preload) require(file);
require(workerData.tsxApi).register();
require(workerData.module)[workerData.entry](parentPort, workerData.data);
`;

/**
 * Function workers run this much nicer than the main thread (the emulator and the
 * loader) and the warehouse worker (Linux; up to the lowest priority, 19). In AWS, Lambda scales out beside SQS, S3 and
 * Redshift; on a laptop they share a few cores, and the warehouse loads one file at a
 * time, so it is the stage to keep busy: the functions take the CPU it leaves.
 */
export const FUNCTION_NICENESS = 10;

/** What a worker module exports: it serves requests on the port after posting `{ ready: true }`. */
export type WorkerEntry<Data> = (port: MessagePort, data: Data) => void;

/** Inside a worker: answer each `{ id, request }` with `{ id, response }` or `{ id, error }`, one at a time. */
export function serveRequests<Req, Res>(port: MessagePort, handle: (request: Req) => Promise<Res>): void {
  let queue = Promise.resolve();
  port.on('message', (m: { id: number; request: Req }) => {
    queue = queue.then(async () => {
      try {
        port.postMessage({ id: m.id, response: await handle(m.request) });
      } catch (error) {
        port.postMessage({ id: m.id, error: (error as Error).stack ?? String(error) });
      }
    });
  });
  port.postMessage({ ready: true });
}

/** An invocation that outran its deadline; its worker is replaced. */
export class InvocationTimeout extends Error {
  override name = 'InvocationTimeout';
}

/** Starts one worker and waits for its `{ ready: true }` (its cold start); a worker that fails to start is terminated. */
async function startWorker(name: string, env: NodeJS.ProcessEnv, workerData: object): Promise<Worker> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, env, workerData });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`${name} worker exited while starting (code ${code})`)));
    });
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return worker.removeAllListeners('error').removeAllListeners('exit');
}

export class WorkerPool<Req, Res> {
  private readonly live = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly waiting: { resolve: (w: Worker) => void; reject: (e: unknown) => void }[] = [];
  private nextId = 0;
  /** Why a replacement worker could not start: the pool then refuses further invocations. */
  private broken: unknown;
  private closed = false;

  private constructor(
    workers: Worker[],
    private readonly name: string,
    private readonly spawn: () => Promise<Worker>,
  ) {
    for (const w of workers) this.live.add(w);
    this.idle.push(...workers);
  }

  /**
   * Start `size` workers running `module`'s `entry`, and wait until each has loaded (its cold start).
   * `env` adds to the workers' environment (a function's own variables, as Lambda sets them).
   * `preload` names plain JavaScript modules to load first, without tsx (sdkModule's paths).
   */
  static async start<Req, Res, Data>(
    name: string,
    size: number,
    module: string,
    entry: string,
    data: Data,
    extraEnv: Record<string, string> = {},
    preload: string[] = [],
  ): Promise<WorkerPool<Req, Res>> {
    const env = { ...process.env, ...extraEnv };
    const tsxApi = require.resolve('tsx/cjs/api');
    const workerData = { tsxApi, niceness: FUNCTION_NICENESS, module, entry, data, preload };
    const spawn = () => startWorker(name, env, workerData);
    const started = await Promise.allSettled(Array.from({ length: size }, spawn));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.terminate() : undefined)));
      throw failed.reason;
    }
    return new WorkerPool<Req, Res>(
      started.map((s) => (s as PromiseFulfilledResult<Worker>).value),
      name,
      spawn,
    );
  }

  /**
   * Run one request on the next free worker. With `timeoutMs`, a request still running then
   * rejects with InvocationTimeout and its worker is replaced by a fresh one (a cold start), as
   * Lambda stops an execution environment that timed out: the overrun never finishes its work.
   */
  async invoke(request: Req, timeoutMs?: number): Promise<Res> {
    const worker = await this.acquire();
    let timedOut = false;
    try {
      return await this.exchange(worker, request, timeoutMs);
    } catch (error) {
      timedOut = error instanceof InvocationTimeout;
      throw error;
    } finally {
      if (timedOut) this.replace(worker);
      else this.release(worker);
    }
  }

  private acquire(): Promise<Worker> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    const worker = this.idle.pop();
    return worker ? Promise.resolve(worker) : new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next.resolve(worker);
    else this.idle.push(worker);
  }

  private replace(worker: Worker): void {
    this.live.delete(worker);
    void worker.terminate();
    this.spawn().then(
      (fresh) => {
        if (this.closed) return void fresh.terminate();
        this.live.add(fresh);
        this.release(fresh);
      },
      (error: unknown) => {
        this.broken = error;
        for (const w of this.waiting.splice(0)) w.reject(error);
      },
    );
  }

  private exchange(worker: Worker, request: Req, timeoutMs: number | undefined): Promise<Res> {
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        outcome();
      };
      const onMessage = (m: { id: number; response?: Res; error?: string }) => {
        if (m.id !== id) return;
        if (m.error !== undefined) settle(() => reject(new Error(`${this.name} invocation failed: ${m.error}`)));
        else settle(() => resolve(m.response as Res));
      };
      const onError = (e: Error) => settle(() => reject(e));
      const onExit = (code: number) => settle(() => reject(new Error(`${this.name} worker exited (code ${code})`)));
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () =>
                settle(() => reject(new InvocationTimeout(`${this.name} invocation timed out after ${timeoutMs} ms`))),
              timeoutMs,
            );
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage({ id, request });
    });
  }

  async close(): Promise<void> {
    const error = new Error(`${this.name} pool closed`);
    this.closed = true;
    this.broken = error;
    for (const w of this.waiting.splice(0)) w.reject(error);
    await Promise.all([...this.live].map((w) => w.terminate()));
  }
}

/** A shipped archive for a worker to run: its extracted directory and Lambda's handler name (`index.handler`). */
export interface ArchiveHandler {
  dir: string;
  handler: string;
}

/** A module's export, loaded at run time by path: a function that the twin starts in a worker (or calls in this thread). */
export function loadExport<F extends (...args: never[]) => unknown>(module: string, entry: string): F {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is named at run time, as Lambda names a handler
  const loaded = require(module)[entry];
  if (typeof loaded !== 'function') throw new Error(`${entry} is not a function in ${module}`);
  return loaded as F;
}

/**
 * Inside a worker: a module that only the source path runs, loaded when that path is taken. A
 * worker that runs a shipped archive uses the archive's own bundled copies, so importing these
 * at the top would only add their load time to each cold start.
 */
export function sourceModule<M>(module: string): M {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only on the source path (see above)
  return require(module) as M;
}

/** Inside a worker: load the archive's handler as the Lambda runtime does (require the file, take the export). */
export function loadArchiveHandler<F extends (...args: never[]) => Promise<unknown>>(archive: ArchiveHandler): F {
  const dot = archive.handler.lastIndexOf('.');
  return loadExport<F>(join(resolve(archive.dir), archive.handler.slice(0, dot)), archive.handler.slice(dot + 1));
}

/** The file an SDK package loads from: the archive's own copy (resolved from its directory), or the source modules'. */
export function sdkModule(sdkPackage: string, archive?: ArchiveHandler): string {
  return require.resolve(sdkPackage, { paths: [archive ? resolve(archive.dir) : __dirname] });
}

/**
 * Inside a worker: the AWS SDK client class an archive will load (resolved from the
 * archive's directory, so the same module), with `attach` called on each new client
 * before its first request. An archive builds its own clients; this is how the twin
 * meters them and injects its faults, as OpenTelemetry's AWS SDK instrumentation does
 * (it wraps `send`). The archive's code is not touched.
 */
export function onEachArchiveClient<C extends { send: (...args: never[]) => unknown }>(
  archive: ArchiveHandler,
  sdkPackage: string,
  className: string,
  attach: (client: C) => void,
): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the archive's own copy of the SDK, resolved from its directory at run time
  const ClientClass = require(sdkModule(sdkPackage, archive))[className] as {
    prototype: C;
  };
  const send = ClientClass.prototype.send;
  const attached = new WeakSet<object>();
  ClientClass.prototype.send = function (this: C, ...args: unknown[]) {
    if (!attached.has(this)) {
      attached.add(this);
      attach(this);
    }
    return send.apply(this, args as never[]);
  };
}
