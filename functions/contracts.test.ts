import { inventoryUpdate, isIsoUtc, knownIdsOf, product, saleLine, store, streams, toCsvTimestamp, validate } from './contracts';

const known = knownIdsOf({
  products: [{ product_id: 'P0001', name: 'Toaster', category: 'Home', price: 20, supplier_id: 'SUP001' }],
  stores: [{ store_id: 'S001', city: 'Austin', state: 'Texas', region: 'Southwest', size: 'large', manager: 'Ann Lee' }],
});

const sale = {
  transaction_id: 'T-1-0-0',
  product_id: 'P0001',
  timestamp: '2026-11-27T06:00:01Z',
  quantity: 2,
  unit_price: 19.99,
  store_id: 'S001',
  basket_id: 'B-1-0',
  discount_pct: 10,
};
const restock = { update_id: 'R-1', product_id: 'P0001', timestamp: '2026-11-27T06:00:00Z', quantity_change: 12, store_id: 'S001', reason: 'restock', transaction_id: null };

describe('contracts', () => {
  it('define each record once, with columns in definition order', () => {
    expect(saleLine.columns).toEqual(['transaction_id', 'product_id', 'timestamp', 'quantity', 'unit_price', 'store_id', 'basket_id', 'discount_pct']);
    expect(inventoryUpdate.columns.slice(0, 6)).toEqual(['update_id', 'product_id', 'timestamp', 'quantity_change', 'store_id', 'reason']);
    expect(product.columns).toEqual(['product_id', 'name', 'category', 'price', 'supplier_id']);
    expect(store.key).toBe('store_id');
    expect(streams.sales.contract).toBe(saleLine);
    expect(streams.inventory.contract).toBe(inventoryUpdate);
  });

  it('accept a valid sale line and restock', () => {
    expect(validate(saleLine, sale, known)).toEqual([]);
    expect(validate(inventoryUpdate, restock, known)).toEqual([]);
  });

  it('report every problem of an event, not just the first', () => {
    const problems = validate(saleLine, { ...sale, quantity: 0, unit_price: '3', product_id: 'P9999', store_id: 'S404', timestamp: 'yesterday', extra: true, basket_id: undefined }, known);
    expect(problems).toEqual([
      { field: 'product_id', message: 'unknown product id "P9999"' },
      { field: 'timestamp', message: 'must be an ISO-8601 UTC timestamp like 2026-11-27T09:00:00Z, got "yesterday"' },
      { field: 'quantity', message: 'must be >= 1, got 0' },
      { field: 'unit_price', message: 'must be a number, got string "3"' },
      { field: 'store_id', message: 'unknown store id "S404"' },
      { field: 'basket_id', message: 'is required' },
      { field: 'extra', message: 'is not a field of sales_transactions' },
    ]);
  });

  it('reject wrong types, fractions of units, sub-cent prices and non-objects', () => {
    expect(validate(saleLine, { ...sale, quantity: 1.5 }, known)).toEqual([{ field: 'quantity', message: 'must be a whole number, got 1.5' }]);
    expect(validate(saleLine, { ...sale, quantity: -3 }, known)).toEqual([{ field: 'quantity', message: 'must be >= 1, got -3' }]);
    expect(validate(saleLine, { ...sale, unit_price: 1.999 }, known)).toEqual([{ field: 'unit_price', message: 'must have at most 2 decimals, got 1.999' }]);
    expect(validate(saleLine, { ...sale, transaction_id: 42 }, known)).toEqual([{ field: 'transaction_id', message: 'must be a string, got number' }]);
    expect(validate(saleLine, { ...sale, transaction_id: '' }, known)).toEqual([{ field: 'transaction_id', message: 'must not be empty' }]);
    expect(validate(saleLine, [sale], known)).toEqual([{ field: '(record)', message: 'must be a JSON object, got array' }]);
    expect(validate(saleLine, null, known)).toEqual([{ field: '(record)', message: 'must be a JSON object, got null' }]);
  });

  it('check the sign of an inventory update against its reason', () => {
    expect(validate(inventoryUpdate, { ...restock, quantity_change: -2 }, known)).toEqual([{ field: 'quantity_change', message: 'must be positive for a restock, got -2' }]);
    expect(validate(inventoryUpdate, { ...restock, reason: 'sale', quantity_change: 2, transaction_id: 'T-1' }, known)).toEqual([{ field: 'quantity_change', message: 'must be negative for a sale, got 2' }]);
    expect(validate(inventoryUpdate, { ...restock, reason: 'sale', quantity_change: -2 }, known)).toEqual([{ field: 'transaction_id', message: 'is required for a sale' }]);
    expect(validate(inventoryUpdate, { ...restock, quantity_change: 0 }, known)).toEqual([{ field: 'quantity_change', message: 'must not be 0' }]);
    expect(validate(inventoryUpdate, { ...restock, reason: 'theft' }, known)).toEqual([{ field: 'reason', message: 'must be one of sale, restock, got "theft"' }]);
  });

  it('skip reference checks without a catalog', () => {
    expect(validate(saleLine, { ...sale, product_id: 'P9999' })).toEqual([]);
  });

  it('accept only real UTC instants and render them for CSV', () => {
    expect(isIsoUtc('2026-11-27T09:00:00Z')).toBe(true);
    expect(isIsoUtc('2026-11-27T09:00:00.123Z')).toBe(true);
    expect(isIsoUtc('2026-11-27T09:00:00+01:00')).toBe(false);
    expect(isIsoUtc('2026-02-30T09:00:00Z')).toBe(false);
    expect(isIsoUtc('2026-11-27 09:00:00')).toBe(false);
    for (const ok of ['2024-02-29T00:00:00Z', '2000-02-29T23:59:59Z', '2026-12-31T23:59:59.9Z', '2026-01-01T00:00:00.12Z']) expect([ok, isIsoUtc(ok)]).toEqual([ok, true]);
    for (const bad of ['2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-11-27T24:00:00Z', '2026-11-27T09:60:00Z', '2026-11-27T09:00:60Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-11-00T00:00:00Z', '2026-11-27T09:00:00.Z', '2026-11-27T09:00:00.1234Z', '2026-11-27T09:00:00', '2026-11-27t09:00:00Z', '2026-11-27T09:00:0aZ', '+026-11-27T09:00:00Z', '2026-1-27T09:00:00Z', ''])
      expect([bad, isIsoUtc(bad)]).toEqual([bad, false]);
    expect(toCsvTimestamp('2026-11-27T09:05:07.250Z')).toBe('2026-11-27 09:05:07');
  });
});
