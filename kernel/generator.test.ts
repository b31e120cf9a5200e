import { buildCatalog, CATEGORIES } from './catalog';
import { inventoryUpdate, knownIdsOf, product, saleLine, validate } from './contracts';
import {
  BLACK_FRIDAY_CURVE,
  type DemandCurve,
  DEFAULT_LOST_SALES_RATE,
  demandAt,
  expectedSaleLines,
  generateWindow,
  MAX_RESTOCK_UNITS,
  safetyFactor,
  unitNormalLoss,
} from './generator';

const catalog = buildCatalog();
const known = knownIdsOf(catalog);
const spec = { start: '2026-11-27T06:00:00Z', minutes: 15, seed: 7, saleLines: 6_000 };

describe('catalog', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(buildCatalog()).toEqual(catalog);
    expect(buildCatalog(1).products[0]).not.toEqual(catalog.products[0]);
  });

  it('has 25 stores across regions and 200 priced products across categories', () => {
    expect(catalog.stores).toHaveLength(25);
    expect(catalog.products).toHaveLength(200);
    expect(new Set(catalog.stores.map((s) => s.region)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(catalog.products.map((p) => p.category)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(catalog.products.map((p) => p.product_id)).size).toBe(200);
    for (const p of catalog.products) expect(validate(product, p)).toEqual([]);
  });

  it("names each product after an item of its category and prices it in that item's range", () => {
    const wrong = catalog.products.filter((p) => {
      const match = CATEGORIES[p.category].items.find((i) => p.name.endsWith(' ' + i.item));
      return !match || p.price < match.price[0] || p.price > match.price[1] || Math.round(p.price * 100) % 100 !== 99;
    });
    expect(wrong).toEqual([]);
    // No item is sold under two categories, so a name cannot point to the wrong one.
    const items = Object.values(CATEGORIES).flatMap((c) => c.items.map((i) => i.item));
    expect(new Set(items).size).toBe(items.length);
    const consoles = catalog.products.filter((p) => p.name.endsWith('Game Console'));
    expect(consoles.length).toBeGreaterThan(0);
    for (const p of consoles) expect(p.price).toBeLessThan(500);
  });
});

