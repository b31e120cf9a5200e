// The dashboard's panels, defined once. The twin's ECharts page (local/dashboard.ts) and the
// QuickSight dashboard (infra/dashboard.ts) are both rendered from this list: adding a panel
// here adds it to both. Each panel answers one question of DESIGN.md's metrics with one
// dashboard query over the views, as one kind of chart, from named columns of that query.
import { Problems } from '../kernel/problems';
import { dashboardQueries, viewColumns, type ColumnType, type DashboardQueryName } from './queries';

/** How a value reads: drives the twin's formatting and QuickSight's field types. */
export type ValueFormat = 'text' | 'count' | 'money' | 'rate' | 'index' | 'minute' | 'hour' | 'day' | 'week' | 'rank';

/** The time formats: each is also the QuickSight date granularity of its column. */
export const TIME_FORMATS = ['minute', 'hour', 'day', 'week'] as const satisfies readonly ValueFormat[];

/** The order a panel's rows are read in: by one of its fields. Both dashboards follow it. */
export interface PanelSort {
  /** A field of the panel (QuickSight sorts by a field in the visual's wells). */
  readonly column: string;
  readonly direction: 'asc' | 'desc';
}

export interface PanelField {
  /** A column of the panel's query. */
  readonly column: string;
  readonly label: string;
  readonly format: ValueFormat;
}

/**
 * - kpi: one figure per measure, from the query's single row;
 * - line / bar: a trend or comparison over the first dimension (bars keep the query's order);
 * - ranking: horizontal bars, best first, labelled with the dimension (names, not ids);
 * - distribution: every row as a bar, sorted by the measure, lowest and highest named;
 * - donut: shares of the measure;
 * - table: the rows as they are, dimensions then measures.
 */
export type PanelKind = 'kpi' | 'line' | 'bar' | 'ranking' | 'distribution' | 'donut' | 'table';

export interface Panel {
  /** Letters, digits and dashes: also the QuickSight visual id (pattern [\w\-]+). */
  readonly id: string;
  readonly sheet: SheetId;
  /** The question it answers. */
  readonly title: string;
  /** How to read it; never a repeat of the title. */
  readonly subtitle: string;
  readonly query: DashboardQueryName;
  readonly kind: PanelKind;
  readonly dimensions: readonly PanelField[];
  readonly measures: readonly PanelField[];
  /** Wide panels span the whole row (tables, long time axes). */
  readonly wide?: boolean;
  /** The rows' order; every panel but a KPI states one. */
  readonly sort?: PanelSort;
}

export const SHEETS = [
  { id: 'revenue', title: 'Revenue', description: 'Overall revenue, by category and by store.' },
  { id: 'trends', title: 'Trends and peaks', description: 'Sales per minute, hour, day and week, with the peaks.' },
  { id: 'stores', title: 'Stores and regions', description: 'Every store ranked by revenue, and the regions.' },
  {
    id: 'products',
    title: 'Products and categories',
    description: 'Top products, categories, over- and under-performers.',
  },
  { id: 'stock', title: 'Stock', description: 'Stockouts, low stock and sell-through.' },
] as const;
export type SheetId = (typeof SHEETS)[number]['id'];

const f = (column: string, label: string, format: ValueFormat): PanelField => ({ column, label, format });
const by = (column: string, direction: PanelSort['direction']): PanelSort => ({ column, direction });
const revenue = f('revenue', 'Revenue', 'money');
const units = f('units', 'Units', 'count');
const product = f('name', 'Product', 'text');
const category = f('category', 'Category', 'text');

