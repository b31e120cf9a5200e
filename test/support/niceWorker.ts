// A worker module for local/workerPool.test.ts: answers each request with the
// niceness of the thread it runs on, read from /proc (Linux).
import { readFileSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { serveRequests } from '../../local/workerPool';

/** Field 19 of /proc/thread-self/stat is the thread's nice value. */
function threadNiceness(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

export function serveNiceness(port: MessagePort): void {
  serveRequests<null, number>(port, async () => threadNiceness());
}
