import { buildCatalog } from '../kernel/catalog';
import { inventoryUpdate, knownIdsOf, saleLine, validate } from '../kernel/contracts';
import { naiveGenerateWindow } from './naiveGenerator';

// The baseline must make the same kind of output as the real generator, or the ratio means nothing.
describe('naiveGenerateWindow', () => {
  const catalog = buildCatalog();
  const known = knownIdsOf(catalog);
  const w = naiveGenerateWindow(catalog, { start: '2026-11-27T06:00:00Z', minutes: 1, seed: 3, saleLines: 3000 });

  it('accounts for every requested line as a sale or a lost sale', () => {
    expect(w.sales.length + w.lostSales).toBe(3000);
  });

  it('makes only valid events inside the window', () => {
    for (const s of w.sales) expect(validate(saleLine, s, known)).toEqual([]);
    for (const u of w.inventory) expect(validate(inventoryUpdate, u, known)).toEqual([]);
    for (const s of w.sales)
      expect(s.timestamp >= '2026-11-27T06:00:00Z' && s.timestamp < '2026-11-27T06:01:00Z').toBe(true);
  });

  it('pairs every sale line with a -quantity update on the same product, store and time', () => {
    const byTransaction = new Map(w.inventory.filter((u) => u.reason === 'sale').map((u) => [u.transaction_id, u]));
    expect(byTransaction.size).toBe(w.sales.length);
    for (const s of w.sales) {
      const u = byTransaction.get(s.transaction_id)!;
      expect([u.product_id, u.store_id, u.timestamp, u.quantity_change]).toEqual([
        s.product_id,
        s.store_id,
        s.timestamp,
        -s.quantity,
      ]);
    }
  });

  it('never takes stock below zero', () => {
    const stock = new Map<string, number>();
    const ordered = [...w.inventory].sort((a, b) =>
      a.reason === b.reason ? a.timestamp.localeCompare(b.timestamp) : a.reason === 'restock' ? -1 : 1,
    );
    for (const u of ordered) {
      const key = `${u.product_id}|${u.store_id}`;
      const left = (stock.get(key) ?? 0) + u.quantity_change;
      expect(left).toBeGreaterThanOrEqual(0);
      stock.set(key, left);
    }
  });
});