export const PANELS: readonly Panel[] = [
  {
    id: 'kpis',
    sheet: 'revenue',
    title: 'Revenue overall',
    subtitle: 'Warehouse totals over every loaded run; lost sales never reach the warehouse (see the run summary).',
    query: 'revenueOverall',
    kind: 'kpi',
    dimensions: [],
    measures: [revenue, units, f('sale_lines', 'Sale lines', 'count'), f('revenue_per_line', 'Average line', 'money')],
    wide: true,
  },
  {
    id: 'revenue-by-category',
    sheet: 'revenue',
    title: 'Revenue by category',
    subtitle: 'Share of all revenue.',
    query: 'revenueByCategory',
    kind: 'donut',
    sort: by('revenue', 'desc'),
    dimensions: [category],
    measures: [revenue],
  },
  {
    id: 'revenue-by-store',
    sheet: 'revenue',
    title: 'Revenue by store',
    subtitle: 'Highest first, every store.',
    query: 'storeRanking',
    kind: 'ranking',
    sort: by('revenue', 'desc'),
    dimensions: [f('store_id', 'Store', 'text'), f('city', 'City', 'text')],
    measures: [revenue],
  },
  {
    id: 'sales-per-minute',
    sheet: 'trends',
    title: 'Sales per minute',
    subtitle: 'Revenue each minute; the peak minute is marked.',
    query: 'salesPerMinute',
    kind: 'line',
    sort: by('minute', 'asc'),
    dimensions: [f('minute', 'Minute', 'minute')],
    measures: [revenue],
    wide: true,
  },
  {
    id: 'sales-per-hour',
    sheet: 'trends',
    title: 'Sales per hour',
    subtitle: 'Revenue bars and units; the peak hour is marked.',
    query: 'salesPerHour',
    kind: 'bar',
    sort: by('hour', 'asc'),
    dimensions: [f('hour', 'Hour', 'hour')],
    measures: [revenue, units],
  },
  {
    id: 'peak-hours',
    sheet: 'trends',
    title: 'Peak hour of each day',
    subtitle: 'The busiest hour by revenue, one row per day.',
    query: 'peakHours',
    kind: 'table',
    sort: by('hour', 'asc'),
    dimensions: [f('hour', 'Hour', 'hour')],
    measures: [revenue, units, f('sale_lines', 'Lines', 'count')],
  },
  {
    id: 'sales-per-day',
    sheet: 'trends',
    title: 'Sales per day',
    subtitle: 'Revenue per calendar day (UTC).',
    query: 'salesDaily',
    kind: 'bar',
    sort: by('day', 'asc'),
    dimensions: [f('day', 'Day', 'day')],
    measures: [revenue],
  },
  {
    id: 'sales-per-week',
    sheet: 'trends',
    title: 'Sales per week',
    subtitle: 'Revenue per ISO week, labelled by its Monday.',
    query: 'salesWeekly',
    kind: 'bar',
    sort: by('week', 'asc'),
    dimensions: [f('week', 'Week of', 'week')],
    measures: [revenue],
  },
  {
    id: 'store-ranking',
    sheet: 'stores',
    title: 'Store ranking',
    subtitle: 'Every store by revenue, with its rank by units.',
    query: 'storeRanking',
    kind: 'table',
    sort: by('revenue_rank', 'asc'),
    dimensions: [
      f('revenue_rank', 'Rank', 'rank'),
      f('store_id', 'Store', 'text'),
      f('city', 'City', 'text'),
      f('region', 'Region', 'text'),
    ],
    measures: [revenue, units, f('units_rank', 'Rank by units', 'rank')],
    wide: true,
  },
  {
    id: 'revenue-by-region',
    sheet: 'stores',
    title: 'Revenue by region',
    subtitle: 'Highest first.',
    query: 'revenueByRegion',
    kind: 'ranking',
    sort: by('revenue', 'desc'),
    dimensions: [f('region', 'Region', 'text')],
    measures: [revenue],
  },
  {
    id: 'top-products-revenue',
    sheet: 'products',
    title: 'Top products by revenue',
    subtitle: 'The ten best sellers in dollars.',
    query: 'topProductsByRevenue',
    kind: 'ranking',
    sort: by('revenue', 'desc'),
    dimensions: [product],
    measures: [revenue],
  },
  {
    id: 'top-products-units',
    sheet: 'products',
    title: 'Top products by units',
    subtitle: 'The ten best sellers in units.',
    query: 'topProductsByUnits',
    kind: 'ranking',
    sort: by('units', 'desc'),
    dimensions: [product],
    measures: [units],
  },
  {
    id: 'categories',
    sheet: 'products',
    title: 'Categories',
    subtitle: 'Units, revenue and share of revenue, ranked.',
    query: 'revenueByCategory',
    kind: 'table',
    sort: by('revenue_rank', 'asc'),
    dimensions: [f('revenue_rank', 'Rank', 'rank'), category],
    measures: [units, revenue, f('revenue_share', 'Share', 'rate')],
  },
  {
    id: 'over-performers',
    sheet: 'products',
    title: 'Over-performers',
    subtitle: 'Revenue at 1.5x or more of a fair share of their category.',
    query: 'overPerformers',
    kind: 'table',
    sort: by('performance_index', 'desc'),
    dimensions: [product, category],
    measures: [revenue, f('performance_index', 'x fair share', 'index')],
  },
  {
    id: 'under-performers',
    sheet: 'products',
    title: 'Under-performers',
    subtitle: 'Revenue at half or less of a fair share of their category.',
    query: 'underPerformers',
    kind: 'table',
    sort: by('performance_index', 'asc'),
    dimensions: [product, category],
    measures: [revenue, f('performance_index', 'x fair share', 'index')],
  },
  {
    id: 'out-of-stock',
    sheet: 'stock',
    title: 'Out of stock',
    subtitle: 'Product and store pairs with nothing left, most sold first.',
    query: 'outOfStock',
    kind: 'table',
    sort: by('units_sold', 'desc'),
    dimensions: [product, f('store_id', 'Store', 'text'), f('region', 'Region', 'text')],
    measures: [f('units_received', 'Received', 'count'), f('units_sold', 'Sold', 'count')],
    wide: true,
  },
  {
    id: 'low-stock',
    sheet: 'stock',
    title: 'Low stock',
    subtitle: 'At most 20% of what was received is left: the next stockouts.',
    query: 'lowStock',
    kind: 'table',
    sort: by('on_hand', 'asc'),
    dimensions: [product, f('store_id', 'Store', 'text')],
    measures: [f('on_hand', 'On hand', 'count'), f('units_received', 'Received', 'count')],
  },
  {
    id: 'sell-through',
    sheet: 'stock',
    title: 'Sell-through per product',
    subtitle: 'Units sold / units received, every product sorted; slowest and fastest named.',
    query: 'sellThrough',
    kind: 'distribution',
    sort: by('sell_through_rate', 'asc'),
    dimensions: [product],
    measures: [f('sell_through_rate', 'Sell-through', 'rate')],
  },
];