describe('generateWindow', () => {
  const window = generateWindow(catalog, spec);

  it('is deterministic for a seed and window, and differs for another seed', () => {
    expect(generateWindow(catalog, spec)).toEqual(window);
    expect(generateWindow(catalog, { ...spec, seed: 8 }).sales[0]).not.toEqual(window.sales[0]);
  });

  it('makes exactly the requested sale lines, counting lost sales against them', () => {
    expect(window.sales.length + window.lostSales).toBe(spec.saleLines);
    expect(window.sales.length).toBeGreaterThan(spec.saleLines * 0.5);
  });

  it('makes only valid events with unique ids inside the window', () => {
    expect(window.sales.flatMap((s) => validate(saleLine, s, known))).toEqual([]);
    expect(window.inventory.flatMap((u) => validate(inventoryUpdate, u, known))).toEqual([]);
    expect(new Set(window.sales.map((s) => s.transaction_id)).size).toBe(window.sales.length);
    expect(new Set(window.inventory.map((u) => u.update_id)).size).toBe(window.inventory.length);
    const times = window.sales.map((s) => Date.parse(s.timestamp));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse(spec.start));
    expect(Math.max(...times)).toBeLessThan(Date.parse(spec.start) + 15 * 60_000);
  });

  it('pairs every sale line with an update of -quantity on the same product, store and time', () => {
    const bySale = new Map(window.inventory.filter((u) => u.reason === 'sale').map((u) => [u.transaction_id, u]));
    expect(bySale.size).toBe(window.sales.length);
    const mismatched = window.sales.filter((s) => {
      const u = bySale.get(s.transaction_id)!;
      return (
        u.product_id !== s.product_id ||
        u.store_id !== s.store_id ||
        u.timestamp !== s.timestamp ||
        u.quantity_change !== -s.quantity
      );
    });
    expect(mismatched).toEqual([]);
  });

  it('per product and store, sale updates sum to minus the units sold', () => {
    const sold = new Map<string, number>();
    const moved = new Map<string, number>();
    for (const s of window.sales)
      sold.set(`${s.product_id}/${s.store_id}`, (sold.get(`${s.product_id}/${s.store_id}`) ?? 0) + s.quantity);
    for (const u of window.inventory.filter((x) => x.reason === 'sale'))
      moved.set(`${u.product_id}/${u.store_id}`, (moved.get(`${u.product_id}/${u.store_id}`) ?? 0) + u.quantity_change);
    expect(moved.size).toBe(sold.size);
    expect([...sold].filter(([pair, units]) => moved.get(pair) !== -units)).toEqual([]);
  });

  it('never takes stock below zero: replaying updates in time order stays >= 0', () => {
    const level = new Map<string, number>();
    const ordered = [...window.inventory].sort(
      (a, b) => a.timestamp.localeCompare(b.timestamp) || b.quantity_change - a.quantity_change,
    );
    let lowest = 0;
    for (const u of ordered) {
      const pair = `${u.product_id}/${u.store_id}`;
      const next = (level.get(pair) ?? 0) + u.quantity_change;
      lowest = Math.min(lowest, next);
      level.set(pair, next);
    }
    expect(lowest).toBe(0);
    expect(window.inventory.some((u) => u.reason === 'restock' && u.quantity_change > 0)).toBe(true);
    expect(window.lostSales).toBeGreaterThan(0);
  });

  it('prices lines from the product price with the stated discount', () => {
    const price = new Map(catalog.products.map((p) => [p.product_id, Math.round(p.price * 100)]));
    const wrong = window.sales.filter(
      (s) =>
        Math.round(s.unit_price * 100) !==
        Math.max(1, Math.round((price.get(s.product_id)! * (100 - s.discount_pct)) / 100)),
    );
    expect(wrong).toEqual([]);
    expect(window.sales.some((s) => s.discount_pct > 0)).toBe(true);
  });

  it('groups lines into baskets of 1..5 lines in one store', () => {
    const baskets = new Map<string, Set<string>>();
    const sizes = new Map<string, number>();
    for (const s of window.sales) {
      baskets.set(s.basket_id, (baskets.get(s.basket_id) ?? new Set()).add(s.store_id));
      sizes.set(s.basket_id, (sizes.get(s.basket_id) ?? 0) + 1);
    }
    expect([...baskets.values()].filter((stores) => stores.size !== 1)).toEqual([]);
    expect(Math.max(...sizes.values())).toBeLessThanOrEqual(5);
    expect(new Set(sizes.values()).size).toBeGreaterThan(1);
  });

  it('builds up through the opening hours and keeps a high plateau until the evening', () => {
    const at = (hour: number) => demandAt(BLACK_FRIDAY_CURVE, hour);
    let top = 0;
    for (let m = 0; m < 1440; m++) top = Math.max(top, at(m / 60));
    expect(at(3)).toBeLessThan(0.1 * top); // the small hours: online orders only
    expect(at(5)).toBeLessThan(at(6));
    expect(at(6)).toBeLessThan(at(7)); // doors open to a crowd that keeps growing
    for (let m = 7 * 60; m <= 20 * 60; m += 15) expect(at(m / 60)).toBeGreaterThan(0.7 * top);
    expect(at(8.5)).toBeGreaterThan(0.7 * top);
    expect(at(14.5)).toBeCloseTo(top, 2); // the afternoon peak
    expect(at(23.5)).toBeLessThan(0.1 * top);
    const opening = expectedSaleLines({
      start: '2026-11-27T07:00:00Z',
      minutes: 15,
      seed: 1,
      peakLinesPerMinute: 1000,
    });
    const night = expectedSaleLines({ start: '2026-11-27T03:00:00Z', minutes: 15, seed: 1, peakLinesPerMinute: 1000 });
    expect(opening).toBeGreaterThan(5 * night);
    const curved = generateWindow(catalog, {
      start: '2026-11-27T03:00:00Z',
      minutes: 15,
      seed: 1,
      peakLinesPerMinute: 1000,
    });
    expect(curved.sales.length + curved.lostSales).toBe(night);
  });

  it("finds a curve's peak once, not once per window: a month's bill asks for thousands of windows", () => {
    let reads = 0;
    const curve: DemandCurve = {
      ...BLACK_FRIDAY_CURVE,
      get peaks() {
        reads++;
        return BLACK_FRIDAY_CURVE.peaks;
      },
    };
    const windows = 200;
    const lines = Array.from({ length: windows }, (_, i) =>
      expectedSaleLines({
        start: `2026-11-27T${String(6 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`,
        minutes: 1,
        seed: 1,
        curve,
      }),
    );
    // The peak scans the day's 1440 minutes once; then one sample of the curve per window minute.
    expect(reads).toBe(24 * 60 + windows);
    // And the same answers as the curve itself gives.
    expect(lines[100]).toBe(expectedSaleLines({ start: '2026-11-27T07:40:00Z', minutes: 1, seed: 1 }));
  });

  it('spreads store revenue continuously instead of in tiers by store size', () => {
    const hour = generateWindow(catalog, { start: '2026-11-27T06:00:00Z', minutes: 60, seed: 3, saleLines: 20_000 });
    const revenue = new Map<string, number>();
    for (const s of hour.sales) revenue.set(s.store_id, (revenue.get(s.store_id) ?? 0) + s.quantity * s.unit_price);
    const bySize = new Map<string, number[]>();
    for (const st of catalog.stores)
      bySize.set(st.size, [...(bySize.get(st.size) ?? []), revenue.get(st.store_id) ?? 0]);
    for (const values of bySize.values())
      if (values.length > 2) expect(Math.max(...values) / Math.min(...values)).toBeGreaterThan(1.5);
    // Formats overlap: some medium store outsells some large one.
    expect(Math.max(...bySize.get('medium')!)).toBeGreaterThan(Math.min(...bySize.get('large')!));
  });

  it('keeps lost sales near the configured rate (default a few percent) at every window size', () => {
    const lostShare = (saleLines: number, lostSalesRate?: number, windows = 4) => {
      let lost = 0;
      for (let seed = 1; seed <= windows; seed++)
        lost += generateWindow(catalog, {
          start: '2026-11-27T06:00:00Z',
          minutes: 15,
          seed,
          saleLines,
          lostSalesRate,
        }).lostSales;
      return lost / (saleLines * windows);
    };
    expect(DEFAULT_LOST_SALES_RATE).toBe(0.04);
    for (const [lines, windows] of [
      [1_000, 12],
      [6_000, 4],
      [60_000, 1],
    ]) {
      const share = lostShare(lines, undefined, windows);
      expect(share).toBeGreaterThan(0.025);
      expect(share).toBeLessThan(0.055);
    }
    const high = lostShare(6_000, 0.1);
    expect(high).toBeGreaterThan(0.065);
    expect(high).toBeLessThan(0.13);
    expect(lostShare(6_000, 0)).toBeLessThan(0.01);
    expect(() => generateWindow(catalog, { ...spec, lostSalesRate: 0.9 })).toThrow(
      'lostSalesRate must be in [0, 0.5], got 0.9',
    );
  });

  it('sizes stock by the newsvendor rule: the safety factor inverts the unit normal loss', () => {
    for (const loss of [0.001, 0.05, 0.4, 3]) expect(unitNormalLoss(safetyFactor(loss))).toBeCloseTo(loss, 5);
    expect(safetyFactor(0.3989)).toBeCloseTo(0, 3);
  });

  it('splits a restock larger than the contract allows into several updates', () => {
    const oneShelf = { products: [catalog.products[0]], stores: [catalog.stores[0]] };
    const big = generateWindow(oneShelf, { start: '2026-11-27T06:00:00Z', minutes: 60, seed: 1, saleLines: 150_000 });
    const restocks = big.inventory.filter((u) => u.reason === 'restock');
    expect(restocks.length).toBeGreaterThan(1);
    expect(restocks.every((u) => u.quantity_change > 0 && u.quantity_change <= MAX_RESTOCK_UNITS)).toBe(true);
    expect(restocks.flatMap((u) => validate(inventoryUpdate, u, knownIdsOf(catalog)))).toEqual([]);
    expect(new Set(big.inventory.map((u) => u.update_id)).size).toBe(big.inventory.length);
    const received = restocks.reduce((n, u) => n + u.quantity_change, 0);
    const sold = big.sales.reduce((n, s) => n + s.quantity, 0);
    expect(received).toBeGreaterThan(MAX_RESTOCK_UNITS);
    expect(sold).toBeLessThanOrEqual(received);
  });

  it('is configurable; a bad curve is rejected with every problem it has; a bad window is rejected', () => {
    const bad = (curve: DemandCurve) => () => generateWindow(catalog, { ...spec, curve });
    expect(bad({ baseline: -1, peaks: [{ hour: 25, width: 0, weight: 1 }] })).toThrow(
      new RangeError(
        'invalid demand curve: ' +
          [
            'curve baseline must be >= 0, got -1',
            'curve peak 0 hour must be in [0, 24), got 25',
            'curve peak 0 width must be > 0, got 0',
          ].join('; '),
      ),
    );
    expect(bad({ baseline: 0, plateau: -1, peaks: [], hours: { opensAt: 9, closesAt: 8, rampHours: 0 } })).toThrow(
      new RangeError(
        'invalid demand curve: ' +
          [
            'curve plateau must be >= 0, got -1',
            'curve hours closesAt must be in (opensAt, 24], got 8',
            'curve hours rampHours must be > 0, got 0',
            'curve is zero everywhere',
          ].join('; '),
      ),
    );
    expect(() => generateWindow(catalog, { ...spec, curve: BLACK_FRIDAY_CURVE })).not.toThrow();
    const flat = generateWindow(catalog, { ...spec, saleLines: 1000, curve: { baseline: 1, peaks: [] } });
    expect(flat.sales.length + flat.lostSales).toBe(1000);
    expect(() => generateWindow(catalog, { ...spec, start: 'soon' })).toThrow(
      'window start must be an ISO-8601 timestamp, got "soon"',
    );
    expect(() => generateWindow(catalog, { ...spec, saleLines: -1 })).toThrow(
      'saleLines must be a whole number >= 0, got -1',
    );
  });
});
