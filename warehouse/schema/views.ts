// The views, dialect-free: their query text is the same in Redshift and Postgres, and
// only the physical clauses differ (redshift.ts, postgres.ts), the approach dbt's
// Redshift adapter takes.
//
// Materialized views: one fact table, inner joins to dims, GROUP BY and
// SUM/COUNT/MIN/MAX only, so Redshift refreshes them incrementally. AVG is left
// out on purpose: it is not mergeable from partial aggregates, and AVG(int)
// truncates in Redshift; the plain views divide a SUM by a COUNT instead.
//
// Plain views read the materialized views and dims: ranks, peaks, ratios. Window
// functions and COUNT(DISTINCT) are fine there; they never scan facts.
import { VERIFICATION_STORE } from '../../kernel/contracts';
import { literal, quoteIdent } from '../sql';
import { qualified, tables, type Physical, type TableDef } from './tables';

export type Aggregate = 'sum' | 'count' | 'min' | 'max';

export interface GroupKey {
  readonly name: string;
  /** Expression over the fact alias and joined dims, e.g. `date_trunc('hour', s."timestamp")`. */
  readonly expr: string;
}

export interface Measure {
  readonly name: string;
  readonly agg: Aggregate;
  /** Argument of the aggregate; `*` for COUNT(*). */
  readonly expr: string;
}

export interface MaterializedViewDef {
  readonly kind: 'materialized';
  readonly name: string;
  readonly doc: string;
  readonly fact: TableDef;
  readonly alias: string;
  readonly joins: readonly { table: TableDef; alias: string; on: string }[];
  readonly groupBy: readonly GroupKey[];
  readonly measures: readonly Measure[];
  /** Rows it aggregates: every materialized view leaves out the verification store's rows. */
  readonly where: string;
  readonly physical: Physical;
}

export interface PlainViewDef {
  readonly kind: 'view';
  readonly name: string;
  readonly doc: string;
  /** The query text, identical in both dialects. */
  readonly query: string;
  /** Views and tables it reads, for ordering and docs. */
  readonly reads: readonly string[];
  /** DESIGN.md metrics this view answers. */
  readonly metrics: readonly string[];
}

export type ViewDef = MaterializedViewDef | PlainViewDef;

const col = (alias: string, name: string) => `${alias}.${quoteIdent(name)}`;
const S = (name: string) => qualified(name);

/** Not a verification row (kernel/verification.ts): every view leaves the reserved store out. */
const notVerification = (alias: string) => `${col(alias, 'store_id')} <> ${literal(VERIFICATION_STORE.store_id)}`;

// ---------------------------------------------------------------------------
// The three sales measures, defined once: each sales materialized view aggregates
// sale lines with them, and each plain view rolls those partial sums up again.

interface SalesMeasure {
  readonly name: 'sale_lines' | 'units' | 'revenue';
  readonly agg: Aggregate;
  /** Argument of the aggregate over the sales fact under `alias`. */
  readonly expr: (alias: string) => string;
  /** A whole number: its roll-up is cast back to BIGINT (Postgres's SUM of a BIGINT is NUMERIC). */
  readonly whole: boolean;
}

const SALES_MEASURES: readonly SalesMeasure[] = [
  { name: 'sale_lines', agg: 'count', expr: () => '*', whole: true },
  { name: 'units', agg: 'sum', expr: (a) => col(a, 'quantity'), whole: true },
  { name: 'revenue', agg: 'sum', expr: (a) => `${col(a, 'quantity')} * ${col(a, 'unit_price')}`, whole: false },
];
type SalesMeasureName = SalesMeasure['name'];
const ALL_SALES: readonly SalesMeasureName[] = SALES_MEASURES.map((m) => m.name);

/** The sales measures of a materialized view over the sales fact under `alias`. */
function salesMeasures(alias: string): Measure[] {
  return SALES_MEASURES.map((m) => ({ name: m.name, agg: m.agg, expr: m.expr(alias) }));
}

/**
 * The SELECT columns that roll the sales measures of a materialized view (under `alias`) up to
 * coarser groups: `CAST(SUM(h.units) AS BIGINT) AS units`. With `orZero`, a group without sales
 * (a LEFT JOIN's empty side, or no rows at all) reads 0, not NULL.
 */
function salesTotals(alias: string, { orZero = false, only = ALL_SALES } = {}): string {
  return SALES_MEASURES.filter((m) => only.includes(m.name))
    .map((m) => {
      const sum = orZero ? `COALESCE(SUM(${alias}.${m.name}), 0)` : `SUM(${alias}.${m.name})`;
      return `${m.whole ? `CAST(${sum} AS BIGINT)` : sum} AS ${m.name}`;
    })
    .join(', ');
}

