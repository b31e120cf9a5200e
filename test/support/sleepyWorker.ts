// A worker module for local/workerPool.test.ts: sleeps as long as asked, then answers with
// its thread id (so a test can tell a replaced worker from the one it replaced).
import { threadId, type MessagePort } from 'node:worker_threads';
import { serveRequests } from '../../local/workerPool';

export function serveSleep(port: MessagePort): void {
  serveRequests<number, number>(port, async (ms) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return threadId;
  });
}
