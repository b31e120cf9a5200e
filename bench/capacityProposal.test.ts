import results from './results.json';
import { capacityProposal } from './capacityProposal';
import { measuredCosts } from '../infra/capacity';
import reviewedFile from '../infra/capacityCosts.json';

const recorded = results as unknown as Record<string, { value: number; at?: string }>;

test('the reviewed costs are the last recorded measurement: no proposal', () => {
  expect(capacityProposal(recorded)).toBeUndefined();
});

test('a measurement that differs is proposed as a whole file, never written over the reviewed one', () => {
  const slower = {
    ...recorded,
    'capacity.producer_ms_per_1k_sale_lines': { ...recorded['capacity.producer_ms_per_1k_sale_lines'], value: 20 },
  };
  const proposal = JSON.parse(capacityProposal(slower)!);
  expect(proposal.producerMsPerSaleLine).toBe(0.02);
  expect(proposal.consumerMsPerEvent).toEqual(reviewedFile.consumerMsPerEvent);
  expect(proposal.source).toMatch(/^npm run bench -- --only freshness/);
});

test('a stream the reviewed costs have no figures for is proposed, even if measured at its stand-in figures', () => {
  const reviewed = { ...measuredCosts(), unmeasured: [...(measuredCosts().unmeasured ?? []), 'inventory' as const] };
  const proposal = JSON.parse(capacityProposal(recorded, reviewed)!);
  expect(proposal.eventsPerSaleLine).toEqual(reviewedFile.eventsPerSaleLine);
});

test('a stream the bench has not measured keeps its reviewed figures in the proposal, or has none', () => {
  const inventoryUnmeasured = Object.fromEntries(
    Object.entries(recorded).filter(([name]) => !name.startsWith('capacity.inventory_')),
  );
  expect(capacityProposal(inventoryUnmeasured, { ...measuredCosts(), unmeasured: ['inventory'] })).toBeUndefined();
  const slower = {
    ...inventoryUnmeasured,
    'capacity.producer_ms_per_1k_sale_lines': { ...recorded['capacity.producer_ms_per_1k_sale_lines'], value: 20 },
  };
  // Inventory keeps its reviewed figures; one the reviewed file lacks has none.
  expect(JSON.parse(capacityProposal(slower)!).consumerMsPerEvent).toEqual(reviewedFile.consumerMsPerEvent);
  const neither = JSON.parse(capacityProposal(slower, { ...measuredCosts(), unmeasured: ['inventory'] })!);
  expect(Object.keys(neither.consumerMsPerEvent)).not.toContain('inventory');
});
