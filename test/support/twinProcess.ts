// The twin as a person runs it, in a process of its own: for the tests about the process itself
// (kills, signals, exit codes, the lock, a full disk), where an in-process runTwin cannot stand in.
// Node runs local/cli.ts with tsx as a loader, not tsx's CLI, which would run it in a child: a
// signal sent to the child hits the twin.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** The test runner's environment without its npm_ variables, which are not a person's (npm sets its own). */
export function personEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))), ...extra };
}

export interface Ended {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Everything printed so far. */
  out: { stdout: string; stderr: string };
  /** Settles when the process has exited and its output is closed. */
  done: Promise<Ended>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** A process group of its own, as a terminal runs a command (its Ctrl-C goes to the group). */
  detached?: boolean;
  /** SIGKILL after this long: a hang fails the test that waits, not the whole suite. */
  killAfterMs?: number;
}

/** Starts a command in the project's directory, collecting what it prints. */
export function start(command: string, args: string[], options: StartOptions = {}): Running {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: options.env ?? personEnv(),
    detached: options.detached ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const killer = options.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), options.killAfterMs) : undefined;
  const done = new Promise<Ended>((resolve) =>
    child.once('close', (status, signal) => {
      clearTimeout(killer);
      resolve({ status, signal, ...out });
    }),
  );
  return { child, out, done };
}

/**
 * The node arguments of package.json's `start` script (`node <flags> local/cli.ts`): what `npm start`
 * runs, V8 flags included, so a twin started here costs what a person's does.
 */
export function startScriptArgs(): string[] {
  const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } })
    .scripts.start;
  const [command, ...args] = script.split(/\s+/);
  if (command !== 'node') throw new Error(`package.json's start script does not run node: ${script}`);
  return args.map((a) => (a.endsWith('.ts') ? join(ROOT, a) : a));
}

/** `npm start -- <args>` without npm: the start script's node command. */
export const startTwin = (args: string[], options?: StartOptions) =>
  start(process.execPath, [...startScriptArgs(), ...args], options);

/** `npm start --silent -- <args>`: npm in between, as a person types it. */
export const startTwinViaNpm = (args: string[], options?: StartOptions) =>
  start('npm', ['start', '--silent', '--', ...args], options);

/**
 * Resolves with the first whole line of stdout that matches `pattern`, as soon as it is printed
 * (or already was); rejects if the process exits first, or after `timeoutMs`.
 */
export function waitForLine(run: Running, pattern: RegExp, timeoutMs = 150_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const found = (ended: boolean) => {
      const lines = run.out.stdout.split('\n');
      return (ended ? lines : lines.slice(0, -1)).find((line) => pattern.test(line));
    };
    const settle = (line: string | undefined, why: string) => {
      if (settled) return;
      settled = true;
      run.child.stdout!.off('data', onData);
      clearTimeout(timer);
      if (line !== undefined) resolve(line);
      else
        reject(
          new Error(
            `${why} before printing ${pattern}:\n${run.out.stdout.slice(-1500)}\n${run.out.stderr.slice(-1500)}`,
          ),
        );
    };
    // Listeners run in the order they were added: start()'s collector first, so out.stdout holds the chunk.
    const onData = () => {
      const line = found(false);
      if (line !== undefined) settle(line, '');
    };
    const timer = setTimeout(() => settle(undefined, `${timeoutMs} ms passed`), timeoutMs);
    run.child.stdout!.on('data', onData);
    onData();
    void run.done.then(({ status, signal }) => settle(found(true), `exited (${status ?? signal})`));
  });
}
/** SIGKILL, and wait for the exit; false if it had already ended on its own. */
export function kill(run: Running): Promise<boolean> {
  const { child } = run;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(false);
  return new Promise((resolve) => {
    child.once('exit', () => resolve(true));
    child.kill('SIGKILL');
  });
}
