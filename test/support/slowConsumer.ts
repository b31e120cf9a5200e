// A consumer core for test/twin.test.ts: the real consumeBatch, but a batch whose messages are
// all on their first delivery first waits SLOW_FIRST_DELIVERY_MS, longer than the test's
// consumer timeout. The twin loads it by name in each consumer worker (consumerCore).
import type { Context, SQSEvent } from 'aws-lambda';
import { consumeBatch, type ConsumerDeps } from '../../functions/consumer';
import type { ConsumerCore } from '../../local/consumerPool';

export const SLOW_FIRST_DELIVERY_MS = 1500;

export const SLOW_CONSUMER: ConsumerCore = { module: __filename, entry: 'consumeSlowlyFirst', filePer: 'message' };

export async function consumeSlowlyFirst(deps: ConsumerDeps, event: SQSEvent, context?: Context) {
  if (event.Records.every((r) => r.attributes.ApproximateReceiveCount === '1'))
    await new Promise((resolve) => setTimeout(resolve, SLOW_FIRST_DELIVERY_MS));
  return consumeBatch(deps, event, context);
}
