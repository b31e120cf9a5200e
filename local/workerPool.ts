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

export class WorkerPool<Req, Res> {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private nextId = 0;

  private constructor(
    private readonly workers: Worker[],
    private readonly name: string,
  ) {
    this.idle.push(...workers);
  }

  /**
   * Start `size` workers running `module`'s `entry`, and wait until each has loaded (its cold start).
   * `env` adds to the workers' environment (a function's own variables, as Lambda sets them).
   */
  static async start<Req, Res, Data>(
    name: string,
    size: number,
    module: string,
    entry: string,
    data: Data,
    extraEnv: Record<string, string> = {},
  ): Promise<WorkerPool<Req, Res>> {
    // The main thread already printed the SDK's Node version notice; one per worker is noise.
    const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extraEnv };
    const workers = Array.from(
      { length: size },
      () =>
        new Worker(WORKER_SOURCE, {
          eval: true,
          env,
          workerData: { tsxApi: require.resolve('tsx/cjs/api'), niceness: FUNCTION_NICENESS, module, entry, data },
        }),
    );
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              w.once('message', () => resolve());
              w.once('error', reject);
              w.once('exit', (code) => reject(new Error(`${name} worker exited while starting (code ${code})`)));
            }),
        ),
      );
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
    for (const w of workers) w.removeAllListeners('error').removeAllListeners('exit');
    return new WorkerPool<Req, Res>(workers, name);
  }

  /** Run one request on the next free worker. */
  async invoke(request: Req): Promise<Res> {
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    const id = this.nextId++;
    try {
      return await new Promise<Res>((resolve, reject) => {
        const onMessage = (m: { id: number; response?: Res; error?: string }) => {
          if (m.id !== id) return;
          cleanup();
          if (m.error !== undefined) reject(new Error(`${this.name} invocation failed: ${m.error}`));
          else resolve(m.response as Res);
        };
        const onError = (e: Error) => {
          cleanup();
          reject(e);
        };
        const onExit = (code: number) => {
          cleanup();
          reject(new Error(`${this.name} worker exited (code ${code})`));
        };
        const cleanup = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        worker.postMessage({ id, request });
      });
    } finally {
      const next = this.waiting.shift();
      if (next) next(worker);
      else this.idle.push(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** A shipped archive for a worker to run: its extracted directory and Lambda's handler name (`index.handler`). */
export interface ArchiveHandler {
  dir: string;
  handler: string;
}

/** Inside a worker: load the archive's handler as the Lambda runtime does (require the file, take the export). */
export function loadArchiveHandler<F extends (...args: never[]) => Promise<unknown>>(archive: ArchiveHandler): F {
  const dot = archive.handler.lastIndexOf('.');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const handler = require(join(resolve(archive.dir), archive.handler.slice(0, dot)))[archive.handler.slice(dot + 1)];
  if (typeof handler !== 'function') throw new Error(`${archive.handler} is not a function in ${archive.dir}`);
  return handler as F;
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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ClientClass = require(require.resolve(sdkPackage, { paths: [resolve(archive.dir)] }))[className] as {
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
