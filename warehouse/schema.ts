// The warehouse schema, defined once and rendered for two dialects.
// Table columns come from the event contracts; view query text is the same in
// Redshift and Postgres, and only the physical clauses differ (the approach dbt's
// Redshift adapter takes). Redshift refreshes the materialized views
// incrementally; the Postgres twin keeps each one as a table that a statement
// trigger feeds with partial aggregates of every insert, merged on refresh.
import {
  dimensions,
  factTables,
  inventoryUpdate,
  kindRules,
  product,
  saleLine,
  store,
  type Contract,
  type FieldSpec,
} from '../kernel/contracts';

export type Dialect = 'postgres' | 'redshift';
export const dialects: readonly Dialect[] = ['postgres', 'redshift'];

/** Every warehouse object lives in this schema. */
export const WAREHOUSE_SCHEMA = 'retail';

/** `retail.name`. */
export function qualified(name: string): string {
  return `${WAREHOUSE_SCHEMA}.${name}`;
}

/** Double-quoted identifier: column names such as "timestamp" and "size" are keywords. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a safe SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

export interface ColumnDef {
  readonly name: string;
  /** The same type text in both dialects. */
  readonly sqlType: string;
  readonly nullable: boolean;
  /** Twin only: what Redshift's type refuses and Postgres's does not (a VARCHAR's byte length). */
  readonly twinChecks: readonly { name: string; check: string }[];
  readonly doc: string;
}

export interface Physical {
  readonly diststyle: 'KEY' | 'ALL' | 'EVEN';
  readonly distkey?: string;
  readonly sortkey: readonly string[];
}

export interface TableDef {
  readonly name: string;
  readonly role: 'fact' | 'dim';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly contract: Contract<any>;
  readonly columns: readonly ColumnDef[];
  /** The contract's key. Declared (and enforced) for the dims only: see renderTableDdl. */
  readonly primaryKey: string;
  readonly physical: Physical;
}

