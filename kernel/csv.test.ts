import Papa from 'papaparse';
import { inventoryUpdate, product, saleLine } from './contracts';
import { parseCsv } from '../test/support/csv';
import { toCsv } from './csv';

describe('toCsv', () => {
  it('writes a header in contract order, CSV timestamps and 2-decimal money', () => {
    const csv = toCsv(saleLine, [
      {
        transaction_id: 'T-1',
        product_id: 'P0001',
        timestamp: '2026-11-27T06:00:01Z',
        quantity: 2,
        unit_price: 20,
        store_id: 'S001',
        basket_id: 'B-1',
        discount_pct: 0,
      },
    ]);
    expect(csv).toBe(
      'transaction_id,product_id,timestamp,quantity,unit_price,store_id,basket_id,discount_pct\nT-1,P0001,2026-11-27 06:00:01,2,20.00,S001,B-1,0\n',
    );
  });

  it('quotes commas, quotes, newlines and keeps unicode intact', () => {
    const names = ['Chair, "Deluxe"', 'Crème brûlée set 🍮', 'Line\nbreak', '日本の急須'];
    const rows = names.map((name, i) => ({
      product_id: `P${i}`,
      name,
      category: 'Home',
      price: 9.5,
      supplier_id: 'SUP001',
    }));
    const csv = toCsv(product, rows);
    expect(csv).toContain('"Chair, ""Deluxe"""');
    const parsed = parseCsv(csv);
    expect(parsed.errors).toEqual([]);
    expect(parsed.header).toEqual([...product.columns]);
    expect(parsed.rows.map((r) => r[1])).toEqual(names);
    expect(parsed.rows.map((r) => r[3])).toEqual(['9.50', '9.50', '9.50', '9.50']);
    // An independent reader agrees with ours.
    expect(
      (Papa.parse(csv, { header: true, skipEmptyLines: true }).data as Record<string, string>[]).map((r) => r.name),
    ).toEqual(names);
  });

  it('writes a null as an empty cell, which both warehouses load as NULL', () => {
    const csv = toCsv(inventoryUpdate, [
      {
        update_id: 'R-1',
        product_id: 'P1',
        timestamp: '2026-11-27T06:00:00Z',
        quantity_change: 5,
        store_id: 'S1',
        reason: 'restock',
        transaction_id: null,
      },
    ]);
    expect(csv.split('\n')[1]).toBe('R-1,P1,2026-11-27 06:00:00,5,S1,restock,');
  });
});