// ---------------------------------------------------------------------------
// Materialized views

function defineMaterialized(spec: Omit<MaterializedViewDef, 'kind' | 'where'>): MaterializedViewDef {
  const def = { ...spec, where: notVerification(spec.alias) };
  const names = [...def.groupBy.map((g) => g.name), ...def.measures.map((m) => m.name)];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`${def.name}: column ${dup} appears twice`);
  names.forEach(quoteIdent);
  if (def.groupBy.length === 0) throw new Error(`${def.name}: needs a GROUP BY key to refresh incrementally`);
  for (const m of def.measures) {
    if (/\b(distinct|over|now|getdate|current_timestamp|avg)\b/i.test(m.expr))
      throw new Error(`${def.name}.${m.name}: ${m.expr} prevents incremental refresh`);
  }
  for (const key of [def.physical.distkey, ...def.physical.sortkey]) {
    if (key !== undefined && !names.includes(key)) throw new Error(`${def.name}: physical key ${key} is not a column`);
  }
  return Object.freeze({ kind: 'materialized', ...def });
}

/**
 * The SELECT of a materialized view. `source` replaces the fact table: the
 * Postgres twin runs the same text over the rows of one insert (a transition table).
 */
export function renderMaterializedQuery(view: MaterializedViewDef, source = qualified(view.fact.name)): string {
  const select = [
    ...view.groupBy.map((g) => `  ${g.expr} AS ${quoteIdent(g.name)}`),
    ...view.measures.map((m) => `  ${m.agg.toUpperCase()}(${m.expr}) AS ${quoteIdent(m.name)}`),
  ];
  const from = [
    `FROM ${source} ${view.alias}`,
    ...view.joins.map((j) => `JOIN ${qualified(j.table.name)} ${j.alias} ON ${j.on}`),
  ];
  return `SELECT\n${select.join(',\n')}\n${from.join('\n')}\nWHERE ${view.where}\nGROUP BY ${view.groupBy.map((g) => g.expr).join(', ')}`;
}

/** The columns of a materialized view, group keys first: its table's column order in the twin. */
export function materializedColumns(view: MaterializedViewDef): string[] {
  return [...view.groupBy.map((g) => g.name), ...view.measures.map((m) => m.name)];
}

const s = 's';
export const materializedViews = {
  mv_sales_by_minute: defineMaterialized({
    name: 'mv_sales_by_minute',
    doc: 'Sale lines, units and revenue per minute, with the first and last sale seen.',
    fact: tables.sales_transactions,
    alias: s,
    joins: [],
    groupBy: [{ name: 'minute', expr: `date_trunc('minute', ${col(s, 'timestamp')})` }],
    measures: [
      ...salesMeasures(s),
      { name: 'first_sale_at', agg: 'min', expr: col(s, 'timestamp') },
      { name: 'last_sale_at', agg: 'max', expr: col(s, 'timestamp') },
    ],
    physical: { diststyle: 'EVEN', sortkey: ['minute'] },
  }),
  mv_sales_by_store_hour: defineMaterialized({
    name: 'mv_sales_by_store_hour',
    doc: 'Sale lines, units and revenue per store and hour.',
    fact: tables.sales_transactions,
    alias: s,
    joins: [],
    groupBy: [
      { name: 'hour', expr: `date_trunc('hour', ${col(s, 'timestamp')})` },
      { name: 'store_id', expr: col(s, 'store_id') },
    ],
    measures: salesMeasures(s),
    physical: { diststyle: 'EVEN', sortkey: ['hour', 'store_id'] },
  }),
  mv_sales_by_product: defineMaterialized({
    name: 'mv_sales_by_product',
    // No join: category and list price are constant per product, so the plain views
    // take them from products; the capture of each load stays a single-table aggregate.
    doc: 'Sale lines, units and revenue per product.',
    fact: tables.sales_transactions,
    alias: s,
    joins: [],
    groupBy: [{ name: 'product_id', expr: col(s, 'product_id') }],
    measures: salesMeasures(s),
    physical: { diststyle: 'KEY', distkey: 'product_id', sortkey: ['product_id'] },
  }),
  mv_stock_movements: defineMaterialized({
    name: 'mv_stock_movements',
    doc: 'Net stock movement per product, store and reason (sale or restock).',
    fact: tables.inventory_updates,
    alias: 'i',
    joins: [],
    groupBy: [
      { name: 'product_id', expr: col('i', 'product_id') },
      { name: 'store_id', expr: col('i', 'store_id') },
      { name: 'reason', expr: col('i', 'reason') },
    ],
    measures: [
      { name: 'units', agg: 'sum', expr: col('i', 'quantity_change') },
      { name: 'movements', agg: 'count', expr: '*' },
      { name: 'last_movement_at', agg: 'max', expr: col('i', 'timestamp') },
    ],
    physical: { diststyle: 'KEY', distkey: 'product_id', sortkey: ['product_id', 'store_id'] },
  }),
} as const;
export const allMaterializedViews: readonly MaterializedViewDef[] = Object.values(materializedViews);

