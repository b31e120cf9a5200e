// An extracted Lambda archive run as the Node.js runtime runs it: a fresh Node
// process whose only packages are the archive's own and the AWS SDK v3 the runtime
// provides. The process starts in the archive's directory (outside the project, so no
// project node_modules is on the lookup path) with NODE_PATH naming a directory that
// holds symlinks to @aws-sdk/* and the packages those depend on, nothing else. It
// loads the handler named like Lambda's (`index.handler`), reports how long that
// took, then serves invocations one at a time, as one execution environment does.
// (Node follows the symlinks, so the SDK's own files resolve their dependencies from
// their real place; the archive's requires reach only the archive and NODE_PATH.)
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LambdaNodeRuntime } from '../kernel/awsLimits';
import { lambdaNodeBinary } from './lambdaNode';

const BOOTSTRAP = String.raw`
const path = require('node:path');
const started = performance.now();
const cpu = process.cpuUsage();
const cpuMs = (since) => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
const handlerName = process.env._HANDLER;
const dot = handlerName.lastIndexOf('.');
let handler;
try {
  const module = require(path.join(process.env.LAMBDA_TASK_ROOT, handlerName.slice(0, dot)));
  handler = module[handlerName.slice(dot + 1)];
  if (typeof handler !== 'function') throw new Error('Runtime.HandlerNotFound: ' + handlerName + ' is undefined or not exported');
} catch (error) {
  process.send({ initError: String(error && error.stack || error) });
  process.exit(1);
}
process.send({ ready: true, initMs: performance.now() - started, initCpuMs: cpuMs(cpu), nodeVersion: process.version });
process.on('message', async ({ id, event, context }) => {
  const deadline = Date.now() + context.timeoutMs;
  const ctx = { ...context, callbackWaitsForEmptyEventLoop: false, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
  const t = performance.now();
  const c = process.cpuUsage();
  try {
    const result = await handler(event, ctx);
    process.send({ id, result, ms: performance.now() - t, cpuMs: cpuMs(c) });
  } catch (error) {
    process.send({ id, error: { name: error && error.name, message: error && error.message, stack: error && error.stack }, ms: performance.now() - t, cpuMs: cpuMs(c) });
  }
});
`;

/** Packages the Lambda Node.js runtime provides: @aws-sdk/* and, transitively, their dependencies. */
export function providedPackages(projectDir = process.cwd()): string[] {
  const modules = path.join(projectDir, 'node_modules');
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !fs.existsSync(path.join(modules, name, 'package.json'))) return;
    seen.add(name);
    const manifest = JSON.parse(fs.readFileSync(path.join(modules, name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep);
  };
  for (const name of fs.readdirSync(path.join(modules, '@aws-sdk'))) visit(`@aws-sdk/${name}`);
  return [...seen].sort();
}

/** A directory of symlinks to just the provided packages, for NODE_PATH. */
export function makeRuntimeModules(dir: string, projectDir = process.cwd()): string {
  const modules = path.join(dir, 'node_modules');
  for (const name of providedPackages(projectDir)) {
    const link = path.join(modules, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    if (!fs.existsSync(link)) fs.symlinkSync(path.resolve(projectDir, 'node_modules', name), link, 'dir');
  }
  fs.writeFileSync(path.join(dir, 'bootstrap.js'), BOOTSTRAP);
  return modules;
}

export interface BareFunctionOptions {
  /** The extracted archive (LAMBDA_TASK_ROOT). */
  taskRoot: string;
  /** From makeRuntimeModules. */
  runtimeModules: string;
  handler: string;
  functionName: string;
  /** The function's environment plus endpoint and credential settings. */
  env: Record<string, string>;
  timeoutMs?: number;
  memoryMb?: number;
  /** The function's runtime: the process runs that runtime's Node major (local/lambdaNode.ts); default this Node. */
  runtime?: LambdaNodeRuntime;
}

export interface InvokeResult<T> {
  result?: T;
  error?: { name?: string; message?: string; stack?: string };
  /** Wall clock of the invocation, inside the function's process. */
  ms: number;
  /** CPU time of the function's process during the invocation. */
  cpuMs: number;
}

export interface BareFunction {
  /** `process.version` inside the function's process. */
  nodeVersion: string;
  /** Milliseconds to require the archive and find its handler (Lambda's init phase, without the process start). */
  initMs: number;
  /** CPU time of the same span. */
  initCpuMs: number;
  invoke<T = unknown>(event: unknown): Promise<InvokeResult<T>>;
  /** The last of what the function printed (its JSON logs), for failure messages. */
  output(): string;
  close(): Promise<void>;
}

let nextRequest = 0;

/** Starts one execution environment of an extracted archive and waits for its init. */
export async function startBareFunction(options: BareFunctionOptions): Promise<BareFunction> {
  const bootstrap = path.join(path.dirname(options.runtimeModules), 'bootstrap.js');
  const child: ChildProcess = fork(bootstrap, [], {
    cwd: options.taskRoot,
    execPath: options.runtime ? lambdaNodeBinary(options.runtime) : process.execPath,
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_PATH: options.runtimeModules,
      LAMBDA_TASK_ROOT: options.taskRoot,
      _HANDLER: options.handler,
      AWS_LAMBDA_FUNCTION_NAME: options.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb ?? 512),
      AWS_EXECUTION_ENV: `AWS_Lambda_${options.runtime ?? 'nodejs24.x'}`,
      TZ: 'UTC',
      ...options.env,
    },
  });
  let printed = '';
  const keep = (chunk: Buffer) => (printed = (printed + chunk.toString('utf8')).slice(-16_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const pending = new Map<number, (m: InvokeResult<unknown>) => void>();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const init = await new Promise<{ initMs: number; initCpuMs: number; nodeVersion: string }>((resolve, reject) => {
    child.once(
      'message',
      (m: { ready?: boolean; initMs?: number; initCpuMs?: number; nodeVersion?: string; initError?: string }) =>
        m.ready
          ? resolve({ initMs: m.initMs!, initCpuMs: m.initCpuMs!, nodeVersion: m.nodeVersion! })
          : reject(new Error(`${options.functionName} failed to load: ${m.initError}`)),
    );
    void exited.then((code) =>
      reject(new Error(`${options.functionName} exited while loading (code ${code}):\n${printed}`)),
    );
  });
  child.on('message', (m: { id: number } & InvokeResult<unknown>) => {
    pending.get(m.id)?.({ result: m.result, error: m.error, ms: m.ms, cpuMs: m.cpuMs });
    pending.delete(m.id);
  });
  void exited.then((code) => {
    for (const resolve of pending.values())
      resolve({ error: { name: 'Runtime.ExitError', message: `process exited (code ${code})` }, ms: 0, cpuMs: 0 });
    pending.clear();
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  return {
    ...init,
    invoke<T>(event: unknown) {
      const id = nextRequest++;
      const context = {
        functionName: options.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:${options.env.AWS_REGION ?? 'us-east-1'}:000000000000:function:${options.functionName}`,
        memoryLimitInMB: String(options.memoryMb ?? 512),
        awsRequestId: `bare-${process.pid}-${id}`,
        logGroupName: `/aws/lambda/${options.functionName}`,
        logStreamName: `bare/${id}`,
        timeoutMs,
      };
      return new Promise<InvokeResult<T>>((resolve) => {
        pending.set(id, resolve as (m: InvokeResult<unknown>) => void);
        child.send({ id, event, context });
      });
    },
    output: () => printed,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill();
        await exited;
      }
    },
  };
}

/** A scratch directory outside the project (no node_modules above it). */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
