// Round per-invocation costs for the capacity model's tests: figures a reader can check by
// hand, not the measured ones in bench/results.json (those move with every bench run).
import type { CapacityCosts } from '../../infra/capacity';
import { perStream } from '../../kernel/contracts';

export const roundCosts: CapacityCosts = {
  producerMsPerSaleLine: 0.05,
  consumerMsPerEvent: perStream(() => 0.05),
  consumerMsPerMessage: perStream(() => 10),
  eventsPerMessage: perStream(() => 10_000),
  eventsPerSaleLine: perStream(() => 1),
  filesPerMessage: 1,
  producerHeapBytesPerSaleLine: 300,
};
