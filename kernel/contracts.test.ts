import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalog } from './catalog';
import {
  fieldSpecProblems,
  inventoryUpdate,
  isIsoUtc,
  kindRules,
  knownIdsOf,
  MONEY_MAX,
  product,
  saleLine,
  store,
  streams,
  toCsvTimestamp,
  validate,
  type FieldKind,
} from './contracts';

const known = knownIdsOf({
  products: [{ product_id: 'P0001', name: 'Toaster', category: 'Home', price: 20, supplier_id: 'SUP001' }],
  stores: [
    { store_id: 'S001', city: 'Austin', state: 'Texas', region: 'Southwest', size: 'large', manager: 'Ann Lee' },
  ],
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
const restock = {
  update_id: 'R-1',
  product_id: 'P0001',
  timestamp: '2026-11-27T06:00:00Z',
  quantity_change: 12,
  store_id: 'S001',
  reason: 'restock',
  transaction_id: null,
};

describe('contracts', () => {
  it('define each record once, with columns in definition order', () => {
    expect(saleLine.columns).toEqual([
      'transaction_id',
      'product_id',
      'timestamp',
      'quantity',
      'unit_price',
      'store_id',
      'basket_id',
      'discount_pct',
    ]);
    expect(inventoryUpdate.columns.slice(0, 6)).toEqual([
      'update_id',
      'product_id',
      'timestamp',
      'quantity_change',
      'store_id',
      'reason',
    ]);
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
    const problems = validate(
      saleLine,
      {
        ...sale,
        quantity: 0,
        unit_price: '3',
        product_id: 'P9999',
        store_id: 'S404',
        timestamp: 'yesterday',
        extra: true,
        basket_id: undefined,
      },
      known,
    );
    expect(problems).toEqual([
      { field: 'product_id', message: 'unknown product id "P9999"' },
      {
        field: 'timestamp',
        message: 'must be an ISO-8601 UTC timestamp like 2026-11-27T09:00:00Z (years 0001-9999), got "yesterday"',
      },
      { field: 'quantity', message: 'must be >= 1, got 0' },
      { field: 'unit_price', message: 'must be a number, got string "3"' },
      { field: 'store_id', message: 'unknown store id "S404"' },
      { field: 'basket_id', message: 'is required' },
      { field: 'extra', message: 'is not a field of sales_transactions' },
    ]);
  });

  it('reject wrong types, fractions of units, sub-cent prices and non-objects', () => {
    expect(validate(saleLine, { ...sale, quantity: 1.5 }, known)).toEqual([
      { field: 'quantity', message: 'must be a whole number, got 1.5' },
    ]);
    expect(validate(saleLine, { ...sale, quantity: -3 }, known)).toEqual([
      { field: 'quantity', message: 'must be >= 1, got -3' },
    ]);
    expect(validate(saleLine, { ...sale, unit_price: 1.999 }, known)).toEqual([
      { field: 'unit_price', message: 'must have at most 2 decimals, got 1.999' },
    ]);
    expect(validate(saleLine, { ...sale, transaction_id: 42 }, known)).toEqual([
      { field: 'transaction_id', message: 'must be a string, got number' },
    ]);
    expect(validate(saleLine, { ...sale, transaction_id: '' }, known)).toEqual([
      { field: 'transaction_id', message: 'must not be empty' },
    ]);
    expect(validate(saleLine, [sale], known)).toEqual([
      { field: '(record)', message: 'must be a JSON object, got array' },
    ]);
    expect(validate(saleLine, null, known)).toEqual([
      { field: '(record)', message: 'must be a JSON object, got null' },
    ]);
  });

  it('check the sign of an inventory update against its reason', () => {
    expect(validate(inventoryUpdate, { ...restock, quantity_change: -2 }, known)).toEqual([
      { field: 'quantity_change', message: 'must be positive for a restock, got -2' },
    ]);
    expect(
      validate(inventoryUpdate, { ...restock, reason: 'sale', quantity_change: 2, transaction_id: 'T-1' }, known),
    ).toEqual([{ field: 'quantity_change', message: 'must be negative for a sale, got 2' }]);
    expect(validate(inventoryUpdate, { ...restock, reason: 'sale', quantity_change: -2 }, known)).toEqual([
      { field: 'transaction_id', message: 'is required for a sale' },
    ]);
    expect(validate(inventoryUpdate, { ...restock, quantity_change: 0 }, known)).toEqual([
      { field: 'quantity_change', message: 'must not be 0' },
    ]);
    expect(validate(inventoryUpdate, { ...restock, reason: 'theft' }, known)).toEqual([
      { field: 'reason', message: 'must be one of sale, restock, got "theft"' },
    ]);
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
    for (const ok of [
      '2024-02-29T00:00:00Z',
      '2000-02-29T23:59:59Z',
      '2026-12-31T23:59:59.9Z',
      '2026-01-01T00:00:00.12Z',
    ])
      expect([ok, isIsoUtc(ok)]).toEqual([ok, true]);
    for (const bad of [
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-11-27T24:00:00Z',
      '2026-11-27T09:60:00Z',
      '2026-11-27T09:00:60Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-11-00T00:00:00Z',
      '2026-11-27T09:00:00.Z',
      '2026-11-27T09:00:00.1234Z',
      '2026-11-27T09:00:00',
      '2026-11-27t09:00:00Z',
      '2026-11-27T09:00:0aZ',
      '+026-11-27T09:00:00Z',
      '2026-1-27T09:00:00Z',
      '',
    ])
      expect([bad, isIsoUtc(bad)]).toEqual([bad, false]);
    expect(toCsvTimestamp('2026-11-27T09:05:07.250Z')).toBe('2026-11-27 09:05:07');
  });

  // Each kind accepts only what Redshift loads; the messages name the rule broken.
  const problem = (patch: Record<string, unknown>, contract = saleLine) =>
    validate(contract, { ...(contract === saleLine ? sale : restock), ...patch }, known);
  it('ids: only A-Z a-z 0-9 _ . -, counted in bytes', () => {
    expect(problem({ transaction_id: 'T-a\u0000b' })).toEqual([
      { field: 'transaction_id', message: 'must contain only A-Z a-z 0-9 _ . -, got "\\u0000" (U+0000) at 3' },
    ]);
    expect(problem({ transaction_id: 'é'.repeat(64) })).toEqual([
      { field: 'transaction_id', message: 'must contain only A-Z a-z 0-9 _ . -, got "é" (U+00E9) at 0' },
    ]);
    expect(problem({ basket_id: 'B'.repeat(65) })).toEqual([
      { field: 'basket_id', message: 'must be at most 64 bytes, got 65' },
    ]);
    expect(problem({ basket_id: 'B'.repeat(64) })).toEqual([]);
    for (const bad of ['T 1', 'T,1', 'T"1', 'T\n1', 'T\\1', 'T\u007f', '\ud800', '😀'])
      expect([bad, problem({ transaction_id: bad })[0]?.field]).toEqual([bad, 'transaction_id']);
    // References take the id rule before the catalog lookup, so a broken one says why.
    expect(validate(saleLine, { ...sale, product_id: 'P\u00000' }).map((p) => p.message)).toEqual([
      'must contain only A-Z a-z 0-9 _ . -, got "\\u0000" (U+0000) at 1',
    ]);
  });

  it('text: no control characters or lone surrogates, at most maxBytes UTF-8 bytes', () => {
    const toaster = { product_id: 'P0001', name: 'Toaster', category: 'Home', price: 20, supplier_id: 'SUP001' };
    const bad = (name: string) => validate(product, { ...toaster, name }).map((p) => p.message);
    expect(bad('Crème brûlée torch 🔥')).toEqual([]);
    expect(bad('é'.repeat(64))).toEqual([]);
    expect(bad('é'.repeat(65))).toEqual(['must be at most 128 UTF-8 bytes, got 130']);
    expect(bad('😀'.repeat(33))).toEqual(['must be at most 128 UTF-8 bytes, got 132']);
    expect(bad('Tab\there')).toEqual(['must not contain control characters, got "\\t" (U+0009) at 3']);
    expect(bad('x\u0085')).toEqual(['must not contain control characters, got "\u0085" (U+0085) at 1']);
    expect(bad('x\ud83d')).toEqual(['must be well-formed Unicode, got a lone surrogate "\\ud83d" (U+D83D) at 1']);
    expect(bad('x\ude00y')).toEqual(['must be well-formed Unicode, got a lone surrogate "\\ude00" (U+DE00) at 1']);
    expect(bad('')).toEqual(['must not be empty']);
  });

  it('integers: whole numbers within the field and INTEGER; money: 2 decimals within DECIMAL(12,2)', () => {
    expect(problem({ quantity: 2 ** 31 })).toEqual([{ field: 'quantity', message: 'must be <= 1000, got 2147483648' }]);
    expect(problem({ quantity: -1e308 })).toEqual([{ field: 'quantity', message: 'must be >= 1, got -1e+308' }]);
    expect(problem({ quantity: Number.NaN })).toEqual([{ field: 'quantity', message: 'must be a number, got number' }]);
    expect(problem({ unit_price: 0.1 + 0.2 })).toEqual([
      { field: 'unit_price', message: 'must have at most 2 decimals, got 0.30000000000000004' },
    ]);
    expect(problem({ unit_price: 1e21 })).toEqual([{ field: 'unit_price', message: 'must be <= 100000, got 1e+21' }]);
    for (const ok of [0.01, 0.3, 19.99, 1234.5, 99999.99, 100000])
      expect([ok, problem({ unit_price: ok })]).toEqual([ok, []]);
    expect(MONEY_MAX).toBe(9999999999.99);
  });

  it('timestamps: years 0001-9999 only (Redshift and Postgres have no year 0)', () => {
    expect(isIsoUtc('0001-01-01T00:00:00Z')).toBe(true);
    expect(isIsoUtc('9999-12-31T23:59:59.999Z')).toBe(true);
    expect(isIsoUtc('0000-01-01T00:00:00Z')).toBe(false);
    expect(problem({ timestamp: 20261127 })).toEqual([{ field: 'timestamp', message: 'must be a string, got number' }]);
  });

  it('report prototype keys as unknown fields, never as fields of the contract', () => {
    const hostile = JSON.parse(
      `{${JSON.stringify(sale).slice(1, -1)},"__proto__":{"quantity":5},"constructor":1,"toString":"x"}`,
    );
    expect(validate(saleLine, hostile, known)).toEqual(
      ['__proto__', 'constructor', 'toString'].map((field) => ({
        field,
        message: 'is not a field of sales_transactions',
      })),
    );
    expect(
      validate(saleLine, JSON.parse('{"__proto__":{"transaction_id":"T-1"}}'), known).map((p) => p.field),
    ).toContain('transaction_id');
    // Found by the property tests (seed 13): a field with an empty name was reported as field "".
    expect(validate(saleLine, { ...sale, '': 0 }, known)).toEqual([
      { field: '(empty name)', message: 'is not a field of sales_transactions' },
    ]);
  });

  it('refuse to define a field the warehouse type cannot hold', () => {
    expect(fieldSpecProblems('quantity', { kind: 'int', min: 0, max: 2 ** 31, doc: '' })).toEqual([
      'quantity: bound 2147483648 must be <= 2147483647, got 2147483648 (int holds -2147483648..2147483647)',
    ]);
    expect(fieldSpecProblems('price', { kind: 'money', min: 0.001, max: 1e10, doc: '' })).toEqual([
      'price: bound 0.001 must have at most 2 decimals, got 0.001 (money holds -9999999999.99..9999999999.99)',
      'price: bound 10000000000 must be <= 9999999999.99, got 10000000000 (money holds -9999999999.99..9999999999.99)',
    ]);
    expect(fieldSpecProblems('note', { kind: 'text', maxBytes: 65536, doc: '' })).toEqual([
      'note: maxBytes must be a whole number 1..65535, got 65536',
    ]);
    expect(fieldSpecProblems('size', { kind: 'enum', values: ['größe'], maxBytes: 8, doc: '' })).toEqual([
      'size: enum value "größe" must contain only A-Z a-z 0-9 _ . -, got "ö" (U+00F6) at 2',
    ]);
    expect(fieldSpecProblems('constructor', { kind: 'id', maxBytes: 8, doc: '' })).toEqual([
      'constructor: must be a lowercase SQL identifier that is not a property of every object',
    ]);
  });

  it('accept every record of the catalog the dims are loaded from', () => {
    for (const catalog of [buildCatalog(), buildCatalog(7, { products: 500, stores: 999 })]) {
      for (const p of catalog.products) expect(validate(product, p)).toEqual([]);
      for (const s of catalog.stores) expect(validate(store, s)).toEqual([]);
    }
  });

  it('are documented kind by kind in docs/WAREHOUSE.md, as the rules say', () => {
    const doc = readFileSync(join(__dirname, '..', 'docs', 'WAREHOUSE.md'), 'utf8');
    for (const kind of Object.keys(kindRules) as FieldKind[]) {
      const rule = kindRules[kind];
      expect(doc).toContain(
        `| \`${kind}\` | ${rule.sqlType({ kind, maxBytes: 1, doc: '' }).replace('(1)', '(n)')} | ${rule.accepts} | ${rule.mirrors} |`,
      );
    }
  });
});
