import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_NICENESS, InvocationTimeout, WorkerPool } from './workerPool';

const linux = process.platform === 'linux' && existsSync('/proc/thread-self/stat');
const niceness = () => {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};

(linux ? it : it.skip)(
  'runs function workers nicer than the thread that starts them',
  async () => {
    // The starting thread runs the emulator and the loader; the PGlite worker keeps its priority too.
    const before = niceness();
    const pool = await WorkerPool.start<null, number, undefined>(
      'nice',
      2,
      join(__dirname, '..', 'test', 'support', 'niceWorker.ts'),
      'serveNiceness',
      undefined,
    );
    try {
      const answers = await Promise.all([pool.invoke(null), pool.invoke(null), pool.invoke(null)]);
      expect(answers).toEqual(Array(3).fill(Math.min(19, before + FUNCTION_NICENESS)));
    } finally {
      await pool.close();
    }
    expect(niceness()).toBe(before);
  },
  60_000,
);

it('stops an invocation that outruns its timeout and replaces its worker, as Lambda restarts a timed-out environment', async () => {
  const pool = await WorkerPool.start<number, number, undefined>(
    'sleepy',
    1,
    join(__dirname, '..', 'test', 'support', 'sleepyWorker.ts'),
    'serveSleep',
    undefined,
  );
  try {
    const first = await pool.invoke(0, 30_000);
    await expect(pool.invoke(5_000, 200)).rejects.toThrow(InvocationTimeout);
    // The one worker was replaced: the next invocation runs on a fresh thread, not after the overrun.
    expect(await pool.invoke(0, 30_000)).not.toBe(first);
  } finally {
    await pool.close();
  }
}, 60_000);