// ---------------------------------------------------------------------------
// Plain views

function defineView(def: Omit<PlainViewDef, 'kind'>): PlainViewDef {
  return Object.freeze({ kind: 'view', ...def });
}

/** Sales per day or per ISO week from the hourly store view, ranked by revenue. */
function salesPerPeriodView(period: 'day' | 'week', doc: string): PlainViewDef {
  const bucket = `date_trunc('${period}', h.hour)`;
  return defineView({
    name: period === 'day' ? 'v_sales_daily' : 'v_sales_weekly',
    doc,
    reads: ['mv_sales_by_store_hour'],
    metrics: [`${period === 'day' ? 'daily' : 'weekly'} sales trends with the peak periods`],
    query: `SELECT ${bucket} AS ${period}, ${salesTotals('h')},
  RANK() OVER (ORDER BY SUM(h.revenue) DESC) AS revenue_rank
FROM ${S('mv_sales_by_store_hour')} h
GROUP BY ${bucket}`,
  });
}

/** Over- and under-performance thresholds against a fair share of the category's revenue. */
export const PERFORMANCE_BANDS = { over: 1.5, under: 0.5 } as const;
/** A product×store is at risk when what is left is at most this share of what was received. */
export const STOCKOUT_RISK_SHARE = 0.2;

