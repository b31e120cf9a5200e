// The dashboard's read-only queries, one per panel. They read the plain views
// (which read the materialized views and dims), never the fact tables, so each
// stays small however many sale lines are loaded. Counts come back as numbers,
// money and rates as exact decimal strings, times as UTC Dates.
import type { SqlDriver } from './runner';
import { plainViews, qualified, type PlainViewName } from './schema';

export interface DashboardQuery<Row> {
  readonly title: string;
  /** The view it reads. */
  readonly view: PlainViewName;
  readonly sql: string;
  /** The same rows unordered: a QuickSight custom-SQL data set (visuals sort for themselves). */
  readonly dataSetSql: string;
  /** Phantom: the row type, for typed results. */
  readonly _row?: Row;
}

type Money = string;
type Rate = string | null;

export interface SalesBucketRow {
  sale_lines: number;
  units: number;
  revenue: Money;
  revenue_rank: number;
}

function q<Row>(view: PlainViewName, title: string, tail: string, columns = '*'): DashboardQuery<Row> {
  if (!(view in plainViews)) throw new Error(`unknown view ${view}`);
  const sql = `SELECT ${columns} FROM ${qualified(view)}${tail ? ' ' + tail : ''}`;
  return { title, view, sql, dataSetSql: sql.replace(/ ORDER BY [^)]*$/, '') };
}

export const TOP_N = 10;

export const dashboardQueries = {
  salesPerMinute: q<SalesBucketRow & { minute: Date; units_rank: number }>(
    'v_sales_per_minute',
    'Sales per minute',
    'ORDER BY minute',
  ),
  peakMinute: q<SalesBucketRow & { minute: Date; units_rank: number }>(
    'v_sales_per_minute',
    'Peak minute by revenue',
    'WHERE revenue_rank = 1 ORDER BY minute',
  ),
  salesPerHour: q<SalesBucketRow & { hour: Date; revenue_rank_in_day: number; units_rank: number }>(
    'v_sales_hourly',
    'Sales per hour (rank 1 = peak hour)',
    'ORDER BY hour',
  ),
  peakHours: q<SalesBucketRow & { hour: Date; revenue_rank_in_day: number; units_rank: number }>(
    'v_sales_hourly',
    'Peak hour of each day',
    'WHERE revenue_rank_in_day = 1 ORDER BY hour',
  ),
  salesDaily: q<SalesBucketRow & { day: Date }>('v_sales_daily', 'Sales per day', 'ORDER BY day'),
  salesWeekly: q<SalesBucketRow & { week: Date }>('v_sales_weekly', 'Sales per week', 'ORDER BY week'),
  revenueByRegion: q<SalesBucketRow & { region: string; stores: number }>(
    'v_sales_by_region',
    'Revenue by region',
    'ORDER BY revenue_rank, region',
  ),
  revenueByStore: q<
    SalesBucketRow & { store_id: string; city: string; state: string; region: string; size: string; units_rank: number }
  >('v_sales_by_store', 'Revenue by store', 'ORDER BY store_id'),
  storeRanking: q<
    SalesBucketRow & { store_id: string; city: string; state: string; region: string; size: string; units_rank: number }
  >('v_sales_by_store', 'Store ranking by revenue (with rank by units)', 'ORDER BY revenue_rank, store_id'),
  revenueByCategory: q<{
    category: string;
    products: number;
    units: number;
    revenue: Money;
    revenue_share: Rate;
    revenue_rank: number;
    units_rank: number;
  }>('v_revenue_by_category', 'Revenue by category', 'ORDER BY revenue_rank, category'),
  revenueOverall: q<{
    sale_lines: number;
    units: number;
    revenue: Money;
    revenue_per_line: Money | null;
    first_sale_at: Date | null;
    last_sale_at: Date | null;
  }>('v_revenue_overall', 'Overall revenue', ''),
  topProductsByUnits: q<ProductPerformanceRow>(
    'v_product_performance',
    `Top ${TOP_N} products by units`,
    `WHERE units_rank <= ${TOP_N} ORDER BY units_rank, product_id`,
  ),
  topProductsByRevenue: q<ProductPerformanceRow>(
    'v_product_performance',
    `Top ${TOP_N} products by revenue`,
    `WHERE revenue_rank <= ${TOP_N} ORDER BY revenue_rank, product_id`,
  ),
  overPerformers: q<ProductPerformanceRow>(
    'v_product_performance',
    'Over-performers against their category',
    "WHERE performance = 'over' ORDER BY performance_index DESC, product_id",
  ),
  underPerformers: q<ProductPerformanceRow>(
    'v_product_performance',
    'Under-performers against their category',
    "WHERE performance = 'under' ORDER BY performance_index, product_id",
  ),
  stockAtRisk: q<StockRow>(
    'v_stock_on_hand',
    'Stock at risk of stockout',
    "WHERE stockout_risk <> 'ok' ORDER BY on_hand, product_id, store_id",
  ),
  outOfStock: q<StockRow>(
    'v_stock_on_hand',
    'Out of stock, per product and store',
    "WHERE stockout_risk = 'out_of_stock' ORDER BY units_sold DESC, product_id, store_id",
  ),
  lowStock: q<StockRow>(
    'v_stock_on_hand',
    'Low stock, per product and store',
    "WHERE stockout_risk = 'at_risk' ORDER BY on_hand, product_id, store_id",
  ),
  sellThrough: q<{
    product_id: string;
    name: string;
    category: string;
    units_sold: number;
    units_received: number;
    sell_through_rate: Rate;
  }>('v_sell_through', 'Sell-through rate per product', 'ORDER BY sell_through_rate NULLS LAST, product_id'),
} as const;