/** SQL type of a contract field, valid in Redshift and Postgres alike: its kind's rule in the contracts. */
export function sqlTypeOf(spec: FieldSpec): string {
  return kindRules[spec.kind].sqlType(spec);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function defineTable(contract: Contract<any>, physical: Physical): TableDef {
  const fields = contract.fields as Record<string, FieldSpec>;
  const columns = (contract.columns as readonly string[]).map((name) => ({
    name,
    sqlType: sqlTypeOf(fields[name]),
    nullable: fields[name].nullable === true,
    twinChecks: kindRules[fields[name].kind].twinChecks(quoteIdent(name), fields[name]),
    doc: fields[name].doc,
  }));
  for (const key of [physical.distkey, ...physical.sortkey]) {
    if (key !== undefined && !columns.some((c) => c.name === key))
      throw new Error(`${contract.table}: physical key ${key} is not a column`);
  }
  return Object.freeze({
    name: contract.table,
    role: contract.role,
    contract,
    columns,
    primaryKey: contract.key,
    physical,
  });
}

/** The four tables. Facts are distributed by product (the widest join and group key) and sorted by time. */
export const tables = {
  products: defineTable(product, { diststyle: 'ALL', sortkey: ['product_id'] }),
  stores: defineTable(store, { diststyle: 'ALL', sortkey: ['store_id'] }),
  sales_transactions: defineTable(saleLine, { diststyle: 'KEY', distkey: 'product_id', sortkey: ['timestamp'] }),
  inventory_updates: defineTable(inventoryUpdate, { diststyle: 'KEY', distkey: 'product_id', sortkey: ['timestamp'] }),
} as const;
export type TableName = keyof typeof tables;

/** Dims first, then facts. */
export const allTables: readonly TableDef[] = [...dimensions, ...factTables].map((c) => tables[c.table as TableName]);
export const factTableDefs: readonly TableDef[] = factTables.map((c) => tables[c.table as TableName]);
export const dimTableDefs: readonly TableDef[] = dimensions.map((c) => tables[c.table as TableName]);

function renderPhysical(p: Physical): string[] {
  const out = [`DISTSTYLE ${p.diststyle}`];
  if (p.distkey) out.push(`DISTKEY (${quoteIdent(p.distkey)})`);
  if (p.sortkey.length) out.push(`SORTKEY (${p.sortkey.map(quoteIdent).join(', ')})`);
  return out;
}

/** CREATE TABLE statements for one table (idempotent). */
export function renderTableDdl(table: TableDef, dialect: Dialect): string[] {
  const lines = table.columns.map((c) => `  ${quoteIdent(c.name)} ${c.sqlType}${c.nullable ? '' : ' NOT NULL'}`);
  // The twin refuses what Redshift refuses: a value over a VARCHAR's bytes fails the
  // file's COPY in both, not in Redshift alone. Named, so a load error says which rule.
  if (dialect === 'postgres') {
    for (const c of table.columns) {
      for (const { name, check } of c.twinChecks)
        lines.push(`  CONSTRAINT ${quoteIdent(`${table.name}_${c.name}_${name}`)} CHECK (${check})`);
    }
  }
  // Keys only where something enforces them. Redshift enforces none, and its planner
  // trusts the declared ones ("Table constraints": a SELECT DISTINCT may return
  // duplicates if a primary key is not unique; "Define primary key and foreign key
  // constraints": do not define them unless the application enforces them).
  // - Dims: their ids are unique by construction (the catalog numbers them), the one
  //   migration that loads them replaces them whole, and the twin enforces the key.
  // - Facts: no key. The consumer refuses a duplicate id within a chunk only; a sender
  //   could repeat an id in another chunk, which would load twice. The books (each
  //   event exactly once, by id) catch that in the twin. Nor foreign keys: the consumer
  //   checks references against the catalog it was deployed with, and a smaller
  //   catalog later replaces the dims under facts that still name the old ids.
  if (table.role === 'dim') lines.push(`  PRIMARY KEY (${quoteIdent(table.primaryKey)})`);
  const head = `CREATE TABLE IF NOT EXISTS ${qualified(table.name)} (\n${lines.join(',\n')}\n)`;
  return [dialect === 'redshift' ? `${head}\n${[...renderPhysical(table.physical), 'ENCODE AUTO'].join('\n')}` : head];
}

// ---------------------------------------------------------------------------
// Materialized views: one fact table, inner joins to dims, GROUP BY and
// SUM/COUNT/MIN/MAX only, so Redshift refreshes them incrementally. AVG is left
// out on purpose: it is not mergeable from partial aggregates, and AVG(int)
// truncates in Redshift; the plain views divide a SUM by a COUNT instead.

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

function defineMaterialized(def: Omit<MaterializedViewDef, 'kind'>): MaterializedViewDef {
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
  return `SELECT\n${select.join(',\n')}\n${from.join('\n')}\nGROUP BY ${view.groupBy.map((g) => g.expr).join(', ')}`;
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
      { name: 'sale_lines', agg: 'count', expr: '*' },
      { name: 'units', agg: 'sum', expr: col(s, 'quantity') },
      { name: 'revenue', agg: 'sum', expr: `${col(s, 'quantity')} * ${col(s, 'unit_price')}` },
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
    measures: [
      { name: 'sale_lines', agg: 'count', expr: '*' },
      { name: 'units', agg: 'sum', expr: col(s, 'quantity') },
      { name: 'revenue', agg: 'sum', expr: `${col(s, 'quantity')} * ${col(s, 'unit_price')}` },
    ],
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
    measures: [
      { name: 'sale_lines', agg: 'count', expr: '*' },
      { name: 'units', agg: 'sum', expr: col(s, 'quantity') },
      { name: 'revenue', agg: 'sum', expr: `${col(s, 'quantity')} * ${col(s, 'unit_price')}` },
    ],
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
// Plain views over the materialized views and dims: ranks, peaks, ratios.
// Window functions and COUNT(DISTINCT) are fine here; they never scan facts.

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
    query: `SELECT ${bucket} AS ${period}, CAST(SUM(h.sale_lines) AS BIGINT) AS sale_lines, CAST(SUM(h.units) AS BIGINT) AS units, SUM(h.revenue) AS revenue,
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
    query: `SELECT h.hour, CAST(SUM(h.sale_lines) AS BIGINT) AS sale_lines, CAST(SUM(h.units) AS BIGINT) AS units, SUM(h.revenue) AS revenue,
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
  CAST(COALESCE(SUM(h.sale_lines), 0) AS BIGINT) AS sale_lines, CAST(COALESCE(SUM(h.units), 0) AS BIGINT) AS units, COALESCE(SUM(h.revenue), 0) AS revenue,
  RANK() OVER (ORDER BY COALESCE(SUM(h.revenue), 0) DESC) AS revenue_rank,
  RANK() OVER (ORDER BY COALESCE(SUM(h.units), 0) DESC) AS units_rank
FROM ${S('stores')} st
LEFT JOIN ${S('mv_sales_by_store_hour')} h ON h.store_id = st.store_id
GROUP BY st.store_id, st.city, st.state, st.region, st."size"`,
  }),
  v_sales_by_region: defineView({
    name: 'v_sales_by_region',
    doc: 'Sales and revenue per region, ranked by revenue.',
    reads: ['mv_sales_by_store_hour', 'stores'],
    metrics: ['sales by region'],
    query: `SELECT st.region, COUNT(DISTINCT st.store_id) AS stores,
  CAST(COALESCE(SUM(h.sale_lines), 0) AS BIGINT) AS sale_lines, CAST(COALESCE(SUM(h.units), 0) AS BIGINT) AS units, COALESCE(SUM(h.revenue), 0) AS revenue,
  RANK() OVER (ORDER BY COALESCE(SUM(h.revenue), 0) DESC) AS revenue_rank
FROM ${S('stores')} st
LEFT JOIN ${S('mv_sales_by_store_hour')} h ON h.store_id = st.store_id
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
  SELECT p.category, COUNT(*) AS products, CAST(COALESCE(SUM(m.units), 0) AS BIGINT) AS units, COALESCE(SUM(m.revenue), 0) AS revenue
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
    query: `SELECT CAST(COALESCE(SUM(m.sale_lines), 0) AS BIGINT) AS sale_lines, CAST(COALESCE(SUM(m.units), 0) AS BIGINT) AS units, COALESCE(SUM(m.revenue), 0) AS revenue,
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
JOIN ${S('stores')} st ON st.store_id = k.store_id`,
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

/** Materialized views first: plain views read them. */
export const allViews: readonly ViewDef[] = [...allMaterializedViews, ...allPlainViews];

/** Twin-only names of a materialized view's pending partial aggregates and of its fact table's capture trigger. */
export function twinObjects(view: MaterializedViewDef): {
  pending: string;
  captureFunction: string;
  trigger: string;
  keyIndex: string;
} {
  return {
    pending: qualified(`${view.name}__pending`),
    captureFunction: qualified(`${view.fact.name}__capture`),
    trigger: `${view.fact.name}__capture`,
    keyIndex: `${view.name}__key`,
  };
}

const columnsOf = (v: MaterializedViewDef) =>
  [...v.groupBy.map((g) => g.name), ...v.measures.map((m) => m.name)].map(quoteIdent).join(', ');

/** Statements that create a view (idempotent where the dialect allows). */
export function renderViewDdl(view: ViewDef, dialect: Dialect): string[] {
  if (view.kind === 'view') return [`CREATE OR REPLACE VIEW ${qualified(view.name)} AS\n${view.query}`];
  const query = renderMaterializedQuery(view);
  if (dialect === 'redshift') {
    // Redshift has no CREATE MATERIALIZED VIEW IF NOT EXISTS; dropping first keeps the
    // migration re-runnable, and the plain views that CASCADE drops are created after.
    // No BACKUP NO: it only leaves a view out of provisioned *cluster* snapshots (CREATE
    // MATERIALIZED VIEW docs); Redshift Serverless takes no cluster snapshots.
    return [
      `DROP MATERIALIZED VIEW IF EXISTS ${qualified(view.name)} CASCADE`,
      `CREATE MATERIALIZED VIEW ${qualified(view.name)}\n${renderPhysical(view.physical).join('\n')}\nAUTO REFRESH YES\nAS\n${query}`,
    ];
  }
  const twin = twinObjects(view);
  const keys = view.groupBy.map((g) => quoteIdent(g.name)).join(', ');
  const sameFact = allMaterializedViews.filter((v) => v.fact === view.fact);
  const captured = sameFact.slice(0, sameFact.indexOf(view) + 1);
  return [
    // A table built WITH DATA from the same query; later inserts reach it through the pending table.
    `CREATE TABLE IF NOT EXISTS ${qualified(view.name)} AS\n${query}\nWITH DATA`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${twin.keyIndex} ON ${qualified(view.name)} (${keys})`,
    `CREATE TABLE IF NOT EXISTS ${twin.pending} (LIKE ${qualified(view.name)})`,
    // One statement trigger per fact table feeds every view over it created so far
    // (views are created in order, each replacing the function with one more capture):
    // one pass of trigger overhead per COPY instead of one per view.
    `CREATE OR REPLACE FUNCTION ${twin.captureFunction}() RETURNS trigger LANGUAGE plpgsql AS $capture$
BEGIN
${captured.map((v) => `  INSERT INTO ${twinObjects(v).pending} (${columnsOf(v)})\n${renderMaterializedQuery(v, 'new_rows')};`).join('\n')}
  RETURN NULL;
END
$capture$`,
    `CREATE OR REPLACE TRIGGER ${twin.trigger} AFTER INSERT ON ${qualified(view.fact.name)} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${twin.captureFunction}()`,
  ];
}

/**
 * Statements that bring one materialized view up to date. Redshift refreshes
 * incrementally itself; the twin merges the pending partial aggregates, which is
 * the same incremental step, under a lock so no insert slips between merge and clear.
 */
export function renderRefreshSql(view: MaterializedViewDef, dialect: Dialect): string[] {
  if (dialect === 'redshift') return [`REFRESH MATERIALIZED VIEW ${qualified(view.name)}`];
  const twin = twinObjects(view);
  const keys = view.groupBy.map((g) => quoteIdent(g.name));
  const merge = { sum: 'SUM', count: 'SUM', min: 'MIN', max: 'MAX' } as const;
  const combine = (m: Measure) => {
    const c = quoteIdent(m.name);
    if (m.agg === 'min') return `${c} = LEAST(t.${c}, EXCLUDED.${c})`;
    if (m.agg === 'max') return `${c} = GREATEST(t.${c}, EXCLUDED.${c})`;
    return `${c} = t.${c} + EXCLUDED.${c}`;
  };
  const columns = [...keys, ...view.measures.map((m) => quoteIdent(m.name))];
  return [
    `LOCK TABLE ${twin.pending} IN EXCLUSIVE MODE`,
    `INSERT INTO ${qualified(view.name)} AS t (${columns.join(', ')})
SELECT ${[...keys, ...view.measures.map((m) => `${merge[m.agg]}(${quoteIdent(m.name)})`)].join(', ')}
FROM ${twin.pending}
GROUP BY ${keys.join(', ')}
ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${view.measures.map(combine).join(', ')}`,
    `TRUNCATE ${twin.pending}`,
  ];
}

/** Twin only: recompute a materialized view from the facts (after a delete or update of facts). */
export function renderRebuildSql(view: MaterializedViewDef): string[] {
  const twin = twinObjects(view);
  return [
    `LOCK TABLE ${twin.pending} IN EXCLUSIVE MODE`,
    `TRUNCATE ${qualified(view.name)}`,
    `INSERT INTO ${qualified(view.name)}\n${renderMaterializedQuery(view)}`,
    `TRUNCATE ${twin.pending}`,
  ];
}