export const plainViews = {
  v_sales_per_minute: defineView({
    name: 'v_sales_per_minute',
    doc: 'Sales per minute, ranked by revenue (rank 1 is the peak minute).',
    reads: ['mv_sales_by_minute'],
    metrics: ['sales trends with the peak periods'],
    query: `SELECT m.minute, m.sale_lines, m.units, m.revenue,
  RANK() OVER (ORDER BY m.revenue DESC) AS revenue_rank,
  RANK() OVER (ORDER BY m.units DESC) AS units_rank
FROM ${S('mv_sales_by_minute')} m`,
  }),
  v_sales_hourly: defineView({
    name: 'v_sales_hourly',
    doc: 'Sales per hour, ranked overall and within the day (rank 1 is the peak hour).',
    reads: ['mv_sales_by_store_hour'],
    metrics: ['hourly sales trends with the peak periods'],
    query: `SELECT h.hour, ${salesTotals('h')},
  RANK() OVER (ORDER BY SUM(h.revenue) DESC) AS revenue_rank,
  RANK() OVER (PARTITION BY date_trunc('day', h.hour) ORDER BY SUM(h.revenue) DESC) AS revenue_rank_in_day,
  RANK() OVER (ORDER BY SUM(h.units) DESC) AS units_rank
FROM ${S('mv_sales_by_store_hour')} h
GROUP BY h.hour`,
  }),
  v_sales_daily: salesPerPeriodView('day', 'Sales per day, ranked by revenue.'),
  v_sales_weekly: salesPerPeriodView('week', 'Sales per ISO week (Monday start), ranked by revenue.'),
  v_sales_by_store: defineView({
    name: 'v_sales_by_store',
    doc: 'Sales and revenue per store with its ranking by revenue and by units (every store, sold or not).',
    reads: ['mv_sales_by_store_hour', 'stores'],
    metrics: ['sales by store', 'revenue by store', 'store ranking by volume and by revenue'],
    query: `SELECT st.store_id, st.city, st.state, st.region, st."size",
  ${salesTotals('h', { orZero: true })},
  RANK() OVER (ORDER BY COALESCE(SUM(h.revenue), 0) DESC) AS revenue_rank,
  RANK() OVER (ORDER BY COALESCE(SUM(h.units), 0) DESC) AS units_rank
FROM ${S('stores')} st
LEFT JOIN ${S('mv_sales_by_store_hour')} h ON h.store_id = st.store_id
WHERE ${notVerification('st')}
GROUP BY st.store_id, st.city, st.state, st.region, st."size"`,
  }),
  v_sales_by_region: defineView({
    name: 'v_sales_by_region',
    doc: 'Sales and revenue per region, ranked by revenue.',
    reads: ['mv_sales_by_store_hour', 'stores'],
    metrics: ['sales by region'],
    query: `SELECT st.region, COUNT(DISTINCT st.store_id) AS stores,
  ${salesTotals('h', { orZero: true })},
  RANK() OVER (ORDER BY COALESCE(SUM(h.revenue), 0) DESC) AS revenue_rank
FROM ${S('stores')} st
LEFT JOIN ${S('mv_sales_by_store_hour')} h ON h.store_id = st.store_id
WHERE ${notVerification('st')}
GROUP BY st.region`,
  }),
  v_product_performance: defineView({
    name: 'v_product_performance',
    doc:
      'Every product with its units, revenue and ranks, against a fair share of its category revenue ' +
      `(category revenue / products in the category): over at >= ${PERFORMANCE_BANDS.over}x, under at <= ${PERFORMANCE_BANDS.under}x.`,
    reads: ['mv_sales_by_product', 'products'],
    metrics: ['top products by units and revenue', 'over- and under-performers'],
    query: `SELECT q.product_id, q.name, q.category, q.sale_lines, q.units, q.revenue, q.list_value,
  RANK() OVER (ORDER BY q.units DESC) AS units_rank,
  RANK() OVER (ORDER BY q.revenue DESC) AS revenue_rank,
  SUM(q.revenue) OVER (PARTITION BY q.category) AS category_revenue,
  COUNT(*) OVER (PARTITION BY q.category) AS category_products,
  CASE WHEN SUM(q.revenue) OVER (PARTITION BY q.category) = 0 THEN NULL
    ELSE ROUND(q.revenue * COUNT(*) OVER (PARTITION BY q.category) / SUM(q.revenue) OVER (PARTITION BY q.category), 4) END AS performance_index,
  CASE
    WHEN q.revenue * COUNT(*) OVER (PARTITION BY q.category) >= ${PERFORMANCE_BANDS.over} * SUM(q.revenue) OVER (PARTITION BY q.category) AND q.revenue > 0 THEN 'over'
    WHEN q.revenue * COUNT(*) OVER (PARTITION BY q.category) <= ${PERFORMANCE_BANDS.under} * SUM(q.revenue) OVER (PARTITION BY q.category) THEN 'under'
    ELSE 'expected' END AS performance
FROM (
  SELECT p.product_id, p.name, p.category,
    COALESCE(m.sale_lines, 0) AS sale_lines, COALESCE(m.units, 0) AS units,
    COALESCE(m.revenue, 0) AS revenue, COALESCE(m.units, 0) * p.price AS list_value
  FROM ${S('products')} p
  LEFT JOIN ${S('mv_sales_by_product')} m ON m.product_id = p.product_id
) q`,
  }),
  v_revenue_by_category: defineView({
    name: 'v_revenue_by_category',
    doc: 'Units and revenue per category with its share of all revenue, ranked.',
    reads: ['mv_sales_by_product', 'products'],
    metrics: ['top categories by units and revenue', 'revenue by category'],
    query: `SELECT c.category, c.products, c.units, c.revenue,
  CASE WHEN SUM(c.revenue) OVER () = 0 THEN NULL ELSE ROUND(c.revenue / SUM(c.revenue) OVER (), 4) END AS revenue_share,
  RANK() OVER (ORDER BY c.revenue DESC) AS revenue_rank,
  RANK() OVER (ORDER BY c.units DESC) AS units_rank
FROM (
  SELECT p.category, COUNT(*) AS products, ${salesTotals('m', { orZero: true, only: ['units', 'revenue'] })}
  FROM ${S('products')} p
  LEFT JOIN ${S('mv_sales_by_product')} m ON m.product_id = p.product_id
  GROUP BY p.category
) c`,
  }),
  v_revenue_overall: defineView({
    name: 'v_revenue_overall',
    doc: 'All sales: lines, units, revenue, average line value and the first and last sale.',
    reads: ['mv_sales_by_minute'],
    metrics: ['revenue overall'],
    query: `SELECT ${salesTotals('m', { orZero: true })},
  CASE WHEN SUM(m.sale_lines) > 0 THEN ROUND(SUM(m.revenue) / SUM(m.sale_lines), 2) END AS revenue_per_line,
  MIN(m.first_sale_at) AS first_sale_at, MAX(m.last_sale_at) AS last_sale_at
FROM ${S('mv_sales_by_minute')} m`,
  }),
  v_stock_on_hand: defineView({
    name: 'v_stock_on_hand',
    doc:
      'Live stock per product and store: received, sold and on hand, with the stockout risk ' +
      `(out_of_stock at 0, at_risk when at most ${STOCKOUT_RISK_SHARE * 100}% of what was received is left).`,
    reads: ['mv_stock_movements', 'products', 'stores'],
    metrics: ['live stock level per product and store', 'items at risk of stockout'],
    query: `SELECT k.product_id, p.name, p.category, k.store_id, st.region, k.units_received, k.units_sold, k.on_hand, k.last_movement_at,
  CASE WHEN k.on_hand <= 0 THEN 'out_of_stock'
    WHEN k.on_hand <= ${STOCKOUT_RISK_SHARE} * k.units_received THEN 'at_risk'
    ELSE 'ok' END AS stockout_risk
FROM (
  SELECT m.product_id, m.store_id,
    CAST(SUM(CASE WHEN m.reason = 'restock' THEN m.units ELSE 0 END) AS BIGINT) AS units_received,
    CAST(-SUM(CASE WHEN m.reason = 'sale' THEN m.units ELSE 0 END) AS BIGINT) AS units_sold,
    CAST(SUM(m.units) AS BIGINT) AS on_hand,
    MAX(m.last_movement_at) AS last_movement_at
  FROM ${S('mv_stock_movements')} m
  GROUP BY m.product_id, m.store_id
) k
JOIN ${S('products')} p ON p.product_id = k.product_id
JOIN ${S('stores')} st ON st.store_id = k.store_id
WHERE ${notVerification('st')}`,
  }),
  v_sell_through: defineView({
    name: 'v_sell_through',
    doc: 'Sell-through rate per product: units sold (sales facts) / units received (restocks).',
    reads: ['mv_sales_by_product', 'mv_stock_movements', 'products'],
    metrics: ['sell-through rate per product'],
    query: `SELECT p.product_id, p.name, p.category,
  COALESCE(m.units, 0) AS units_sold, COALESCE(r.units_received, 0) AS units_received,
  CASE WHEN COALESCE(r.units_received, 0) = 0 THEN NULL ELSE ROUND(CAST(COALESCE(m.units, 0) AS DECIMAL(18,4)) / r.units_received, 4) END AS sell_through_rate
FROM ${S('products')} p
LEFT JOIN ${S('mv_sales_by_product')} m ON m.product_id = p.product_id
LEFT JOIN (
  SELECT sm.product_id, CAST(SUM(sm.units) AS BIGINT) AS units_received
  FROM ${S('mv_stock_movements')} sm
  WHERE sm.reason = 'restock'
  GROUP BY sm.product_id
) r ON r.product_id = p.product_id`,
  }),
} as const;
export type PlainViewName = keyof typeof plainViews;
export const allPlainViews: readonly PlainViewDef[] = Object.values(plainViews);

