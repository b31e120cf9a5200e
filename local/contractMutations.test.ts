// The malformed events chaos makes for a stream without hand-picked mutations: every break of a
// field by its kind must be refused by the contract, naming that field.
import { buildCatalog } from '../kernel/catalog';
import { knownIdsOf, streamNames, streams, validate } from '../kernel/contracts';
import { generateWindow } from '../kernel/generator';
import { contractMutations } from './chaos';

const catalog = buildCatalog();
const window = generateWindow(catalog, { start: '2026-11-27T10:00:00Z', minutes: 1, seed: 3, saleLines: 20 });

describe.each(streamNames)('chaos mutations derived from the %s contract', (stream) => {
  const { contract } = streams[stream];
  const mutations = contractMutations(contract);

  test('one per column, and a field the contract does not have', () => {
    expect(mutations.map((m) => m.field)).toEqual([...contract.columns, 'not_a_field']);
  });

  test.each(mutations.map((m, i) => [m.field, i] as const))('breaking %s is refused, naming it', (field, i) => {
    const event = { ...(window[stream][0] as unknown as Record<string, unknown>) };
    expect(validate(contract, event, knownIdsOf(catalog))).toEqual([]);
    mutations[i].apply(event);
    expect(validate(contract, event, knownIdsOf(catalog)).map((p) => p.field)).toContain(field);
  });
});