/** Every problem with a panel list: bad ids, unknown queries or columns, wrong kinds of field. */
export function panelProblems(panels: readonly Panel[]): string[] {
  const problems = new Problems();
  const seen = new Set<string>();
  for (const p of panels) {
    problems.check(/^[A-Za-z0-9-]{1,64}$/.test(p.id), () => `${p.id}: id must be 1-64 letters, digits or dashes`);
    problems.check(!seen.has(p.id), () => `${p.id}: id used twice`);
    seen.add(p.id);
    problems.check(
      SHEETS.some((s) => s.id === p.sheet),
      () => `${p.id}: unknown sheet ${p.sheet}`,
    );
    problems.check(
      !p.subtitle.trim().toLowerCase().startsWith(p.title.toLowerCase()),
      () => `${p.id}: subtitle repeats the title`,
    );
    const query = dashboardQueries[p.query];
    if (!query) {
      problems.add(`${p.id}: unknown query ${p.query}`);
      continue;
    }
    const columns = viewColumns[query.view];
    for (const field of [...p.dimensions, ...p.measures])
      problems.check(field.column in columns, () => `${p.id}: ${query.view} has no column ${field.column}`);
    for (const m of p.measures) {
      const type = columns[m.column];
      problems.check(!type || NUMERIC.includes(type), () => `${p.id}: measure ${m.column} is ${type}, not a number`);
    }
    problems.check(
      p.kind === 'kpi' ? p.dimensions.length === 0 : p.dimensions.length > 0,
      () => `${p.id}: a ${p.kind} panel ${p.kind === 'kpi' ? 'takes no' : 'needs a'} dimension`,
    );
    problems.check(p.measures.length > 0, () => `${p.id}: needs a measure`);
    problems.check(
      p.kind === 'kpi' ? p.sort === undefined : p.sort !== undefined,
      () => `${p.id}: a ${p.kind} panel ${p.kind === 'kpi' ? 'has no order' : 'states its sort'}`,
    );
    if (p.sort) {
      const { column } = p.sort;
      problems.check(
        [...p.dimensions, ...p.measures].some((x) => x.column === column),
        () => `${p.id}: sorts by ${column}, which is not one of its fields`,
      );
    }
  }
  return [...problems.all];
}

const NUMERIC: readonly ColumnType[] = ['INTEGER', 'DECIMAL'];

/** The column type of a panel field, from the warehouse schema. */
export function columnType(panel: Panel, field: PanelField): ColumnType {
  return viewColumns[dashboardQueries[panel.query].view][field.column];
}

const problems = panelProblems(PANELS);
if (problems.length > 0) throw new Error(`bad dashboard panels:\n  - ${problems.join('\n  - ')}`);