/**
 * Every view after the views and tables it reads (materialized views read only tables).
 * Views are created in this order and dropped in its reverse.
 */
export function inDependencyOrder(views: readonly ViewDef[]): ViewDef[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const done = new Set<string>();
  const out: ViewDef[] = [];
  const visit = (view: ViewDef, path: readonly string[]): void => {
    if (done.has(view.name)) return;
    if (path.includes(view.name))
      throw new Error(`views read each other in a cycle: ${[...path, view.name].join(' -> ')}`);
    for (const name of view.kind === 'view' ? view.reads : []) {
      const read = byName.get(name);
      if (read) visit(read, [...path, view.name]);
    }
    done.add(view.name);
    out.push(view);
  };
  for (const view of views) visit(view, []);
  return out;
}

/** In dependency order: materialized views first, plain views after what they read. */
export const allViews: readonly ViewDef[] = inDependencyOrder([...allMaterializedViews, ...allPlainViews]);

/**
 * Views a release shipped and a later one removed: the repeatable views migration drops them
 * (before the views they read) on every warehouse that still has them. Append a name here when
 * a view leaves `materializedViews` or `plainViews`.
 */
export const retiredViews: readonly { readonly name: string; readonly kind: ViewDef['kind'] }[] = [];

/** A plain view's DDL, the same in both dialects. */
export function renderPlainViewDdl(view: PlainViewDef): string[] {
  return [`CREATE OR REPLACE VIEW ${qualified(view.name)} AS\n${view.query}`];
}
