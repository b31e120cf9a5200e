// Every dashboard number checked against an independent computation in
// TypeScript from the raw generated events (integer cents, no SQL), after loading
// through the loader in two rounds so the incremental merge is exercised too.
import type { InventoryUpdate, SaleLine } from '../kernel/contracts';
import { loadLandingFiles, refreshViews } from './loader';
import { runDashboardQueries, TOP_N, type DashboardRows } from './queries';
import type { CopyDriver } from './runner';
import { PERFORMANCE_BANDS, STOCKOUT_RISK_SHARE } from './schema';
import {
  backendName,
  landingBatch,
  putBatch,
  testCatalog,
  type Batch,
  type Landing,
  useWarehouseAndLanding,
} from '../test/support/warehouse';

// ---- independent expectations -------------------------------------------------

const cents = (money: number) => Math.round(money * 100);
const lineCents = (s: SaleLine) => s.quantity * cents(s.unit_price);
/** Integer cents as the warehouse prints DECIMAL money: "1234.50". */
const money = (c: number | bigint) => {
  const v = BigInt(c);
  const sign = v < 0n ? '-' : '';
  const a = v < 0n ? -v : v;
  return `${sign}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
};
/** num/den rounded half away from zero to `scale` decimals, as Postgres ROUND(numeric, n) prints it. */
function ratio(num: bigint, den: bigint, scale = 4): string {
  const f = 10n ** BigInt(scale);
  const neg = num < 0n !== den < 0n && num !== 0n;
  const n = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  const q = (n * f * 2n + d) / (2n * d);
  const s = `${q / f}.${String(q % f).padStart(scale, '0')}`;
  return neg ? '-' + s : s;
}
/** SQL RANK(): ties share a rank, the next rank skips. */
function ranks<K>(entries: [K, number | bigint][]): Map<K, number> {
  const sorted = [...entries].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0));
  const out = new Map<K, number>();
  sorted.forEach(([k, v], i) => out.set(k, i > 0 && sorted[i - 1][1] === v ? out.get(sorted[i - 1][0])! : i + 1));
  return out;
}
const iso = (d: Date | string) => new Date(d).toISOString();
const minuteOf = (t: string) => t.slice(0, 16) + ':00.000Z';
const hourOf = (t: string) => t.slice(0, 13) + ':00:00.000Z';
const dayOf = (t: string) => t.slice(0, 10) + 'T00:00:00.000Z';
function weekOf(t: string): string {
  const d = new Date(dayOf(t));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7)); // back to Monday
  return d.toISOString();
}

interface Totals {
  lines: number;
  units: number;
  cents: number;
}
function totalsBy(sales: SaleLine[], key: (s: SaleLine) => string): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const s of sales) {
    const t = out.get(key(s)) ?? { lines: 0, units: 0, cents: 0 };
    t.lines++;
    t.units += s.quantity;
    t.cents += lineCents(s);
    out.set(key(s), t);
  }
  return out;
}

function expectBuckets(
  rows: { sale_lines: number; units: number; revenue: string }[],
  keyOf: (r: never) => string,
  expected: Map<string, Totals>,
): void {
  const actual = new Map(
    rows.map((r) => [keyOf(r as never), { lines: r.sale_lines, units: r.units, revenue: r.revenue }]),
  );
  const want = new Map([...expected].map(([k, t]) => [k, { lines: t.lines, units: t.units, revenue: money(t.cents) }]));
  expect(actual).toEqual(want);
}

function checkDashboard(d: DashboardRows, sales: SaleLine[], inventory: InventoryUpdate[]): void {
  const { products, stores } = testCatalog();
  const productById = new Map(products.map((p) => [p.product_id, p]));
  const storeById = new Map(stores.map((s) => [s.store_id, s]));

  // Time buckets, with the peaks.
  const perMinute = totalsBy(sales, (s) => minuteOf(s.timestamp));
  expectBuckets(d.salesPerMinute, (r: { minute: Date }) => iso(r.minute), perMinute);
  const minuteRank = ranks([...perMinute].map(([k, t]) => [k, t.cents]));
  expect(d.peakMinute.map((r) => iso(r.minute)).sort()).toEqual(
    [...minuteRank]
      .filter(([, r]) => r === 1)
      .map(([k]) => k)
      .sort(),
  );
  const perHour = totalsBy(sales, (s) => hourOf(s.timestamp));
  expectBuckets(d.salesPerHour, (r: { hour: Date }) => iso(r.hour), perHour);
  const hourRank = ranks([...perHour].map(([k, t]) => [k, t.cents]));
  for (const r of d.salesPerHour) expect(r.revenue_rank).toBe(hourRank.get(iso(r.hour)));
  const peakPerDay = new Map<string, string>();
  for (const [hour, t] of perHour) {
    const best = peakPerDay.get(dayOf(hour));
    if (!best || perHour.get(best)!.cents < t.cents) peakPerDay.set(dayOf(hour), hour);
  }
  expect(d.peakHours.map((r) => iso(r.hour))).toEqual([...peakPerDay.values()].sort());
  expectBuckets(
    d.salesDaily,
    (r: { day: Date }) => iso(r.day),
    totalsBy(sales, (s) => dayOf(s.timestamp)),
  );
  expectBuckets(
    d.salesWeekly,
    (r: { week: Date }) => iso(r.week),
    totalsBy(sales, (s) => weekOf(s.timestamp)),
  );

  // Stores and regions, every store listed even without sales.
  const perStore = totalsBy(sales, (s) => s.store_id);
  for (const st of stores) if (!perStore.has(st.store_id)) perStore.set(st.store_id, { lines: 0, units: 0, cents: 0 });
  expectBuckets(d.revenueByStore, (r: { store_id: string }) => r.store_id, perStore);
  const storeRevenueRank = ranks([...perStore].map(([k, t]) => [k, t.cents]));
  const storeUnitsRank = ranks([...perStore].map(([k, t]) => [k, t.units]));
  expect(d.storeRanking.map((r) => [r.store_id, r.revenue_rank, r.units_rank, r.region])).toEqual(
    [...perStore.keys()]
      .sort((a, b) => storeRevenueRank.get(a)! - storeRevenueRank.get(b)! || a.localeCompare(b))
      .map((id) => [id, storeRevenueRank.get(id), storeUnitsRank.get(id), storeById.get(id)!.region]),
  );
  const perRegion = totalsBy(sales, (s) => storeById.get(s.store_id)!.region);
  expectBuckets(d.revenueByRegion, (r: { region: string }) => r.region, perRegion);
  for (const r of d.revenueByRegion) expect(r.stores).toBe(stores.filter((s) => s.region === r.region).length);

  // Products: every catalog product, sold or not.
  const perProduct = totalsBy(sales, (s) => s.product_id);
  for (const p of products)
    if (!perProduct.has(p.product_id)) perProduct.set(p.product_id, { lines: 0, units: 0, cents: 0 });
  const unitsRank = ranks([...perProduct].map(([k, t]) => [k, t.units]));
  const revenueRank = ranks([...perProduct].map(([k, t]) => [k, t.cents]));
  const topBy = (rank: Map<string, number>) =>
    [...rank]
      .filter(([, r]) => r <= TOP_N)
      .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
      .map(([id]) => id);
  expect(d.topProductsByUnits.map((r) => r.product_id)).toEqual(topBy(unitsRank));
  expect(d.topProductsByRevenue.map((r) => r.product_id)).toEqual(topBy(revenueRank));
  expect(d.topProductsByRevenue.slice(0, 5).map((r) => [r.product_id, r.units, r.revenue])).toEqual(
    topBy(revenueRank)
      .slice(0, 5)
      .map((id) => [id, perProduct.get(id)!.units, money(perProduct.get(id)!.cents)]),
  );
  const categoryCents = new Map<string, number>();
  const categoryProducts = new Map<string, number>();
  for (const p of products) {
    categoryCents.set(p.category, (categoryCents.get(p.category) ?? 0) + perProduct.get(p.product_id)!.cents);
    categoryProducts.set(p.category, (categoryProducts.get(p.category) ?? 0) + 1);
  }
  // revenue * n >= 1.5 * category revenue, in integers: 2 * revenue * n >= 3 * category.
  expect(PERFORMANCE_BANDS).toEqual({ over: 1.5, under: 0.5 });
  const verdict = (id: string) => {
    const p = productById.get(id)!;
    const r = perProduct.get(id)!.cents * categoryProducts.get(p.category)!;
    const c = categoryCents.get(p.category)!;
    if (2 * r >= 3 * c && r > 0) return 'over';
    if (2 * r <= c) return 'under';
    return 'expected';
  };
  const over = products.filter((p) => verdict(p.product_id) === 'over').map((p) => p.product_id);
  const under = products.filter((p) => verdict(p.product_id) === 'under').map((p) => p.product_id);
  expect(over.length).toBeGreaterThan(0);
  expect(under.length).toBeGreaterThan(0);
  expect(d.overPerformers.map((r) => r.product_id).sort()).toEqual(over.sort());
  expect(d.underPerformers.map((r) => r.product_id).sort()).toEqual(under.sort());
  for (const r of [...d.overPerformers, ...d.underPerformers]) {
    const c = categoryCents.get(r.category)!;
    expect(r.performance_index).toBe(
      ratio(BigInt(perProduct.get(r.product_id)!.cents * categoryProducts.get(r.category)!), BigInt(c)),
    );
    expect(r.category_revenue).toBe(money(c));
  }

  // Categories and overall.
  const totalCents = sales.reduce((a, s) => a + lineCents(s), 0);
  const perCategory = totalsBy(sales, (s) => productById.get(s.product_id)!.category);
  expect(
    new Map(d.revenueByCategory.map((r) => [r.category, [r.products, r.units, r.revenue, r.revenue_share]])),
  ).toEqual(
    new Map(
      [...categoryProducts].map(([c, n]) => [
        c,
        [
          n,
          perCategory.get(c)?.units ?? 0,
          money(perCategory.get(c)?.cents ?? 0),
          ratio(BigInt(perCategory.get(c)?.cents ?? 0), BigInt(totalCents)),
        ],
      ]),
    ),
  );
  const times = sales.map((s) => s.timestamp).sort();
  expect(d.revenueOverall).toEqual([
    {
      sale_lines: sales.length,
      units: sales.reduce((a, s) => a + s.quantity, 0),
      revenue: money(totalCents),
      revenue_per_line: ratio(BigInt(totalCents), BigInt(sales.length) * 100n, 2),
      first_sale_at: new Date(times[0]),
      last_sale_at: new Date(times[times.length - 1]),
    },
  ]);

  // Stock per product and store, and the items at risk.
  const stock = new Map<string, { received: number; sold: number; onHand: number }>();
  for (const u of inventory) {
    const k = `${u.product_id}/${u.store_id}`;
    const s = stock.get(k) ?? { received: 0, sold: 0, onHand: 0 };
    if (u.reason === 'restock') s.received += u.quantity_change;
    else s.sold -= u.quantity_change;
    s.onHand += u.quantity_change;
    stock.set(k, s);
  }
  expect(STOCKOUT_RISK_SHARE).toBe(0.2);
  const risk = (s: { received: number; onHand: number }) =>
    s.onHand <= 0 ? 'out_of_stock' : 5 * s.onHand <= s.received ? 'at_risk' : 'ok';
  const atRisk = [...stock].filter(([, s]) => risk(s) !== 'ok');
  expect(atRisk.length).toBeGreaterThan(0);
  expect(
    new Map(
      d.stockAtRisk.map((r) => [
        `${r.product_id}/${r.store_id}`,
        [r.units_received, r.units_sold, r.on_hand, r.stockout_risk],
      ]),
    ),
  ).toEqual(new Map(atRisk.map(([k, s]) => [k, [s.received, s.sold, s.onHand, risk(s)]])));

  // Sell-through per product: units sold (sales) / units received (restocks).
  const received = new Map<string, number>();
  for (const u of inventory)
    if (u.reason === 'restock') received.set(u.product_id, (received.get(u.product_id) ?? 0) + u.quantity_change);
  expect(
    new Map(d.sellThrough.map((r) => [r.product_id, [r.units_sold, r.units_received, r.sell_through_rate]])),
  ).toEqual(
    new Map(
      products.map((p) => {
        const sold = perProduct.get(p.product_id)!.units;
        const got = received.get(p.product_id) ?? 0;
        return [p.product_id, [sold, got, got === 0 ? null : ratio(BigInt(sold), BigInt(got))]];
      }),
    ),
  );
}

// ---- the test -------------------------------------------------------------------

describe(`warehouse views on ${backendName}`, () => {
  let driver: CopyDriver & { close(): Promise<void> };
  let landing: Landing;
  // Three windows over two ISO weeks; round two lands after the first refresh.
  const round1 = landingBatch([
    { start: '2026-11-27T05:30:00Z', minutes: 90, seed: 11, saleLines: 2500 },
    { start: '2026-11-28T18:00:00Z', minutes: 45, seed: 12, saleLines: 900 },
  ]);
  const round2 = landingBatch([
    { start: '2026-11-27T06:10:00Z', minutes: 30, seed: 13, saleLines: 1200 },
    { start: '2026-11-30T12:00:00Z', minutes: 60, seed: 14, saleLines: 800 },
  ]);
  const all: Batch = {
    sales: [...round1.sales, ...round2.sales],
    inventory: [...round1.inventory, ...round2.inventory],
    files: new Map(),
  };

  useWarehouseAndLanding((d, l) => ([driver, landing] = [d, l]));

  it('matches an independent computation after one load', async () => {
    await putBatch(landing, round1);
    const report = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket });
    expect(report.failures).toEqual([]);
    expect(report.filesLoaded).toBe(round1.files.size);
    expect(report.rowsLoaded).toEqual({ sales: round1.sales.length, inventory: round1.inventory.length });
    checkDashboard(await runDashboardQueries(driver), round1.sales, round1.inventory);
  });

  it('merges a second load incrementally to the same numbers as the raw events', async () => {
    await putBatch(landing, round2);
    const report = await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket });
    expect(report).toMatchObject({ filesLoaded: round2.files.size, filesSkipped: round1.files.size, filesFailed: 0 });
    const incremental = await runDashboardQueries(driver);
    checkDashboard(incremental, all.sales, all.inventory);
    // A full recompute from the facts agrees with the incremental result.
    await refreshViews(driver, { full: true });
    expect(await runDashboardQueries(driver)).toEqual(incremental);
  });

  it('leaves the views stale until refresh, like Redshift between auto refreshes', async () => {
    const extra = landingBatch([{ start: '2026-11-29T10:00:00Z', minutes: 5, seed: 15, saleLines: 50 }]);
    await putBatch(landing, extra);
    await loadLandingFiles({ driver, s3: landing.s3, bucket: landing.bucket, refresh: false });
    const [before] = await driver.query<{ sale_lines: number }>('SELECT sale_lines FROM retail.v_revenue_overall');
    expect(before.sale_lines).toBe(all.sales.length);
    await refreshViews(driver);
    const [after] = await driver.query<{ sale_lines: number }>('SELECT sale_lines FROM retail.v_revenue_overall');
    expect(after.sale_lines).toBe(all.sales.length + extra.sales.length);
    checkDashboard(
      await runDashboardQueries(driver),
      [...all.sales, ...extra.sales],
      [...all.inventory, ...extra.inventory],
    );
  });
});