export interface ProductPerformanceRow {
  product_id: string;
  name: string;
  category: string;
  sale_lines: number;
  units: number;
  revenue: Money;
  list_value: Money;
  units_rank: number;
  revenue_rank: number;
  category_revenue: Money;
  category_products: number;
  performance_index: Rate;
  performance: 'over' | 'under' | 'expected';
}

export interface StockRow {
  product_id: string;
  name: string;
  category: string;
  store_id: string;
  region: string;
  units_received: number;
  units_sold: number;
  on_hand: number;
  last_movement_at: Date;
  stockout_risk: 'ok' | 'at_risk' | 'out_of_stock';
}

export type DashboardQueryName = keyof typeof dashboardQueries;

/** Column types as QuickSight names them (API InputColumn.Type; the views need no other). */
export type ColumnType = 'STRING' | 'INTEGER' | 'DECIMAL' | 'DATETIME';

const bucket = { sale_lines: 'INTEGER', units: 'INTEGER', revenue: 'DECIMAL', revenue_rank: 'INTEGER' } as const;
/**
 * Every column of every plain view with its type: what a QuickSight custom-SQL data set must
 * declare (the API refuses one without columns: terraform-provider-aws #33273, #35052).
 * queries.test.ts checks this against the columns the migrated warehouse really has.
 */
export const viewColumns: { readonly [V in PlainViewName]: Readonly<Record<string, ColumnType>> } = {
  v_sales_per_minute: { minute: 'DATETIME', ...bucket, units_rank: 'INTEGER' },
  v_sales_hourly: { hour: 'DATETIME', ...bucket, revenue_rank_in_day: 'INTEGER', units_rank: 'INTEGER' },
  v_sales_daily: { day: 'DATETIME', ...bucket },
  v_sales_weekly: { week: 'DATETIME', ...bucket },
  v_sales_by_store: {
    store_id: 'STRING',
    city: 'STRING',
    state: 'STRING',
    region: 'STRING',
    size: 'STRING',
    ...bucket,
    units_rank: 'INTEGER',
  },
  v_sales_by_region: { region: 'STRING', stores: 'INTEGER', ...bucket },
  v_product_performance: {
    product_id: 'STRING',
    name: 'STRING',
    category: 'STRING',
    sale_lines: 'INTEGER',
    units: 'INTEGER',
    revenue: 'DECIMAL',
    list_value: 'DECIMAL',
    units_rank: 'INTEGER',
    revenue_rank: 'INTEGER',
    category_revenue: 'DECIMAL',
    category_products: 'INTEGER',
    performance_index: 'DECIMAL',
    performance: 'STRING',
  },
  v_revenue_by_category: {
    category: 'STRING',
    products: 'INTEGER',
    units: 'INTEGER',
    revenue: 'DECIMAL',
    revenue_share: 'DECIMAL',
    revenue_rank: 'INTEGER',
    units_rank: 'INTEGER',
  },
  v_revenue_overall: {
    sale_lines: 'INTEGER',
    units: 'INTEGER',
    revenue: 'DECIMAL',
    revenue_per_line: 'DECIMAL',
    first_sale_at: 'DATETIME',
    last_sale_at: 'DATETIME',
  },
  v_stock_on_hand: {
    product_id: 'STRING',
    name: 'STRING',
    category: 'STRING',
    store_id: 'STRING',
    region: 'STRING',
    units_received: 'INTEGER',
    units_sold: 'INTEGER',
    on_hand: 'INTEGER',
    last_movement_at: 'DATETIME',
    stockout_risk: 'STRING',
  },
  v_sell_through: {
    product_id: 'STRING',
    name: 'STRING',
    category: 'STRING',
    units_sold: 'INTEGER',
    units_received: 'INTEGER',
    sell_through_rate: 'DECIMAL',
  },
};
export type DashboardRows = { [K in DashboardQueryName]: NonNullable<(typeof dashboardQueries)[K]['_row']>[] };

/** Run every dashboard query, one after another (a twin driver holds one connection), rows by name. */
export async function runDashboardQueries(driver: SqlDriver): Promise<DashboardRows> {
  const out: Partial<Record<DashboardQueryName, unknown[]>> = {};
  for (const name of Object.keys(dashboardQueries) as DashboardQueryName[])
    out[name] = await driver.query(dashboardQueries[name].sql);
  return out as DashboardRows;
}
