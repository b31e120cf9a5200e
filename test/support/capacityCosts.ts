// Round per-invocation costs for the capacity model's tests: figures a reader can check by
// hand, not the measured ones in bench/results.json (those move with every bench run).
import type { CapacityCosts } from '../../infra/capacity';

export const roundCosts: CapacityCosts = {
  producerMsPerSaleLine: 0.05,
  consumerMsPerEvent: { sales: 0.05, inventory: 0.05 },
  consumerMsPerMessage: { sales: 10, inventory: 10 },
  eventsPerMessage: { sales: 10_000, inventory: 10_000 },
  eventsPerSaleLine: { sales: 1, inventory: 1 },
  filesPerMessage: 1,
  producerHeapBytesPerSaleLine: 300,
};
